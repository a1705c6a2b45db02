"""ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) → model.anp.AdminPolicy.

Validation from the CRD at kubernetes-sigs/network-policy-api HEAD (config/crd/experimental,
apis/v1alpha2/clusternetworkpolicy_types.go; https://network-policy-api.sigs.k8s.io/reference/spec/): tier
Admin or Baseline; priority 0..1000; actions Accept/Deny/Pass (Accept is the model's "allow"); at most 25 rules
per direction, 25 peers and 25 protocols per rule; a protocol entry is exactly one of tcp, udp, sctp,
destinationNamedPort; tcp/udp/sctp need a destinationPort, which is exactly one of number (1..65535) and range
(CEL: start < end); `pods.namespaceSelector` is optional (empty: all namespaces), `podSelector` is required.
"""

from __future__ import annotations

from netverify.load.anp_peers import Reading, exactly_one, subject
from netverify.load.anp_rules import Dialect, admin_rules
from netverify.load.anp_schema import CnpModel, CnpProtocolSpec
from netverify.load.ports import check_port_number
from netverify.load.site import Site
from netverify.model.anp import CNP_KIND, AdminPolicy, AdminPort, Tier
from netverify.model.ports import Protocol

V1ALPHA2 = "policy.networking.k8s.io/v1alpha2"
MIN_PRIORITY, MAX_PRIORITY = 0, 1000
TIERS: dict[str, Tier] = {"Admin": "admin", "Baseline": "baseline"}
_PROTOCOL_KEYS = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}


def cnp_port(spec: CnpProtocolSpec, site: Site) -> AdminPort:
    chosen = exactly_one(site, "a protocols entry", {
        "tcp": spec.tcp, "udp": spec.udp, "sctp": spec.sctp, "destinationNamedPort": spec.destinationNamedPort,
    })
    if spec.destinationNamedPort is not None:
        return AdminPort(None, spec.destinationNamedPort, None, site.span())
    ports = getattr(spec, chosen)
    here = site.at(chosen)
    if ports.destinationPort is None:
        raise here.error(f"{chosen} needs a destinationPort (a number or a range); to match every {chosen.upper()} "
                         "port, leave the rule's protocols out")
    dest, dest_site = ports.destinationPort, here.at("destinationPort")
    exactly_one(dest_site, "a destinationPort", {"number": dest.number, "range": dest.range})
    if dest.number is not None:
        check_port_number(dest.number, dest_site.at("number"))
        return AdminPort(_PROTOCOL_KEYS[chosen], dest.number, None, site.span())
    assert dest.range is not None
    r, range_site = dest.range, dest_site.at("range")
    check_port_number(r.start, range_site.at("start"))
    check_port_number(r.end, range_site.at("end"))
    if r.start >= r.end:
        raise range_site.at("end").error(f"a port range's start ({r.start}) must be less than its end ({r.end})")
    return AdminPort(_PROTOCOL_KEYS[chosen], r.start, r.end, site.span())


CNP_DIALECT = Dialect(
    kind=CNP_KIND, api_version=V1ALPHA2, actions={"Accept": "allow", "Deny": "deny", "Pass": "pass"},
    max_rules=25, max_peers=25, max_ports=25, ports_key="protocols", named_port_key="destinationNamedPort",
    namespace_selector_required=False, port=cnp_port,
)


def cluster_network_policy(model: CnpModel, name: str, api_version: str, site: Site, reading: Reading) -> AdminPolicy:
    spec, spec_site = model.spec, site.at("spec")
    tier = TIERS.get(spec.tier)
    if tier is None:
        hint = next((f" (did you mean {t!r}?)" for t in TIERS if t.lower() == spec.tier.lower()), "")
        raise spec_site.at("tier").error(f"{spec.tier!r} is not a tier: use Admin or Baseline{hint}")
    if not MIN_PRIORITY <= spec.priority <= MAX_PRIORITY:
        raise spec_site.at("priority").error(
            f"priority {spec.priority} is out of range: a ClusterNetworkPolicy's priority is {MIN_PRIORITY} to "
            f"{MAX_PRIORITY}"
        )
    return AdminPolicy(
        kind=CNP_KIND, api_version=api_version, name=name, tier=tier, priority=spec.priority,
        subject=subject(spec.subject, spec_site.at("subject"), namespace_selector_required=False, reading=reading),
        ingress=admin_rules("ingress", spec.ingress, spec_site.at("ingress"), CNP_DIALECT, reading),
        egress=admin_rules("egress", spec.egress, spec_site.at("egress"), CNP_DIALECT, reading),
        span=site.span(),
    )
