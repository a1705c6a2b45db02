"""SARIF 2.1.0 for code-scanning UIs: one result per failing property or added/removed connection,
located at the policy rule responsible (falling back to where the property is written).

Rule ids are part of the contract (users suppress by them): never renumber, only add.
Artifact URIs are relative to the repository root with `uriBaseId` %SRCROOT% (report/sarif_paths.py), so a
code-scanning upload can place every result.
"""

from __future__ import annotations

import json
from typing import Any

from netverify import __version__
from netverify.findings import AddedClass, DiffReport, PairChange, PropertyResult, ProveReport, SamePriorityOverlap
from netverify.model.span import Span
from netverify.model.verdict import RuleRef
from netverify.report import words
from netverify.model.responsible import deciding_refs
from netverify.report.chain_words import shows_chain
from netverify.report.sarif_paths import SourceRoot, artifact_location

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

# (id, name, short description, default level)
RULES: tuple[tuple[str, str, str, str], ...] = (
    ("NV001", "property-violated", "A network property does not hold: a counterexample connection exists.", "error"),
    ("NV002", "property-vacuous", "A network property matches no source or no destination (often a label typo).",
     "error"),
    ("NV003", "property-unknown", "The solver could not decide a network property in time; treat as failed.",
     "error"),
    ("NV101", "connection-added", "The change allows connections that were blocked before.", "warning"),
    ("NV102", "connection-removed", "The change blocks connections that were allowed before.", "note"),
    ("NV201", "property-unknown-name", "A property names a label or namespace that nothing in the manifests "
     "carries or mentions (probably a typo); the verdict is about what is written.", "warning"),
    ("NV004", "result-unknown", "A policy kind netverify does not model could change this result; treat as failed.",
     "error"),
    ("NV005", "input-error", "netverify could not read its input (or failed): nothing was proven or refuted.",
     "error"),
    ("NV301", "same-priority-overlap", "Two admin policies of one tier and priority match a connection with "
     "different actions: the API lets the CNI apply either (give them distinct priorities).", "warning"),
    ("NV401", "equiv-difference", "Two policy versions compared with `equiv` differ: one allows a connection "
     "the other does not.", "error"),
    # appended, never inserted: a rule's index is part of every result that names it
    ("NV103", "new-workload-connection", "A workload the change adds may connect as policies already allowed "
     "before the change (no policy change opened it).", "note"),
)
_RULE_INDEX = {rule_id: i for i, (rule_id, *_rest) in enumerate(RULES)}
_STATUS_RULE = {"violated": "NV001", "vacuous": "NV002", "unknown": "NV003"}

Json = dict[str, Any]


def artifact_uri(file: str, where: SourceRoot | None = None) -> str | None:
    """The URI of a manifest path (see sarif_paths); None for things that are not files (stdin, generated)."""
    location = artifact_location(file, where)
    return None if location is None else location["uri"]


def _location(span: Span, where: SourceRoot | None) -> Json | None:
    artifact = artifact_location(span.file, where)
    if artifact is None:
        return None
    physical: Json = {"artifactLocation": artifact}
    if span.line > 0:
        physical["region"] = {"startLine": span.line}
    return {"physicalLocation": physical}


def _locations(spans: list[Span], where: SourceRoot | None) -> tuple[list[Json], list[Json]]:
    """Primary location (first span that is a file) and the rest as related locations, deduplicated."""
    seen: set[tuple[str, int]] = set()
    located: list[Json] = []
    for span in spans:
        key = (span.file, span.line)
        loc = _location(span, where)
        if loc is None or key in seen:
            continue
        seen.add(key)
        located.append(loc)
    related = [dict(loc, id=i) for i, loc in enumerate(located[1:])]
    return located[:1], related


def _responsible(r: PropertyResult) -> list[RuleRef]:
    """The rules that made the property fail: what admits a forbidden connection, what blocks a needed one."""
    c = r.counterexample
    if c is None:
        return []
    if shows_chain(c.egress) or shows_chain(c.ingress):
        # admin tiers took part: the rules each side's chain went through (ANP rules at their file:line)
        sides = (c.ingress, c.egress) if c.allowed else [s for s in (c.ingress, c.egress) if not s.allowed]
        return [ref for s in sides for ref in deciding_refs(s)]
    if c.allowed:
        return [*c.ingress.allowed_by, *c.egress.allowed_by]
    blocking = [s for s in (c.ingress, c.egress) if not s.allowed]
    return [ref for s in blocking for ref in s.isolated_by]


def _result(rule_id: str, message: str, spans: list[Span], fingerprint: str, where: SourceRoot | None) -> Json:
    primary, related = _locations(spans, where)
    out: Json = {
        "ruleId": rule_id,
        "ruleIndex": _RULE_INDEX[rule_id],
        "level": RULES[_RULE_INDEX[rule_id]][3],
        "message": {"text": message},
    }
    if primary:
        out["locations"] = primary
    if related:
        out["relatedLocations"] = related
    out["partialFingerprints"] = {"netverify/v1": fingerprint}
    return out


