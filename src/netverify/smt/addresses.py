"""Pod addresses under `--ipblock-matches-pods` as formulas (the concrete twin is `eval/addresses.py`).

Every pod has an address of a family in use; a replica of a workload with known IPs has one of them (any pod
of the workload, either family of a dual-stack pod); one without known IPs may have any address of the
families in use, so a proof covers every address it could be given. Two pods on the pod network never share
an address: the CNI gives each running pod its own (hostNetwork pods share their node's, and are told apart).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import z3

from netverify.model.cluster import Workload
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicIP, SymbolicPod


def same_address(a: SymbolicIP, b: SymbolicIP) -> z3.BoolRef:
    """Both ends have an address, and it is one address (same family, same bits)."""
    return z3.And(a.present, b.present, a.v6 == b.v6, z3.If(a.v6, a.bits6 == b.bits6, a.bits4 == b.bits4))


@dataclass(frozen=True)
class ReplicaAddresses:
    session: SolverSession
    families: tuple[int, ...]

    def pod(self, ip: SymbolicIP) -> z3.BoolRef:
        return ip.of_families(self.families)

    def replica(self, ip: SymbolicIP, workload: Workload) -> z3.BoolRef:
        if not workload.ips:
            return ip.of_families(self.families)
        return self.session.or_(ip.equals(a) for a in workload.ips)

    def two_pods(self, src: SymbolicPod, dst: SymbolicPod, host_network: Iterable[int]) -> z3.BoolRef:
        """The two ends are two pods with addresses of their own, unless one of them is a replica of a
        hostNetwork workload (`host_network`: indices into cluster.workloads), which has its node's address.

        Sound: it only drops pairs at one pod-network address, which are one pod talking to itself (not a
        connection: callers skip it) or two pods no cluster can run at once. Replicas of one workload are
        distinct pods too, so they get distinct addresses (a workload with one known IP is one pod). Callers
        must keep apart, in their encoding, workloads whose known IPs or hostNetwork differ: a representative
        stands for its group's addresses."""
        s = self.session
        host = [z3.Or(src.workload == i, dst.workload == i) for i in sorted(set(host_network))]
        return z3.Or(s.or_(host), z3.Not(same_address(src.ip, dst.ip)))
