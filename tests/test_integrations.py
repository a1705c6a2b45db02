"""The CI integrations: action.yml, .pre-commit-hooks.yaml and docs/ci.md.

What a test can reach: the files parse with the keys their hosts require, the action's shell glue keeps the
worst exit code (failing closed), and every `netverify ...` command line they show parses against the CLI.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
CI_DOC = ROOT / "docs" / "ci.md"


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def action_run_script() -> str:
    (step,) = [s for s in action()["runs"]["steps"] if s.get("id") == "run"]
    return step["run"]


# ---- action.yml --------------------------------------------------------------------------------


def test_action_is_a_composite_action_with_the_documented_inputs() -> None:
    doc = action()
    assert doc["name"] and doc["description"]
    assert set(doc["inputs"]) >= {"properties", "manifests", "base-ref", "fail-on", "python-version"}
    for name, spec in doc["inputs"].items():
        assert "description" in spec, name
    assert doc["inputs"]["fail-on"]["default"] == "added"
    assert doc["runs"]["using"] == "composite"
    steps = doc["runs"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    for s in steps:
        if "run" in s:
            assert s.get("shell") == "bash", s.get("name")  # composite run steps must name their shell
    assert any("pip install" in s.get("run", "") and "GITHUB_ACTION_PATH" in s.get("run", "") for s in steps)
    assert "GITHUB_STEP_SUMMARY" in action_run_script()
    assert doc["outputs"]["exit-code"]["value"]


def test_action_shell_script_is_valid_bash() -> None:
    subprocess.run(["bash", "-n"], input=action_run_script(), text=True, check=True)


STUB_NETVERIFY = r"""#!/usr/bin/env bash
echo "$*" >> "$STUB_LOG"
code_var="STUB_EXIT_$1"
out=""; fmt=""; reports=()
write() {  # FORMAT PATH
  if [ "$1" = sarif ]; then
    echo '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "netverify", "rules": [{"id": "x"}]}},
          "results": [{"ruleId": "x", "ruleIndex": 0}]}]}' > "$2"
  else
    echo "report $1" > "$2"
  fi
}
while [ $# -gt 0 ]; do
  case "$1" in --output) out="$2"; shift ;; --format) fmt="$2"; shift ;; --report) reports+=("$2"); shift ;; esac
  shift
done
[ -n "$out" ] && write "$fmt" "$out"
for r in "${reports[@]}"; do write "${r%%=*}" "${r#*=}"; done
exit "${!code_var:-0}"
"""


def run_action_script(tmp_path: Path, *, exits: dict[str, int], env: dict[str, str]) -> tuple[dict[str, str], list[str], str]:
    """Run the action's main step with a stub `netverify` that exits per subcommand; return outputs, calls, summary."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "netverify"
    stub.write_text(STUB_NETVERIFY)
    stub.chmod(0o755)
    (bin_dir / "git").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "git").chmod(0o755)
    os.symlink(sys.executable, bin_dir / "python")
    outputs, summary, log = tmp_path / "out.txt", tmp_path / "summary.md", tmp_path / "log.txt"
    for f in (outputs, summary, log):
        f.write_text("")
    full_env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "STUB_LOG": str(log),
        "NV_PROPERTIES": "", "NV_MANIFESTS": "", "NV_PROVE_FILES": "", "NV_BASE": "", "NV_DIFF": "true", "NV_FAIL_ON": "added",
        **{f"STUB_EXIT_{command}": str(code) for command, code in exits.items()},
        **env,
    }
    proc = subprocess.run(["bash", "-c", action_run_script()], env=full_env, text=True, capture_output=True)
    assert proc.returncode == 0, proc.stderr  # the gate is a later step, so reports are still uploaded
    out = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return out, log.read_text().splitlines(), summary.read_text()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_runs_prove_and_a_diff_per_manifest_path_and_keeps_the_exit_code(tmp_path: Path) -> None:
    out, calls, summary = run_action_script(
        tmp_path, exits={"prove": 0, "diff": 1},
        env={"NV_PROPERTIES": "props.yaml", "NV_MANIFESTS": "k8s\nbase/extra", "NV_BASE": "abc123",
             "NV_PROVE_FILES": "crds"},
    )
    assert out["exit-code"] == "1"
    prove_calls = [c for c in calls if c.startswith("prove ")]
    # The properties file names its own manifests; diff's paths are not added (they would be read twice).
    assert prove_calls and all(c.startswith("prove props.yaml -f crds --report ") for c in prove_calls)
    diff_calls = [c for c in calls if c.startswith("diff ")]
    assert len(prove_calls) == 1 and len(diff_calls) == 2  # one load per job and path, every report from it
    assert any(c.startswith("diff git:abc123:k8s k8s --fail-on added ") for c in diff_calls)
    assert any(c.startswith("diff git:abc123:base/extra base/extra --fail-on added ") for c in diff_calls)
    assert summary.count("report markdown") == 3
    merged = json.loads(Path(out["diff-sarif"]).read_text())
    assert len(merged["runs"]) == 1 and len(merged["runs"][0]["results"]) == 2
    assert all("ruleIndex" not in r for r in merged["runs"][0]["results"])
    assert Path(out["prove-sarif"]).exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    ("prove", "diff", "worst"),
    [(0, 0, "0"), (1, 0, "1"), (3, 1, "3"), (1, 3, "3"), (3, 2, "2"), (2, 3, "2"), (0, 3, "3")],
)
def test_action_fails_closed_bad_input_over_unknown_over_violation(tmp_path: Path, prove: int, diff: int, worst: str) -> None:
    out, _, _ = run_action_script(
        tmp_path, exits={"prove": prove, "diff": diff},
        env={"NV_PROPERTIES": "p.yaml", "NV_MANIFESTS": "k8s", "NV_BASE": "abc"},
    )
    assert out["exit-code"] == worst


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_skips_diff_without_a_base_ref(tmp_path: Path) -> None:
    out, calls, _ = run_action_script(tmp_path, exits={}, env={"NV_MANIFESTS": "k8s"})
    assert calls == [] and out["exit-code"] == "0"


