"""Pod addresses under `--ipblock-matches-pods` as formulas (the concrete twin is `eval/addresses.py`).

Every pod has an address of a family in use; a replica of a workload with known IPs has one of them (any pod
of the workload, either family of a dual-stack pod); one without known IPs may have any address of the
families in use, so a proof covers every address it could be given.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from netverify.model.cluster import Workload
from netverify.smt.session import SolverSession
from netverify.smt.symbols import SymbolicIP


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
