"""Rules of the admin policy kinds → model.anp.AdminRule, with what the CRDs check of every version.

A `Dialect` says what differs between kinds and versions (kubernetes-sigs/network-policy-api config/crd):
- actions: ANP v1alpha1 Allow/Deny/Pass; BANP v1alpha1 Allow/Deny; CNP v1alpha2 Accept/Deny/Pass;
- rules per direction and peers per rule: v1alpha1 at most 100, v1alpha2 at most 25 (both: at least one peer);
- ports: v1alpha1 `ports` (1..100 entries), v1alpha2 `protocols` (1..25), read by the dialect's `port` function;
- the CEL rule on egress rules: a named port cannot be used with networks/nodes/domainNames peers;
- a rule's name: at most 100 characters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netverify.load.anp_peers import Reading, check_count, peer
from netverify.load.site import Site
from netverify.model.anp import AdminAction, AdminPort, AdminRule
from netverify.model.policy import Direction

MAX_RULE_NAME = 100


@dataclass(frozen=True)
class Dialect:
    kind: str
    api_version: str
    actions: Mapping[str, AdminAction]  # as written -> the model's
    max_rules: int  # per direction
    max_peers: int
    max_ports: int
    ports_key: str  # "ports" (v1alpha1) or "protocols" (v1alpha2)
    named_port_key: str  # "namedPort" or "destinationNamedPort"
    namespace_selector_required: bool  # in `pods` subjects and peers
    port: Callable[[Any, Site], AdminPort]  # one `ports`/`protocols` entry

    def action(self, written: str, site: Site) -> AdminAction:
        action = self.actions.get(written)
        if action is not None:
            return action
        choices = ", ".join(self.actions)
        hint = next((f" (did you mean {w!r}?)" for w in self.actions if w.lower() == written.lower()), "")
        if not hint and written in ("Allow", "Accept"):
            other = "Accept" if written == "Allow" else "Allow"
            if other in self.actions:
                hint = f" ({self.api_version} calls it {other!r})"
        raise site.error(f"{written!r} is not an action of {self.kind} {self.api_version}: it takes {choices}{hint}")


def admin_rules(
    direction: Direction, specs: Sequence[Any] | None, site: Site, dialect: Dialect, reading: Reading
) -> tuple[AdminRule, ...]:
    """`spec.ingress` or `spec.egress` (`site` is that list's)."""
    specs = specs or ()
    check_count(specs, site, f"spec.{direction}", most=dialect.max_rules)
    return tuple(_rule(direction, i, spec, site.at(i), dialect, reading) for i, spec in enumerate(specs))


def _rule(direction: Direction, index: int, spec: Any, site: Site, dialect: Dialect, reading: Reading) -> AdminRule:
    name = spec.name or ""
    if len(name) > MAX_RULE_NAME:
        raise site.at("name").error(f"a rule's name is at most {MAX_RULE_NAME} characters; this one has {len(name)}")
    action = dialect.action(spec.action, site.at("action"))
    key = "from" if direction == "ingress" else "to"
    peer_specs = spec.from_ if direction == "ingress" else spec.to  # the other key: an unknown field, checked
    if peer_specs is None:
        raise site.at(key).error(f"required field is missing: an {direction} rule needs {key!r} (its peers)")
    check_count(peer_specs, site.at(key), key, most=dialect.max_peers, least=1)
    peers = tuple(
        peer(p, site.at(key, i), action, namespace_selector_required=dialect.namespace_selector_required,
             reading=reading)
        for i, p in enumerate(peer_specs)
    )
    port_specs = getattr(spec, dialect.ports_key)
    ports: tuple[AdminPort, ...] | None = None
    if port_specs is not None:
        here = site.at(dialect.ports_key)
        check_count(port_specs, here, dialect.ports_key, most=dialect.max_ports, least=1)
        ports = tuple(dialect.port(p, here.at(i)) for i, p in enumerate(port_specs))
        _check_named_ports(peers, ports, site, key, dialect)
    return AdminRule(direction, index, name, action, peers, ports, site.span())


def _check_named_ports(peers: Sequence[Any], ports: Sequence[AdminPort], site: Site, key: str, dialect: Dialect) -> None:
    """The CEL rule of the egress rule types: only pods have named ports, so a named port beside a networks,
    nodes or domainNames peer is refused."""
    named = next((i for i, p in enumerate(ports) if p.is_named), None)
    if named is None:
        return
    for i, p in enumerate(peers):
        what = "networks" if p.networks else "nodes" if p.nodes is not None else "domainNames" if p.domain_names else ""
        if what:
            raise site.at(dialect.ports_key, named).error(
                f"a named port ({dialect.named_port_key}: {ports[named].port}) cannot be used in a rule with a "
                f"{what} peer ({key}[{i}]): only pods have named ports"
            )
