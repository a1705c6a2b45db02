"""The CLI contract with the loaders and analyses replaced by fakes: exit codes, where output goes,
and how errors look. (test_cli_end_to_end.py drives the real pipeline.)"""

from __future__ import annotations

import json
import sys
import types
from dataclasses import replace

import pytest
from typer.testing import CliRunner

import report_fixtures as fx
from netverify.cli import app
from netverify.errors import InputError, InternalDisagreement, UsageError
from netverify.findings import ProveReport
from netverify.model.cluster import Cluster, ContainerPort, Workload
from netverify.model.ports import Protocol
from netverify.model.properties import EndpointSpec, PropertiesFile, Property
from netverify.model.span import Span

runner = CliRunner()

CLUSTER = Cluster(
    namespaces={},
    workloads=(Workload("shop", "db", "StatefulSet", {"app": "db"}, (ContainerPort("mysql", 3306, Protocol.TCP),),
                        Span("m.yaml", 1)),),
    services=(),
    policies=(),
    skipped_kinds={"ConfigMap": 2},
)


class Fakes:
    """Stand-ins for the loaders and analyses; record what the CLI passed them."""

    def __init__(self, monkeypatch):
        self.calls: dict[str, tuple] = {}
        self.props = PropertiesFile("props.yaml", ("from-props.yaml",), ())
        self.prove_report: ProveReport | Exception = fx.ALL_PROVEN
        self.map_result = fx.MAP
        self.diff_result = fx.NO_DIFF
        self.load_error: Exception | None = None
        self._install(monkeypatch, "netverify.load.properties", load_properties=self.load_properties)
        self._install(monkeypatch, "netverify.load.manifests", load_cluster=self.load_cluster)
        self._install(monkeypatch, "netverify.load.sources", load_source=self.load_source,
                      load_base_source=lambda spec, **kw: (self.load_source(spec, **kw), ()))
        self._install(monkeypatch, "netverify.analyses.prove", prove=self.prove)
        self._install(monkeypatch, "netverify.analyses.map", connectivity_map=self.connectivity_map)
        self._install(monkeypatch, "netverify.analyses.explain", explain=self.explain,
                      check_endpoint=lambda cluster, text, role: None)
        self._install(monkeypatch, "netverify.analyses.diff", diff=self.diff)

    @staticmethod
    def _install(monkeypatch, name, **attrs):
        monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(**attrs))

    def load_properties(self, path, *, limits):
        self.calls["load_properties"] = (path,)
        self.calls["limits"] = limits
        return self.props

    def load_cluster(self, paths, *, default_namespace, stdin, limits, live=None):
        self.calls["load_cluster"] = (list(paths), default_namespace)
        self.calls["limits"] = limits
        if self.load_error:
            raise self.load_error
        return CLUSTER

    def load_source(self, spec, *, default_namespace, limits, live=None):
        self.calls["limits"] = limits
        self.calls.setdefault("load_source", ())
        self.calls["load_source"] += (spec,)
        return CLUSTER

    def prove(self, cluster, properties, *, timeout_ms, rlimit, ipblock_matches_pods, max_time_s, ignore_kinds,
              semantics=None):
        self.calls["prove"] = (timeout_ms, rlimit, ipblock_matches_pods, max_time_s)
        self.calls["semantics"] = semantics
        self.calls["ignore_kinds"] = ignore_kinds
        if isinstance(self.prove_report, Exception):
            raise self.prove_report
        return self.prove_report

    def connectivity_map(self, cluster, *, ipblock_matches_pods, focus, granularity="workload", semantics=None,
                         grouped=False):
        self.calls["map"] = (ipblock_matches_pods, focus)
        self.calls["map_grouped"] = grouped
        self.calls["semantics"] = semantics
        return self.map_result

    def explain(self, cluster, src, dst, protocol, port, *, ipblock_matches_pods, semantics=None):
        self.calls["explain"] = (src, dst, protocol, port)
        self.calls["semantics"] = semantics
        return fx.EXPLAIN_ALLOWED

    def diff(self, base, head, *, symbolic, max_witnesses, timeout_ms, ipblock_matches_pods, semantics=None):
        self.calls["diff"] = (symbolic, max_witnesses, timeout_ms)
        self.calls["semantics"] = semantics
        return self.diff_result


@pytest.fixture
def fakes(monkeypatch):
    monkeypatch.delenv("NETVERIFY_DEBUG", raising=False)
    return Fakes(monkeypatch)


def run(*args, **kw):
    return runner.invoke(app, list(args), **kw)


def prove_with(fakes, *results, **kw):
    fakes.prove_report = ProveReport("props.yaml", tuple(results))
    return run("prove", "props.yaml", **kw)


# ---- exit codes ----------------------------------------------------------------------------------

def test_all_proven_exits_0(fakes):
    assert prove_with(fakes, fx.prop("a", "proven")).exit_code == 0


