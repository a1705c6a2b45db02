"""docs/semantics.md: every rule row names tests, and every test it names exists (found by parsing the file)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from netverify.load.limits import DEFAULT_LIMITS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "semantics.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def _rows(title: str) -> list[list[str]]:
    rows = []
    for line in _section(title).splitlines():
        if line.startswith("|") and not line.startswith("| ---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows[1:]  # without the header


@cache
def _test_functions(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        names |= {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    return frozenset(n for n in names if n.startswith("test_"))


RULES = _rows("Rules and the tests that pin them")


def test_the_rule_table_covers_spec_section_4_and_the_rules_that_change_meaning():
    assert len(RULES) >= 25
    text = " ".join(row[1] for row in RULES)
    for topic in ("policyTypes", "ipBlock", "Named ports", "itself", "Host-network", "kubernetes.io/metadata.name",
                  "not declared", "host bits", "vacuous", "distinct pods", "fresh value", "Replies"):
        assert topic in text, topic


@pytest.mark.parametrize("row", RULES, ids=[row[0] for row in RULES])
def test_every_rule_is_pinned_by_tests_that_exist(row):
    number, rule, tests = row
    named = NODE.findall(tests)
    assert named, f"rule {number} names no test"
    for path, name in named:
        assert (ROOT / path).is_file(), f"rule {number}: no file {path}"
        assert name in _test_functions(path), f"rule {number}: no test {path}::{name}"


def test_the_abstractions_table_says_what_is_assumed_and_how_output_says_so():
    rows = _rows("Where the model abstracts reality")
    topics = " ".join(row[0] for row in rows)
    for topic in ("Host-network", "Node traffic", "SNAT", "ipBlock vs pod IPs", "CNI", "Replicas that differ", "Labels only the cluster knows",
                  "Labels changing", "Namespace labels", "AdminNetworkPolicy", "Services and DNS"):
        assert topic in topics, topic
    assert all(len(row) == 3 and row[1] and row[2] for row in rows)


def test_the_documented_input_limits_are_the_defaults():
    rows = {row[0].strip("`"): row[1] for row in _rows("Input limits")}
    assert rows["--max-file-bytes"].startswith(str(DEFAULT_LIMITS.max_file_bytes))
    assert rows["--max-files"] == str(DEFAULT_LIMITS.max_files)
    assert rows["--max-documents"] == str(DEFAULT_LIMITS.max_documents)
    assert rows["--max-depth"] == str(DEFAULT_LIMITS.max_depth)
    assert rows["--max-alias-nodes"] == str(DEFAULT_LIMITS.max_alias_expansion)
