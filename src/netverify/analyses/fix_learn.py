"""What the fix search (analyses/fix_search.py) learns from a counterexample, decided by the concrete evaluator.

The candidate edits only ever take connections away (docs/fix.md, "Search"): a peer or a rule's ports are
narrowed, a peer is dropped from a rule that keeps others, a Deny is added, an admin Allow is narrowed (what it
no longer matches goes on to the rules and layers after it, which allowed no more than it did). So a connection
an edit set blocks stays blocked when more edits are added. Two facts follow, each about one connection `f`
the base cluster lets through:

- every set of edits that blocks `f` contains an edit that alone changes how `f` is decided: either it edits
  a rule of a policy the base decision of `f` names (the deciding rule of an ordered tier, the NetworkPolicy
  rules that admit it), or it changes that decision by itself (a new Deny that matches `f` ahead of what
  decided it).
  Why: an edit narrows one rule and never makes a rule match what it did not; a rule the decision does not
  name can only come to decide `f` after a named one stopped matching, which an edit of the named one did.
  Two edits of one rule (two of its peers dropped) are both edits of a named rule, so the test needs no pairs;
- an edit that alone takes away a connection a `reachable` property that held needs takes it away in every
  set that contains it.

`relevant` and `loses` answer these on the base cluster and on the cluster with one edit applied, re-read
from its text. A connection that is not one of the property's own (an endpoint outside its class, a port it
does not name) or that the base does not let through is not learned from (`learnable`): nothing is assumed of
it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from ipaddress import ip_address

from netverify.errors import InputError
from netverify.eval.concrete import evaluate
from netverify.findings import ConnectionWitness, EndpointWitness
from netverify.model.cluster import Cluster, ContainerPort
from netverify.model.decision import LayerDecision
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ports import Protocol
from netverify.model.properties import Property
from netverify.model.semantics import CNIS, Semantics
from netverify.model.verdict import RuleRef, SideVerdict, Verdict
from netverify.smt.resolve import resolve_endpoint, resolve_ports


def rule_key(ref: RuleRef) -> str:
    """One rule (or one policy, rule None) across clusters re-read from edited text: spans are left out, an
    edit that moves lines does not make it another rule."""
    return f"{ref.kind}|{ref.policy}|{ref.direction}|{ref.rule}"


def target_key(ref: RuleRef) -> str:
    """The policy and direction a rule belongs to, as an edit's `target` and as the decision names it: one
    rule's edits are told apart no finer (a coarser target makes more edits relevant: a weaker clause, still
    sound), and a NetworkPolicy is the same policy whichever layer converted it (Cilium names it
    `NetworkPolicy/ns/name`, with its own rule numbers)."""
    policy = ref.policy
    if ref.kind == "NetworkPolicy" and policy.startswith("NetworkPolicy/"):
        policy = policy.removeprefix("NetworkPolicy/")
    return f"{ref.kind}|{policy}|{ref.direction}"


def flow_of(cluster: Cluster, cx: ConnectionWitness) -> Flow:
    return Flow(_endpoint(cluster, cx.src), _endpoint(cluster, cx.dst), cx.protocol, cx.port, cx.src_port,
                cx.icmp_type, cx.icmp_code)


def _endpoint(cluster: Cluster, e: EndpointWitness) -> Endpoint:
    ip = ip_address(e.ip) if e.ip is not None else None
    if e.namespace is None:
        assert ip is not None, "an external end of a witness has an address"
        return ExternalEndpoint(ip)
    workload = next((w for w in cluster.workloads if w.ref == e.workload), None) if e.workload else None
    if workload is not None:
        return PodEndpoint(e.namespace, dict(e.namespace_labels), dict(e.labels), workload.ports, ip, workload)
    ports = tuple(ContainerPort(name, port, Protocol(proto)) for name, port, proto in e.container_ports)
    return PodEndpoint(e.namespace, dict(e.namespace_labels), dict(e.labels), ports, ip,
                       service_account=e.service_account)


def learnable(cluster: Cluster, prop: Property, flow: Flow, semantics: Sequence[Semantics], *,
              needed: bool) -> bool:
    """Whether `flow` is one of the property's (its class, its ports, existing pods for scope existing) and,
    under each semantics considered, the base cluster lets it through: `needed` (a connection a `reachable`
    property that held needs) allowed for certain, else (one the violated property forbids) possibly."""
    try:
        src, dst = resolve_endpoint(prop.src, "from", cluster), resolve_endpoint(prop.dst, "to", cluster)
        ports = resolve_ports(prop, dst)
    except InputError:
        return False
    if not (src.fits(flow.src) and dst.fits(flow.dst) and ports.fits(flow)):
        return False
    if prop.scope == "existing" and not all(isinstance(e, PodEndpoint) and e.workload is not None
                                            for e in (flow.src, flow.dst)):
        return False
    verdicts = [evaluate(cluster, flow, semantics=s) for s in semantics]
    return all(v.allowed if needed else v.may_be(True) for v in verdicts)


def semantics_to_consider(semantics: Semantics | None) -> tuple[Semantics, ...]:
    """The run's semantics; when the caller does not say, every CNI's chain with both ipBlock readings (a
    clause from the union of what is relevant under each is weaker than each, so it stays sound)."""
    if semantics is not None:
        return (semantics,)
    return tuple(dict.fromkeys(Semantics(cni, ipb) for cni in CNIS for ipb in (False, True)))


def named_policies(verdict: Verdict) -> set[str]:
    """The target keys of every rule and policy the decision names."""
    out: set[str] = set()
    for side in (verdict.egress, verdict.ingress):
        out |= {target_key(r) for r in (*side.isolated_by, *side.allowed_by)}
        for d in _decisions(side.chain):
            out |= {target_key(r) for r in d.by}
    return out


def _decisions(chain: Iterable[LayerDecision]) -> Iterable[LayerDecision]:
    for d in chain:
        yield d
        yield from _decisions(d.alternatives)


def signature(verdict: Verdict) -> tuple:
    """How a connection is decided, without spans (re-read text moves them)."""
    return tuple(_side(s) for s in (verdict.egress, verdict.ingress))


def _side(s: SideVerdict) -> tuple:
    return (tuple(sorted(s.outcomes)), s.isolated, tuple(rule_key(r) for r in s.isolated_by),
            tuple(rule_key(r) for r in s.allowed_by), tuple(_decision(d) for d in s.chain))


def _decision(d: LayerDecision) -> tuple:
    return (d.layer, d.action, d.priority, tuple((rule_key(r), r.action) for r in d.by),
            tuple(_decision(a) for a in d.alternatives))


def relevant(base: Cluster, singles: Mapping[int, Cluster], targets: Mapping[int, str], flow: Flow,
             semantics: Sequence[Semantics]) -> set[int]:
    """The edits (ids) of which every set blocking `flow` contains one (see the module's docstring).
    `singles`: the cluster with each edit alone applied; `targets`: the target key (target_key) of the rule
    each edit narrows, if any."""
    out: set[int] = set()
    for s in semantics:
        before = evaluate(base, flow, semantics=s)
        named, sig = named_policies(before), signature(before)
        for i, cluster in singles.items():
            if i in out:
                continue
            if targets.get(i) in named or signature(evaluate(cluster, flow, semantics=s)) != sig:
                out.add(i)
    return out


def loses(cluster: Cluster, flow: Flow, semantics: Sequence[Semantics]) -> bool:
    """Whether `cluster` no longer allows `flow` for certain, under every semantics considered."""
    return all(not evaluate(cluster, flow, semantics=s).allowed for s in semantics)