def test_violated_exits_1(fakes):
    assert prove_with(fakes, fx.prop("a", "proven"), fx.prop("b", "violated")).exit_code == 1


def test_vacuous_exits_1_unless_the_property_allows_it(fakes):
    assert prove_with(fakes, fx.prop("a", "vacuous")).exit_code == 1
    everyone = EndpointSpec(span=Span("props.yaml", 3))
    prop = Property("a", everyone, everyone, (), "possible", "any", Span("props.yaml", 2), allow_vacuous=True)
    fakes.props = replace(fakes.props, properties=(prop,))
    result = prove_with(fakes, fx.prop("a", "vacuous"))
    assert result.exit_code == 0
    assert "VACUOUS (allowed)" in result.stdout


def test_unknown_exits_3_and_wins_over_violated(fakes):
    assert prove_with(fakes, fx.prop("a", "unknown")).exit_code == 3
    assert prove_with(fakes, fx.prop("a", "violated"), fx.prop("b", "unknown")).exit_code == 3


@pytest.mark.parametrize(("report", "fail_on", "code"), [
    (fx.NO_DIFF, "added", 0), (fx.NO_DIFF, "changed", 0),
    (fx.DIFF, "added", 1), (fx.DIFF, "changed", 1), (fx.DIFF, "never", 0),
    (fx.REMOVED_ONLY, "added", 0), (fx.REMOVED_ONLY, "changed", 1),
    (fx.UNKNOWN_DIFF, "never", 3), (fx.UNKNOWN_DIFF, "added", 3),
])
def test_diff_gate(fakes, report, fail_on, code):
    fakes.diff_result = report
    assert run("diff", "git:main", "dir", "--fail-on", fail_on).exit_code == code


def test_diff_default_gate_is_added_and_scope_existing_skips_the_symbolic_check(fakes):
    fakes.diff_result = fx.DIFF
    assert run("diff", "a", "b").exit_code == 1
    fakes.diff_result = fx.REMOVED_ONLY
    assert run("diff", "a", "b").exit_code == 0
    run("diff", "a", "b", "--scope", "existing", "--max-witnesses", "3", "--timeout", "2")
    assert fakes.calls["diff"] == (False, 3, 2000)
    assert fakes.calls["load_source"][-2:] == ("a", "b")


def test_diff_report_names_base_and_head_as_given(fakes):
    out = json.loads(run("diff", "git:main:deploy", "deploy", "--format", "json").stdout)
    assert (out["base"], out["head"]) == ("git:main:deploy", "deploy")


def test_map_and_explain_exit_0(fakes):
    assert run("map", "-f", "m.yaml").exit_code == 0
    assert run("explain", "shop/web", "shop/db", "--port", "3306/TCP", "-f", "m.yaml").exit_code == 0


# ---- wiring --------------------------------------------------------------------------------------

def test_prove_reads_the_properties_manifests_plus_every_f(fakes):
    run("prove", "props.yaml", "-f", "a.yaml", "-f", "dir", "--namespace", "team")
    assert fakes.calls["load_cluster"] == (["from-props.yaml", "a.yaml", "dir"], "team")


def test_prove_passes_solver_limits(fakes):
    run("prove", "props.yaml", "--timeout", "1.5", "--rlimit", "7", "--max-time", "60", "--ipblock-matches-pods")
    assert fakes.calls["prove"] == (1500, 7, True, 60.0)


def test_map_passes_focus(fakes):
    run("map", "-f", "m.yaml", "--focus", "shop/db")
    assert fakes.calls["map"] == (False, "shop/db")


def test_explain_parses_the_port_and_defaults_to_the_destination_container_port(fakes):
    run("explain", "shop/web", "shop/db", "--port", "udp/53", "-f", "m.yaml")
    assert fakes.calls["explain"] == ("shop/web", "shop/db", Protocol.UDP, 53)
    run("explain", "shop/web", "shop/db", "-f", "m.yaml")
    assert fakes.calls["explain"] == ("shop/web", "shop/db", Protocol.TCP, 3306)


@pytest.mark.parametrize("bad", ["0/TCP", "70000", "80/ICMP", "http", "1/2/3"])
def test_explain_bad_port_is_a_usage_error(fakes, bad):
    result = run("explain", "a", "b", "--port", bad, "-f", "m.yaml")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--port" in result.stderr


def test_no_manifests_at_all_is_a_usage_error(fakes):
    fakes.props = replace(fakes.props, manifests=())
    result = run("prove", "props.yaml")
    assert result.exit_code == 2 and "props.yaml: error: manifests: none listed" in result.stderr


# ---- errors --------------------------------------------------------------------------------------

