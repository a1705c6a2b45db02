"""prove on the tutorial scenarios under tests/data/prove/: manifests + properties files through the loaders,
each with the verdicts Kubernetes dictates in expected.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netverify.analyses.prove import prove
from netverify.load.manifests import load_cluster
from netverify.load.properties import load_properties

DATA = Path(__file__).resolve().parent / "data" / "prove"
SCENARIOS = sorted(p.name for p in DATA.iterdir() if (p / "properties.yaml").exists())


def _run(name: str, **kw):
    props = load_properties(str(DATA / name / "properties.yaml"))
    cluster = load_cluster(list(props.manifests))
    return prove(cluster, props, **kw)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_verdicts(name):
    expected = yaml.safe_load((DATA / name / "expected.yaml").read_text())
    report = _run(name)
    assert {r.name: r.status for r in report.results} == expected
    for r in report.results:
        shown = r.counterexample or r.witness
        if shown is not None:
            docs = list(yaml.safe_load_all(shown.pod_manifests))
            assert any(d and d["kind"] == "Pod" for d in docs) or shown.src.namespace is None


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_tiny_resource_limit_is_never_proven(name):
    report = _run(name, rlimit=1)
    for r in report.results:
        assert r.status in ("unknown", "vacuous"), r
        assert r.reason
