"""report/ is a pure layer over the result records: it must not reach into loading, solving or analyses."""

from __future__ import annotations

import ast
from pathlib import Path

import netverify.report

REPORT = Path(netverify.report.__file__).parent
FORBIDDEN = ("z3", "netverify.load", "netverify.smt", "netverify.eval", "netverify.analyses", "netverify.cli")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_report_modules_import_only_records_model_and_stdlib_or_rich():
    offenders = {
        f"{p.name}: {m}"
        for p in REPORT.glob("*.py")
        for m in imported_modules(p)
        if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
    }
    assert offenders == set()
