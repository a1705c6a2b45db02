"""`--probe-script`: the replay script, run against a stand-in `kubectl` on PATH that records every call.

No cluster here: the stand-in answers like kubectl would (namespaces that exist, a pod IP, `agnhost connect`
succeeding or failing), and the test checks what the script asked for and what it printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import report_fixtures as fx
from netverify.cli import app
from netverify.findings import ProveReport
from netverify.report.probe import AGNHOST_IMAGE, probe_script

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

# Answers: `get namespace NAME` succeeds for $FAKE_NAMESPACES; `get pod ... podIP` prints an address;
# `exec ... agnhost connect` exits $FAKE_CONNECT_EXIT; `wait` exits $FAKE_WAIT_EXIT; apply's stdin is kept.
FAKE_KUBECTL = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$FAKE_LOG"
case "$1 $2" in
  "get namespace")
    if [ "${3:-}" = "--selector" ]; then echo "namespace/${6#metadata.name=}"; exit 0; fi
    for ns in $FAKE_NAMESPACES; do [ "$ns" = "$3" ] && exit 0; done
    echo "Error from server (NotFound): namespaces \"$3\" not found" >&2; exit 1 ;;
  "get pod") echo "${FAKE_POD_IP:-10.244.0.7}"; exit 0 ;;
  "apply -f") n=$(ls "$FAKE_DIR" | grep -c '^apply-'); cat > "$FAKE_DIR/apply-$n.yaml"; exit 0 ;;
  "wait --namespace") exit "${FAKE_WAIT_EXIT:-0}" ;;
  "exec --namespace") echo "${FAKE_CONNECT_SAYS:-}"; exit "${FAKE_CONNECT_EXIT:-0}" ;;
esac
exit 0
"""


