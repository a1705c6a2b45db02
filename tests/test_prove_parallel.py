"""prove --jobs N: the same report as one process (but for durations), bad input still an error, via the CLI too."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import SPAN
from netverify.analyses.parallel import prove_parallel
from netverify.analyses.prove import prove
from netverify.cli import app
from netverify.errors import InputError
from netverify.load.manifests import load_cluster
from netverify.load.properties import load_properties
from netverify.model.properties import EndpointSpec

ROOT = Path(__file__).resolve().parent.parent
PROPERTIES = ROOT / "properties" / "isolation.yaml"


def _without_durations(report):
    return [dataclasses.replace(r, duration_ms=0) for r in report.results]


@pytest.fixture(scope="module")
def shop():
    props = load_properties(str(PROPERTIES))
    return load_cluster(list(props.manifests)), props


@pytest.mark.parametrize("jobs", [1, 2, 3, 64])
def test_same_results_in_the_same_order_as_one_process(shop, jobs):
    cluster, props = shop
    assert len(props.properties) >= 2
    one = prove(cluster, props)
    many = prove_parallel(cluster, props, jobs=jobs)
    assert [r.name for r in many.results] == [p.name for p in props.properties]
    assert _without_durations(many) == _without_durations(one)
    assert many.properties_file == one.properties_file


def test_options_reach_the_workers(shop):
    cluster, props = shop
    report = prove_parallel(cluster, props, jobs=2, max_time_s=0.001, timeout_ms=1)
    assert {r.status for r in report.results} <= {"unknown", "vacuous", "proven", "violated"}
    assert report.count("unknown") >= 1  # no time to prove anything: unknown, never proven on a timeout


def test_bad_input_in_a_worker_is_an_input_error(shop):
    cluster, props = shop
    missing = EndpointSpec(span=SPAN, namespace="shop", service="no-such-service")
    bad = dataclasses.replace(props.properties[-1], dst=missing)
    broken = dataclasses.replace(props, properties=(*props.properties[:-1], bad))
    with pytest.raises(InputError) as serial:
        prove(cluster, broken)
    with pytest.raises(InputError) as parallel:
        prove_parallel(cluster, broken, jobs=2)
    assert str(parallel.value) == str(serial.value)


def test_cli_jobs_gives_the_same_json(tmp_path):
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.json"
        result = runner.invoke(app, ["prove", str(PROPERTIES), "--jobs", jobs, "--format", "json", "--output", str(out)])
        assert result.exit_code in (0, 1), result.output
        doc = json.loads(out.read_text())
        for r in doc["results"]:
            r.pop("duration_ms", None)
        outputs.append((result.exit_code, doc))
    assert outputs[0] == outputs[1]
    assert runner.invoke(app, ["prove", str(PROPERTIES), "--jobs", "0"]).exit_code == 2
