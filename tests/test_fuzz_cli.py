"""Fuzzing the whole command: mutated manifests and properties files through `netverify prove`, `map` and `diff`
(against the same inputs before the mutations).

Starting from inputs that work (examples/shop with properties/isolation.yaml, and the scenarios under
tests/data/prove/), hypothesis drops and renames fields, puts in wrong types, out-of-range numbers, bad CIDRs
and selectors and random unicode, or splices characters into the YAML text. Whatever comes out, the command
ends with exit 0, 1, 2 or 3, never a traceback or an internal error, and a bad-input exit 2 names the file.

test_misspelt_property_keys_are_each_reported_as_unknown_keys misspells one to three keys of a properties file:
the run exits 2 with no report, and every misspelt key is named as an unknown key.

An input that once broke this is kept under tests/data/fuzz/<case>/ (manifest files plus props.yaml) and
replayed by test_fuzz_regression.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from manifest_mutations import key_paths, misspellings
from typer.testing import CliRunner

from netverify.cli import app

ROOT = Path(__file__).resolve().parent.parent
FUZZ_DATA = Path(__file__).resolve().parent / "data" / "fuzz"
runner = CliRunner()


@dataclass(frozen=True)
class Seed:
    name: str
    manifests: dict[str, list[Any]]  # file name -> its documents
    properties: dict[str, Any]


def _documents(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _seeds() -> list[Seed]:
    shop = ROOT / "examples" / "shop"
    seeds = [Seed(
        "shop",
        {str(p.relative_to(shop)).replace("/", "_"): _documents(p) for p in sorted(shop.rglob("*.yaml"))},
        yaml.safe_load((ROOT / "properties" / "isolation.yaml").read_text(encoding="utf-8")),
    )]
    for scenario in sorted((ROOT / "tests" / "data" / "prove").iterdir()):
        if (scenario / "properties.yaml").exists() and (scenario / "manifests.yaml").exists():
            props = yaml.safe_load((scenario / "properties.yaml").read_text(encoding="utf-8"))
            seeds.append(Seed(scenario.name, {"manifests.yaml": _documents(scenario / "manifests.yaml")}, props))
    return seeds


SEEDS = _seeds()

# ---- mutations --------------------------------------------------------------------------------------

unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
bad_values = st.sampled_from([
    None, True, False, 0, -1, 65535, 65536, 2**31, 2**70, -(2**63), 1.5, float("inf"), "", " ", "0", "-1",
    "10.0.0.0/33", "10.1.2.3/8", "300.0.0.1/8", "fd00::/129", "::/0", "0.0.0.0/0", "10.0.0.0/8/8", "not-a-cidr",
    "In", "NotIn", "Exists", "DoesNotExist", "Bogus", "TCP", "UDP", "SCTP", "ICMP", "tcp", "Ingress", "Egress",
    "http", "x" * 64, "ｐｏｒｔ", "kubernetes.io/metadata.name", "a/b/c", "-bad-", "unreachable", "reachable",
    "possible", "maybe", "any", "existing", "Deployment/x", "../../etc/passwd", "\u202e", "\u0000",
    [], {}, [None], [{}], {"matchLabels": {"a": None}}, {"matchLabels": {"": "x"}}, {"matchLabels": []},
    {"matchExpressions": [{"key": "a", "operator": "Bogus"}]},
    {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
    {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
    {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}, {"cidr": "10.0.0.0/8", "except": "10.1.0.0/16"},
    {"port": 0}, {"port": 80, "endPort": 79}, {"port": "http", "endPort": 90}, {"protocol": "ICMP"},
]).map(copy.deepcopy)  # a later mutation may edit the drawn value in place: never the pool's own copy
junk = st.recursive(
    bad_values | unicode_text | st.integers(-(2**40), 2**40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(unicode_text, inner, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple = ()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _mutate(data: st.DataObject, tree: Any) -> Any:
    """One random change somewhere in `tree` (a document or the properties mapping); returns the new tree."""
    path = data.draw(st.sampled_from(list(_paths(tree))), label="path")
    if not path:
        return data.draw(junk, label="whole")
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    action = data.draw(st.sampled_from(["replace", "drop", "rename", "duplicate", "add"]), label="action")
    if action == "replace":
        parent[key] = data.draw(junk, label="value")
    elif action == "drop":
        del parent[key]
    elif action == "rename" and isinstance(parent, dict):
        new = data.draw(unicode_text | st.sampled_from(["podselector", "from ", "To", "ports", "port", "kind"]))
        value = parent.pop(key)
        parent[new] = value
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    elif action == "add" and isinstance(parent[key], dict):
        parent[key][data.draw(unicode_text, label="new key")] = data.draw(junk, label="new value")
    else:
        parent[key] = data.draw(junk, label="value")
    return tree


def _dump(documents: list[Any]) -> str:
    return yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False)


def _splice(data: st.DataObject, text: str) -> str:
    at = data.draw(st.integers(0, len(text)), label="splice at")
    cut = data.draw(st.integers(0, 8), label="splice cut")
    return text[:at] + data.draw(unicode_text | st.sampled_from(["\t", ": ", "- ", "&a", "*a", "!!", "{", "]"]),
                                 label="splice") + text[at + cut:]


def _base_of(folder: Path) -> Path:
    return folder.with_name(folder.name + ".base")


def write_case(folder: Path, data: st.DataObject) -> None:
    """A mutated copy of one seed in `folder`: its manifest files and props.yaml naming them."""
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    manifests = copy.deepcopy(seed.manifests)
    props = copy.deepcopy(seed.properties)
    props["manifests"] = sorted(manifests)
    # Fewer properties per run keeps the solver's share small; which ones is part of the input.
    props["properties"] = data.draw(
        st.lists(st.sampled_from(props["properties"]), min_size=1, max_size=3, unique_by=lambda p: p["name"]),
        label="properties",
    )
    base = _base_of(folder)
    base.mkdir()
    for name, docs in manifests.items():  # the version before the mutations, for `diff`
        (base / name).write_text(_dump(docs), encoding="utf-8")
    texts: dict[str, str] = {}
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        target = data.draw(st.sampled_from(["props", *sorted(manifests)]), label="target")
        if target == "props":
            props = _mutate(data, props)
        elif manifests[target]:
            docs = manifests[target]
            i = data.draw(st.integers(0, len(docs) - 1), label="document")
            docs[i] = _mutate(data, docs[i])
    for name, docs in manifests.items():
        texts[name] = _dump(docs)
    texts["props.yaml"] = yaml.safe_dump(props, allow_unicode=True, sort_keys=False)
    # A splice almost always breaks the YAML (exit 2): one case in five, so most runs reach the analyses.
    if data.draw(st.integers(0, 4), label="splice text?") == 0:
        name = data.draw(st.sampled_from(sorted(texts)), label="spliced file")
        texts[name] = _splice(data, texts[name])
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")


# ---- the contract -----------------------------------------------------------------------------------


def run_and_check(folder: Path) -> None:
    props = folder / "props.yaml"
    manifests = [str(p) for p in sorted(folder.iterdir()) if p.name != "props.yaml" and p.is_file()]
    commands = [
        ["prove", str(props), "--timeout", "10"],
        ["map", *[a for m in manifests for a in ("-f", m)]],
    ]
    if _base_of(folder).is_dir():
        commands.append(["diff", str(_base_of(folder)), str(folder), "--scope", "existing", "--timeout", "10"])
    for args in commands:
        result = runner.invoke(app, args)
        where = f"netverify {' '.join(args)} (case kept in {folder})"
        assert result.exception is None or isinstance(result.exception, SystemExit), (where, result.exception)
        assert result.exit_code in (0, 1, 2, 3), (where, result.exit_code, result.output)
        assert "Traceback" not in result.output, (where, result.output)
        assert "internal error" not in result.stderr.lower(), (where, result.stderr)
        if result.exit_code == 2:
            named = (str(props), *manifests, str(_base_of(folder)))
            assert any(name in result.stderr for name in named), (where, result.stderr)
        if result.exit_code == 3:
            assert "unknown" in result.stdout.lower(), (where, result.output)


def _fuzz(tmp_path: Path, data: st.DataObject) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    write_case(folder, data)
    run_and_check(folder)


# No shrinking: one CLI run per example makes it take minutes, and the failing case is kept on disk anyway
# (its folder is in the assertion message) to be copied into tests/data/fuzz/.
FUZZ = dict(deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(max_examples=100, **FUZZ)
@given(data=st.data())
def test_mutated_inputs_end_in_a_clean_exit(tmp_path, data):
    _fuzz(tmp_path, data)


@pytest.mark.slow
@settings(max_examples=3000, **FUZZ)
@given(data=st.data())
def test_mutated_inputs_end_in_a_clean_exit_long_run(tmp_path, data):
    _fuzz(tmp_path, data)


# ---- misspelt keys in a properties file ------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _schema_key_paths(value: Any, prefix: tuple = ()):
    """Paths of the keys the properties schema defines (not label keys under matchLabels, which are data)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            if k != "matchLabels":
                yield from _schema_key_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _schema_key_paths(v, prefix + (i,))


