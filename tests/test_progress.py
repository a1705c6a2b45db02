"""Progress bars on stderr, --quiet (cli/feedback.py, cli/progress_bars.py) and the progress interface the loaders
and analyses report through (model/progress.py).

The bars only watch: stdout is the same report with or without them, and the steps report what they did
(bytes read, properties proven, clusters done) through the interface, whoever listens.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from netverify.cli import app
from netverify.cli import feedback
from netverify.cli.progress_bars import RichProgress
from netverify.model import progress
from progress_recorder import Recorder

ROOT = Path(__file__).resolve().parent.parent
SHOP = str(ROOT / "examples" / "shop")
PROPS = str(ROOT / "properties" / "isolation.yaml")
runner = CliRunner()
DURATION = re.compile(r"\d+ ms")


# ---- the CLI: where the bars go, and when ------------------------------------------------------------------

def test_with_progress_the_bars_go_to_stderr_and_stdout_is_byte_identical():
    plain = runner.invoke(app, ["map", "-f", SHOP])
    barred = runner.invoke(app, ["map", "-f", SHOP, "--progress"])
    assert barred.exit_code == plain.exit_code == 0
    assert barred.stdout == plain.stdout
    assert "reading manifests" in barred.stderr and "reading manifests" not in plain.stderr
    assert "━" in barred.stderr  # a bar was drawn, on stderr only
    assert "━" not in barred.stdout
    assert "computing the map" in barred.stderr


def test_diff_with_progress_shows_its_step_and_leaves_the_report_alone():
    plain = runner.invoke(app, ["diff", SHOP, SHOP, "--format", "json"])
    barred = runner.invoke(app, ["diff", SHOP, SHOP, "--format", "json", "--progress"])
    assert barred.exit_code == plain.exit_code == 0
    assert barred.stdout == plain.stdout
    assert "comparing the versions" in barred.stderr and "comparing the versions" not in plain.stderr


def test_prove_with_progress_counts_properties_on_stderr_and_leaves_the_report_alone():
    plain = runner.invoke(app, ["prove", PROPS, "--format", "json"])
    barred = runner.invoke(app, ["prove", PROPS, "--format", "json", "--progress"])
    assert barred.exit_code == plain.exit_code
    strip = re.compile(r'"duration_ms": \d+')  # the one field that differs between any two runs
    assert strip.sub("", barred.stdout) == strip.sub("", plain.stdout)
    assert "proving properties" in barred.stderr and "10/10 properties" in barred.stderr


def test_without_a_terminal_no_bar_is_drawn(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = runner.invoke(app, ["prove", PROPS])  # CliRunner's stderr is no terminal
    assert "reading manifests" not in result.stderr and "proving properties" not in result.stderr
    assert "━" not in result.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env, tty, flag, quiet, draws", [
    ({}, True, None, False, True),                 # a person at a terminal
    ({"CI": "true"}, True, None, False, False),    # a CI log, even behind a pseudo-terminal
    ({"TERM": "dumb"}, True, None, False, False),
    ({}, False, None, False, False),               # a pipe
    ({}, True, None, True, False),                 # --quiet
    ({}, True, False, False, False),               # --no-progress
    ({"CI": "true"}, False, True, False, True),    # --progress wins over all of it
])
def test_bars_are_drawn_only_where_someone_watches_unless_asked(monkeypatch, env, tty, flag, quiet, draws):
    for key in ("CI", "TERM"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stderr", _Terminal() if tty else io.StringIO())
    chosen = feedback.choose_progress(flag, quiet)
    assert isinstance(chosen, RichProgress) is draws
    assert (chosen is progress.NO_PROGRESS) is (not draws)


def test_on_a_terminal_a_quick_step_draws_nothing():
    out = io.StringIO()
    bars = RichProgress(forced=False, show_after_s=3600.0, console=Console(file=out, force_terminal=True))
    with bars.task("reading manifests", total=10, unit="bytes") as step:
        step.advance(10)
    assert out.getvalue() == ""


def test_a_forced_bar_shows_its_last_state():
    out = io.StringIO()
    bars = RichProgress(forced=True, show_after_s=0.0, console=Console(file=out, force_terminal=True, width=100))
    with bars.task("proving properties", total=3, unit="properties") as step:
        step.advance(3)
    with bars.task("clusters", total=2, unit="clusters") as step:  # a second step after the first ended
        step.advance(1)
    assert "3/3 properties" in out.getvalue() and "1/2 clusters" in out.getvalue()


def test_a_forked_worker_draws_nothing(monkeypatch):
    out = io.StringIO()
    bars = RichProgress(forced=True, show_after_s=0.0, console=Console(file=out, force_terminal=True))
    monkeypatch.setattr("os.getpid", lambda: -1)  # as a child of the process that made the bars sees it
    with bars.task("proving properties", total=1) as step:
        step.advance()
    assert out.getvalue() == ""


# ---- --quiet ------------------------------------------------------------------------------------------------

def test_quiet_drops_notes_but_not_the_report_or_the_exit_code():
    loud = runner.invoke(app, ["prove", PROPS, "--wide"])  # --wide: no line wraps where durations differ
    quiet = runner.invoke(app, ["prove", PROPS, "--wide", "--quiet"])
    assert "note: " in loud.stderr and "note: " not in quiet.stderr
    assert quiet.exit_code == loud.exit_code == 1  # one property is violated
    assert DURATION.sub("", quiet.stdout) == DURATION.sub("", loud.stdout)


def test_quiet_keeps_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: {name: x}\nspec: [1]\n")
    result = runner.invoke(app, ["map", "-f", str(bad), "--quiet"])
    assert result.exit_code == 2 and "bad.yaml" in result.stderr and "error" in result.stderr


def test_quiet_keeps_the_trust_lines_beside_csv(tmp_path):
    from test_unmodelled_kinds import CALICO_ALLOW_ALL, SHOP as SHOP_YAML

    (tmp_path / "shop.yaml").write_text(SHOP_YAML, encoding="utf-8")
    (tmp_path / "calico.yaml").write_text(CALICO_ALLOW_ALL, encoding="utf-8")
    result = runner.invoke(app, ["map", "-f", str(tmp_path), "--format", "csv", "--quiet"])
    assert result.exit_code == 3 and "UNKNOWN: this result may be wrong" in result.stderr


# ---- what the steps report ------------------------------------------------------------------------------------

def test_loading_reports_every_byte_it_reads_and_prove_every_property():
    from netverify.analyses.prove import prove
    from netverify.load.manifests import load_cluster
    from netverify.load.properties import load_properties

    recorder = Recorder()
    with progress.using(recorder):
        props = load_properties(PROPS)
        cluster = load_cluster(list(props.manifests))
        report = prove(cluster, props)
    read = recorder.step("reading manifests")
    size = sum(p.stat().st_size for p in Path(SHOP).rglob("*.yaml"))
    assert read["unit"] == progress.BYTES and read["total"] == read["done"] == size and read["closed"]
    proved = recorder.step("proving properties")
    assert proved["total"] == proved["done"] == len(report.results) == len(props.properties) and proved["closed"]
    assert progress.current() is progress.NO_PROGRESS  # the reporter is the block's only


def test_prove_with_jobs_counts_the_properties_its_workers_proved():
    from netverify.analyses.parallel import prove_parallel
    from netverify.load.manifests import load_cluster
    from netverify.load.properties import load_properties

    props = load_properties(PROPS)
    cluster = load_cluster(list(props.manifests))
    recorder = Recorder()
    with progress.using(recorder):
        report = prove_parallel(cluster, props, jobs=2)
    proved = [s for s in recorder.steps if s["description"] == "proving properties"]
    assert proved[-1]["total"] == proved[-1]["done"] == len(report.results)


def test_the_default_reporter_shows_nothing_and_accepts_everything():
    with progress.current().task("anything", total=None, unit="x") as step:
        step.add_total(5)
        step.advance(7)
    assert progress.current() is progress.NO_PROGRESS
