"""The digest that tells an object read twice from two that differ (load/fingerprint.py)."""

from __future__ import annotations

import pytest

from netverify.errors import InputError
from netverify.load.fingerprint import fingerprint
from netverify.load.manifests import load_cluster_from_texts

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: n, labels: {app: %s}}\nspec: {containers: []}\n"


def test_equal_objects_digest_alike_whatever_the_key_order():
    assert fingerprint({"a": 1, "b": [1, {"c": "x"}]}) == fingerprint({"b": [1, {"c": "x"}], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert fingerprint({"a": [1, 2]}) != fingerprint({"a": [2, 1]})  # order in a list is meaning


def test_keys_of_mixed_types_still_digest():
    # YAML allows `1: x` next to `a: y`; json cannot sort such keys, the fallback can.
    assert fingerprint({1: "x", "a": "y"}) == fingerprint({"a": "y", 1: "x"})
    assert fingerprint({1: "x", "a": "y"}) != fingerprint({1: "x", "a": "z"})


def test_an_object_given_twice_is_read_once_and_a_changed_one_is_not():
    once = load_cluster_from_texts([("a.yaml", POD % "web"), ("b.yaml", POD % "web")])
    assert len(once.workloads) == 1 and any("identical to the one at a.yaml:1" in w for w in once.warnings)
    with pytest.raises(InputError) as err:
        load_cluster_from_texts([("a.yaml", POD % "web"), ("b.yaml", POD % "api")])
    assert err.value.file == "b.yaml"
