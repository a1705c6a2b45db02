"""Differential: a cluster read live is the cluster its manifests make. File loader vs live loader, same input.

Hypothesis takes valid manifests (each kind the builder reads, a policy kind it does not model, kinds it
skips) and replaces one part with junk; the documents are then read as a file (YAML text) and as a live
cluster serves them (JSON list items without kind/apiVersion, through load/live.py's conversion). Both must
give the same model (spans aside) or the same error (field and message). A conversion that drops, adds or
retypes anything, or that skips a kind the file loader reads, fails here. The slow run adds the whole path
through the stand-in API server (HTTP, pagination) on the example.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_load_fuzz import VALID, junk, paths

from netverify.errors import InputError
from netverify.load import manifests
from netverify.load.live import Resource, _raw_object, wanted_kinds
from netverify.load.limits import DEFAULT_LIMITS
from netverify.model.kinds import group_of

DEFAULT = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Single objects (a PodList's items are Pods, as a live list serves them), plus kinds that are not read.
OBJECTS = [
    *[m for m in VALID if not m["kind"].endswith("List")],
    *[{"apiVersion": "v1", "kind": "Pod", **item} for m in VALID if m["kind"] == "PodList" for item in m["items"]],
    {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "c", "namespace": "a"},
     "spec": {"endpointSelector": {}}},
    {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"zone": "a"}}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "a"},
     "spec": {"serviceName": "db", "replicas": 2, "selector": {"matchLabels": {"app": "db"}},
              "template": {"metadata": {"labels": {"app": "db"}},
                           "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 5432, "name": "pg"}]}]}}}},
]


_WHERE = re.compile(r"^(f\.yaml(:\d+)?|cluster:test:\S+?): ")


def _no_spans(value):
    """The model with every place (span, and the place warnings start with) blanked: the two name them apart."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value)(**{f.name: None if f.name == "span" else _no_spans(getattr(value, f.name))
                              for f in dataclasses.fields(value) if f.init})
    if isinstance(value, str):
        return _WHERE.sub("", value)
    if isinstance(value, tuple):
        return tuple(_no_spans(v) for v in value)
    if isinstance(value, dict):
        return {k: _no_spans(v) for k, v in value.items()}
    return value


def _resource(doc: dict) -> Resource:
    api_version = doc.get("apiVersion")
    group = group_of(api_version) or ""
    version = api_version.rsplit("/", 1)[-1]
    return Resource(group, version, doc["kind"], doc["kind"].lower() + "s", namespaced=True)


def from_file(docs: list[dict]):
    try:
        return _no_spans(manifests.load_cluster_from_texts([("f.yaml", yaml.safe_dump_all(docs, sort_keys=False))]))
    except InputError as exc:
        return ("error", exc.field, exc.message)


def from_live(docs: list[dict]):
    """As the API serves them: JSON, list items without kind/apiVersion, named cluster:test:Kind/ns/name."""
    try:
        objects = []
        for doc in docs:
            item = json.loads(json.dumps({k: v for k, v in doc.items() if k not in ("kind", "apiVersion")}))
            objects.append(_raw_object("cluster:test", _resource(doc), item, DEFAULT_LIMITS))
        return _no_spans(manifests._load([], "default", DEFAULT_LIMITS, objects))
    except InputError as exc:
        return ("error", exc.field, exc.message)


def _servable(doc) -> bool:
    """What a cluster can serve at all: an object of a kind netverify lists, with a string apiVersion."""
    return (isinstance(doc, dict) and isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)
            and (group_of(doc["apiVersion"]) or "", doc["kind"]) in set(wanted_kinds()))


@st.composite
def mutated_objects(draw):
    docs = copy.deepcopy(draw(st.lists(st.sampled_from(OBJECTS), min_size=1, max_size=3, unique_by=id)))
    if draw(st.booleans()):
        doc = draw(st.sampled_from(docs))
        candidates = [p for p in paths(doc) if p and p[0] not in ("kind", "apiVersion")]
        path = draw(st.sampled_from(candidates))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = draw(junk)
    return docs


def check(docs: list[dict]) -> None:
    if not all(_servable(d) for d in docs):
        return
    try:
        json.dumps(docs, allow_nan=False)
    except ValueError:
        return  # not JSON: no API server sends it
    assert from_live(docs) == from_file(docs)


@pytest.mark.parametrize("doc", OBJECTS, ids=[d["kind"] for d in OBJECTS])
def test_each_kind_reads_the_same_live_and_from_a_file(doc) -> None:
    live, file = from_live([doc]), from_file([doc])
    assert not (isinstance(file, tuple) and file[:1] == ("error",)), file
    assert live == file


@DEFAULT
@given(mutated_objects())
def test_live_and_file_reading_agree(docs) -> None:
    check(docs)


@pytest.mark.slow
@SLOW
@given(mutated_objects())
def test_live_and_file_reading_agree_slow(docs) -> None:
    check(docs)


@pytest.mark.slow
def test_the_example_through_the_stand_in_api_server_at_every_page_size() -> None:
    pytest.importorskip("kubernetes", reason="netverify[live] is not installed")
    from test_live_cluster import SHOP, shop_cluster

    from fake_apiserver import FakeApiServer
    from netverify.load.live_client import LiveTarget

    expected = _no_spans(manifests.load_cluster([str(SHOP)]))
    with FakeApiServer(shop_cluster()) as server, tempfile.TemporaryDirectory() as tmp:
        kubeconfig = str(server.kubeconfig(Path(tmp)))
        for page_size in (1, 2, 5, 500):
            live = _no_spans(manifests.load_cluster(["cluster:"], live=LiveTarget(kubeconfig=kubeconfig,
                                                                               page_size=page_size)))
            assert live.policies == expected.policies and live.namespaces == expected.namespaces
            assert sorted(map(repr, live.workloads)) == sorted(map(repr, expected.workloads))
