"""eval/ is the reference semantics: it may import only the model (and errors), never z3 or anything above."""

from __future__ import annotations

import ast
from pathlib import Path

import netverify.eval

ALLOWED = ("netverify.model", "netverify.errors", "netverify.eval")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
    return out


def test_eval_imports_only_the_model():
    files = sorted(Path(netverify.eval.__file__).parent.glob("*.py"))
    assert len(files) >= 3
    for f in files:
        for name in _imports(f):
            if name.startswith("netverify"):
                assert name.startswith(ALLOWED), f"{f.name} imports {name}"
            assert not name.startswith("z3"), f"{f.name} imports z3"
