"""Plain-language phrasing of result records, shared by the text, markdown and junit renderers.

Every function returns plain strings (no colour, no markup) so each format decides its own decoration.
"""

from __future__ import annotations

from collections.abc import Mapping

from netverify.findings import (
    AddedClass,
    DiffReport,
    ConnectionWitness,
    EndpointWitness,
    PairChange,
    PropertyResult,
    ProveReport,
)
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol
from netverify.model.verdict import RuleRef, SideVerdict
from netverify.report.chain_words import chain_lines, overlap_lines, overlap_title, shows_chain  # noqa: F401

# Every namespace carries this label; repeating it next to the namespace name only adds noise.
_AUTOMATIC_NS_LABEL = "kubernetes.io/metadata.name"


def labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def rule_text(ref: RuleRef) -> str:
    return str(ref)


def rules_text(refs: tuple[RuleRef, ...]) -> str:
    return ", ".join(rule_text(r) for r in refs)


OTHER_PROTOCOLS_TEXT = "other protocols"  # every IP protocol but TCP, UDP, SCTP (ICMP included): PortSet.other


def ports_text(protocols: Mapping[Protocol, PortRanges], other: bool | None = None) -> str:
    """`all`, or per protocol: `TCP 80,443; UDP 53` (`TCP all` for a whole protocol), then `other protocols`
    when every other IP protocol is in (`other`; None: a key beyond TCP/UDP/SCTP says so, as diff's changes
    carry it: analyses/diff_maps.OTHER_PROTOCOLS_KEY)."""
    present = [(p, protocols[p]) for p in PROTOCOLS if protocols.get(p)]
    if other is None:
        other = any(r for p, r in protocols.items() if p not in PROTOCOLS)
    whole = len(present) == len(PROTOCOLS) and all(r.is_all for _, r in present)
    if whole and other:
        return "all"
    parts = [f"{p} {'all' if r.is_all else r}" for p, r in present] + ([OTHER_PROTOCOLS_TEXT] if other else [])
    return "; ".join(parts) if parts else "nothing"


def endpoint_short(e: EndpointWitness) -> str:
    if e.namespace is None:
        return f"external {e.ip}" if e.ip else "an external address"
    if e.workload:
        return e.workload
    return f"new pod {labels_text(e.labels)} in {e.namespace}"


def dst_short(c: ConnectionWitness) -> str:
    """The destination; two replicas of one controller are two pods, so the second is "another replica"."""
    if c.dst.workload and c.dst.workload == c.src.workload:
        return f"another replica of {c.dst.workload}"
    return endpoint_short(c.dst)


def endpoint_detail(e: EndpointWitness) -> str:
    """The facts that make this endpoint match (or not): namespace, its labels, pod labels, IP, ports."""
    if e.namespace is None:
        return f"address {e.ip} outside the cluster" if e.ip else "an address outside the cluster"
    ns = f"namespace {e.namespace}"
    if not e.namespace_exists:
        ns += " (not created yet)"
    extra_ns_labels = {k: v for k, v in e.namespace_labels.items() if k != _AUTOMATIC_NS_LABEL}
    if extra_ns_labels:
        ns += f" {labels_text(extra_ns_labels)}"
    parts = [ns, f"labels {labels_text(e.labels)}"]
    if e.ip:
        parts.append(f"ip {e.ip}")
    if e.container_ports:
        parts.append("ports " + ", ".join(f"{name}={port}/{proto}" for name, port, proto in e.container_ports))
    if e.service_account:
        parts.append(f"serviceAccount {e.service_account}")  # a Cilium identity label reads it
    if not e.workload:
        parts.append("no existing workload fits")
    return "; ".join(parts)


def side_lines(side: SideVerdict) -> list[str]:
    """One to two lines: the decision, then who isolates the pod (when someone does)."""
    if shows_chain(side):
        return chain_lines(side)  # an admin tier took part: every layer consulted, in order
    whose = "source" if side.direction == "egress" else "destination"
    if not side.isolated:
        return [f"allowed: no policy isolates the {whose} for {side.direction}"]
    isolated = f"isolated by {rules_text(side.isolated_by)}" if side.isolated_by else "isolated"
    if side.allowed_by:
        return [f"allowed by {rules_text(side.allowed_by)}", isolated]
    return [f"BLOCKED: {isolated}", "no rule admits it"]


def connection_headline(c: ConnectionWitness) -> str:
    verdict = "allowed" if c.allowed else "blocked"
    return f"{endpoint_short(c.src)} -> {dst_short(c)} on {c.service}: {verdict}"


def connection_lines(c: ConnectionWitness) -> list[str]:
    """The counterexample block: src pod / dst pod / port / the rules on each side with file:line."""
    lines = [
        f"src      {endpoint_short(c.src)}",
        f"           {endpoint_detail(c.src)}",
        f"dst      {dst_short(c)}",
        f"           {endpoint_detail(c.dst)}",
        f"port     {c.service}",
    ]
    for name, side in (("egress", c.egress), ("ingress", c.ingress)):
        first, *rest = side_lines(side)
        lines.append(f"{name:<9}{first}")
        lines.extend(f"{'':<9}{more}" for more in rest)
    return lines


STATUS_WORD = {"proven": "PROVEN", "violated": "VIOLATED", "vacuous": "VACUOUS", "unknown": "UNKNOWN"}


def status_word(r: PropertyResult) -> str:
    if r.status == "vacuous" and r.allow_vacuous:
        return "VACUOUS (allowed)"
    return STATUS_WORD[r.status]