def _property_result(r: PropertyResult, where: SourceRoot | None) -> Json:
    rule_id = _STATUS_RULE[r.status]
    text = f"{r.name}: {r.status} (expect {r.expect}, scope {r.scope})"
    if r.counterexample is not None:
        text += f". Counterexample: {words.connection_headline(r.counterexample)}"
    elif r.reason:
        text += f". {r.reason}"
    spans = [ref.span for ref in _responsible(r)] + [r.span]
    out = _result(rule_id, text, spans, f"property:{r.name}", where)
    if r.caveats:
        out["properties"] = {"caveats": list(r.caveats)}
    if r.status == "vacuous" and r.allow_vacuous:
        out["level"] = "note"  # the property says vacuity is fine: keep it visible, not failing
    return out


def _warning_results(r: PropertyResult, where: SourceRoot | None) -> list[Json]:
    """One NV201 result per probable typo, at the endpoint where the property writes it."""
    return [_result("NV201", f"{r.name}: {w.message}", [w.span, r.span], f"warning:{r.name}:{w.field}:{w.name}",
                    where) for w in r.warnings]


def _change_results(c: PairChange, where: SourceRoot | None) -> list[Json]:
    out = []
    title = words.change_title(c)
    if c.added:
        text = f"Newly allowed {title}: {words.ports_text(c.added)}"
        out.append(_result("NV101", text, [r.span for r in c.added_by], f"added:{title}", where))
    if c.removed:
        text = f"Newly blocked {title}: {words.ports_text(c.removed)}"
        out.append(_result("NV102", text, [r.span for r in c.removed_by], f"removed:{title}", where))
    return out


def _new_workload_result(c: PairChange, where: SourceRoot | None) -> Json:
    title = words.change_title(c)
    text = f"Allowed for a workload only in HEAD (BASE's policies allow it too) {title}: {words.ports_text(c.added)}"
    return _result("NV103", text, [r.span for r in c.added_by], f"new-workload:{title}", where)


def _overlap_result(o: SamePriorityOverlap, where: SourceRoot | None) -> Json:
    """At the first policy's rule, the second one's as a related location; the witness in the message."""
    text = f"{words.overlap_title(o)}. " + " ".join(words.overlap_lines(o))
    key = f"overlap:{o.tier}:{o.priority}:{o.direction}:{o.first.policy}:{o.second.policy}"
    out = _result("NV301", text, [o.first.span, o.second.span], key, where)
    out["properties"] = {"witness": words.connection_headline(o.witness)}
    return out


def _class_result(a: AddedClass, where: SourceRoot | None) -> Json:
    text = (f"Newly allowed for pods that may not exist yet: {a.summary}. "
            f"Witness: {words.connection_headline(a.witness)}")
    return _result("NV101", text, [r.span for r in a.opened_by], f"class:{a.summary}", where)


def _log(results: list[Json], notes: tuple[str, ...], caveats: tuple[str, ...] = (),
         where: SourceRoot | None = None) -> Json:
    driver: Json = {
        "name": "netverify",
        "version": __version__,
        "rules": [
            {
                "id": rule_id,
                "name": name,
                "shortDescription": {"text": short},
                "defaultConfiguration": {"level": level},
            }
            for rule_id, name, short, level in RULES
        ],
    }
    invocation: Json = {"executionSuccessful": True}
    notifications = [{"message": {"text": c}, "level": "warning"} for c in caveats]
    notifications += [{"message": {"text": n}, "level": "note"} for n in notes]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: Json = {"tool": {"driver": driver}, "invocations": [invocation], "results": results}
    if where is not None:
        run["originalUriBaseIds"] = where.original_uri_base_ids()
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _dump(log: Json) -> str:
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def render_prove(report: ProveReport, *, color: bool = False, root: SourceRoot | None = None) -> str:
    results = [_property_result(r, root) for r in report.results if r.status in _STATUS_RULE]
    results += [res for r in report.results for res in _warning_results(r, root)]
    results += [_overlap_result(o, root) for o in report.overlaps]
    caveats = tuple(f"{r.name}: caveat: {c}" for r in report.results for c in r.caveats)
    return _dump(_log(results, report.notes, caveats, root))


def render_diff(d: DiffReport, *, color: bool = False, root: SourceRoot | None = None) -> str:
    results = [res for c in d.changes for res in _change_results(c, root)]
    results += [_class_result(a, root) for a in d.added_classes]
    results += [_new_workload_result(c, root) for c in d.new_workloads]
    if d.unknown_reason:
        results.append(_result("NV004", f"Diff result unknown: {d.unknown_reason}", [], "diff:unknown", root))
    notes = d.notes
    if d.symbolic_status in words.SYMBOLIC_NOTE:
        notes = (*notes, words.SYMBOLIC_NOTE[d.symbolic_status])
    return _dump(_log(results, notes, tuple(f"caveat: {c}" for c in d.caveats), root))
