"""Where a version of the manifests comes from: a path on disk, or `git:REF[:PATH]` from the repository's history.

`git:REF[:PATH]` is read with `git rev-parse`/`ls-tree`/`cat-file`, never by checking anything out, so it
works in a CI job's working copy without touching it. PATH follows git's own `REF:PATH` convention: relative
to the repository root, or to the current directory when it starts with `./` or `../`. Every manifest read
this way keeps `git:REF:path/from/root.yaml` as its file name, so findings point at a real file in that
revision.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from netverify.errors import UsageError
from netverify.model.cluster import Cluster

GIT_PREFIX = "git:"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_BLOB_MODES = ("100644", "100755")  # regular files; symlinks (120000) and submodules (160000) are skipped


@dataclass(frozen=True, slots=True)
class GitSpec:
    ref: str
    path: str  # as written after the second colon; "" = the whole tree

    @staticmethod
    def parse(spec: str) -> GitSpec:
        rest = spec[len(GIT_PREFIX):]
        # A ref name can never contain ':' (git check-ref-format), so the first colon ends the ref.
        ref, _, path = rest.partition(":")
        if not ref:
            raise UsageError(f"{spec}: expected git:REF or git:REF:PATH (e.g. git:origin/main:k8s)")
        if ref.startswith("-"):
            raise UsageError(f"{spec}: a git ref cannot start with '-'")
        return GitSpec(ref, path)


@dataclass(frozen=True, slots=True)
class ManifestText:
    """One manifest file's text and the name findings should show for it."""

    name: str
    text: str


def load_source(spec: str, *, default_namespace: str = "default", repo: str | os.PathLike[str] | None = None) -> Cluster:
    """Load one version of the manifests: a file, a directory, `-` (stdin) or `git:REF[:PATH]`.

    `repo` is the directory whose git repository `git:` specs read (default: the current directory).
    """
    from netverify.load.manifests import load_cluster

    if spec.startswith(GIT_PREFIX):
        texts = read_git_manifests(GitSpec.parse(spec), spec, cwd=Path(repo) if repo is not None else Path.cwd())
        return load_cluster_texts(texts, default_namespace=default_namespace)
    if spec != "-" and not Path(spec).exists():
        raise UsageError(f"{spec}: no such file or directory (for a git revision write git:REF[:PATH])")
    return load_cluster([spec], default_namespace=default_namespace)


def load_cluster_texts(texts: Sequence[ManifestText], *, default_namespace: str = "default") -> Cluster:
    from netverify.load.manifests import load_cluster_from_texts

    return load_cluster_from_texts([(t.name, t.text) for t in texts], default_namespace=default_namespace)


def read_git_manifests(spec: GitSpec, written: str, *, cwd: Path) -> list[ManifestText]:
    """Every manifest under spec.path in spec.ref (or the one file it names), in path order."""
    git = _Git(cwd, written)
    git.run("rev-parse", "--git-dir", what="not inside a git repository")
    commit = git.run("rev-parse", "--verify", "--quiet", f"{spec.ref}^{{commit}}",
                     what=f"unknown git revision {spec.ref!r}").strip()
    root_path = _path_from_root(git, spec.path)
    if not root_path:
        entries = git.ls_tree(commit, "")
    else:
        kind = git.run("cat-file", "-t", f"{commit}:{root_path}",
                       what=f"no path {root_path!r} in {spec.ref}").strip()
        if kind == "blob":
            return [ManifestText(f"{GIT_PREFIX}{spec.ref}:{root_path}", git.blob(f"{commit}:{root_path}"))]
        if kind != "tree":
            raise UsageError(f"{written}: {root_path!r} in {spec.ref} is a {kind}, not a file or directory")
        entries = git.ls_tree(commit, root_path)
    return [
        ManifestText(f"{GIT_PREFIX}{spec.ref}:{path}", git.blob(sha))
        for path, sha in entries
        if path.lower().endswith(MANIFEST_SUFFIXES)
    ]


def _path_from_root(git: _Git, path: str) -> str:
    """The repository-relative path git itself would read for `REF:path`."""
    if path.startswith(("./", "../")) or path in (".", ".."):
        prefix = git.run("rev-parse", "--show-prefix", what="cannot find the current directory in the repository")
        joined = os.path.normpath(os.path.join(prefix.strip(), path))
        if joined == ".":
            return ""
        if joined.startswith(".."):
            raise UsageError(f"{git.written}: {path!r} leaves the repository")
        return joined.replace(os.sep, "/")
    return path.strip("/")


class _Git:
    def __init__(self, cwd: Path, written: str) -> None:
        self.cwd = cwd
        self.written = written

    def run(self, *args: str, what: str) -> str:
        return self._run(args, what=what).decode("utf-8", errors="replace")

    def blob(self, object_name: str) -> str:
        data = self._run(("cat-file", "blob", object_name), what=f"cannot read {object_name}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{self.written}: {object_name} is not UTF-8 text ({exc.reason})") from None

    def ls_tree(self, commit: str, under: str) -> list[tuple[str, str]]:
        """(path from the repository root, blob sha) of every regular file under `under`, sorted by path."""
        args = ["ls-tree", "-r", "-z", "--full-tree", commit]
        if under:
            args += ["--", under]
        out = self._run(tuple(args), what=f"cannot list {under or 'the tree'}").decode("utf-8", errors="replace")
        entries = []
        for record in out.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, kind, sha = meta.split()
            if kind == "blob" and mode in _BLOB_MODES:
                entries.append((path, sha))
        return sorted(entries)

    def _run(self, args: Sequence[str], *, what: str) -> bytes:
        try:
            proc = subprocess.run(
                ["git", *args], cwd=self.cwd, capture_output=True, check=False,
                # A user's pager or locale must not change what we parse.
                env={**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0",
                     "GIT_LITERAL_PATHSPECS": "1"},
            )
        except FileNotFoundError:
            raise UsageError(f"{self.written}: git is not installed (needed to read git: sources)") from None
        except NotADirectoryError:
            raise UsageError(f"{self.written}: {self.cwd} is not a directory") from None
        if proc.returncode != 0:
            detail = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
            hint = f" ({detail[-1]})" if detail else ""
            raise UsageError(f"{self.written}: {what}{hint}")
        return proc.stdout
