"""What the fix search learns (analyses/fix_learn.py), checked by brute force with the concrete evaluator over
generated clusters (the scenarios of test_differential_suggest_fix): for the counterexample of the violated
property and every existing pair it forbids that the cluster lets through, every candidate edit set (up to
three edits) that blocks it contains one of the edits `relevant` names (else the hitting-set clause would exclude a fix); and the edits only take connections away (what a set
blocks, each of its supersets blocks: what the subset and superset clauses rely on)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from netverify.analyses.fix import candidates_of, _denies
from netverify.analyses.fix_learn import flow_of, learnable, relevant, semantics_to_consider
from netverify.analyses.fix_search import apply_edits
from netverify.analyses.prove import prove
from netverify.eval.concrete import evaluate
from netverify.load.manifests import load_cluster_from_texts
from netverify.load.properties import load_properties
from netverify.model.semantics import Semantics
from test_differential_suggest_fix import SETTINGS, _pairs, scenarios


def _semantics(text: str) -> Semantics:
    return Semantics("calico" if "projectcalico" in text else "cilium" if "cilium.io" in text else "generic")


def _reload(texts):
    try:
        return load_cluster_from_texts(texts.items())
    except Exception:  # noqa: BLE001 - an edit set that does not re-read is no fix: nothing to check
        return None


ANY_KIND = st.one_of(scenarios("admin"), scenarios("calico"), scenarios("cilium"))


@settings(max_examples=10, **SETTINGS)
@given(scenario=ANY_KIND)
def test_every_edit_set_that_blocks_a_forbidden_connection_holds_a_relevant_edit_and_supersets_block_too(
        tmp_path, scenario):
    _check(tmp_path, scenario)


@pytest.mark.slow
@settings(max_examples=300, **SETTINGS)
@given(scenario=ANY_KIND)
def test_slow_every_edit_set_that_blocks_a_forbidden_connection_holds_a_relevant_edit(tmp_path, scenario):
    _check(tmp_path, scenario)


def _check(tmp_path, scenario) -> None:
    manifests, props_text = scenario
    (tmp_path / "m.yaml").write_text(manifests["m.yaml"])
    (tmp_path / "p.yaml").write_text(props_text)
    props = load_properties(str(tmp_path / "p.yaml"))
    texts = {m: manifests["m.yaml"] for m in props.manifests}
    semantics = _semantics(manifests["m.yaml"])
    cluster = load_cluster_from_texts(texts.items())
    result = prove(cluster, props, semantics=semantics).results[0]
    if result.status != "violated" or result.counterexample is None:
        return
    prop = props.properties[0]
    edits = candidates_of(cluster, result.counterexample, texts) + _denies(cluster, prop, result.counterexample,
                                                                          texts)
    event(f"{min(len(edits), 4)}+ candidate edits" if len(edits) >= 4 else f"{len(edits)} candidate edits")
    sems = semantics_to_consider(semantics)
    flows = [flow_of(cluster, result.counterexample)]
    assert learnable(cluster, prop, flows[0], sems, needed=False)  # the counterexample is one of the property's
    flows += [f for f in _pairs(cluster, prop) if learnable(cluster, prop, f, sems, needed=False)]
    singles = {i: c for i, e in enumerate(edits) if (c := _reload(apply_edits(texts, (e,)))) is not None}
    targets = {i: e.target for i, e in enumerate(edits) if e.target}
    rel = [relevant(cluster, singles, targets, f, sems) for f in flows]
    event(f"{sum(len(r) < len(edits) for r in rel)} flows with an irrelevant edit")
    blocked: list[set[tuple[int, ...]]] = [set() for _ in flows]
    for k in (1, 2, 3):
        for combo in itertools.combinations(range(len(edits)), k):
            edited = apply_edits(texts, tuple(edits[i] for i in combo))
            after = _reload(edited) if edited is not None else None
            if after is None:
                continue
            for n, flow in enumerate(flows):
                blocks = not evaluate(after, flow, semantics=semantics).may_be(True)
                if blocks:
                    assert rel[n] & set(combo), ([edits[i].description for i in combo], flow, "none relevant")
                    blocked[n].add(combo)
                assert blocks or not any(set(b) <= set(combo) for b in blocked[n]), \
                    ("a superset of a blocking set lets it through again", [edits[i].description for i in combo])


THREE_PEERS = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: sandbox, labels: {env: sandbox}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: x, namespace: sandbox}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {env: sandbox}}
        - namespaceSelector: {}
          podSelector: {matchLabels: {app: x}}
        - podSelector: {matchLabels: {app: db}}
"""

THREE_PEERS_PROPS = """\
manifests: [m.yaml]
properties:
  - name: x-never-reaches-db
    from: {namespace: sandbox, podSelector: {matchLabels: {app: x}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    expect: unreachable
    scope: existing
"""


def test_two_drops_that_block_only_together_are_both_relevant(tmp_path):
    # x is admitted by two peers of one rule: dropping either alone changes nothing about how x is decided
    # (the rule still admits it), dropping both blocks it; a clause without them would exclude that fix.
    (tmp_path / "m.yaml").write_text(THREE_PEERS)
    (tmp_path / "p.yaml").write_text(THREE_PEERS_PROPS)
    props = load_properties(str(tmp_path / "p.yaml"))
    texts = {m: THREE_PEERS for m in props.manifests}
    cluster = load_cluster_from_texts(texts.items())
    (result,) = prove(cluster, props).results
    edits = candidates_of(cluster, result.counterexample, texts)
    drops = [i for i, e in enumerate(edits) if e.description == "drop the peer"]
    assert len(drops) == 2
    flow = flow_of(cluster, result.counterexample)
    both = load_cluster_from_texts(apply_edits(texts, tuple(edits[i] for i in drops)).items())
    assert not evaluate(both, flow).may_be(True)
    singles = {i: load_cluster_from_texts(apply_edits(texts, (e,)).items()) for i, e in enumerate(edits)}
    assert all(evaluate(singles[i], flow).allowed for i in drops)  # each alone: still allowed
    targets = {i: e.target for i, e in enumerate(edits) if e.target}
    assert set(drops) <= relevant(cluster, singles, targets, flow, (Semantics(),))
