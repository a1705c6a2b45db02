"""benchmarks/run.py: every operation runs in its own process on a generated cluster and reports what it did;
generated clusters are reused; the growth fit and the table. No timing is asserted (that is the benchmark's job)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def _module(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / file)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


run = _module("nv_bench_run", "run.py")
gen = _module("nv_bench_generate_for_run", "generate.py")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    gen.generate((20, 120), seed=3, out_dir=out, fmt="yaml", properties=6, mutate=2)
    return out


def test_every_operation_reports_what_it_did(tiny):
    expected = json.loads((tiny / "expected.json").read_text())
    results = {op: run.measure(op, tiny) for op in run.OPS}
    for op, r in results.items():
        assert r["peak_rss_mib"] > 0, op
        assert r["total_s"] >= r["after_load_s"] >= 0, op
    assert results["parse"]["documents"] > 100  # every pod, controller, service, policy document
    assert results["prove1"]["statuses"] == {n: expected[n] for n in list(expected)[:1]}
    assert results["prove50"]["statuses"] == expected
    assert results["map"]["connections"] > 0
    assert results["load"]["policies"] == 20
    assert results["diff"]["symbolic_status"] == "done"
    assert results["diff"]["changes"] >= 0


def test_summary_counts_mismatches_with_the_generators_expectations():
    rows = [{"total_s": t, "after_load_s": t / 2, "load_s": t / 2, "import_s": 0.1, "cpu_s": t, "after_load_cpu_s": t,
             "peak_rss_mib": 100.0, "statuses": {"a": "proven", "b": "violated"}} for t in (1.0, 3.0, 2.0)]
    s = run.summarise("small", "prove50", rows, {"a": "proven", "b": "proven"})
    assert s["total_s"] == 2.0
    assert s["mismatches"] == ["b"]
    assert s["outcomes"] == {"proven": 1, "violated": 1}


def test_growth_exponent_is_fitted_on_logs():
    results = [{"op": "map", "size": size, "after_load_s": t} for size, t in
               (("small", 0.01), ("medium", 0.1), ("large", 1.0))]
    g = run.growth(results, "map")
    assert g["exponent"] == pytest.approx(1.0)
    assert g["exponent"] < g["nlogn_exponent"]
    assert run.growth(results[:1], "map") is None


def test_a_generated_cluster_is_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "GENERATED", tmp_path)
    done = run.cluster_dir("small", "yaml", 0)
    done.mkdir(parents=True)
    (done / "summary.json").write_text(json.dumps({"seed": 0, "format": "yaml", "mutations": run.MUTATIONS}))

    def no_generation(*a, **kw):
        raise AssertionError("generated again")

    monkeypatch.setattr(run.subprocess, "run", no_generation)
    assert run.ensure_generated("small", "yaml", 0) == done
    with pytest.raises(AssertionError, match="generated again"):
        run.ensure_generated("small", "json", 0)  # another format is another cluster


def test_table_prints_ratios_to_parse(capsys):
    r = {"size": "small", "op": "load", "total_s": 2.0, "after_load_s": 0.0, "cpu_s": 1.0, "after_load_cpu_s": 0.0,
         "peak_rss_mib": 60.0, "import_s": 0.2, "parse_s": 1.0, "parse_cpu_s": 0.5, "parse_rss_mib": 30.0}
    run.print_table([r])
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.split()[:3] == ["small", "load", "2.00"]
    assert line.split()[4] == "2.00"  # wall time over parse time
    assert line.split()[9] == "2.00"  # peak RSS over parse peak RSS


def test_table_of_an_earlier_run_fits_growth_from_1k_to_10k_policies(tmp_path, capsys):
    rows = [{"size": size, "op": "map", "total_s": t, "after_load_s": t, "cpu_s": t, "after_load_cpu_s": t,
             "peak_rss_mib": 50.0, "import_s": 0.1} for size, t in (("small", 0.01), ("medium", 0.1), ("large", 2.0))]
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"format": "yaml", "seed": 0, "reps": 3, "cpus": 2, "results": rows}))
    assert run.main(["--table", str(f)]) == 0
    out = capsys.readouterr().out
    assert "growth of map (after_load_s) from 1000 to 10000 policies: exponent 1.30" in out
    assert "growth of map (after_load_s) from 100 to 10000 policies" in out


def test_map_format_ops_render_through_the_cli_to_a_file(tiny):
    """map:FMT[:VIEW] measures the real rendering (issue 13): the CLI writes the file, its size is reported."""
    for op in ("map:json", "map:text", "map:json:grouped", "map:csv"):
        r = run.measure(op, tiny)
        assert r["output_bytes"] > 0 and r["total_s"] >= r["after_load_s"] > 0, op
        assert r["policies"] == 20 and r.get("exit", 0) in (0, None), op
    assert run.is_op("map:dot:expand") and run.is_op("map") and not run.is_op("map:yaml")
    assert not run.is_op("map:json:sideways")
    assert run.map_cli_args("map:json:grouped", "m", Path("o")) == ["map", "-f", "m", "--format", "json", "-o", "o",
                                                                    "--grouped"]
