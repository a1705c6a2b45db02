"""benchmarks/peer_nca.py (`run.py --peer-nca PATH`): how NCA is started, what it is given, and the ratios it
prints, against a stand-in `nca` that writes a connectivity map. No timing asserted."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import peer_nca  # noqa: E402

FAKE_NCA = """\
#!{python}
import json, sys
args = sys.argv[1:]
if args == ["--version"]:
    print("NCA version 2.1.0")
    sys.exit(0)
print("Warning: Missing named port metrics in the pod monitoring/prometheus-0. Ignoring the pod")
out = args[args.index("--file_out") + 1]
open(out, "w").write("final fw rules for query:\\nsrc: 0.0.0.0/0 dst_ns: [a] dst_pods: [*] conn: All connections\\n"
                     "src_ns: [a] src_pods: [*] dst_ns: [b] dst_pods: [*] conn: All connections\\n")
open(out + ".args", "w").write(json.dumps(args))
"""


def _fake(tmp_path: Path) -> Path:
    nca = tmp_path / "nca"
    nca.write_text(FAKE_NCA.format(python=sys.executable))
    nca.chmod(nca.stat().st_mode | stat.S_IXUSR)
    return nca


def _preset(tmp_path: Path) -> Path:
    cdir = tmp_path / "small"
    (cdir / "manifests").mkdir(parents=True)
    for name in ("policies.yaml", "pods.yaml", "namespaces.yaml"):
        (cdir / "manifests" / name).write_text("")
    return cdir


def _measure(op, cdir):
    assert op == "map"
    return {"total_s": 2.0, "process_cpu_s": 4.0, "cpu_s": 3.0, "after_load_cpu_s": 0.5, "peak_rss_mib": 100,
            "connections": 7}


def test_nca_gets_the_policies_pods_and_namespaces_and_the_ratios_divide_its_cpu_by_ours(tmp_path, monkeypatch):
    nca, cdir = _fake(tmp_path), _preset(tmp_path)
    seen = {}
    real = peer_nca.run_nca

    def spy(cmd, where):
        result = real(cmd, where)
        seen.update(result)
        return result

    monkeypatch.setattr(peer_nca, "run_nca", spy)
    row = peer_nca.compare(peer_nca.nca_command(nca), "small", cdir, 2, _measure)
    assert seen["rules"] == 2 and seen["warnings"] == 1
    assert row["ratio_end_to_end_cpu"] == pytest.approx(seen["cpu_s"] / 4.0)
    assert row["ratio_map_after_load_cpu"] == pytest.approx(seen["cpu_s"] / 0.5)
    assert row["netverify"]["connections"] == 7


def test_the_whole_run_writes_its_json(tmp_path):
    nca, cdir = _fake(tmp_path), _preset(tmp_path)
    out = tmp_path / "peer.json"
    args = SimpleNamespace(seed=0, reps=1, json_out=str(out))
    assert peer_nca.peer_nca(nca, ["small"], args, lambda size, fmt, seed: cdir, _measure) == 0
    doc = json.loads(out.read_text())
    assert doc["nca"] == "NCA version 2.1.0" and [r["size"] for r in doc["results"]] == ["small"]


def test_a_path_that_is_no_nca_is_refused_with_the_reason(tmp_path):
    with pytest.raises(SystemExit, match="no nca.py in it"):
        peer_nca.nca_command(tmp_path)
    (tmp_path / "nca.py").write_text("")
    assert peer_nca.nca_command(tmp_path) == [sys.executable, str(tmp_path / "nca.py")]
    plain = tmp_path / "README"
    plain.write_text("")
    with pytest.raises(SystemExit, match="not an executable"):
        peer_nca.nca_command(plain)
