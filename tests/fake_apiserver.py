"""A stand-in Kubernetes API server on a loopback port: discovery, paginated lists, and planted failures.

It answers as the real one does for what netverify asks: `/api`, `/api/v1`, `/apis`, `/apis/G/V` (discovery
documents), and cluster-wide lists (`{kind}List` with `items` lacking kind/apiVersion, `metadata.continue`
for the next page when `limit` cuts the list). Per resource path it can answer 403/401/500 with a metav1.Status
body, or answer slowly. Every request is recorded (path, query, Authorization header).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

TOKEN = "test-token"


@dataclass
class Served:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    items: list[dict] = field(default_factory=list)

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def path(self) -> str:
        base = f"/apis/{self.group_version}" if self.group else f"/api/{self.version}"
        return f"{base}/{self.plural}"


def core_resources() -> list[Served]:
    return [
        Served("", "v1", "Namespace", "namespaces", False),
        Served("", "v1", "Pod", "pods", True),
        Served("", "v1", "Service", "services", True),
        Served("", "v1", "Node", "nodes", False),
        Served("", "v1", "ReplicationController", "replicationcontrollers", True),
        Served("apps", "v1", "Deployment", "deployments", True),
        Served("apps", "v1", "ReplicaSet", "replicasets", True),
        Served("apps", "v1", "StatefulSet", "statefulsets", True),
        Served("apps", "v1", "DaemonSet", "daemonsets", True),
        Served("batch", "v1", "Job", "jobs", True),
        Served("batch", "v1", "CronJob", "cronjobs", True),
        Served("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True),
    ]


@dataclass
class FakeCluster:
    resources: list[Served] = field(default_factory=core_resources)
    failures: dict[str, int] = field(default_factory=dict)  # resource path -> HTTP status
    delays: dict[str, float] = field(default_factory=dict)  # resource path -> seconds before answering
    requests: list[tuple[str, dict, str | None]] = field(default_factory=list)
    require_token: bool = True

    def add(self, manifest: dict) -> None:
        """Serve this object (a manifest with apiVersion/kind) in its resource's list."""
        for r in self.resources:
            if r.group_version == manifest["apiVersion"] and r.kind == manifest["kind"]:
                item = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
                meta = item.setdefault("metadata", {})
                meta.setdefault("uid", f"uid-{len(self.requests)}-{id(item)}")
                r.items.append(item)
                return
        raise KeyError(f"not served: {manifest['apiVersion']} {manifest['kind']}")

    def resource(self, kind: str) -> Served:
        return next(r for r in self.resources if r.kind == kind)

    def list_requests(self, kind: str) -> list[dict]:
        path = self.resource(kind).path
        return [q for p, q, _ in self.requests if p == path]


def _status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


class _Handler(BaseHTTPRequestHandler):
    cluster: FakeCluster

    def log_message(self, *_args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        c = self.cluster
        c.requests.append((url.path, query, self.headers.get("Authorization")))
        if c.require_token and self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, _status(401, "Unauthorized", "Unauthorized"))
        delay = c.delays.get(url.path)
        if delay:
            time.sleep(delay)
        failure = c.failures.get(url.path)
        if failure is not None:
            resource = next((r for r in c.resources if r.path == url.path), None)
            what = f"{resource.plural}.{resource.group}" if resource and resource.group else url.path
            if failure == 403:
                message = (f'{resource.plural if resource else url.path} is forbidden: User "system:serviceaccount:'
                           f'ci:netverify" cannot list resource "{resource.plural if resource else ""}" in API group '
                           f'"{resource.group if resource else ""}" at the cluster scope')
                return self._send(403, _status(403, "Forbidden", message))
            return self._send(failure, _status(failure, "InternalError", f"an error on the server ({what})"))
        if url.path == "/api":
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"]})
        if url.path == "/apis":
            groups = {}
            for r in c.resources:
                if r.group:
                    g = groups.setdefault(r.group, {"name": r.group, "versions": []})
                    gv = {"groupVersion": r.group_version, "version": r.version}
                    if gv not in g["versions"]:
                        g["versions"].append(gv)
            for g in groups.values():
                g["preferredVersion"] = g["versions"][0]
            return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": list(groups.values())})
        for prefix in ("/api/", "/apis/"):
            gv = url.path[len(prefix):]
            served = [r for r in c.resources if r.group_version == gv and url.path.startswith(prefix)]
            if served and gv.count("/") == (0 if prefix == "/api/" else 1):
                return self._send(200, {"kind": "APIResourceList", "groupVersion": gv, "resources": [
                    {"name": r.plural, "singularName": r.kind.lower(), "namespaced": r.namespaced, "kind": r.kind,
                     "verbs": ["get", "list", "watch"]} for r in served]})
        resource = next((r for r in c.resources if r.path == url.path), None)
        if resource is None:
            return self._send(404, _status(404, "NotFound", "the server could not find the requested resource"))
        start = int(query.get("continue", "0") or 0)
        limit = int(query.get("limit", "0") or 0) or len(resource.items)
        page = resource.items[start:start + limit]
        meta: dict = {"resourceVersion": "12345"}
        if start + limit < len(resource.items):
            meta["continue"] = str(start + limit)
        body = {"kind": f"{resource.kind}List", "apiVersion": resource.group_version, "metadata": meta,
                "items": page}
        return self._send(200, body)

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


class FakeApiServer:
    """`with FakeApiServer(cluster) as server:` serves on 127.0.0.1; `server.kubeconfig(dir)` points at it."""

    def __init__(self, cluster: FakeCluster) -> None:
        handler = type("Handler", (_Handler,), {"cluster": cluster})
        self.cluster = cluster
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeApiServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def kubeconfig(self, directory: Path, *, context: str = "kind-test", token: str = TOKEN,
                   extra_contexts: tuple[str, ...] = ()) -> Path:
        """A kubeconfig whose current context is `context`, at this server (extra contexts too)."""
        names = (context, *extra_contexts)
        doc = {
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake-user", "user": {"token": token}}],
            "contexts": [{"name": n, "context": {"cluster": "fake", "user": "fake-user"}} for n in names],
        }
        path = directory / "kubeconfig"
        path.write_text(json.dumps(doc))
        return path