@st.composite
def _misspelt(draw, key: str) -> str:
    at = draw(st.integers(0, len(key) - 1))
    edit = draw(st.sampled_from(["drop", "double", "swap", "replace"]))
    if edit == "drop" and len(key) > 1:
        return key[:at] + key[at + 1:]
    if edit == "swap" and at + 1 < len(key) and key[at] != key[at + 1]:
        return key[:at] + key[at + 1] + key[at] + key[at + 2:]
    if edit == "replace":
        return key[:at] + draw(st.sampled_from([c for c in _LETTERS if c != key[at]])) + key[at + 1:]
    return key[:at] + key[at] + key[at:]


def _misspell_keys(data: st.DataObject, props: dict[str, Any]) -> list[str]:
    """Misspell 1-3 distinct schema keys in place; returns the misspelt spellings."""
    paths = list(_schema_key_paths(props))
    drawn = data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True), label="keys")
    # Not one inside another: what is under an unknown key that resembles nothing cannot be checked.
    chosen = [p for p in drawn if not any(p[:len(q)] == q for q in drawn if q != p)]
    typos = []
    for path in chosen:
        parent = props
        for step in path[:-1]:
            parent = parent[step]
        typo = data.draw(_misspelt(path[-1]), label=f"typo of {path[-1]}")
        assume(typo not in parent and typo.lower() not in ("y", "n", "yes", "no", "on", "off", "true", "false"))
        parent[typo] = parent.pop(path[-1])
        typos.append(typo)
    return typos