def property_headline(r: PropertyResult) -> str:
    return f"{r.name}  expect {r.expect}, scope {r.scope}  ({r.span}, {r.duration_ms} ms)"


def witness_title(r: PropertyResult) -> str | None:
    """What the attached connection shows, in the reader's terms."""
    if r.counterexample is not None:
        if r.expect == "reachable":
            return "counterexample: a connection the property needs, blocked"
        return "counterexample: a connection the property forbids, allowed"
    if r.witness is not None:
        return "witness: a connection that is allowed"
    return None


def property_body(r: PropertyResult) -> list[str]:
    """Everything below the headline: description, reason, counterexample or witness block."""
    lines: list[str] = []
    if r.description:
        lines.append(r.description)
    title = witness_title(r)
    shown = r.counterexample or r.witness
    if r.reason and shown is None:  # with a connection to show, the block says it better than the reason
        lines.append(f"reason: {r.reason}")
    if title and shown is not None:
        lines.append(title)
        lines.extend("  " + line for line in connection_lines(shown))
    lines.extend(caveat_lines(r.caveats))
    return lines


def warning_lines(r: PropertyResult) -> list[str]:
    """One line per probable typo in the property (analyses/property_lint.py), with where it is written."""
    return [f"warning: {w.message} ({w.span})" for w in r.warnings]
def caveat_lines(caveats: tuple[str, ...]) -> list[str]:
    return [f"caveat: {c}" for c in caveats]


def trust_lines(unknown_reason: str | None, caveats: tuple[str, ...]) -> list[str]:
    """For map, explain and diff: whether the result can be trusted (UNKNOWN, exit 3) and what it stands on."""
    lines = [f"UNKNOWN: this result may be wrong: {unknown_reason}"] if unknown_reason else []
    return lines + caveat_lines(caveats)


def prove_summary(report: ProveReport) -> str:
    n = len(report.results)
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("proven", "violated", "vacuous", "unknown"))
    return f"{n} propert{'y' if n == 1 else 'ies'}: {counts}"


def change_title(c: PairChange) -> str:
    return f"{c.src.shown} -> {c.dst.shown}"


def change_lines(c: PairChange) -> list[str]:
    lines = []
    if c.added:
        lines.append(f"+ newly allowed: {ports_text(c.added)}")
        if c.added_by:
            lines.append(f"  opened by {rules_text(c.added_by)}")
    if c.removed:
        lines.append(f"- newly blocked: {ports_text(c.removed)}")
        # an admin Deny in HEAD is named as what blocks it now, apart from what allowed it before
        was = tuple(r for r in c.removed_by if r.action != "deny")
        now = tuple(r for r in c.removed_by if r.action == "deny")
        if was:
            lines.append(f"  was allowed by {rules_text(was)}")
        if now:
            lines.append(f"  blocked now by {rules_text(now)}")
    return lines


def added_class_lines(a: AddedClass) -> list[str]:
    lines = [f"+ {a.summary}"]
    if a.opened_by:
        lines.append(f"  opened by {rules_text(a.opened_by)}")
    lines.append(f"  witness: {connection_headline(a.witness)}")
    lines.extend("    " + line for line in connection_lines(a.witness))
    return lines


# Connections of workloads only in HEAD that BASE's policies allow as well (DiffReport.new_workloads).
NEW_WORKLOADS_TITLE = "connections of workloads only in HEAD (BASE's policies allow them too)"


def new_workload_lines(c: PairChange) -> list[str]:
    lines = [f"+ allowed: {ports_text(c.added)}"]
    if c.added_by:
        lines.append(f"  by {rules_text(c.added_by)}")
    return lines


def _new_workloads_summary(d: DiffReport) -> str:
    n = len(d.new_workloads)
    return f"{n} pair{'' if n == 1 else 's'} of workloads only in HEAD, allowed by BASE's policies too"


SYMBOLIC_NOTE = {
    "skipped": "pods that do not exist yet were not considered (--scope existing)",
    "unknown": ("the check for pods that do not exist yet did not finish (solver time, or a chain it does not "
                "model: the notes say which): result unknown"),
}


def diff_summary(d: DiffReport) -> str:
    if not d.has_changed:
        text = "no change in allowed connections"
    else:
        added = sum(1 for c in d.changes if c.added)
        removed = sum(1 for c in d.changes if c.removed)
        text = (
            f"{len(d.changes)} pair{'' if len(d.changes) == 1 else 's'} changed "
            f"({added} with newly allowed, {removed} with newly blocked connections)"
        )
        if d.added_classes:
            n = len(d.added_classes)
            count = f"{n}+" if d.more_classes else str(n)
            plural = "" if n == 1 and not d.more_classes else "es"
            text += f"; {count} new connection class{plural} for pods that may not exist yet"
    if d.new_workloads:
        text += f"; {_new_workloads_summary(d)}"
    if d.symbolic_status == "unknown":
        text += "; UNKNOWN for pods that do not exist yet (not finished: see the notes)"
    return text


def fix_lines(f) -> list[str]:
    """`prove --suggest-fix` for one property (findings.FixSuggestion): the edits, the diff, what was re-proven."""
    if f.status != "found":
        return [f"no fix suggested for {f.property}: {f.reason}"]
    lines = [f"suggested fix for {f.property}: " + "; ".join(f.edits)]
    lines += f.diff.rstrip("\n").splitlines()
    lines.append(f"re-proven on the edited manifests: {f.property} holds, and the {len(f.still_proven)} "
                 "properties that held still hold")
    return lines