def fake_kubectl(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    return bin_dir


def run_script(script: Path, tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin" if (tmp_path / "bin").exists() else fake_kubectl(tmp_path)
    log = tmp_path / "kubectl.log"
    log.write_text("")
    for old in tmp_path.glob("apply-*.yaml"):
        old.unlink()
    full = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_LOG": str(log),
            "FAKE_DIR": str(tmp_path), "FAKE_NAMESPACES": "kube-system data monitoring web api", **env}
    proc = subprocess.run(["bash", str(script), *args], capture_output=True, text=True, env=full, cwd=tmp_path)
    return proc, log.read_text().splitlines()


@pytest.fixture(scope="module")
def prove_script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("probe") / "probe.sh"
    result = CliRunner().invoke(app, ["prove", str(ROOT / "properties" / "isolation.yaml"),
                                      "--probe-script", str(path)])
    assert result.exit_code == 1, result.output  # the example's planted mistake
    return path


def applied(tmp_path: Path) -> list[dict]:
    return [d for f in sorted(tmp_path.glob("apply-*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]


def test_each_counterexample_is_replayed_and_matches_when_the_cluster_agrees(prove_script: Path, tmp_path) -> None:
    assert os.access(prove_script, os.X_OK)
    proc, calls = run_script(prove_script, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "match     property postgres-only-from-api (counterexample, expect unreachable): allowed" in proc.stdout
    assert "2 matched, 0 mismatched, 0 not set up, 0 not probed" in proc.stdout
    # The source connects to the destination pod's IP, on the counterexample's port and protocol.
    assert ("exec --namespace kube-system netverify-probe-1-src -- /agnhost connect 10.244.0.7:5432 --timeout=5s "
            "--protocol=tcp") in calls
    pods = {p["metadata"]["name"]: p for p in applied(tmp_path)}
    src, dst = pods["netverify-probe-1-src"], pods["netverify-probe-1-dst"]
    assert src["metadata"] == {"name": "netverify-probe-1-src", "namespace": "kube-system",
                               "labels": {"role": "backend"}}
    assert dst["metadata"]["labels"]["app"] == "postgres" and "controller-revision-hash" not in dst["metadata"]["labels"]
    assert {c["image"] for p in pods.values() for c in p["spec"]["containers"]} == {AGNHOST_IMAGE}
    assert dst["spec"]["containers"][0]["command"] == ["/agnhost", "serve-hostname", "--tcp", "--http=false",
                                                       "--port", "5432"]
    assert [c["command"] for c in src["spec"]["containers"]] == [["/agnhost", "pause"]]
    # Everything it made is deleted again; namespaces that existed are left alone.
    assert "delete pod --namespace kube-system netverify-probe-1-src --ignore-not-found --wait=false" in calls
    assert "delete pod --namespace data netverify-probe-1-dst --ignore-not-found --wait=false" in calls
    assert not [c for c in calls if c.startswith(("create namespace", "delete namespace"))]


def test_a_cluster_that_disagrees_is_a_mismatch_exit_1(prove_script: Path, tmp_path: Path) -> None:
    proc, _ = run_script(prove_script, tmp_path, FAKE_CONNECT_EXIT="1", FAKE_CONNECT_SAYS="TIMEOUT")
    assert proc.returncode == 1
    assert ("MISMATCH  property postgres-only-from-api (counterexample, expect unreachable): netverify says "
            "allowed, the cluster did: blocked") in proc.stdout
    assert "0 matched, 2 mismatched" in proc.stdout


def test_one_case_can_be_run_by_number_and_a_missing_namespace_is_made_and_removed(prove_script: Path,
                                                                                   tmp_path: Path) -> None:
    proc, calls = run_script(prove_script, tmp_path, "2", FAKE_NAMESPACES="kube-system data")
    assert proc.returncode == 0, proc.stderr
    assert "1 matched" in proc.stdout and "postgres-only-from-api" not in proc.stdout
    assert "create namespace monitoring" in calls
    assert "label namespace monitoring --overwrite env=prod team=observability" in calls
    assert "delete namespace monitoring --ignore-not-found --wait=false" in calls
    proc, _ = run_script(prove_script, tmp_path, "3")
    assert proc.returncode == 2 and "no case 3 (1-2)" in proc.stderr


def test_a_case_that_cannot_be_set_up_still_cleans_up(prove_script: Path, tmp_path: Path) -> None:
    proc, calls = run_script(prove_script, tmp_path, "1", FAKE_WAIT_EXIT="1")
    assert proc.returncode == 2
    assert "FAILED    case 1 could not be set up" in proc.stdout
    assert "delete pod --namespace data netverify-probe-1-dst --ignore-not-found --wait=false" in calls
    assert not [c for c in calls if c.startswith("exec ")]


def test_connections_that_need_an_address_are_listed_not_probed(tmp_path: Path) -> None:
    script = tmp_path / "probe.sh"
    report = ProveReport(fx.PROPS, (fx.prop("web-reaches-dns", "violated", expect="reachable",
                                            counterexample=fx.BLOCKED_DNS),))
    script.write_text(probe_script(report))
    proc, calls = run_script(script, tmp_path)
    assert proc.returncode == 0
    assert "skipped   property web-reaches-dns (counterexample, expect reachable): the destination is an address " \
           "outside the cluster (8.8.8.8)" in proc.stdout
    assert not [c for c in calls if c.startswith(("apply", "exec"))]


def test_diff_writes_a_probe_per_new_connection_class(tmp_path: Path) -> None:
    script = tmp_path / "diff-probe.sh"
    result = CliRunner().invoke(app, ["diff", str(ROOT / "examples" / "shop"), str(ROOT / "examples" / "shop-pr"),
                                      "--probe-script", str(script)])
    assert result.exit_code == 1, result.output
    proc, calls = run_script(script, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("match     diff: ") >= 1
    assert any("/agnhost connect 10.244.0.7:" in c for c in calls)


@pytest.mark.parametrize(("protocol", "server"), [
    ("UDP", {"command": ["/agnhost", "serve-hostname", "--udp", "--http=false", "--port", "53"]}),
    ("SCTP", {"command": ["/agnhost", "porter"], "env": [{"name": "SERVE_SCTP_PORT_53", "value": "foo"}]}),
])
def test_the_destination_serves_the_cases_protocol(tmp_path: Path, protocol: str, server: dict) -> None:
    import dataclasses

    from netverify.model.ports import Protocol

    witness = dataclasses.replace(fx.ALLOWED_TO_DB, protocol=Protocol(protocol), port=53)
    script = tmp_path / "probe.sh"
    script.write_text(probe_script(ProveReport(fx.PROPS, (fx.prop("p", "violated", counterexample=witness),))))
    _, calls = run_script(script, tmp_path, FAKE_NAMESPACES="shop")
    (dst,) = [p for p in applied(tmp_path) if p["metadata"]["name"].endswith("-dst")]
    assert {k: dst["spec"]["containers"][0][k] for k in server} == server
    assert any(f"/agnhost connect 10.244.0.7:53 --timeout=5s --protocol={protocol.lower()}" in c for c in calls)


def test_an_ipv6_destination_is_bracketed(prove_script: Path, tmp_path: Path) -> None:
    _, calls = run_script(prove_script, tmp_path, "1", FAKE_POD_IP="fd00::7")
    assert any("/agnhost connect [fd00::7]:5432 " in c for c in calls)


def test_a_property_name_cannot_inject_shell(tmp_path: Path) -> None:
    script = tmp_path / "probe.sh"
    report = ProveReport(fx.PROPS, (fx.prop("x'; touch pwned; echo '$(touch pwned2)", "violated",
                                            counterexample=fx.ALLOWED_TO_DB),))
    script.write_text(probe_script(report))
    proc, _ = run_script(script, tmp_path, FAKE_NAMESPACES="shop")
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


@pytest.mark.skipif(shutil.which("shellcheck") is None,
                    reason="shellcheck is not installed (apt-get install shellcheck; .ci/run installs it)")
def test_the_scripts_pass_shellcheck(prove_script: Path, tmp_path: Path) -> None:
    other = tmp_path / "edge.sh"
    other.write_text(probe_script(ProveReport(fx.PROPS, (fx.prop("a", "violated", counterexample=fx.BLOCKED_DNS),
                                                          fx.prop("b", "proven", expect="possible",
                                                                  witness=fx.ROGUE_TO_DB)))))
    empty = tmp_path / "empty.sh"
    empty.write_text(probe_script(ProveReport(fx.PROPS, ())))
    proc = subprocess.run(["shellcheck", "--severity=style", str(prove_script), str(other), str(empty)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
