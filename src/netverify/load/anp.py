"""AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) → model.anp.AdminPolicy.

Validation from the CRDs at kubernetes-sigs/network-policy-api@40eeb18096dd (the last v1alpha1 state;
config/crd/experimental, apis/v1alpha1/*_types.go; https://network-policy-api.sigs.k8s.io/reference/spec/):
priority 0..1000; the BANP is a singleton named `default` (CEL on the object) with Allow/Deny only; a port is
exactly one of portNumber, namedPort, portRange, with ports 1..65535; a range's start below its end
(PortRange's doc: "the Start value must be less than End"); protocol TCP, UDP or SCTP (default TCP).
"""

from __future__ import annotations

from netverify.load.anp_peers import Reading, exactly_one, subject
from netverify.load.anp_rules import Dialect, admin_rules
from netverify.load.anp_schema import AnpModel, AnpPortSpec, BanpModel
from netverify.load.ports import check_port_number
from netverify.load.site import Site
from netverify.model.anp import ANP_KIND, BANP_KIND, AdminPolicy, AdminPort
from netverify.model.ports import PROTOCOLS, Protocol

V1ALPHA1 = "policy.networking.k8s.io/v1alpha1"
MIN_PRIORITY, MAX_PRIORITY = 0, 1000
BANP_NAME = "default"


def protocol(written: str | None, site: Site) -> Protocol:
    """A v1 Protocol. The CRD leaves it a free string, but only these three mean anything to a data plane; any
    other value could not be modelled, so it is refused rather than guessed at."""
    if written is None:
        return Protocol.TCP
    if written in PROTOCOLS:  # a str Enum: "TCP" is Protocol.TCP; ICMP and numbers are protocols, not v1's
        return Protocol(written)
    hint = f" (did you mean {written.upper()!r}?)" if written.upper() in PROTOCOLS else ""
    raise site.error(f"{written!r} is not a protocol: use TCP, UDP or SCTP{hint}")


def anp_port(spec: AnpPortSpec, site: Site) -> AdminPort:
    chosen = exactly_one(site, "a port", {
        "portNumber": spec.portNumber, "namedPort": spec.namedPort, "portRange": spec.portRange,
    })
    here = site.at(chosen)
    if spec.portNumber is not None:
        check_port_number(spec.portNumber.port, here.at("port"))
        return AdminPort(protocol(spec.portNumber.protocol, here.at("protocol")), spec.portNumber.port, None,
                         site.span())
    if spec.portRange is not None:
        r = spec.portRange
        check_port_number(r.start, here.at("start"))
        check_port_number(r.end, here.at("end"))
        if r.start >= r.end:
            raise here.at("end").error(f"a port range's start ({r.start}) must be less than its end ({r.end})")
        return AdminPort(protocol(r.protocol, here.at("protocol")), r.start, r.end, site.span())
    assert spec.namedPort is not None
    return AdminPort(None, spec.namedPort, None, site.span())


ANP_DIALECT = Dialect(
    kind=ANP_KIND, api_version=V1ALPHA1, actions={"Allow": "allow", "Deny": "deny", "Pass": "pass"},
    max_rules=100, max_peers=100, max_ports=100, ports_key="ports", named_port_key="namedPort",
    namespace_selector_required=True, port=anp_port,
)
BANP_DIALECT = Dialect(
    kind=BANP_KIND, api_version=V1ALPHA1, actions={"Allow": "allow", "Deny": "deny"},
    max_rules=100, max_peers=100, max_ports=100, ports_key="ports", named_port_key="namedPort",
    namespace_selector_required=True, port=anp_port,
)


def admin_network_policy(model: AnpModel, name: str, api_version: str, site: Site, reading: Reading) -> AdminPolicy:
    spec, spec_site = model.spec, site.at("spec")
    if not MIN_PRIORITY <= spec.priority <= MAX_PRIORITY:
        raise spec_site.at("priority").error(
            f"priority {spec.priority} is out of range: an AdminNetworkPolicy's priority is {MIN_PRIORITY} to "
            f"{MAX_PRIORITY}"
        )
    return AdminPolicy(
        kind=ANP_KIND, api_version=api_version, name=name, tier="admin", priority=spec.priority,
        subject=subject(spec.subject, spec_site.at("subject"), namespace_selector_required=True, reading=reading),
        ingress=admin_rules("ingress", spec.ingress, spec_site.at("ingress"), ANP_DIALECT, reading),
        egress=admin_rules("egress", spec.egress, spec_site.at("egress"), ANP_DIALECT, reading),
        span=site.span(),
    )


def baseline_admin_network_policy(
    model: BanpModel, name: str, api_version: str, site: Site, reading: Reading
) -> AdminPolicy:
    if name != BANP_NAME:
        raise site.at("metadata", "name").error(
            f"a BaselineAdminNetworkPolicy must be named {BANP_NAME!r} (it is a singleton), not {name!r}"
        )
    spec, spec_site = model.spec, site.at("spec")
    return AdminPolicy(
        kind=BANP_KIND, api_version=api_version, name=name, tier="baseline", priority=0,
        subject=subject(spec.subject, spec_site.at("subject"), namespace_selector_required=True, reading=reading),
        ingress=admin_rules("ingress", spec.ingress, spec_site.at("ingress"), BANP_DIALECT, reading),
        egress=admin_rules("egress", spec.egress, spec_site.at("egress"), BANP_DIALECT, reading),
        span=site.span(),
    )
