"""Where a SARIF artifact is: a URI relative to the repository root, under `uriBaseId` %SRCROOT%.

Code scanning places a result only when its URI is the file's path from the root of the repository it
scanned. The CLI finds that root (git, or `--sarif-root`) and hands it here as a `SourceRoot`; rendering
itself stays a pure function of the record and the root.

- A path on disk (relative to the directory netverify ran in, or absolute) is made relative to the root.
- `git:REF:path` names files read from a revision (load/sources.py): `path` is already from the top of the
  repository, so it maps to that path (made relative to the root when the root is a folder inside it).
- A file outside the root gets an absolute `file://` URI and no `uriBaseId`; stdin and generated names
  (`-`, `<stdin>`) have no location at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

SRCROOT = "%SRCROOT%"
_GIT_PREFIX = "git:"


@dataclass(frozen=True, slots=True)
class SourceRoot:
    """The root URIs are relative to, and where relative and `git:` file names start from (all absolute)."""

    root: str
    cwd: str  # relative file names are relative to this (the directory netverify ran in)
    git_top: str | None = None  # the repository `git:REF:path` names were read from; None: the root

    @staticmethod
    def here() -> SourceRoot:
        """No root given: the current directory is the root (what a run from the repository root wants)."""
        cwd = os.getcwd()
        return SourceRoot(root=cwd, cwd=cwd)

    def original_uri_base_ids(self) -> dict[str, Any]:
        """The run's `originalUriBaseIds`: what %SRCROOT% stands for, as a file URI ending in a slash."""
        uri = _file_uri(self.root)
        return {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/"}}


def _file_uri(path: str) -> str:
    pure = PureWindowsPath(path) if PureWindowsPath(path).drive else PurePosixPath(path)
    return pure.as_uri()


def _absolute(file: str, where: SourceRoot) -> str:
    if file.startswith(_GIT_PREFIX):
        # git:REF:path — a ref can never contain ':' (git check-ref-format), so the first colon ends it.
        _ref, _, path = file[len(_GIT_PREFIX):].partition(":")
        return os.path.normpath(os.path.join(where.git_top or where.root, path))
    return os.path.normpath(os.path.join(where.cwd, file))


def artifact_location(file: str, where: SourceRoot | None = None) -> dict[str, Any] | None:
    """A SARIF artifactLocation for a file name as findings carry it; None for things that are not files."""
    if not file or file.startswith("<") or file == "-":
        return None
    where = where or SourceRoot.here()
    target = _absolute(file, where)
    try:
        rel = os.path.relpath(target, where.root)
    except ValueError:  # another drive on Windows
        rel = ".."
    if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
        return {"uri": _file_uri(target)}
    return {"uri": quote(PurePath(rel).as_posix()), "uriBaseId": SRCROOT}
