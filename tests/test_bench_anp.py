"""benchmarks/anp.py: its generated AdminNetworkPolicies load as the API server would take them, and change no
verdict of the generator's properties (so the with/without comparison is like for like). No timing asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import anp as bench_anp  # noqa: E402
import generate as bench_generate  # noqa: E402

from netverify.analyses.prove import prove  # noqa: E402
from netverify.load.manifests import load_cluster  # noqa: E402
from netverify.load.properties import load_properties  # noqa: E402


def test_the_admin_policies_load_and_change_no_verdict(tmp_path):
    base = tmp_path / "base"
    bench_generate.generate((20, 120), seed=3, out_dir=base, fmt="yaml", properties=6)
    with_anps = bench_anp.with_admin_policies(base, tmp_path / "anp", 12)
    cluster = load_cluster([str(with_anps / "manifests")])
    assert len(cluster.admin_policies) == 12
    assert len({p.priority for p in cluster.admin_policies}) < 12  # some ties, as the docstring says
    expected = json.loads((base / "expected.json").read_text())
    report = prove(cluster, load_properties(str(with_anps / "properties.yaml")))
    assert {r.name: r.status for r in report.results} == expected
