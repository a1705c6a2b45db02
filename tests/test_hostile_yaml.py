"""Hostile or broken input: each case ends in a clear error (exit 2, the file named) or is read correctly.

Through the CLI in-process (typer's CliRunner), through load_cluster, and for the worst cases as a user runs
it: a separate process whose address space is capped, so a blow-up fails the test instead of the machine.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.errors import InputError
from netverify.load.limits import DEFAULT_LIMITS, MIB
from netverify.load.manifests import load_cluster
from netverify.load.properties import load_properties

runner = CliRunner()

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def deep_block_mapping(depth: int) -> str:
    return "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "v\n"


HOSTILE: dict[str, tuple[bytes, str | None]] = {
    # name: (file content, what the error says). None: which guard stops it first, netverify's depth limit or
    # the YAML library's own (libyaml's scanner looks ahead), depends on the library's version: the behaviour
    # is asserted (exit 2, `file:line: error:`, no traceback), not a wording.
    "alias-bomb": (billion_laughs().encode(), "alias bomb"),
    "deep-flow": (b"[" * 100_000 + b"]" * 100_000, None),
    "deep-block": (deep_block_mapping(5_000).encode(), None),
    "deep-json": (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, None),
    "non-utf8": (b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \xff\xfe\n", "not UTF-8"),
    "utf16": ("apiVersion: v1\nkind: Namespace\n".encode("utf-16"), "not UTF-8"),
    "tab-indent": (b"apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: x\n", "invalid YAML"),
    "duplicate-key": (b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  name: y\n", "duplicate key"),
    "python-object-apply": (b'!!python/object/apply:os.system ["touch PWNED"]\n', "not allowed"),
    "python-object": (b"kind: Namespace\nmetadata: !!python/object:argparse.Namespace {name: x}\n", "not allowed"),
    "python-name": (b"kind: !!python/name:os.system\n", "not allowed"),
    "binary": (bytes(range(256)) * 64, "not UTF-8"),
    "nul-bytes": (b"kind: Namespace\x00\x00\n", "invalid YAML"),
    "unknown-alias": (b"kind: *nowhere\n", "unknown alias"),
    "mapping-as-key": (b"? {a: 1}\n: x\n", "mapping key"),
}


def says_clearly(stderr: str, path: Path, says: str | None) -> bool:
    """`stderr` names the file and a line (`path:LINE: error:`) and, where netverify's own guard decides, says it."""
    return re.search(re.escape(str(path)) + r":\d+: error: ", stderr) is not None and (says is None or says in stderr)


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def run(*args: str, **kw):
    return runner.invoke(app, list(args), **kw)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_manifest_is_a_clear_error_through_the_cli(tmp_path, monkeypatch, case):
    content, says = HOSTILE[case]
    monkeypatch.chdir(tmp_path)  # where `touch PWNED` would land if a tag ever ran
    path = write(tmp_path, f"{case}.yaml", content)
    result = run("map", "-f", str(path))
    assert result.exit_code == 2, result.output
    assert says_clearly(result.stderr, path, says), result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_manifest_is_an_input_error_through_load_cluster(tmp_path, case):
    content, says = HOSTILE[case]
    path = write(tmp_path, f"{case}.yaml", content)
    with pytest.raises(InputError) as caught:
        load_cluster([str(path)])
    assert caught.value.file == str(path) and caught.value.line is not None
    assert says is None or says in caught.value.message


@pytest.mark.parametrize("case", ["alias-bomb", "deep-flow", "python-object-apply", "binary"])
def test_hostile_properties_file_is_a_clear_error(tmp_path, case):
    content, says = HOSTILE[case]
    path = write(tmp_path, "props.yaml", content)
    result = run("prove", str(path), "-f", str(write(tmp_path, "ns.yaml", NAMESPACE.format(name="a"))))
    assert result.exit_code == 2 and says_clearly(result.stderr, path, says), result.stderr


def test_hostile_stdin_is_a_clear_error_naming_stdin():
    result = run("map", "-f", "-", input=billion_laughs())
    assert result.exit_code == 2 and "<stdin>" in result.stderr and "alias bomb" in result.stderr


def test_a_multi_megabyte_scalar_is_read(tmp_path):
    big = "x" * (8 * MIB)
    path = write(tmp_path, "big.yaml", NAMESPACE.format(name="big") + f"  annotations:\n    blob: \"{big}\"\n")
    cluster = load_cluster([str(path)])
    assert "big" in cluster.namespaces


def test_tens_of_thousands_of_documents_are_read(tmp_path):
    count = 20_000
    path = write(tmp_path, "many.yaml", "".join("---\n" + NAMESPACE.format(name=f"ns{i}") for i in range(count)))
    cluster = load_cluster([str(path)])
    assert len(cluster.namespaces) == count and "ns19999" in cluster.namespaces


def test_a_small_alias_use_is_read(tmp_path):
    # Anchors and aliases are legitimate YAML: the budget counts expansion, it does not ban aliases.
    text = NAMESPACE.format(name="a") + "  labels: &l {team: x}\n  annotations: *l\n"
    cluster = load_cluster([str(write(tmp_path, "alias.yaml", text))])
    assert cluster.namespaces["a"].labels["team"] == "x"


def test_an_empty_file_reads_as_nothing_and_says_so(tmp_path):
    path = write(tmp_path, "empty.yaml", b"")
    result = run("map", "-f", str(path))
    assert result.exit_code == 0
    assert "hold no Namespace, workload, Service or NetworkPolicy" in result.stderr


