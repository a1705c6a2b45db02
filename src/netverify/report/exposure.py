"""`exposure` in text, json and markdown: per workload and port, who can reach it and by which rules."""

from __future__ import annotations

from netverify.findings import Exposure, ExposureReport
from netverify.report import json as json_report
from netverify.report import markdown, words

_STATUS = {"every": "EVERY", "some": "SOME", "none": "NONE", "unknown": "UNKNOWN"}


def _what(e: Exposure) -> str:
    if e.status == "none":
        return f"no pod of any namespace can reach it on {e.port}"
    if e.status == "unknown":
        return f"{e.audience}: unknown ({e.reason})"
    return e.audience


def _by(e: Exposure) -> str:
    if e.status not in ("every", "some"):
        return ""
    return f"allowed by {words.rules_text(e.by)}" if e.by else "no policy restricts it"


def render_text(r: ExposureReport, *, color: bool = False) -> str:
    head: list[str] = []
    if r.unknown_reason:
        head.append(f"UNKNOWN: some answers may be wrong: {r.unknown_reason}")
    head += [f"caveat: {c}" for c in r.caveats]
    blocks = ["\n".join(head)] if head else []
    for w in r.workloads:
        lines = [w.workload]
        for e in w.entries:
            lines.append(f"  {e.port:<10} {_STATUS[e.status]:<8} {_what(e)}")
            if _by(e):
                lines.append(f"  {'':<19}   {_by(e)}")
            if e.status == "some" and e.witness is not None:
                lines.append(f"  {'':<19}   e.g. {words.connection_headline(e.witness)}")
        blocks.append("\n".join(lines))
    if not r.workloads:
        blocks.append("no workloads")
    return "\n\n".join(blocks) + "\n"


def _entry_dict(e: Exposure) -> json_report.Json:
    return {
        "port": e.port,
        "audience": e.audience,
        "status": e.status,
        "allowed_by": [json_report.rule_dict(x) for x in e.by],
        "witness": json_report.connection_witness_dict(e.witness) if e.witness is not None else None,
        "reason": e.reason,
    }


def render_json(r: ExposureReport, *, color: bool = False) -> str:
    return json_report.dumps({
        "workloads": [{"workload": w.workload, "exposure": [_entry_dict(e) for e in w.entries]}
                      for w in r.workloads],
        "notes": list(r.notes),
        "unknown_reason": r.unknown_reason,
        "caveats": list(r.caveats),
    })


def render_markdown(r: ExposureReport, *, color: bool = False) -> str:
    out = ["### netverify exposure", ""]
    if r.unknown_reason:
        out += [f"> **❓ unknown (fails closed):** {markdown.cell(r.unknown_reason)}", ""]
    out += [f"> caveat: {markdown.cell(c)}" for c in r.caveats]
    out += ["| workload | port | reached by | | rules |", "| --- | --- | --- | --- | --- |"]
    for w in r.workloads:
        for e in w.entries:
            out.append(f"| {markdown.code(w.workload)} | {markdown.cell(e.port)} | {markdown.cell(_what(e))} | "
                       f"{_STATUS[e.status].lower()} | {markdown.cell(words.rules_text(e.by)) if e.by else ''} |")
    out += [f"\n> note: {markdown.cell(n)}" for n in r.notes]
    return "\n".join(out) + "\n"
