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
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from netverify.errors import InputError, UsageError
from netverify.load.files import MANIFEST_SUFFIXES, decode
from netverify.load.limits import DEFAULT_LIMITS, LoadLimits
from netverify.load.live import is_cluster_spec
from netverify.load.live_client import LiveTarget
from netverify.load.manifests import load_cluster, load_cluster_from_texts
from netverify.model.cluster import Cluster

GIT_PREFIX = "git:"
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


def load_source(
    spec: str, *, default_namespace: str = "default", repo: str | os.PathLike[str] | None = None,
    limits: LoadLimits | None = None, live: LiveTarget | None = None,
) -> Cluster:
    """Load one version of the manifests: a file, a directory, `-` (stdin), `git:REF[:PATH]` or `cluster:[CONTEXT]`.

    `repo` is the directory whose git repository `git:` specs read (default: the current directory).
    """
    if spec.startswith(GIT_PREFIX):
        texts = read_git_manifests(GitSpec.parse(spec), spec, cwd=Path(repo) if repo is not None else Path.cwd(),
                                   limits=limits)
        return load_cluster_from_texts([(t.name, t.text) for t in texts], default_namespace=default_namespace,
                                       limits=limits)
    if is_cluster_spec(spec):
        return load_cluster([spec], default_namespace=default_namespace, limits=limits, live=live)
    if spec != "-" and not Path(spec).exists():
        raise UsageError(f"{spec}: no such file or directory (for a git revision write git:REF[:PATH])")
    return load_cluster([spec], default_namespace=default_namespace, stdin=sys.stdin, limits=limits)


def load_base_source(
    spec: str, *, default_namespace: str = "default", repo: str | os.PathLike[str] | None = None,
    limits: LoadLimits | None = None, live: LiveTarget | None = None,
) -> tuple[Cluster, tuple[str, ...]]:
    """`load_source` for the BASE of a diff: a `git:REF:PATH` whose PATH does not exist at REF (a pull request
    that adds the manifests folder) is an empty version, with a note saying so; anything else as load_source."""
    if spec.startswith(GIT_PREFIX):
        git_spec = GitSpec.parse(spec)
        cwd = Path(repo) if repo is not None else Path.cwd()
        missing = git_path_missing(git_spec, spec, cwd=cwd)
        if missing is not None:
            empty = load_cluster_from_texts([], default_namespace=default_namespace, limits=limits)
            return empty, (f"{spec}: {missing!r} does not exist at {git_spec.ref}: BASE is empty (everything HEAD "
                           "allows is new)",)
    return load_source(spec, default_namespace=default_namespace, repo=repo, limits=limits, live=live), ()


def git_path_missing(spec: GitSpec, written: str, *, cwd: Path) -> str | None:
    """The path from the repository root when spec names a path that REF (a valid revision) does not have."""
    git = _Git(cwd, written)
    git.run("rev-parse", "--git-dir", what="not inside a git repository")
    commit = git.run("rev-parse", "--verify", "--quiet", f"{spec.ref}^{{commit}}",
                     what=f"unknown git revision {spec.ref!r}").strip()
    root_path = _path_from_root(git, spec.path)
    if not root_path or git.succeeds("cat-file", "-e", f"{commit}:{root_path}"):
        return None
    return root_path


def read_git_manifests(
    spec: GitSpec, written: str, *, cwd: Path, limits: LoadLimits | None = None
) -> list[ManifestText]:
    """Every manifest under spec.path in spec.ref (or the one file it names), in path order.

    Like a directory on disk, folders whose name starts with a dot (.github, .git...) are not searched.
    """
    limits = limits or DEFAULT_LIMITS
    git = _Git(cwd, written, limits.max_file_bytes)
    git.run("rev-parse", "--git-dir", what="not inside a git repository")
    commit = git.run("rev-parse", "--verify", "--quiet", f"{spec.ref}^{{commit}}",
                     what=f"unknown git revision {spec.ref!r}").strip()
    root_path = _path_from_root(git, spec.path)
    if root_path:
        kind = git.run("cat-file", "-t", f"{commit}:{root_path}",
                       what=f"no path {root_path!r} in {spec.ref}").strip()
        if kind == "blob":
            (text,) = git.blobs([f"{commit}:{root_path}"], [f"{GIT_PREFIX}{spec.ref}:{root_path}"])
            return [ManifestText(f"{GIT_PREFIX}{spec.ref}:{root_path}", text)]
        if kind != "tree":
            raise UsageError(f"{written}: {root_path!r} in {spec.ref} is a {kind}, not a file or directory")
    entries = [
        (path, sha) for path, sha in git.ls_tree(commit, root_path)
        if path.lower().endswith(MANIFEST_SUFFIXES) and not _in_dot_folder(path, root_path)
    ]
    if len(entries) > limits.max_files:
        raise InputError(written, None, None, f"more than {limits.max_files} manifest files")
    names = [f"{GIT_PREFIX}{spec.ref}:{path}" for path, _ in entries]
    return [ManifestText(n, t) for n, t in zip(names, git.blobs([sha for _, sha in entries], names))]


def _in_dot_folder(path: str, under: str) -> bool:
    rel = path[len(under) + 1:] if under else path
    return any(part.startswith(".") for part in rel.split("/")[:-1])


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
    def __init__(self, cwd: Path, written: str, max_file_bytes: int = DEFAULT_LIMITS.max_file_bytes) -> None:
        self.cwd = cwd
        self.written = written
        self.max_file_bytes = max_file_bytes

    def run(self, *args: str, what: str) -> str:
        return self._run(args, what=what).decode("utf-8", errors="replace")

    def succeeds(self, *args: str) -> bool:
        """Whether the git command exits 0 (a question, such as `cat-file -e`, not a step that must work)."""
        try:
            self._run(args, what="")
        except UsageError:
            return False
        return True

    def blobs(self, object_names: Sequence[str], shown_as: Sequence[str]) -> list[str]:
        """The texts of these blobs, read in one `git cat-file --batch`; decoded like files on disk."""
        if not object_names:
            return []
        request = "".join(f"{name}\n" for name in object_names).encode()
        data = self._run(("cat-file", "--batch"), what="cannot read the manifests", stdin=request)
        texts, pos = [], 0
        for shown in shown_as:
            header_end = data.index(b"\n", pos)
            header = data[pos:header_end].decode("utf-8", errors="replace").split()
            if len(header) != 3 or header[1] != "blob":
                raise UsageError(f"{self.written}: cannot read {shown} ({' '.join(header)})")
            size = int(header[2])
            if size > self.max_file_bytes:
                raise InputError(shown, None, None,
                                 f"file is {size} bytes, more than the limit of {self.max_file_bytes}")
            texts.append(decode(shown, data[header_end + 1:header_end + 1 + size]))
            pos = header_end + 1 + size + 1  # the content is followed by a newline
        return texts

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

    def _run(self, args: Sequence[str], *, what: str, stdin: bytes | None = None) -> bytes:
        try:
            proc = subprocess.run(
                ["git", *args], cwd=self.cwd, capture_output=True, check=False, input=stdin,
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
