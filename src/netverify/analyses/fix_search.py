"""The fix search of `prove --suggest-fix`: an implicit-hitting-set loop over the candidate edits.

Choose (smt/edit_choice.py, z3 Optimize): a set of at most MAX_SET_SIZE edits of least total cost that meets
every constraint learned so far. Check: apply it to the manifests' text, re-read it with the loader and re-prove
the violated property, then every property. The first set that passes both is the suggestion: a set of least
cost among the candidate sets of that size, since each learned constraint excludes only sets that cannot pass
(analyses/fix_learn.py says why each is sound). What a failed check teaches:
  - the violated property still fails with a new counterexample: no subset of the set can fix it either (the
    edits only take connections away), and a fix must change how that connection is decided: at least one of
    the edits that do, by the concrete evaluator on the cluster with each edit alone;
  - a property that held no longer holds: a `reachable` or `possible` one fails in every superset too (never
    all of the set again), and an edit that alone takes away the connection it now misses is never chosen;
  - anything else (a re-read that fails, an unknown): never that exact set again.
The original counterexample is learned from first. Bounded by MAX_SET_SIZE and MAX_CHOICES (docs/fix.md).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from netverify.analyses.fix_edit import Edit
from netverify.analyses.fix_learn import flow_of, learnable, loses, relevant, semantics_to_consider
from netverify.eval.concrete import evaluate
from netverify.findings import ConnectionWitness, FixSuggestion, PropertyResult
from netverify.model.cluster import Cluster
from netverify.model.flow import Flow
from netverify.model.properties import PropertiesFile, Property
from netverify.model.semantics import Semantics
from netverify.smt.edit_choice import EditChooser

MAX_SET_SIZE = 3
MAX_CHOICES = 40
RANK_WEIGHT = 1000  # cost = rank * RANK_WEIGHT + the edit's place in the candidate order (ties, < RANK_WEIGHT)

Prover = Callable[[Cluster, PropertiesFile], tuple[PropertyResult, ...]]
Reload = Callable[[Mapping[str, str]], Cluster]


@dataclass
class SearchRun:
    """What the search needs from the run, and what it counts (re-proof runs, for docs/fix.md's measure)."""

    base: Cluster
    props: PropertiesFile
    held: set[str]
    texts: Mapping[str, str]
    reload: Reload
    prove: Prover
    semantics: Semantics | None = None
    reproofs: int = 0
    choices: int = 0
    tried: list[tuple[str, ...]] = field(default_factory=list)  # each chosen set's edit descriptions, in order
    never: list[str] = field(default_factory=list)  # edits learned to be never part of a fix
    edits: list[Edit] = field(default_factory=list)  # the candidates of the last search, in cost order
    _singles: dict[int, Cluster] = field(default_factory=dict)

    def proofs(self, cluster: Cluster, props: PropertiesFile) -> tuple[PropertyResult, ...]:
        self.reproofs += 1
        return self.prove(cluster, props)


def cost(edit: Edit, place: int) -> int:
    return edit.rank * RANK_WEIGHT + min(place, RANK_WEIGHT - 1)


def apply_edits(texts: Mapping[str, str], combo: tuple[Edit, ...]) -> dict[str, str] | None:
    edited = dict(texts)
    # bottom-up per file: an edit changes lines only inside its item (or inserts before it), so earlier lines
    # keep their numbers; on one line the in-place edit goes first, then the insertion before it
    for e in sorted(combo, key=lambda e: (e.file, -e.line, e.inserts)):
        if e.file not in edited:
            return None
        edited[e.file] = e.apply(edited[e.file])
    return edited


def _reread(run: SearchRun, combo: tuple[Edit, ...]) -> tuple[dict[str, str], Cluster] | None:
    try:
        edited = apply_edits(run.texts, combo)
        return None if edited is None else (edited, run.reload(edited))
    except Exception:  # noqa: BLE001 - an edit that does not apply or re-read is simply not a fix
        return None


class _Choice:
    """The chooser and everything learned. New candidates (from a counterexample a re-proof returned) rebuild
    the chooser: each hitting-set clause is re-derived over every candidate (an old clause over fewer of them
    would wrongly exclude the new ones); the other facts name sets of ids and stay true as they are."""

    def __init__(self, run: SearchRun, prop: Property, sems: tuple[Semantics, ...]) -> None:
        self.run, self.prop, self.sems = run, prop, sems
        self.facts: list[tuple[str, tuple[int, ...]]] = []
        self.flows: list[Flow] = []
        self.chooser = EditChooser([], max_size=MAX_SET_SIZE)

    def add(self, edits: list[Edit]) -> None:
        known = {(e.file, e.line, e.description) for e in self.run.edits}
        new = [e for e in edits if (e.file, e.line, e.description) not in known]
        if not new and self.run.edits:
            return
        for e in new:
            # an edit that does not re-read on its own is no candidate (the clauses judge each edit alone)
            single = _reread(self.run, (e,))
            if single is not None:
                self.run._singles[len(self.run.edits)] = single[1]
                self.run.edits.append(e)
        self._rebuild()

    def _rebuild(self) -> None:
        edits = self.run.edits
        slots: dict[str, list[int]] = {}
        for i, e in enumerate(edits):
            if e.slot:
                slots.setdefault(e.slot, []).append(i)
        exclusive = [(a, b) for ids in slots.values() for a in ids for b in ids if a < b]
        self.chooser = EditChooser([cost(e, i) for i, e in enumerate(edits)], max_size=MAX_SET_SIZE,
                                   exclusive=exclusive)
        for kind, ids in self.facts:
            self._apply(kind, ids)
        for flow in self.flows:
            self.chooser.require_one_of(self._relevant(flow))

    def _relevant(self, flow: Flow) -> set[int]:
        targets = {i: e.target for i, e in enumerate(self.run.edits) if e.target}
        return relevant(self.run.base, self.run._singles, targets, flow, self.sems)

    def _apply(self, kind: str, ids: tuple[int, ...]) -> None:
        if kind == "forbid":
            self.chooser.forbid(ids[0])
        else:
            getattr(self.chooser, kind)(ids)

    def learn(self, kind: str, ids: tuple[int, ...]) -> None:
        self.facts.append((kind, ids))
        self._apply(kind, ids)

    def learn_forbidden(self, cx: ConnectionWitness, more: Callable[[ConnectionWitness], list[Edit]]) -> None:
        """A connection the violated property forbids and a chosen set (or the base) lets through."""
        flow = flow_of(self.run.base, cx)
        clause = learnable(self.run.base, self.prop, flow, self.sems, needed=False)
        if clause:
            self.flows.append(flow)
        # its own candidates, read from how the base cluster decides it (the edited cluster's rule indices
        # are not the base's); adding them rebuilds the chooser with every clause, this one's too
        v = evaluate(self.run.base, flow, semantics=self.run.semantics or Semantics())
        before = len(self.run.edits)
        self.add(more(replace(cx, egress=v.egress, ingress=v.ingress)))
        if clause and len(self.run.edits) == before:
            self.chooser.require_one_of(self._relevant(flow))

    def next(self) -> tuple[int, ...] | None:
        chosen = self.chooser.next()
        if chosen is not None:
            self.facts.append(("forbid_exactly", chosen))
        return chosen


def search(run: SearchRun, r: PropertyResult, edits: list[Edit],
           more: Callable[[ConnectionWitness], list[Edit]] = lambda cx: []) -> FixSuggestion:
    """`edits`: the candidates from the counterexample, best first; `more`: the candidates from another
    counterexample of the same property (one a re-proof returns)."""
    if not edits:
        return FixSuggestion(r.name, "none", reason="no rule that lets the counterexample through can be narrowed "
                             "or preceded by a Deny by the edits netverify tries")
    run.edits = []
    prop = next(p for p in run.props.properties if p.name == r.name)
    by_name = {p.name: p for p in run.props.properties}
    choice = _Choice(run, prop, semantics_to_consider(run.semantics))
    choice.add(edits)
    assert r.counterexample is not None
    choice.learn_forbidden(r.counterexample, lambda cx: [])
    target = PropertiesFile(run.props.path, run.props.manifests, (prop,))
    while run.choices < MAX_CHOICES:
        chosen = choice.next()
        if chosen is None:
            break
        run.choices += 1
        combo = tuple(run.edits[i] for i in chosen)
        run.tried.append(tuple(e.description for e in combo))
        reread = _reread(run, combo)
        if reread is None:
            continue
        edited, cluster = reread
        (first,) = run.proofs(cluster, target)
        if first.status != "proven":
            if first.status == "violated":
                choice.learn("forbid_within", chosen)
                if first.counterexample is not None:
                    choice.learn_forbidden(first.counterexample, more)
            continue
        after = {x.name: x for x in run.proofs(cluster, run.props)}
        broken = [n for n in sorted(run.held) if n not in after or after[n].status != "proven"]
        if r.name in after and after[r.name].status == "proven" and not broken:
            return _found(run, r.name, combo, edited)
        for name in broken:
            _learn_broken(run, choice, combo, chosen, by_name.get(name), after.get(name))
    gave_up = choice.chooser.gave_up
    capped = f" (the search stopped after {MAX_CHOICES} sets)" if run.choices >= MAX_CHOICES else ""
    return FixSuggestion(r.name, "none", reason=(
        f"no fix found among the {len(run.edits)} candidate edits (sets of at most {MAX_SET_SIZE}, {run.choices} "
        f"re-proven{capped}): none makes it hold while every other property still holds"
        + (f"; the optimiser gave up: {gave_up}" if gave_up else "")))


def _learn_broken(run: SearchRun, choice: _Choice, combo: tuple[Edit, ...], chosen: tuple[int, ...],
                  prop: Property | None, result: PropertyResult | None) -> None:
    """A property that held fails after `chosen`: what is learned (the exact set is excluded already)."""
    if prop is None or result is None or result.status != "violated" or prop.expect == "unreachable":
        return  # unknown, or an isolation broken by taking connections away: nothing beyond the exact set
    choice.learn("forbid_all_of", chosen)  # the edits only take connections away: every superset fails it too
    cx = result.counterexample
    if prop.expect != "reachable" or cx is None:
        return
    flow = flow_of(run.base, cx)
    if not learnable(run.base, prop, flow, choice.sems, needed=True):
        return
    for i, e in zip(chosen, combo):
        single = run._singles.get(i)
        if single is not None and loses(single, flow, choice.sems):
            choice.learn("forbid", (i,))
            run.never.append(e.description)


def _found(run: SearchRun, name: str, combo: tuple[Edit, ...], edited: Mapping[str, str]) -> FixSuggestion:
    diff = "".join("".join(difflib.unified_diff(run.texts[f].splitlines(True), edited[f].splitlines(True),
                                                f"a/{f}", f"b/{f}"))
                   for f in sorted({e.file for e in combo}))
    return FixSuggestion(name, "found", tuple(f"{e.description} ({e.file}:{e.line})" for e in combo),
                         diff, tuple(sorted(run.held)))
