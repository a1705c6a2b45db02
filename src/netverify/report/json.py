"""JSON output: spec §6 shapes for prove and map; explain and diff as documented in docs/json.md.

Keys come in a fixed order (spec keys first, additions after) so output is stable and diffable;
label maps are sorted. Absent things are `null` / `[]`, never missing keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from netverify.findings import (
    SamePriorityOverlap,
    PortExplanations,
    AddedClass,
    Connection,
    ConnectionWitness,
    ConnectivityMap,
    DiffReport,
    EndpointWitness,
    Explanation,
    MapNode,
    PairChange,
    PropertyResult,
    PropertyWarning,
    ProveReport,
    WorkloadGroupNode,
    WorkloadNode,
)
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol
from netverify.model.span import Span
from netverify.model.decision import LayerDecision
from netverify.model.verdict import RuleRef, SideVerdict
from netverify.report.chain_words import shows_chain

Json = dict[str, Any]


def _line(span: Span) -> int | None:
    return span.line or None


def location_dict(span: Span) -> Json:
    return {"file": span.file, "line": _line(span)}


def rule_dict(ref: RuleRef) -> Json:
    out: Json = {"policy": ref.policy, "rule": ref.rule, "file": ref.span.file, "line": _line(ref.span),
                 "direction": ref.direction}
    if ref.kind != "NetworkPolicy":  # admin rules say what they are; NetworkPolicy rules keep their old shape
        out.update(kind=ref.kind, rule_name=ref.rule_name or None, action=ref.action)
    return out


def decision_dict(d: LayerDecision) -> Json:
    """One chain entry: the layer (and priority) consulted, what it said, and the rules that said it."""
    return {"layer": d.layer, "priority": d.priority, "action": "ambiguous" if d.ambiguous else d.action,
            "by": [rule_dict(r) for r in d.by], "reason": d.reason,
            "alternatives": [decision_dict(a) for a in d.alternatives]}


def side_dict(side: SideVerdict) -> Json:
    out: Json = {
        "isolated": side.isolated,
        "allowed_by": [rule_dict(r) for r in side.allowed_by],
        "allowed": side.allowed,
        "isolated_by": [rule_dict(r) for r in side.isolated_by],
    }
    if shows_chain(side):
        # isolated/allowed_by above are the NetworkPolicy layer's view; the chain is what decided
        out["decision"] = side.decision
        out["chain"] = [decision_dict(d) for d in side.chain]
    return out


def endpoint_dict(e: EndpointWitness) -> Json:
    return {
        "namespace": e.namespace,
        "namespace_labels": dict(sorted(e.namespace_labels.items())),
        "labels": dict(sorted(e.labels.items())),
        "workload": e.workload,
        "ip": e.ip,
        "namespace_exists": e.namespace_exists,
        "container_ports": [{"name": n, "port": p, "protocol": str(proto)} for n, p, proto in e.container_ports],
        **({"service_account": e.service_account} if e.service_account else {}),  # a new pod's, where Cilium reads it
    }


def connection_witness_dict(c: ConnectionWitness) -> Json:
    return {
        "src": endpoint_dict(c.src),
        "dst": endpoint_dict(c.dst),
        "protocol": str(c.protocol),
        "port": c.port,
        "egress": side_dict(c.egress),
        "ingress": side_dict(c.ingress),
        "pod_manifests": c.pod_manifests,
        "allowed": c.allowed,
        # What else the connection carries, when something reads it (null otherwise): model/flow.py Flow.
        "protocol_number": c.protocol.number,
        "source_port": c.src_port,
        "icmp_type": c.icmp_type,
        "icmp_code": c.icmp_code,
    }


def result_dict(r: PropertyResult) -> Json:
    return {
        "name": r.name,
        "status": r.status,
        "expect": r.expect,
        "scope": r.scope,
        "duration_ms": r.duration_ms,
        "counterexample": connection_witness_dict(r.counterexample) if r.counterexample else None,
        "witness": connection_witness_dict(r.witness) if r.witness else None,
        "reason": r.reason,
        "description": r.description,
        "allow_vacuous": r.allow_vacuous,
        "fails": r.fails,
        "location": location_dict(r.span),
        "warnings": [warning_dict(w) for w in r.warnings],
        "caveats": list(r.caveats),
    }


def warning_dict(w: PropertyWarning) -> Json:
    return {"kind": w.kind, "field": w.field, "name": w.name, "suggestion": w.suggestion, "message": w.message,
            "location": location_dict(w.span)}


def prove_dict(report: ProveReport) -> Json:
    out: Json = {
        "summary": {s: report.count(s) for s in ("proven", "violated", "vacuous", "unknown")},
        "results": [result_dict(r) for r in report.results],
        "properties_file": report.properties_file,
        "notes": list(report.notes),
    }
    if report.overlaps:
        out["overlaps"] = [overlap_dict(o) for o in report.overlaps]
    if report.fixes:
        out["fixes"] = [{"property": f.property, "status": f.status, "edits": list(f.edits), "diff": f.diff,
                         "still_proven": list(f.still_proven), "reason": f.reason} for f in report.fixes]
    return out


def overlap_dict(o: SamePriorityOverlap) -> Json:
    return {"tier": o.tier, "priority": o.priority, "direction": o.direction,
            "first": rule_dict(o.first), "second": rule_dict(o.second),
            "witness": connection_witness_dict(o.witness)}


def node_dict(node: MapNode) -> Json:
    if isinstance(node, WorkloadNode):
        return {"type": "workload", "namespace": node.namespace, "name": node.name, "kind": node.kind}
    if isinstance(node, WorkloadGroupNode):  # map --grouped: the group's members are under "groups"
        return {"type": "group", "namespace": node.namespace, "name": node.name, "size": len(node.members)}
    return {"type": "ip", "start": node.start, "end": node.end, "cidrs": list(node.cidrs)}


def protocols_dict(protocols: Mapping[Protocol, PortRanges]) -> Json:
    """Only protocols with something in them, in TCP, UDP, SCTP order; ranges merged and sorted."""
    out: Json = {str(p): PortRanges.of(protocols[p].ranges).as_lists() for p in PROTOCOLS if protocols.get(p)}
    if any(r for p, r in protocols.items() if p not in PROTOCOLS):
        out["other"] = True  # a diff change in every other IP protocol (analyses/diff_maps.OTHER_PROTOCOLS_KEY)
    return out


def connection_dict(c: Connection) -> Json:
    return {"src": node_dict(c.src), "dst": node_dict(c.dst), "protocols": protocols_dict(c.protocols),
            "other_protocols": c.other_protocols}


def map_dict(cmap: ConnectivityMap) -> Json:
    return {"connections": [connection_dict(c) for c in cmap.connections], **map_tail_dict(cmap)}


def map_tail_dict(cmap: ConnectivityMap) -> Json:
    """Everything of the map after `connections` (report/json_stream.py writes the rows one by one first)."""
    tail: Json = {"notes": list(cmap.notes), "unknown_reason": cmap.unknown_reason, "caveats": list(cmap.caveats),
                  "address_dependent": [{"src": s, "dst": d} for s, d in cmap.address_dependent]}
    if cmap.grouped:  # --grouped: a shape of its own (docs/json.md); the per-pair shape stays that of spec §6
        tail["grouped"] = True
        tail["groups"] = [group_dict(g) for g in map_groups(cmap)]
    return tail


def map_groups(cmap: ConnectivityMap) -> list[WorkloadGroupNode]:
    found: dict[str, WorkloadGroupNode] = {}
    for c in cmap.connections:
        for n in (c.src, c.dst):
            if isinstance(n, WorkloadGroupNode):
                found.setdefault(n.label, n)
    return [found[k] for k in sorted(found)]


def group_dict(g: WorkloadGroupNode) -> Json:
    return {"namespace": g.namespace, "name": g.name, "size": len(g.members),
            "members": [node_dict(m) for m in g.members]}


def explain_dict(e: Explanation) -> Json:
    return {
        "src": e.src,
        "dst": e.dst,
        "protocol": str(e.protocol),
        "port": e.port,
        "allowed": e.allowed,
        "egress": side_dict(e.egress),
        "ingress": side_dict(e.ingress),
        "notes": list(e.notes),
        "unknown_reason": e.unknown_reason,
        "caveats": list(e.caveats),
        "depends_on_address": list(e.depends_on_address),
        **({"decision": e.decision} if e.decision not in (None, "allow", "deny") else {}),
        **({"port_end": e.port_end} if e.port_end not in (None, e.port) else {}),
        **({"port_name": e.port_name} if e.port_name else {}),
    }


def change_dict(c: PairChange) -> Json:
    return {
        "src": node_dict(c.src),
        "dst": node_dict(c.dst),
        "added": protocols_dict(c.added),
        "removed": protocols_dict(c.removed),
        "added_by": [rule_dict(r) for r in c.added_by],
        "removed_by": [rule_dict(r) for r in c.removed_by],
    }


def added_class_dict(a: AddedClass) -> Json:
    return {
        "summary": a.summary,
        "witness": connection_witness_dict(a.witness),
        "opened_by": [rule_dict(r) for r in a.opened_by],
    }


def diff_dict(d: DiffReport) -> Json:
    return {
        "base": d.base,
        "head": d.head,
        "summary": {
            "changed_pairs": len(d.changes),
            "pairs_with_added": sum(1 for c in d.changes if c.added),
            "pairs_with_removed": sum(1 for c in d.changes if c.removed),
            "added_classes": len(d.added_classes),
            "more_classes": d.more_classes,
            "symbolic_status": d.symbolic_status,
            "has_added": d.has_added,
            "has_changed": d.has_changed,
            "new_workload_pairs": len(d.new_workloads),
        },
        "changes": [change_dict(c) for c in d.changes],
        "new_workloads": [{k: v for k, v in change_dict(c).items() if k not in ("removed", "removed_by")}
                          for c in d.new_workloads],
        "added_classes": [added_class_dict(a) for a in d.added_classes],
        "notes": list(d.notes),
        "unknown_reason": d.unknown_reason,
        "caveats": list(d.caveats),
    }


def _is_flat(value: Any) -> bool:
    """Port ranges, CIDR lists and label-free leaves read better on one line: `[[1, 65535]]`."""
    if isinstance(value, list):
        return all(not isinstance(v, (dict, list)) or (isinstance(v, list) and _is_flat(v)) for v in value)
    return not isinstance(value, dict)


def _write(value: Any, indent: int, out: list[str]) -> None:
    pad = "  " * (indent + 1)
    if isinstance(value, dict) and value:
        out.append("{\n")
        for i, (k, v) in enumerate(value.items()):
            out.append(f"{pad}{json.dumps(k, ensure_ascii=False)}: ")
            _write(v, indent + 1, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append("  " * indent + "}")
    elif isinstance(value, list) and value and not _is_flat(value):
        out.append("[\n")
        for i, v in enumerate(value):
            out.append(pad)
            _write(v, indent + 1, out)
            out.append(",\n" if i < len(value) - 1 else "\n")
        out.append("  " * indent + "]")
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def dumps(data: Json) -> str:
    """Indented JSON with flat lists kept on one line; parses to exactly `data`."""
    out: list[str] = []
    _write(data, 0, out)
    return "".join(out) + "\n"


def render_prove(report: ProveReport, *, color: bool = False) -> str:
    return dumps(prove_dict(report))


def render_map(cmap: ConnectivityMap, *, color: bool = False) -> str:
    return dumps(map_dict(cmap))


def render_explain(e: Explanation, *, color: bool = False) -> str:
    return dumps(explain_dict(e))


def render_port_explanations(p: PortExplanations, *, color: bool = False) -> str:
    """Runs of ports with their own verdict: `{"ports": [explanation, ...]}`, each as `explain` alone gives it."""
    return dumps({"ports": [explain_dict(e) for e in p.parts], "notes": list(p.notes),
                  "unknown_reason": p.unknown_reason, "caveats": list(p.caveats)})


def render_diff(d: DiffReport, *, color: bool = False) -> str:
    return dumps(diff_dict(d))
