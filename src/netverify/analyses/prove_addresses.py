"""`prove` and pods whose IPs the manifests do not give (`--ipblock-matches-pods`).

The encoding lets such a pod have any address of the families in use, so a proof holds for every address it
could get. A counterexample or witness, though, must exist: one that holds only for some of those addresses
names a connection that may not exist. `address_dependence` finds that, by trying the flow with one address
of every range the ipBlocks cut (and of the other end's family), and the prover then looks for another model
or says unknown.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import product

from netverify.analyses.witness import Target
from netverify.eval.addresses import AddressPlan, same_family, share_a_pod_address
from netverify.eval.admin_addresses import addresses_matter, admin_blocks
from netverify.findings import ConnectionWitness
from netverify.model.cluster import Cluster
from netverify.model.flow import Flow, PodEndpoint
from netverify.smt.resolve import ResolvedEndpoint

MAX_ADDRESS_RETRIES = 8  # other models tried before a verdict that hinges on an unknown address is unknown


def plan_for(cluster: Cluster, src: ResolvedEndpoint, dst: ResolvedEndpoint, ipblock_matches_pods: bool) -> AddressPlan:
    """The same families and address classes as the encoding (`ConnectionProblem`)."""
    blocks = [s.ip_block for s in (src, dst) if s.is_external and s.ip_block is not None]
    blocks += admin_blocks(cluster)
    return AddressPlan.of([cluster], ipblock_matches_pods=addresses_matter(cluster, ipblock_matches_pods),
                          extra=blocks)


def address_dependence(target: Target, flow: Flow, plan: AddressPlan) -> tuple[str, ...]:
    """The workloads without known IPs on which this flow's verdict hinges (empty: it holds at every address
    they may get)."""
    if not plan.enabled:
        return ()
    unknown = [role for role in ("src", "dst")
               if isinstance(ep := getattr(flow, role), PodEndpoint) and ep.workload is not None
               and not ep.workload.ips]
    if not unknown:
        return ()
    choices = {
        role: ([replace(getattr(flow, role), ip=a) for a in plan.unknown_addresses] if role in unknown
               else [getattr(flow, role)])
        for role in ("src", "dst")
    }
    for src, dst in product(choices["src"], choices["dst"]):
        if share_a_pod_address(src, dst):
            # No two pods share an address: the pair stands for one with the unknown end elsewhere in its
            # range (matched alike), or for none when the range is that address alone.
            moved = plan.neighbour(src.ip)
            if moved is None:
                continue
            if unknown[-1] == "dst":
                dst = replace(dst, ip=moved)
            else:
                src = replace(src, ip=moved)
        if same_family(src, dst) and not target.holds(replace(flow, src=src, dst=dst)):
            return tuple(getattr(flow, role).workload.ref for role in unknown)
    return ()


def avoiding(problem, refs: tuple[str, ...]):
    """A guard: neither end of `problem` is a pod of a workload `refs` names."""
    s = problem.session
    indices = [i for i, w in enumerate(problem.cluster.workloads) if w.ref in refs]
    return s.and_([s.not_(s.eq(ep.workload, i)) for ep in (problem.src, problem.dst) if not ep.is_external
                   for i in indices])


def dependence_reason(refs: tuple[str, ...]) -> str:
    return (f"the verdict depends on the pod address of {', '.join(refs)}, which the manifests do not give "
            "(no status.podIPs): it holds for some addresses of the families in use and not for others")


def without_unknown_addresses(witness: ConnectionWitness, flow: Flow) -> ConnectionWitness:
    """The witness without the address the model gave a replica of a workload whose IPs the manifests do not
    give: that address is no fact about the pod (prove reports such a model only when its verdict holds at every
    address the pod may get, `address_dependence`; else the result is unknown), so the witness names none."""
    for role in ("src", "dst"):
        ep = getattr(flow, role)
        if isinstance(ep, PodEndpoint) and ep.workload is not None and not ep.workload.ips:
            witness = replace(witness, **{role: replace(getattr(witness, role), ip=None)})
    return witness
