"""Imports point one way (docs/CONTRIBUTING.md): a package may import only the packages listed for it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "netverify"

# What each top-level part of netverify may import (besides itself and the standard library).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "load": {"errors", "model"},
    "eval": {"errors", "model"},
    "smt": {"errors", "model", "eval"},
    "findings": {"errors", "model"},
    "analyses": {"errors", "model", "eval", "smt", "findings"},
    "report": {"errors", "model", "findings"},
}


def part_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def netverify_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "netverify" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if part_of(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_one_way(path: Path) -> None:
    part = part_of(path)
    wrong = netverify_imports(path) - ALLOWED[part] - {part}
    assert not wrong, f"{path.relative_to(SRC)} ({part}) imports {sorted(wrong)}"


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_only_smt_imports_z3(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports_z3 = any(
        (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "z3" for a in n.names))
        or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "z3")
        for n in ast.walk(tree)
    )
    assert not imports_z3 or part_of(path) == "smt"


def test_every_module_is_in_a_layer() -> None:
    parts = {part_of(p) for p in SRC.rglob("*.py")} - {"__init__", "__main__"}
    unplaced = {p for p in parts if p not in ALLOWED and not p.startswith("cli")}
    assert not unplaced, f"add these to ALLOWED: {sorted(unplaced)}"
