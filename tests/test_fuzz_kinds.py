"""The CLI fuzz (tests/test_fuzz_cli.py) with a random policy kind netverify does not model added to the mutated
manifests: whatever the mutations did, a deciding kind that reaches every result and is not ignored is never
followed by a proven or refuted result, nor by exit 0 from map or diff; a narrowing kind leaves only claims of
blocked traffic standing; `--ignore-kind` puts a caveat on every result it lets stand (issue 9 item 1)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz_cli import FUZZ, _base_of, run_and_check, runner, write_case

from netverify.cli import app
from netverify.model.kinds import KINDS, KindInfo, group_of, lookup

ROWS = sorted(KINDS.values(), key=lambda i: (i.group, i.kind))
NAMESPACES = ["default", "shop", "web", "api", "data", "kube-system", "other"]
INJECTED = "zz-unmodelled.yaml"


def _inject(folder: Path, data: st.DataObject) -> KindInfo | None:
    """One object of a table kind (any version, sometimes without apiVersion) in its own file; its row."""
    row = data.draw(st.sampled_from(ROWS), label="kind")
    doc: dict = {"kind": row.kind, "metadata": {"name": data.draw(st.sampled_from(["a", "allow-all", "x"]))}}
    if data.draw(st.integers(0, 5), label="without apiVersion?"):
        doc["apiVersion"] = f"{row.group}/{data.draw(st.sampled_from(['v1', 'v2', 'v3', 'v1alpha1', 'v1beta1']))}"
    if row.namespaced and data.draw(st.booleans(), label="namespace?"):
        doc["metadata"]["namespace"] = data.draw(st.sampled_from(NAMESPACES), label="namespace")
    doc["spec"] = data.draw(st.sampled_from([{}, {"selector": "all()", "ingress": [{"action": "Allow"}]},
                                             {"endpointSelector": {}}, {"action": "DENY"}]), label="spec")
    (folder / INJECTED).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return lookup(group_of(doc.get("apiVersion")), row.kind)


def _reaches_everything(info: KindInfo) -> bool:
    return info.reach == "cluster" or not info.namespaced


def check_kind(folder: Path, info: KindInfo | None, ignore: list[str]) -> None:
    props = folder / "props.yaml"
    prove = runner.invoke(app, ["prove", str(props), "-f", str(folder / INJECTED), "--timeout", "10",
                                "--format", "json", *ignore])
    where = f"netverify prove ... {ignore} (case kept in {folder})"
    assert prove.exit_code in (0, 1, 2, 3) and "Traceback" not in prove.output, (where, prove.output)
    if info is None or info.effect == "none":
        return
    if prove.exit_code != 2:
        for r in json.loads(prove.stdout)["results"]:
            if r["status"] not in ("proven", "violated"):
                continue
            if ignore:
                assert r["caveats"] or not _reaches_everything(info), (where, r)
            elif not _reaches_everything(info):
                continue  # whether it reaches this result is tests/test_differential_kinds.py's business
            elif info.effect == "decides":
                raise AssertionError((where, "a deciding kind left a result standing", r))
            else:  # narrows: only a claim of blocked traffic may stand
                claims_allowed = r["status"] == ("violated" if r["expect"] == "unreachable" else "proven")
                assert not claims_allowed and r["caveats"], (where, r)
    if info.effect == "decides" and _reaches_everything(info) and not ignore:
        manifests = [a for p in sorted(folder.iterdir()) if p.name != "props.yaml" for a in ("-f", str(p))]
        for args in (["map", *manifests], ["diff", str(_base_of(folder)), str(folder), "--scope", "existing"]):
            result = runner.invoke(app, args)
            assert result.exit_code in (2, 3), (args, folder, result.exit_code, result.output)
            if result.exit_code == 3:
                assert "UNKNOWN" in result.stdout, (args, folder, result.output)


def _fuzz_kind(tmp_path: Path, data: st.DataObject) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    write_case(folder, data)
    info = _inject(folder, data)
    ignore = []
    if info is not None and data.draw(st.integers(0, 3), label="ignore?") == 0:
        ignore = ["--ignore-kind", data.draw(st.sampled_from([info.kind, info.name]), label="as")]
    run_and_check(folder)
    check_kind(folder, info, ignore)


@settings(max_examples=30, **FUZZ)
@given(data=st.data())
def test_an_unmodelled_deciding_kind_is_never_proven(tmp_path, data):
    _fuzz_kind(tmp_path, data)


@pytest.mark.slow
@settings(max_examples=1000, **FUZZ)
@given(data=st.data())
def test_an_unmodelled_deciding_kind_is_never_proven_long_run(tmp_path, data):
    _fuzz_kind(tmp_path, data)