def test_bad_input_is_one_line_naming_file_line_field_with_nothing_on_stdout(fakes):
    fakes.load_error = InputError("net.yaml", 14, "spec.ingress[0].ports[0].port", "must be 1..65535, got 0")
    result = run("map", "-f", "net.yaml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "net.yaml:14: error: spec.ingress[0].ports[0].port: must be 1..65535, got 0\n"


def test_usage_error_from_an_analysis_exits_2(fakes):
    fakes.prove_report = UsageError("unknown workload shop/nope")
    result = run("prove", "props.yaml")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "netverify: error: unknown workload shop/nope\n"


def test_a_format_that_does_not_fit_exits_2_before_any_work(fakes):
    result = run("map", "-f", "m.yaml", "--format", "sarif")
    assert result.exit_code == 2 and result.stdout == "" and "choose one of" in result.stderr
    assert "map" not in fakes.calls


def test_internal_disagreement_is_loud_and_fails_closed(fakes):
    fakes.prove_report = InternalDisagreement("solver says allowed, evaluator says blocked")
    result = run("prove", "props.yaml")
    assert result.exit_code == 3 and result.stdout == ""
    assert "INTERNAL ERROR" in result.stderr and "bug in netverify" in result.stderr
    assert "solver says allowed" in result.stderr


def test_unexpected_exception_is_an_internal_error_without_traceback(fakes):
    fakes.prove_report = ZeroDivisionError("boom")
    result = run("prove", "props.yaml")
    assert result.exit_code == 3 and result.stdout == ""
    assert "internal error: ZeroDivisionError: boom" in result.stderr
    assert "Traceback" not in result.stderr and "NETVERIFY_DEBUG=1" in result.stderr


def test_debug_shows_the_traceback(fakes):
    fakes.prove_report = ZeroDivisionError("boom")
    result = run("prove", "props.yaml", env={"NETVERIFY_DEBUG": "1"})
    assert result.exit_code == 3 and "Traceback" in result.stderr


def test_missing_analysis_is_not_available_yet_exit_2(monkeypatch):
    monkeypatch.setitem(sys.modules, "netverify.analyses.diff", None)  # import of it fails
    monkeypatch.setitem(sys.modules, "netverify.load.sources", types.SimpleNamespace(load_source=lambda *a, **k: 0))
    result = run("diff", "a", "b")
    assert result.exit_code == 2 and result.stdout == ""
    assert "not available yet" in result.stderr and "Traceback" not in result.stderr


def test_unknown_option_is_a_usage_error(fakes):
    assert run("map", "--no-such-option").exit_code == 2


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("netverify ")


# ---- output ----------------------------------------------------------------------------------------

def test_text_notes_go_to_stderr_and_json_notes_into_the_document(fakes):
    text = run("map", "-f", "m.yaml")
    assert "note: skipped 2 objects" in text.stderr and "skipped 2 objects" not in text.stdout
    as_json = run("map", "-f", "m.yaml", "--format", "json")
    assert as_json.stderr == ""
    notes = json.loads(as_json.stdout)["notes"]
    assert notes[0].startswith("skipped 2 objects") and fx.MAP.notes[0] in notes


def test_output_file_gets_the_whole_report_and_stdout_nothing(fakes, tmp_path):
    target = tmp_path / "report.sarif"
    result = run("prove", "props.yaml", "--format", "sarif", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_unwritable_output_exits_2(fakes, tmp_path):
    result = run("map", "-f", "m.yaml", "--output", str(tmp_path / "missing" / "x.txt"))
    assert result.exit_code == 2 and "--output" in result.stderr and result.stdout == ""


def test_text_on_a_pipe_has_no_colour(fakes):
    assert "\x1b[" not in run("prove", "props.yaml").stdout


def test_a_file_that_cannot_be_read_is_bad_input(fakes):
    fakes.load_error = FileNotFoundError(2, "No such file or directory", "nope.yaml")
    result = run("map", "-f", "nope.yaml")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "nope.yaml: error: cannot read: No such file or directory\n"


def test_an_os_error_not_about_a_named_file_is_internal(fakes):
    fakes.load_error = OSError("disk on fire")
    assert run("map", "-f", "m.yaml").exit_code == 3


def test_no_rlimit_unless_asked(fakes):
    run("prove", "props.yaml")
    assert fakes.calls["prove"][1] is None


def test_output_file_has_ordinary_permissions_and_no_leftovers(fakes, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        run("map", "-f", "m.yaml", "--output", str(tmp_path / "map.txt"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "map.txt").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["map.txt"]


@pytest.mark.parametrize("command", [
    ["prove", "props.yaml"], ["map", "-f", "x.yaml"], ["explain", "a/b", "c/d", "--port", "80/TCP", "-f", "x.yaml"],
    ["diff", "base.yaml", "head.yaml"],
])
def test_every_command_runs_the_analysis_under_the_chosen_cnis_semantics(fakes, command):
    """--cni reaches the analysis as its Semantics (with --ipblock-matches-pods), not only as a note."""
    result = run(*command, "--cni", "cilium", "--ipblock-matches-pods")
    assert result.exit_code in (0, 1), result.output
    semantics = fakes.calls["semantics"]
    assert (semantics.cni, semantics.ipblock_matches_pods) == ("cilium", True)
    run(*command)
    assert fakes.calls["semantics"].cni == "generic"