def test_a_file_of_only_comments_and_separators_reads_as_nothing(tmp_path):
    cluster = load_cluster([str(write(tmp_path, "c.yaml", "# nothing\n---\n---\n...\n"))])
    assert not cluster.namespaces and not cluster.workloads and not cluster.policies


def test_a_directory_without_manifests_is_named_in_a_note(tmp_path):
    (tmp_path / "README.md").write_text("no manifests here")
    result = run("map", "-f", str(tmp_path))
    assert result.exit_code == 0
    assert str(tmp_path) in result.stderr and "no *.yaml" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_inside_a_manifest_directory_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    result = run("map", "-f", str(tmp_path))
    assert result.exit_code == 2 and "pipe.yaml" in result.stderr and "not a regular file" in result.stderr


# ---- every limit is exposed on the command line and enforced ---------------------------------------


LIMIT_OPTIONS = {
    "--max-file-bytes": DEFAULT_LIMITS.max_file_bytes,
    "--max-files": DEFAULT_LIMITS.max_files,
    "--max-documents": DEFAULT_LIMITS.max_documents,
    "--max-depth": DEFAULT_LIMITS.max_depth,
    "--max-alias-nodes": DEFAULT_LIMITS.max_alias_expansion,
}


@pytest.mark.parametrize("command", ["prove", "map", "explain", "diff"])
def test_every_command_documents_every_limit_with_its_default(command):
    text = " ".join(run(command, "--help", env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"}).output.split())
    for option, default in LIMIT_OPTIONS.items():
        assert option in text
        assert f"default: {default}" in text, (option, default)


def test_the_default_limits_leave_room_for_real_dumps_and_stop_bombs():
    d = DEFAULT_LIMITS
    assert 64 * MIB <= d.max_file_bytes <= 1024 * MIB  # a 100k-pod dump fits; no unbounded read
    assert 10_000 <= d.max_documents and 60 <= d.max_depth <= 10_000 and 10_000 <= d.max_files
    assert 10_000 <= d.max_alias_expansion <= 10_000_000  # far below a billion laughs (9^9 ≈ 3.9e8 nodes)


def _two_namespaces(tmp_path: Path) -> Path:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.yaml").write_text(NAMESPACE.format(name="a") + "---\n" + NAMESPACE.format(name="b"))
    (folder / "b.yaml").write_text(NAMESPACE.format(name="c") + "  labels: &l {team: x, tier: y}\n  annotations: *l\n")
    return folder


@pytest.mark.parametrize("option, value, says", [
    ("--max-file-bytes", "40", "more than the limit of 40"),
    ("--max-files", "1", "more than 1 manifest files"),
    ("--max-documents", "1", "more than 1 documents"),
    ("--max-depth", "2", "nesting deeper than 2 levels"),
    ("--max-alias-nodes", "2", "aliases expand to more than 2 nodes"),
])
def test_each_limit_is_enforced_from_the_command_line(tmp_path, option, value, says):
    folder = _two_namespaces(tmp_path)
    assert run("map", "-f", str(folder)).exit_code == 0  # within the defaults it reads
    result = run("map", "-f", str(folder), option, value)
    assert result.exit_code == 2 and says in result.stderr and str(folder) in result.stderr


@pytest.mark.parametrize("command", ["prove", "diff"])
def test_limits_reach_the_properties_file_and_both_sides_of_a_diff(tmp_path, command):
    folder = _two_namespaces(tmp_path)
    props = tmp_path / "props.yaml"
    props.write_text("manifests: [m]\nproperties:\n  - name: p\n    from: {namespace: a}\n    to: {namespace: b}\n"
                     "    expect: unreachable\n")
    args = [command, str(props)] if command == "prove" else [command, str(folder), str(folder)]
    result = run(*args, "--max-depth", "2")
    assert result.exit_code == 2 and "nesting deeper than 2 levels" in result.stderr


def test_load_properties_enforces_the_limits_it_is_given(tmp_path):
    props = write(tmp_path, "props.yaml", billion_laughs(4))
    with pytest.raises(InputError, match="alias"):
        load_properties(str(props), limits=DEFAULT_LIMITS.__class__(max_alias_expansion=100))


# ---- as a user runs it: a separate process with capped memory ----------------------------------------

MEMORY_CAP = 1536 * MIB


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is reliable on Linux")
@pytest.mark.parametrize("case", ["alias-bomb", "deep-flow", "deep-json"])
def test_the_installed_command_refuses_bombs_within_capped_memory(tmp_path, case):
    path = write(tmp_path, f"{case}.yaml", HOSTILE[case][0])
    proc = subprocess.run(
        [sys.executable, "-m", "netverify.cli", "map", "-f", str(path)],
        capture_output=True, text=True, timeout=120, preexec_fn=_capped,
        env={**os.environ, "NETVERIFY_DEBUG": ""},
    )
    assert proc.returncode == 2, proc.stderr
    assert says_clearly(proc.stderr, path, HOSTILE[case][1]) and "Traceback" not in proc.stderr


@pytest.mark.parametrize("manifest", [
    "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: %s}]}\n" % ("9" * 100_000),
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\n"
    "spec: {podSelector: {matchLabels: {app: %s}}}\n" % ("x" * 1_000_000),
    "apiVersion: v1\nkind: %s\nmetadata: {name: p}\n" % ("X" * 1_000_000),
], ids=["huge-int", "huge-label-value", "huge-kind"])
def test_a_megabyte_value_is_quoted_clipped_in_messages(tmp_path, manifest):
    path = write(tmp_path, "m.yaml", manifest)
    result = run("map", "-f", str(path))
    assert result.exit_code == 0 or (result.exit_code == 2 and str(path) in result.stderr)
    assert len(result.stderr) < 2_000 and "characters)…" in result.stderr
