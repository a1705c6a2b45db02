"""The YAML/JSON reader: plain data equal to a safe load, plus the line of every mapping, key and item."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.errors import InputError
from netverify.load.reader import iter_documents, read_documents
from netverify.load.tree import LineDict, LineList, format_path, line_at


def test_lines_of_mappings_keys_and_items():
    text = "a: 1\nb:\n  c: [x,\n      y]\n  d:\n  - k: v\n  - w\n"
    (doc,) = read_documents("f.yaml", text)
    assert isinstance(doc, LineDict) and doc.line == 1
    assert doc.key_lines == {"a": 1, "b": 2}
    assert doc["b"].line == 3 and doc["b"].key_lines == {"c": 3, "d": 5}
    assert doc["b"]["c"].item_lines == [3, 4]
    assert isinstance(doc["b"]["d"], LineList) and doc["b"]["d"].item_lines == [6, 7]
    assert line_at(doc, ("b", "d", 0, "k")) == 6
    assert line_at(doc, ("b", "d", 1)) == 7
    assert line_at(doc, ("b", "missing", 3)) == 2  # deepest part that exists
    assert line_at(doc, ("b", "c", "int", 1)) == 4  # pydantic's union tags are skipped


def test_format_path():
    assert format_path(("spec", "ingress", 0, "from", 1, "ipBlock", "except", 0)) == "spec.ingress[0].from[1].ipBlock.except[0]"
    assert format_path(()) == ""


def test_multi_document_empty_documents_dropped_and_json_lines():
    docs = read_documents("f.yaml", "---\n---\na: 1\n---\n# just a comment\n---\n[1, 2]\n...\n")
    assert docs == [{"a": 1}, [1, 2]]
    (doc,) = read_documents("f.json", '{\n\t"kind": "Pod",\n\t"items": [\n\t\t{"x": 1},\n\t\t{"y": 2}\n\t]\n}\n')
    assert doc["items"].item_lines == [4, 5] and doc.key_lines["items"] == 3


def test_scalars_follow_yaml_1_1_like_kubernetes_and_timestamps_stay_text():
    (doc,) = read_documents("f.yaml", "a: 0x10\nb: yes\nc: ~\nd: 1.5\ne: '80'\nf: 2018-01-01T00:00:00Z\ng: !!str 12\nh: 1_000\n")
    assert doc == {"a": 16, "b": True, "c": None, "d": 1.5, "e": "80", "f": "2018-01-01T00:00:00Z", "g": "12", "h": 1000}


def test_byte_order_mark_is_accepted(tmp_path):
    from netverify.load.files import read_text

    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_documents(str(path), read_text(str(path))) == [{"a": 1}]


def test_merge_key_only_where_a_key_stands():
    (doc,) = read_documents("f.yaml", 'base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nv: <<\nl: [<<]\n"<<": quoted\n')
    assert doc["m"] == {"x": 1, "y": 3}
    assert doc["m"].key_lines["x"] == 3
    assert (doc["v"], doc["l"], doc["<<"]) == ("<<", ["<<"], "quoted")


def test_merge_of_a_list_of_mappings_and_bad_merge():
    (doc,) = read_documents("f.yaml", "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n")
    assert doc["c"] == {"x": 1, "y": 2}
    with pytest.raises(InputError) as caught:
        read_documents("f.yaml", "c:\n  <<: 5\n")
    assert caught.value.line == 2 and "merge" in caught.value.message


def test_mapping_as_key_is_an_error():
    with pytest.raises(InputError) as caught:
        read_documents("f.yaml", "? {a: 1}\n: x\n")
    assert caught.value.line == 1 and "key" in caught.value.message


def test_duplicate_keys_in_json_too():
    with pytest.raises(InputError) as caught:
        read_documents("f.json", '{\n  "a": 1,\n  "b": {"c": 1,\n        "c": 2}\n}')
    assert caught.value.line == 4 and "duplicate key 'c'" in caught.value.message


def test_anchors_do_not_leak_across_documents():
    with pytest.raises(InputError) as caught:
        read_documents("f.yaml", "a: &x 1\n---\nb: *x\n")
    assert caught.value.line == 3 and "unknown alias" in caught.value.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(json_values, st.sampled_from([None, 2]))
def test_json_reads_as_json_loads_does(value, indent):
    text = json.dumps(value, indent=indent)
    docs = read_documents("f.json", text)
    assert docs == ([] if value is None else [value])


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_yaml_reads_as_safe_load_does(value):
    text = yaml.safe_dump(value, default_flow_style=False)
    docs = read_documents("f.yaml", text)
    expected = yaml.safe_load(text)
    assert docs == ([] if expected is None else [expected])


def test_json_that_yaml_refuses_still_loads():
    # Escaped astral characters keep their lines; a lone surrogate falls back to a line-less JSON read.
    (doc,) = read_documents("f.json", '{\n  "a": "\\ud83d\\ude00",\n  "b": "\\\\ud83d\\\\ude00"\n}')
    assert doc == {"a": "\U0001F600", "b": "\\ud83d\\ude00"} and doc.key_lines == {"a": 2, "b": 3}
    (doc,) = read_documents("f.json", '{"a": ["\\ud800"]}')
    assert doc == {"a": ["\ud800"]} and isinstance(doc["a"], LineList)
    with pytest.raises(InputError) as caught:
        read_documents("f.json", '{"a": 1, "a": "\\ud800"}')
    assert "duplicate key 'a'" in caught.value.message


def test_json_key_longer_than_yaml_allows_still_loads():
    (doc,) = read_documents("f.json", json.dumps({"k": {"a" * 2000: 1}}, indent=1))
    assert doc["k"] == {"a" * 2000: 1}


def test_documents_stream_one_at_a_time():
    # A file of 100,000 Pods is read a document at a time: the first is handed over before a later one is
    # even parsed (so a broken later document is found after it), and the whole file still fails as bad input.
    stream = iter_documents("f.yaml", "a: 1\n---\nb: [\n")
    assert next(stream) == {"a": 1}
    with pytest.raises(InputError) as err:
        next(stream)
    assert err.value.file == "f.yaml" and err.value.line >= 3  # in the second document, not the first


def test_streamed_documents_are_the_documents():
    text = "---\n---\na: &x {k: 1}\nb: *x\n---\n# nothing\n---\n[1, 2]\n"
    assert list(iter_documents("f.yaml", text)) == read_documents("f.yaml", text) == [
        {"a": {"k": 1}, "b": {"k": 1}}, [1, 2]]
    assert list(iter_documents("f.json", '{"kind": "Pod"}')) == [{"kind": "Pod"}]
