"""Text output for people (issue 14 item 9): it fits 80 columns (the terminal's width when stdout is one;
`--wide` for everything), IP ranges as CIDRs with neighbours that say the same merged, `map` says when there is
nothing to map, each note once, readable help, a final newline everywhere, `-n` deprecated for
`--default-namespace`, `prove -` reads the properties from standard input."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.cli.output import emit_notes

ROOT = Path(__file__).resolve().parent.parent
NO_WIDTH = {"COLUMNS": "", "NO_COLOR": "1"}


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in findings as a user at the top of the checkout sees them


def run(*args: str, **kw):
    return CliRunner().invoke(app, list(args), env={**NO_WIDTH, **kw.pop("env", {})}, **kw)


COMMANDS = [
    ("prove", "properties/isolation.yaml"),
    ("map", "-f", "examples/shop"),
    ("diff", "examples/shop", "examples/shop-pr"),
    ("explain", "monitoring/prometheus", "data/postgres", "--port", "9187", "-f", "examples/shop"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[a[0] for a in COMMANDS])
def test_text_fits_80_columns_and_wide_shows_every_policy(at_root, args):
    fitted = run(*args)
    assert fitted.exit_code in (0, 1), fitted.output
    too_long = [line for line in fitted.stdout.splitlines() if len(line) > 80]
    assert not too_long, too_long
    wide = run(*args, "--wide")
    if args[0] in ("prove", "explain"):  # --wide: every line as long as it is
        assert any(len(line) > 80 for line in wide.stdout.splitlines())
        assert re.search(r"isolated by data/allow-postgres-from-backends \(.*\), data/default-deny \(.*\), "
                         r"data/allow-metrics-from-prometheus \(", wide.stdout)


def test_a_long_list_of_isolating_policies_is_shortened_and_wide_lists_every_one(tmp_path):
    policies = "".join(
        f"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny-{i}, namespace: a}}\n"
        f"spec: {{podSelector: {{matchLabels: {{app: y}}}}}}\n" for i in range(5))
    (tmp_path / "m.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: a, labels: {app: x}}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: y, namespace: a, labels: {app: y}}\n" + policies)
    short = run("explain", "a/x", "a/y", "--port", "80", "-f", str(tmp_path))
    assert short.exit_code == 1
    assert re.search(r"isolated by a/deny-0 \(\S*\), a/deny-1 \(\S*\) and 3 more \(--wide lists them\)",
                     " ".join(short.stdout.split()))
    wide = run("explain", "a/x", "a/y", "--port", "80", "-f", str(tmp_path), "--wide")
    assert all(f"a/deny-{i} (" in wide.stdout for i in range(5)) and "--wide lists them" not in wide.stdout


def test_columns_tells_the_width_when_stdout_is_no_terminal(at_root):
    narrow = run("explain", "frontend", "orders", "--port", "8080", "-f", "examples/shop", env={"COLUMNS": "70"})
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 70
    assert max(len(line) for line in run("explain", "frontend", "orders", "--port", "8080", "-f", "examples/shop",
                                         env={"COLUMNS": "200"}).stdout.splitlines()) > 80


def test_ip_ranges_are_cidrs_and_neighbours_that_say_the_same_are_one_row(at_root):
    text = run("map", "-f", "examples/shop", "--focus", "kube-system/coredns").stdout
    rows = [line for line in text.splitlines() if line.startswith("kube-system/coredns[Deployment] -> ")]
    # five neighbouring ranges the policies cut, all `all`: one row, written as the CIDR it is
    assert [r for r in rows if "all" in r.split()[-1:]] == ["kube-system/coredns[Deployment] -> 0.0.0.0/0  all"]
    payments = run("map", "-f", "examples/shop", "--focus", "api/payments").stdout
    assert "198.51.100.0/26" in payments and "198.51.100.128/25" in payments
    assert "198.51.100.0-198.51.100.63" not in payments
    # tools keep the engine's partition, the same for every workload
    as_json = json.loads(run("map", "-f", "examples/shop", "--focus", "kube-system/coredns", "--format",
                             "json").stdout)
    out = [c for c in as_json["connections"] if c["src"].get("name") == "coredns" and c["dst"]["type"] == "ip"]
    assert len(out) == 5


def test_map_says_when_there_are_no_workloads(tmp_path):
    (tmp_path / "np.yaml").write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                                      "metadata: {name: deny, namespace: a}\nspec: {podSelector: {}}\n")
    result = run("map", "-f", str(tmp_path))
    assert result.exit_code == 0 and result.stdout == "no workloads in the manifests: nothing to map\n"
    doc = json.loads(run("map", "-f", str(tmp_path), "--format", "json").stdout)
    assert any(n.startswith("no workloads in the manifests") for n in doc["notes"])


def test_each_note_is_said_once(at_root, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    emit_notes(("a", "b", "a"), "text")
    assert err.getvalue() == "note: a\nnote: b\n"
    ranged = run("explain", "frontend", "orders", "--port", "8079-8081", "-f", "examples/shop")
    notes = [line for line in ranged.stderr.splitlines() if line.startswith("note: ")]
    assert notes and len(notes) == len(set(notes))


@pytest.mark.parametrize(("command", "usage"), [
    ((), "Usage: netverify [OPTIONS] COMMAND [ARGS]..."),
    (("prove",), "Usage: netverify prove [OPTIONS] PROPERTIES.yaml"),
    (("map",), "Usage: netverify map [OPTIONS]"),
    (("explain",), "Usage: netverify explain [OPTIONS] SRC DST"),
    (("diff",), "Usage: netverify diff [OPTIONS] BASE HEAD"),
    (("fleet",), "Usage: netverify fleet [OPTIONS] FLEET.yaml"),
    (("schema", "properties"), "Usage: netverify schema properties [OPTIONS]"),
])
def test_help_shows_readable_metavars(command, usage):
    result = run(*command, "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert usage in result.stdout
    assert not re.search(r"[<>{}]", result.stdout.replace("<stdin>", "")), result.stdout
    if command == ("prove",):
        assert re.search(r"--file\s+-f\s+PATH\s", result.stdout) and re.search(r"--timeout\s+SECONDS", result.stdout)
        assert re.search(r"--strict\s{3,}Exit 1", result.stdout)  # a flag takes no value: nothing beside it


FORMATS = [(args, fmt) for args, fmts in (
    (COMMANDS[0], ("text", "json", "markdown", "sarif", "junit", "html")),
    (COMMANDS[1], ("text", "json", "csv", "markdown", "dot", "html")),
    (COMMANDS[2], ("text", "json", "markdown", "sarif", "junit", "html")),
    (COMMANDS[3], ("text", "json")),
) for fmt in fmts]


@pytest.mark.parametrize(("args", "fmt"), FORMATS, ids=[f"{a[0]}-{f}" for a, f in FORMATS])
def test_every_output_ends_with_a_newline(at_root, args, fmt):
    result = run(*args, "--format", fmt)
    assert result.stdout.endswith("\n") and not result.stdout.endswith("\n\n\n")


def test_every_message_ends_with_a_newline(at_root):
    for args in (("--version",), ("schema", "properties"), ("map", "-f", "no-such-dir"), ("explain", "a", "b", "-f",
                                                                                            "examples/shop")):
        result = run(*args)
        assert result.output.endswith("\n"), args


def test_n_is_deprecated_for_default_namespace_and_keeps_working(tmp_path):
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")
    for flag in ("-n", "--namespace", "--default-namespace"):
        result = run("map", "-f", str(tmp_path), flag, "shop", "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["connections"][0]["src"]["namespace"] == "shop"
        deprecated = "-n/--namespace is deprecated" in result.stderr
        assert deprecated == (flag != "--default-namespace"), flag


def test_prove_dash_reads_the_properties_from_stdin(at_root):
    text = (ROOT / "properties" / "isolation.yaml").read_text().replace("../examples/shop", "examples/shop")
    result = run("prove", "-", input=text)
    assert result.exit_code == 1, result.output  # the example's planted violation
    assert "(<stdin>:" in result.stdout and "10 properties: 9 proven, 1 violated" in result.stdout
    twice = run("prove", "-", "-f", "-", input=text)
    assert twice.exit_code == 2 and "standard input can be read once" in twice.output


# ---- a real terminal --------------------------------------------------------------------------------------

TMUX = shutil.which("tmux")


def _in_tmux(width: int, command: str) -> list[str]:
    """The lines `command` shows in a tmux pane `width` columns wide, wrapped lines joined (-J): a line longer
    than the pane is one the program wrote too long."""
    socket = f"netverify-test-{uuid.uuid4().hex[:8]}"
    tmux = [TMUX, "-L", socket, "-f", os.devnull]
    marker = "__NETVERIFY_DONE__"
    script = f"cd {ROOT} && {command}; echo {marker}; sleep 60"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    # the server in the foreground (-D), as a child of this test: a sandbox may refuse tmux's daemon()
    server = subprocess.Popen([*tmux, "-D"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            started = subprocess.run([*tmux, "new-session", "-d", "-x", str(width), "-y", "50", script], env=env,
                                     capture_output=True)
            if started.returncode == 0:
                break
            time.sleep(0.1)
        assert started.returncode == 0, started.stderr
        deadline = time.monotonic() + 120
        while True:
            shown = subprocess.run([*tmux, "capture-pane", "-p", "-J", "-S", "-", "-t", "0"],
                                   capture_output=True, text=True, check=True).stdout
            if marker in shown or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)  # only the server of this test's socket
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    lines = shown.splitlines()
    assert marker in shown, "the command did not finish in the pane"
    return [line.rstrip() for line in lines[:lines.index(marker)]]


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
@pytest.mark.parametrize("width", [80, 200])
def test_in_a_real_terminal_text_fits_the_terminal(width):
    netverify = f"{sys.executable} -m netverify.cli"
    lines = _in_tmux(width, f"{netverify} prove properties/isolation.yaml 2>&1")
    assert any("postgres-only-from-api" in line for line in lines)
    assert max(len(line) for line in lines) <= width
    # what continues a line is indented under it, never at column 0 (only results and the summary start there)
    starts = re.compile(r"^(PROVEN|VIOLATED|VACUOUS|UNKNOWN|WARNING|\d+ properties:|note: |$)")
    assert all(line.startswith(" ") or starts.match(line) for line in lines), [
        line for line in lines if not (line.startswith(" ") or starts.match(line))]
    if width == 200:  # the room is used: lines that were wrapped at 80 are whole
        assert any(len(line) > 80 for line in lines)
