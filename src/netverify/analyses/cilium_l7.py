"""Cilium's L7 rules (`toPorts[].rules`: http, kafka, dns, l7proto) in what prove and map say.

An allow rule whose `toPorts` item carries L7 rules sends the connection through Cilium's proxy, which lets
through only the requests those rules accept (https://docs.cilium.io/en/stable/security/policy/language/,
"Layer 7 Examples"). netverify decides L3/L4: such an allow counts as allowing the connection, and so
- a proof that something is unreachable stands (L7 rules only narrow what L3/L4 allows), with a caveat naming
  them;
- a proof that something is reachable holds "subject to L7 rules": the connection opens, but requests the
  rules refuse are answered by the proxy (e.g. HTTP 403);
- a counterexample of `unreachable` that passes an L7 allow is a connection L3/L4 allows, subject to them.
Every L7-carrying allow rule of the input is named (file:line), at most _SHOWN of them.
"""

from __future__ import annotations

import dataclasses

from netverify.findings import ConnectivityMap, PropertyResult, ProveReport
from netverify.model.cilium import CiliumPolicy, CiliumRule
from netverify.model.cluster import Cluster
from netverify.model.semantics import Semantics

_SHOWN = 5


def l7_rules(cluster: Cluster) -> list[tuple[CiliumPolicy, CiliumRule, tuple[str, ...]]]:
    """(policy, allow rule, its L7 kinds) of every allow rule with L7 rules on some toPorts item."""
    out = []
    for p in cluster.cilium.policies:
        for r in (*p.ingress, *p.egress):
            kinds = tuple(dict.fromkeys(k for item in r.ports for k in item.l7))
            if kinds and not r.deny:
                out.append((p, r, kinds))
    return out


def _listed(found: list[tuple[CiliumPolicy, CiliumRule, tuple[str, ...]]]) -> str:
    shown = [f"{p.key} {r.direction}[{r.index}] ({', '.join(kinds)}; {r.span})" for p, r, kinds in found[:_SHOWN]]
    more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
    return ", ".join(shown) + more


def l7_caveat(result: PropertyResult, listed: str) -> str | None:
    if result.status == "proven" and result.expect == "unreachable":
        return (f"Cilium L7 rules only narrow what L3/L4 allows ({listed}): this L3/L4 proof of unreachability "
                "stands")
    if result.status == "proven":
        return (f"subject to L7 rules: the connection is allowed at L3/L4, and where it passes an allow with L7 "
                f"rules ({listed}) Cilium's proxy lets through only the requests they accept")
    if result.status == "violated" and result.expect == "unreachable":
        return (f"the counterexample is allowed at L3/L4; where it passes an allow with L7 rules ({listed}) only "
                "the requests they accept get through, which still reaches the destination")
    return None


def with_l7_caveats(report: ProveReport, cluster: Cluster, semantics: Semantics | None) -> ProveReport:
    if semantics is None or semantics.cni != "cilium":
        return report
    found = l7_rules(cluster)
    if not found:
        return report
    listed = _listed(found)
    results = []
    for r in report.results:
        caveat = l7_caveat(r, listed)
        results.append(dataclasses.replace(r, caveats=(*r.caveats, caveat)) if caveat else r)
    return dataclasses.replace(report, results=tuple(results))


def with_l7_map_note(cmap: ConnectivityMap, cluster: Cluster, semantics: Semantics | None) -> ConnectivityMap:
    if semantics is None or semantics.cni != "cilium":
        return cmap
    found = l7_rules(cluster)
    if not found:
        return cmap
    note = (f"rows allowed through a Cilium allow with L7 rules ({_listed(found)}) are L3/L4 connections subject "
            "to those rules: the proxy lets through only the requests they accept")
    return dataclasses.replace(cmap, notes=(*cmap.notes, note))
