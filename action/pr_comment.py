"""Post or update the one netverify comment on a pull request (the GitHub Action's `pr-comment` step).

    python pr_comment.py --pr NUMBER REPORT.md...

The comment is the markdown reports joined, under a hidden marker; the next run finds the comment by that
marker (through every page of the pull request's comments) and edits it, so a pull request carries one
netverify comment however often it is pushed. Standard library only: it runs in the Action's job with the
job's token (GITHUB_TOKEN), GITHUB_REPOSITORY and GITHUB_API_URL from the runner's environment.

Never fails the job: the gate is netverify's exit code; a token that may not comment (a pull request from a
fork gets a read-only token) is a warning in the log, and the job summary still has the reports.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MARKER = "<!-- netverify-report -->"
MAX_BODY = 65_000  # GitHub refuses comment bodies over 65,536 characters
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubError(Exception):
    pass


class GitHub:
    def __init__(self, api_url: str, repository: str, token: str, timeout: float = 30.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.repository = repository
        self.token = token
        self.timeout = timeout

    def request(self, method: str, url: str, body: dict[str, Any] | None = None) -> tuple[Any, str]:
        """(parsed JSON, the Link header) of one API call; a GitHubError for anything but 2xx."""
        if not url.startswith(("http://", "https://")):
            url = f"{self.api_url}{url}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "netverify-action",
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - the API URL
                text = resp.read().decode("utf-8")
                return (json.loads(text) if text else None), resp.headers.get("Link", "")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:300]
            raise GitHubError(f"{method} {url}: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise GitHubError(f"{method} {url}: {exc}") from None

    def find_comment(self, pr: int, marker: str = MARKER) -> dict[str, Any] | None:
        """The first comment on the pull request that carries the marker, searching every page."""
        url: str | None = f"/repos/{self.repository}/issues/{pr}/comments?per_page=100"
        while url:
            comments, link = self.request("GET", url)
            for comment in comments or ():
                if marker in (comment.get("body") or ""):
                    return comment
            found = _NEXT.search(link)
            url = found.group(1) if found else None
        return None

    def post_or_update(self, pr: int, body: str, marker: str = MARKER) -> tuple[str, int]:
        existing = self.find_comment(pr, marker)
        if existing is not None:
            self.request("PATCH", f"/repos/{self.repository}/issues/comments/{existing['id']}", {"body": body})
            return "updated", int(existing["id"])
        created, _ = self.request("POST", f"/repos/{self.repository}/issues/{pr}/comments", {"body": body})
        return "created", int(created["id"])


def comment_body(reports: list[Path], marker: str = MARKER) -> str:
    """The marker, then each report that exists; cut (with a note) where GitHub's size limit would refuse it."""
    parts = [p.read_text(encoding="utf-8").rstrip("\n") for p in reports if p.is_file()]
    if not parts:
        parts = ["### ⛔ netverify wrote no report: see the job log (netverify failed before writing one)."]
    body = "\n\n".join([marker, *parts]) + "\n"
    if len(body) > MAX_BODY:
        note = "\n\n_The report is longer than a comment may be: the job summary and the report files have it all._\n"
        body = body[: MAX_BODY - len(note)].rstrip() + note
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pr", type=int, required=True, help="pull request number")
    parser.add_argument("--marker", default=MARKER, help="hidden marker the comment is found again by")
    parser.add_argument("reports", nargs="*", type=Path, help="markdown reports, in order")
    args = parser.parse_args(argv)
    token, repository = os.environ.get("GITHUB_TOKEN", ""), os.environ.get("GITHUB_REPOSITORY", "")
    if not token or not repository:
        print("::warning::netverify: no GITHUB_TOKEN or GITHUB_REPOSITORY: pull request comment skipped")
        return 0
    gh = GitHub(os.environ.get("GITHUB_API_URL", "https://api.github.com"), repository, token)
    try:
        what, cid = gh.post_or_update(args.pr, comment_body(args.reports, args.marker), args.marker)
    except GitHubError as exc:
        print(f"::warning::netverify: could not comment on pull request #{args.pr} (the token needs "
              f"pull-requests: write; a fork's token is read-only): {exc}")
        return 0
    print(f"netverify: {what} comment {cid} on pull request #{args.pr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
