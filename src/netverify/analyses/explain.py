"""`explain`: the verdict on one connection and both sides of it, rule by rule."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from netverify.analyses.explain_chain import connection_decision, with_consulted
from netverify.analyses.label_notes import unknown_value_notes
from netverify.analyses.refs import did_you_mean, find_workload, find_workload_entries
from netverify.analyses.witness_fit import unknown_value_variants
from netverify.errors import UsageError
from netverify.eval.addresses import AddressPlan, same_family, share_a_pod_address
from netverify.analyses.map_calico import calico_address_plan, calico_blocks
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.findings import Explanation
from netverify.model.cluster import Cluster, Workload
from netverify.model.flow import Endpoint, ExternalEndpoint, Flow, PodEndpoint
from netverify.model.ipblock import IPBlock
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.model.verdict import Verdict


def _resolve_all(cluster: Cluster, text: str, role: str) -> list[tuple[Endpoint, str, Workload | None]]:
    """Like `_resolve`, one per pod group of a workload whose pods differ."""
    entries = find_workload_entries(cluster, text, role)
    if len(entries) > 1:
        return [(endpoint_of(cluster, w), w.pod_ref, w) for w in entries]
    return [_resolve(cluster, text, role)]


def check_endpoint(cluster: Cluster, text: str, role: str) -> None:
    """Bad usage (exit 2) when `text` is neither a workload nor an IP address: asked before anything else."""
    _resolve_all(cluster, text, role)


def _resolve(cluster: Cluster, text: str, role: str) -> tuple[Endpoint, str, Workload | None]:
    """A workload (`ns/name`, `ns/name[Kind]`, `ns/Kind/name`) or an IP address -> (endpoint, label, workload)."""
    workload = find_workload(cluster, text, role)
    if workload is not None:
        return endpoint_of(cluster, workload), workload.pod_ref, workload
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        raise UsageError(
            f"{role} {text!r}: not a workload in the manifests nor an IP address{did_you_mean(cluster, text)} "
            "(use ns/name, name, ns/name[Kind], ns/Kind/name or an address such as 10.0.0.1)"
        ) from None
    for w in cluster.workloads:
        if ip in w.ips:
            # An address a workload's pod holds is that pod, not an outside endpoint.
            return replace(endpoint_of(cluster, w), ip=ip), f"{w.ref} ({ip})", w
    return ExternalEndpoint(ip), str(ip), None


def explain(
    cluster: Cluster, src: str, dst: str, protocol: Protocol, port: int, *, ipblock_matches_pods: bool = False,
    semantics: Semantics | None = None,
) -> Explanation:
    """`semantics` (the CNI's chain and its choices) wins over `ipblock_matches_pods` when given."""
    semantics = semantics or Semantics(ipblock_matches_pods=ipblock_matches_pods)
    ipblock_matches_pods = semantics.ipblock_matches_pods
    srcs, dsts = _resolve_all(cluster, src, "source"), _resolve_all(cluster, dst, "destination")
    plan = _plan(cluster, semantics, (srcs[0][0], dsts[0][0]))
    notes: list[str] = []
    if len(srcs) > 1 or len(dsts) > 1:
        # A workload whose pods differ in labels: one verdict for all of them (at every address), or name the pod.
        verdicts = {
            (s[1], d[1]): _allowed_set(cluster, plan, s, d, protocol, port, semantics)
            for s in srcs for d in dsts if s[2] is None or s[2] is not d[2]
        }
        if len(set(verdicts.values())) > 1:
            each = "; ".join(f"{a} -> {b}: {'/'.join(sorted('allowed' if x else 'blocked' for x in v))}"
                             for (a, b), v in verdicts.items())
            raise UsageError(
                f"the pods of {src if len(srcs) > 1 else dst} differ in labels and get different verdicts ({each}); "
                "name one pod, e.g. ns/POD-NAME"
            )
        for group in (srcs, dsts):
            if len(group) > 1:
                notes.append(f"the pods of {group[0][2].ref} differ in labels ({', '.join(g[1] for g in group)}); "
                             "every one of them gets this verdict")
    src_ep, src_label, src_w = srcs[0]
    dst_ep, dst_label, dst_w = dsts[0]
    if len(srcs) > 1:
        src_label = srcs[0][2].ref
    if len(dsts) > 1:
        dst_label = dsts[0][2].ref
    # Every pair of pod groups (one pair unless a workload's pods differ), at every address their pods may have:
    # an address or label-value dependence in any group makes the verdict depend, not the first group's only.
    groups = [(s, d) for s in srcs for d in dsts if len(srcs) == len(dsts) == 1 or s[2] is None or s[2] is not d[2]]
    verdicts: list[tuple[Endpoint, Endpoint, Verdict]] = []
    lines: list[str] = []
    for s, d in groups:
        pairs = _pairs(plan, s, d)
        if not pairs:
            notes.append(f"{s[1]} and {d[1]} have no address of one family: no connection between them "
                         "can exist; the verdict shown is the policies' for these addresses")
            pairs = [(s[0], d[0])]
        for a, b in pairs:
            v = evaluate(cluster, Flow(a, b, protocol, port), semantics=semantics)
            verdicts.append((a, b, v))
            lines.append(f"{'allowed' if v.allowed else 'blocked'}: {_at(s[1], a, s[2])} -> {_at(d[1], b, d[2])}")
    first_s, first_d, verdict = verdicts[0]
    verdict = with_consulted(cluster, verdict, Flow(first_s, first_d, protocol, port))
    depends: tuple[str, ...] = ()
    unknown = False
    if len({v.allowed for _, _, v in verdicts}) > 1:
        # Not one verdict: say which addresses are allowed and which not, and show the first pair's sides.
        depends = tuple(lines)
        unknown = any(g[2] is not None and not g[2].ips for pair in groups for g in pair)
        src_label, dst_label = _at(src_label, first_s, src_w), _at(dst_label, first_d, dst_w)
    if src_w is not None and src_w is dst_w:
        notes.append(
            f"{src_label} to itself: a pod may always reach itself; this verdict is for two distinct replicas"
        )
    for w in (src_w, dst_w):
        if w is not None and w.host_network and not any(w.ref in n for n in notes):
            notes.append(f"{w.ref} uses the host network, which NetworkPolicy does not govern: outside the model")
    if plan.enabled:
        for w in (e[2] for e in (*srcs, *dsts)):  # every pod group
            if w is not None and not w.ips and not any(f"{w.pod_ref} has no known pod IP" in n for n in notes):
                families = " or ".join(f"IPv{v}" for v in plan.families)
                notes.append(f"{w.pod_ref} has no known pod IP: every address its pods may get ({families}) was "
                             "tried, one per range the ipBlocks cut")
    if depends:
        notes.append("the verdict depends on the pods' addresses"
                     + (" (not in the manifests): unknown" if unknown else "") + "; shown for the first address")
    if isinstance(src_ep, ExternalEndpoint) and isinstance(dst_ep, ExternalEndpoint):
        notes.append("both ends are outside the cluster: no NetworkPolicy applies")
    notes += unknown_value_notes(cluster, [e[2] for e in (*srcs, *dsts) if e[2] is not None])
    decision = connection_decision(verdict)
    if decision == "ambiguous":
        notes.append("ambiguous: admin policies of one priority match this connection with different actions, "
                      "and the API lets the CNI apply either (both rules are named below)")
    return Explanation(
        src=src_label, dst=dst_label, protocol=protocol, port=port, allowed=verdict.allowed,
        egress=verdict.egress, ingress=verdict.ingress, notes=tuple(notes),
        depends_on_address=depends, address_unknown=unknown,
        unknown_reason=verdict.unknown_reason
        or _label_dependence(cluster, verdicts, protocol, port, semantics),
        decision=decision,
    )


_Group = tuple[Endpoint, str, Workload | None]


def _pairs(plan: AddressPlan, s: _Group, d: _Group) -> list[tuple[Endpoint, Endpoint]]:
    """The address pairs a connection between two pod groups may use: one family, and two pods at two addresses
    (a pod without a known IP moves to another address every ipBlock sees alike; one pod with itself is kept
    only when it is all there is: the note says a pod may always reach itself)."""
    pairs = [(a, b) for a in _addresses(plan, s[0], s[2], s[1]) for b in _addresses(plan, d[0], d[2], d[1])
             if same_family(a, b)]
    two = []
    for a, b in pairs:
        if share_a_pod_address(a, b):
            moved = plan.neighbour(b.ip)
            if d[2] is not None and not d[2].ips and moved is not None:
                b = replace(b, ip=moved)
            elif s[2] is not None and not s[2].ips and moved is not None:
                a = replace(a, ip=moved)
            else:
                continue
        two.append((a, b))
    return two or pairs


def _allowed_set(cluster: Cluster, plan: AddressPlan, s: _Group, d: _Group, protocol: Protocol, port: int,
                 semantics: Semantics) -> frozenset[bool]:
    """The verdicts of one pair of pod groups over the addresses their pods may have."""
    pairs = _pairs(plan, s, d)
    return frozenset(evaluate(cluster, Flow(a, b, protocol, port), semantics=semantics).allowed
                     for a, b in pairs or [(s[0], d[0])])


@dataclass(frozen=True)
class _Policies:
    """What `unknown_value_variants` reads: the cluster whose selectors tell label values apart."""

    cluster: Cluster


def _label_dependence(cluster: Cluster, verdicts: list[tuple[Endpoint, Endpoint, Verdict]],
                      protocol: Protocol, port: int, semantics: Semantics) -> str | None:
    """Why the verdict is unknown when it changes with the value of a label only the cluster knows."""
    for s, d, verdict in verdicts:
        flow = Flow(s, d, protocol, port)
        for variant in unknown_value_variants(_Policies(cluster), flow, ("src", "dst")):
            if evaluate(cluster, variant, semantics=semantics).allowed != verdict.allowed:
                keys = sorted({f"{k} of {ep.workload.pod_ref}" for ep in (s, d) if isinstance(ep, PodEndpoint)
                               and ep.workload is not None for k in ep.workload.unknown_labels})
                return (f"the verdict depends on the value of label {'; '.join(keys)}, which the control plane sets "
                        "and the manifests do not show; a dump of the pods (kubectl get pods -o yaml) settles it")
    return None


def _plan(cluster: Cluster, semantics: Semantics, ends: tuple[Endpoint, Endpoint]) -> AddressPlan:
    """The addresses to try: an address given on the command line puts its family in use. Under Calico every
    CIDR (`nets`, ipBlocks) matches pod addresses too (map_calico)."""
    given = [IPBlock(ipaddress.ip_network(e.ip)) for e in ends if isinstance(e, ExternalEndpoint)]
    if semantics.cni == "calico":
        return calico_address_plan([cluster], extra=given if calico_blocks(cluster) else ())
    return AddressPlan.of([cluster], ipblock_matches_pods=semantics.ipblock_matches_pods, extra=given)


def _addresses(plan: AddressPlan, ep: Endpoint, workload: Workload | None, label: str) -> list[Endpoint]:
    """A workload's pod once per address it has (or may get); an address, or a pod named by its IP, as given."""
    if workload is None or not isinstance(ep, PodEndpoint) or f"({ep.ip})" in label:
        return [ep]
    if not plan.enabled:
        return [replace(ep, ip=None)]
    return list(plan.replicas(workload, ep))


def _at(label: str, ep: Endpoint, workload: Workload | None) -> str:
    if workload is None or ep.ip is None or f"({ep.ip})" in label or len(workload.ips) == 1:
        return label  # only a workload with several (or unknown) addresses needs the address named
    return f"{label} ({ep.ip})"
