"""The Action's pull request comment (action/pr_comment.py) against a local stand-in for the GitHub API on a
loopback port: one comment per pull request, found again by its hidden marker on any page, updated in place;
never a failed job for a token that may not comment. No network."""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("pr_comment", ROOT / "action" / "pr_comment.py")
pr_comment = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pr_comment)

TOKEN, REPO, PR = "ghs_test_token", "acme/shop", 7


class FakeGitHub:
    """Issue comments of one repository, as the REST API serves them (pages of per_page, Link: rel=next)."""

    def __init__(self) -> None:
        self.comments: list[dict] = []
        self.calls: list[tuple[str, str]] = []
        self.refuse_writes = False
        self.next_id = 1000

    def add(self, body: str, user: str = "someone") -> dict:
        self.next_id += 1
        comment = {"id": self.next_id, "body": body, "user": {"login": user}}
        self.comments.append(comment)
        return comment


@pytest.fixture
def github():
    state = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def _reply(self, status: int, body, headers: dict | None = None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._reply(401, {"message": "Bad credentials"})
                return False
            return True

        def do_GET(self):
            state.calls.append(("GET", self.path))
            if not self._authorised():
                return
            url = urlparse(self.path)
            if url.path != f"/repos/{REPO}/issues/{PR}/comments":
                return self._reply(404, {"message": "Not Found"})
            q = parse_qs(url.query)
            per_page, page = int(q.get("per_page", ["30"])[0]), int(q.get("page", ["1"])[0])
            chunk = state.comments[(page - 1) * per_page: page * per_page]
            headers = {}
            if page * per_page < len(state.comments):
                base = f"http://{self.headers['Host']}{url.path}"
                headers["Link"] = f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"'
            self._reply(200, chunk, headers)

        def _body(self) -> dict:
            return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

        def do_POST(self):
            state.calls.append(("POST", self.path))
            if not self._authorised():
                return
            if state.refuse_writes:
                return self._reply(403, {"message": "Resource not accessible by integration"})
            if self.path != f"/repos/{REPO}/issues/{PR}/comments":
                return self._reply(404, {"message": "Not Found"})
            self._reply(201, state.add(self._body()["body"], "github-actions[bot]"))

        def do_PATCH(self):
            state.calls.append(("PATCH", self.path))
            if not self._authorised():
                return
            match = re.fullmatch(rf"/repos/{REPO}/issues/comments/(\d+)", self.path)
            target = next((c for c in state.comments if match and c["id"] == int(match.group(1))), None)
            if target is None:
                return self._reply(404, {"message": "Not Found"})
            target["body"] = self._body()["body"]
            self._reply(200, target)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def env(github, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_API_URL", github.url)


def reports(tmp_path: Path, prove: str = "### ✅ netverify prove: passed", diff: str = "### ⚠️ netverify diff") -> list[str]:
    (tmp_path / "prove.md").write_text(prove + "\n")
    (tmp_path / "diff-1.md").write_text(diff + "\n")
    return [str(tmp_path / "prove.md"), str(tmp_path / "diff-1.md")]


def ours(github: FakeGitHub) -> list[dict]:
    return [c for c in github.comments if pr_comment.MARKER in c["body"]]


def test_the_first_run_posts_one_comment_with_the_reports_under_the_marker(github, env, tmp_path, capsys):
    assert pr_comment.main(["--pr", str(PR), *reports(tmp_path)]) == 0
    (comment,) = ours(github)
    assert comment["body"].startswith(pr_comment.MARKER + "\n")
    assert "netverify prove: passed" in comment["body"] and "netverify diff" in comment["body"]
    assert "created comment" in capsys.readouterr().out


def test_a_later_run_updates_that_comment_even_past_the_first_page(github, env, tmp_path):
    pr_comment.main(["--pr", str(PR), *reports(tmp_path)])
    for i in range(150):  # a busy pull request: 150 review comments...
        github.add(f"review comment {i}")
    github.comments.append(github.comments.pop(0))  # ...and ours after them, on the second page of 100
    github.calls.clear()
    assert pr_comment.main(["--pr", str(PR), *reports(tmp_path, prove="### ❌ netverify prove: failed")]) == 0
    (comment,) = ours(github)
    assert "failed" in comment["body"] and "passed" not in comment["body"]
    assert [m for m, _ in github.calls] == ["GET", "GET", "PATCH"]
    assert len(github.comments) == 151


def test_other_comments_are_left_alone(github, env, tmp_path):
    other = github.add("netverify looks good to me")
    pr_comment.main(["--pr", str(PR), *reports(tmp_path)])
    assert other["body"] == "netverify looks good to me" and len(ours(github)) == 1


def test_a_token_that_may_not_comment_is_a_warning_not_a_failed_job(github, env, tmp_path, capsys):
    github.refuse_writes = True
    assert pr_comment.main(["--pr", str(PR), *reports(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("::warning::") and "HTTP 403" in out and "pull-requests: write" in out
    assert github.comments == []


def test_an_unreachable_api_is_a_warning(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # the discard port: nothing listens
    assert pr_comment.main(["--pr", str(PR), *reports(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("::warning::")


def test_missing_reports_and_oversized_ones_still_make_a_valid_comment(tmp_path):
    assert "wrote no report" in pr_comment.comment_body([tmp_path / "nothing.md"])
    (tmp_path / "big.md").write_text("x" * 200_000)
    body = pr_comment.comment_body([tmp_path / "big.md"])
    assert len(body) <= pr_comment.MAX_BODY and body.startswith(pr_comment.MARKER) and "job summary" in body


def test_the_action_comments_only_on_pull_requests_and_can_be_told_not_to():
    doc = yaml.safe_load((ROOT / "action.yml").read_text())
    assert doc["inputs"]["pr-comment"]["default"] == "true"
    assert "github.token" in doc["inputs"]["github-token"]["default"]
    (step,) = [s for s in doc["runs"]["steps"] if "pr_comment.py" in s.get("run", "")]
    assert "inputs.pr-comment == 'true'" in step["if"] and "pull_request.number" in step["if"]
    assert step["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"
    assert "GITHUB_ACTION_PATH" in step["run"]
