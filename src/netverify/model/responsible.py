"""Which rules are responsible for a side's outcome, read from its layer chain (model/decision.py).

Shared by diff's attribution and the reports (SARIF locations): one definition of "responsible".
"""

from __future__ import annotations

from netverify.model.verdict import RuleRef, SideVerdict


def takes_part(side: SideVerdict) -> bool:
    """Whether a layer other than NetworkPolicy took part (else isolated_by / allowed_by say it all)."""
    return any(d.layer != "networkpolicy" for d in side.chain)


def deciding_refs(side: SideVerdict) -> tuple[RuleRef, ...]:
    """Every rule that said something on the way: each pass that led on, and what the last entry said (every
    alternative's rules when same-priority policies disagree; the isolating policies for a NetworkPolicy deny)."""
    out: list[RuleRef] = []
    for d in side.chain:
        for entry in d.alternatives or (d,):
            if entry.action != "nomatch":
                out.extend(entry.by)
    return tuple(dict.fromkeys(out))
