"""Every install line the docs show works, against a local clone of this repository (no network for the code).

The docs name one hosted URL (`https://github.com/YOUR-ORG/netverify`, a placeholder for wherever the
repository lives) and one release tag (`v` + pyproject's version). In a clone, the placeholder becomes the
clone's `file://` URL: the pip lines install from git at the tag, the Action's `uses:` ref and the pre-commit
`rev:` must resolve there and hold action.yml / the hook. When this repository has no such tag yet (it is made
on main when a version is released), the clone gets it at HEAD, so the test still checks the lines' form.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "docs" / "ci.md", ROOT / "docs" / "live-cluster.md"]
HOSTED = "https://github.com/YOUR-ORG/netverify"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
TAG = f"v{VERSION}"
ACTION_PATH = "$GITHUB_ACTION_PATH"
_PIP = re.compile(r"\bpip install\b[^\n`#]*")
_GIT_SPEC = re.compile(r"(?:(?P<name>[A-Za-z0-9_.-]+(?:\[[a-z,]+\])?) @ )?git\+(?P<url>[^@\s\"']+)@(?P<ref>[^\s\"'#]+)")


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def pip_lines() -> list[tuple[str, str]]:
    """(file, line) of every `pip install` a user is told to run (not the dev setup's editable installs)."""
    found = []
    for doc in DOCS:
        for line in doc.read_text().splitlines():
            for m in _PIP.finditer(line):
                if " -e " not in f" {m.group(0)} ":
                    found.append((doc.name, m.group(0).strip()))
    return found


def test_no_doc_tells_users_to_install_from_an_index_netverify_is_not_on() -> None:
    lines = pip_lines()
    assert lines
    for where, line in lines:
        specs = [s for s in shlex.split(line)[2:] if not s.startswith("-")]
        assert specs, f"{where}: {line}"
        for spec in specs:
            if spec == ACTION_PATH:
                continue  # the Action's own checkout: installed from the clone below
            m = _GIT_SPEC.fullmatch(spec)
            assert m, f"{where}: `{line}` installs {spec!r}, not netverify from its git repository at a ref"
            assert m.group("url") == HOSTED and m.group("ref") == TAG, f"{where}: {line}"


def _action_refs() -> list[str]:
    text = (ROOT / "docs" / "ci.md").read_text()
    return re.findall(r"uses: YOUR-ORG/netverify@(\S+)", text)


def _pre_commit_configs() -> list[dict]:
    text = (ROOT / "docs" / "ci.md").read_text()
    blocks = re.findall(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", text, flags=re.S)
    return [yaml.safe_load(b) for b in blocks]


def test_the_action_and_the_hook_name_the_same_tag() -> None:
    assert _action_refs() == [TAG]
    (config,) = _pre_commit_configs()
    (repo,) = config["repos"]
    assert repo["repo"] == HOSTED and repo["rev"] == TAG


def test_a_release_tag_of_this_repository_carries_its_own_version() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tags = _git("tag", "--list", TAG)
    if not tags:
        pytest.skip(f"{TAG} is not tagged in this clone yet (made on main at release: git tag -a {TAG})")
    tagged = tomllib.loads(_git("show", f"{TAG}:pyproject.toml"))["project"]["version"]
    assert tagged == VERSION


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of netverify")
    where = tmp_path_factory.mktemp("clone") / "netverify"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(where)], check=True)
    if not _git("tag", "--list", TAG, cwd=where):
        _git("-c", "user.name=t", "-c", "user.email=t@t", "tag", TAG, cwd=where)
    return where


def test_the_action_and_the_hook_resolve_in_a_clone(clone: Path) -> None:
    for ref in _action_refs():
        action = yaml.safe_load(_git("show", f"{ref}:action.yml", cwd=clone))
        assert any("GITHUB_ACTION_PATH" in s.get("run", "") for s in action["runs"]["steps"])
    (config,) = _pre_commit_configs()
    (repo,) = config["repos"]
    hooks = yaml.safe_load(_git("show", f"{repo['rev']}:.pre-commit-hooks.yaml", cwd=clone))
    assert {h["id"] for h in repo["hooks"]} <= {h["id"] for h in hooks}


def _installed(spec: str, target: Path, env: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                           spec], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("how", ["git-url", "action-checkout"])
def test_every_pip_line_installs_from_a_clone_at_the_tag(clone: Path, tmp_path: Path, how: str) -> None:
    """A real install of the (single) spec the lines share, from git at the tag (the lines differ only in pip
    options and extras, which the form test above pins), and of the Action's checkout at that tag."""
    specs = {s for _, line in pip_lines() for s in shlex.split(line)[2:] if s.startswith(("git+", "netverify"))}
    urls = {_GIT_SPEC.fullmatch(s).group("url") + "@" + _GIT_SPEC.fullmatch(s).group("ref") for s in specs}
    assert urls == {f"{HOSTED}@{TAG}"}
    assert any(ACTION_PATH in line for _, line in pip_lines())
    target = tmp_path / "site"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if how == "git-url":
        # pip's URL parser wants a host in a git+file URL: localhost is this machine.
        _installed(f"netverify[live] @ git+file://localhost{clone}@{TAG}", target, env)
    else:
        checkout = tmp_path / "action"  # what the runner puts at $GITHUB_ACTION_PATH for `uses: ...@TAG`
        subprocess.run(["git", "clone", "--quiet", "--branch", TAG, str(clone), str(checkout)], check=True,
                       capture_output=True)
        _installed(str(checkout), target, env)
    check = ("import importlib.metadata as m, netverify; d = m.distribution('netverify'); "
             "print(netverify.__version__, d.version, sorted(e.name for e in d.entry_points), "
             "sorted(d.metadata.get_all('Provides-Extra') or []))")
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                         env={**env, "PYTHONPATH": str(target)}, cwd=tmp_path, check=True).stdout
    assert out.split()[:2] == [VERSION, VERSION]
    assert "'kubectl-netverify'" in out and "'netverify'" in out and "'live'" in out
    assert (target / "netverify").is_dir() and str(target) in subprocess.run(
        [sys.executable, "-c", "import netverify; print(netverify.__file__)"], capture_output=True, text=True,
        env={**env, "PYTHONPATH": str(target)}, cwd=tmp_path).stdout
