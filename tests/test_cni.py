"""`--cni NAME` and the CNI inferred from the kinds present (load/cni.py), on every command that loads a cluster."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.errors import UsageError
from netverify.load.cni import choose_cni
from netverify.load.manifests import load_cluster_from_texts

runner = CliRunner()

NS = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
CALICO = ("apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\n"
          "spec: {selector: all()}\n")
CILIUM = ("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: a}\n"
          "spec: {endpointSelector: {}}\n")


def cluster(*texts: tuple[str, str]):
    return load_cluster_from_texts(list(texts))


def test_without_cni_kinds_the_cni_is_generic_and_the_note_says_it_was_inferred():
    choice = choose_cni([cluster(("a.yaml", NS))], None)
    assert (choice.cni, choice.inferred) == ("generic", True) and "generic (inferred" in choice.note


@pytest.mark.parametrize("text, cni", [(CALICO, "calico"), (CILIUM, "cilium")])
def test_a_cnis_kinds_infer_that_cni_and_the_note_names_the_kind_and_file(text, cni):
    choice = choose_cni([cluster(("a.yaml", NS), ("p.yaml", text))], None)
    assert choice.cni == cni and choice.inferred
    kind = "GlobalNetworkPolicy" if cni == "calico" else "CiliumNetworkPolicy"
    assert kind in choice.note and "p.yaml" in choice.note


def test_kinds_of_two_cnis_without_cni_are_refused_naming_both_kinds_and_files():
    with pytest.raises(UsageError) as caught:
        choose_cni([cluster(("calico.yaml", CALICO), ("cilium.yaml", CILIUM))], None)
    message = str(caught.value)
    for what in ("GlobalNetworkPolicy", "calico.yaml", "CiliumNetworkPolicy", "cilium.yaml", "--cni"):
        assert what in message


def test_diff_infers_from_base_and_head_together():
    with pytest.raises(UsageError):
        choose_cni([cluster(("base.yaml", CALICO)), cluster(("head.yaml", CILIUM))], None)


def test_cni_chooses_and_the_note_names_the_other_cnis_kinds():
    choice = choose_cni([cluster(("calico.yaml", CALICO), ("cilium.yaml", CILIUM))], "cilium")
    assert (choice.cni, choice.inferred) == ("cilium", False)
    assert "(--cni)" in choice.note and "GlobalNetworkPolicy" in choice.note


def _files(tmp_path, **texts: str) -> list[str]:
    out = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        out += ["-f", str(path)]
    return out


def _props(tmp_path) -> str:
    props = tmp_path / "props.yaml"
    props.write_text("properties:\n  - name: p\n    from: {namespace: a}\n    to: {namespace: a}\n"
                     "    expect: possible\n")
    return str(props)


COMMANDS = {
    "map": lambda tmp, files: ["map", *files],
    "explain": lambda tmp, files: ["explain", "10.0.0.1", "10.0.0.2", "--port", "80", *files],
    "prove": lambda tmp, files: ["prove", _props(tmp), *files],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_two_cnis_kinds_without_cni_with_exit_2(tmp_path, command):
    files = _files(tmp_path, calico=CALICO, cilium=CILIUM)
    result = runner.invoke(app, COMMANDS[command](tmp_path, files))
    assert result.exit_code == 2, result.output
    assert "calico.yaml" in result.stderr and "cilium.yaml" in result.stderr and "--cni" in result.stderr
    assert "Traceback" not in result.output


def test_diff_refuses_two_cnis_kinds_across_base_and_head(tmp_path):
    base, head = tmp_path / "base.yaml", tmp_path / "head.yaml"
    base.write_text(CALICO)
    head.write_text(CILIUM)
    result = runner.invoke(app, ["diff", str(base), str(head)])
    assert result.exit_code == 2 and "--cni" in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_takes_cni_and_its_result_notes_the_choice(tmp_path, command):
    files = _files(tmp_path, ns=NS, calico=CALICO, cilium=CILIUM)
    result = runner.invoke(app, [*COMMANDS[command](tmp_path, files), "--cni", "calico", "--format", "json"])
    assert result.exit_code in (0, 1, 3), result.output
    assert any(n.startswith("CNI: calico (--cni)") for n in json.loads(result.stdout)["notes"])


def test_the_inferred_cni_reaches_the_result_notes(tmp_path):
    result = runner.invoke(app, ["map", *_files(tmp_path, ns=NS), "--format", "json"])
    assert result.exit_code == 0 and "CNI: generic (inferred: no Calico or Cilium kinds)" in json.loads(
        result.stdout)["notes"]


def test_an_unknown_cni_is_bad_usage(tmp_path):
    result = runner.invoke(app, ["map", *_files(tmp_path, ns=NS), "--cni", "flannel"])
    assert result.exit_code == 2 and "flannel" in result.output