# ---- .pre-commit-hooks.yaml --------------------------------------------------------------------


def test_pre_commit_hooks_declare_netverify_prove() -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    assert isinstance(hooks, list)
    by_id = {h["id"]: h for h in hooks}
    hook = by_id["netverify-prove"]
    for key in ("id", "name", "entry", "language"):
        assert hook[key], key
    assert shlex.split(hook["entry"]) == ["netverify", "prove"]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False


# ---- every netverify command line shown parses against the CLI ---------------------------------

SUBCOMMANDS = ("prove", "map", "diff", "explain")
_COMMAND = re.compile(r"\bnetverify\s+(?:" + "|".join(SUBCOMMANDS) + r")\b[^`\n]*")
_SHELL_STOP = {"||", "&&", ";", "|", ">", ">>", "2>", "&"}


def _code_lines(markdown: str) -> list[str]:
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        lines.append(line) if fenced else lines.extend(re.findall(r"`([^`]*)`", line))
    return lines


def _argv(command: str) -> list[str]:
    """The netverify argv a shell would pass, with variables replaced by plausible values."""
    command = re.sub(r'"\$\{f_args\[@\]\}"', "-f k8s", command)
    command = command.replace('"$NV_FAIL_ON"', "added")  # a choice: any placeholder would not parse
    command = re.sub(r"\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z_0-9]*", "X", command)
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    argv = []
    for token in lexer:
        if token in _SHELL_STOP or token.startswith(("2>", ">")):
            break
        argv.append(token)
    return argv[1:]  # drop "netverify"


def shown_commands() -> list[tuple[str, list[str]]]:
    found = []
    for line in _code_lines(CI_DOC.read_text()):
        found += [("docs/ci.md", _argv(m.group(0))) for m in _COMMAND.finditer(line)]
    for step in action()["runs"]["steps"]:
        for line in step.get("run", "").splitlines():
            found += [("action.yml", _argv(m.group(0))) for m in _COMMAND.finditer(line)]
    hook = yaml.safe_load(HOOKS.read_text())[0]
    found.append((".pre-commit-hooks.yaml", shlex.split(hook["entry"])[1:] + ["properties.yaml"]))
    return found


def test_the_docs_and_the_action_show_every_subcommand_they_promise() -> None:
    shown = {argv[0] for _, argv in shown_commands()}
    assert {"prove", "diff"} <= shown
    assert any("--fail-on" in argv for _, argv in shown_commands())


@pytest.mark.parametrize(("where", "argv"), shown_commands(), ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_every_shown_command_line_parses_against_the_cli(where: str, argv: list[str]) -> None:
    cli = pytest.importorskip("netverify.cli", reason="the CLI has not landed yet")
    import typer

    group = typer.main.get_command(cli.app)
    command = group.get_command(group.make_context("netverify", [argv[0]]), argv[0])
    assert command is not None, f"{where}: unknown subcommand {argv[0]!r}"
    try:
        # Parses and validates every option and argument (names, choices, types) without running anything.
        command.make_context(f"netverify {argv[0]}", list(argv[1:]))
    except Exception as exc:  # typer vendors click: its UsageError is not importable under a stable name
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        pytest.fail(f"{where}: `netverify {' '.join(argv)}` does not parse: {message}")