@settings(max_examples=40, **FUZZ)
@given(data=st.data())
def test_misspelt_property_keys_are_each_reported_as_unknown_keys(tmp_path, data):
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    for name, docs in seed.manifests.items():
        (folder / name).write_text(_dump(docs), encoding="utf-8")
    props = {**copy.deepcopy(seed.properties), "manifests": sorted(seed.manifests)}
    typos = _misspell_keys(data, props)
    path = folder / "props.yaml"
    path.write_text(yaml.safe_dump(props, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = runner.invoke(app, ["prove", str(path)])
    assert result.exit_code == 2, (typos, result.output)
    assert result.stdout == ""  # nothing half-reported
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith(f"{path}:") and ": error: " in line for line in lines), result.stderr
    for typo in typos:
        assert any(f"unknown key {typo!r}" in line for line in lines), (typo, result.stderr)


def test_every_seed_is_valid_and_runs(tmp_path):
    # The mutations start from inputs that work; a seed that is already broken would fuzz nothing.
    for seed in SEEDS:
        folder = tmp_path / seed.name
        folder.mkdir()
        for name, docs in seed.manifests.items():
            (folder / name).write_text(_dump(docs), encoding="utf-8")
        props = {**seed.properties, "manifests": sorted(seed.manifests)}
        (folder / "props.yaml").write_text(yaml.safe_dump(props, sort_keys=False), encoding="utf-8")
        result = runner.invoke(app, ["prove", str(folder / "props.yaml")])
        assert result.exit_code in (0, 1), (seed.name, result.output)


REGRESSIONS = sorted(p.name for p in FUZZ_DATA.iterdir() if p.is_dir()) if FUZZ_DATA.is_dir() else []


@pytest.mark.parametrize("case", REGRESSIONS)
def test_fuzz_regression(case):
    run_and_check(FUZZ_DATA / case)


# ---- strict reading through the command: a misspelt key is exit 2 at its line, a warning under --lenient -----

READ_KINDS = {"NetworkPolicy", "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
              "Service", "Namespace", "ReplicationController"}


@settings(max_examples=25, **FUZZ)
@given(data=st.data())
def test_a_misspelt_key_in_a_manifest_is_exit_2_or_a_warning_under_lenient(tmp_path, data):
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    manifests = copy.deepcopy(seed.manifests)
    spots = [(name, i) for name, docs in manifests.items() for i, d in enumerate(docs)
             if isinstance(d, dict) and d.get("kind") in READ_KINDS]
    name, i = data.draw(st.sampled_from(spots), label="document")
    path = data.draw(st.sampled_from(list(key_paths(manifests[name][i]))), label="key")
    parent = manifests[name][i]
    for step in path[:-1]:
        parent = parent[step]
    new = data.draw(misspellings(path[-1]), label="misspelt")
    parent[new] = parent.pop(path[-1])
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    for file, docs in manifests.items():
        (folder / file).write_text(_dump(docs), encoding="utf-8")
    strict = runner.invoke(app, ["map", "-f", str(folder)])
    assert strict.exit_code == 2 and f"unknown field {new!r}" in strict.stderr, strict.output
    assert f"{folder / name}:" in strict.stderr and "Traceback" not in strict.output
    lenient = runner.invoke(app, ["map", "-f", str(folder), "--lenient"])
    assert "Traceback" not in lenient.output and lenient.exit_code in (0, 2), lenient.output
    if lenient.exit_code == 2:  # what is left without the field may be wrong in itself, but not unknown
        assert "unknown field" not in lenient.stderr.split("error:", 1)[1]
    else:
        assert f"unknown field {new!r}" in lenient.output
