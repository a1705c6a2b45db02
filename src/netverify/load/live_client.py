"""One GET against a live cluster's API server, through the official `kubernetes` client (`netverify[live]`).

The client reads the kubeconfig (default rules: --kubeconfig, else $KUBECONFIG, else ~/.kube/config; inside a
pod without any, the service account) and does TLS and authentication, exec plugins included. Requests go out
through its DynamicClient's generic `request`, with our own discovery (its discoverer caches API groups in a
file, and a stale cache could hide a policy kind installed since). What can go wrong becomes one clear error
(UsageError, exit 2) naming the cluster, except a refused list (403), which the caller records (ApiRefused).
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netverify.errors import UsageError

IN_CLUSTER = "in-cluster"
DEFAULT_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class LiveTarget:
    """Which cluster `cluster:` sources read: kubeconfig file, context and the time limit per request."""

    kubeconfig: str | None = None
    context: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    page_size: int = 500  # items per list request, what kubectl asks for


class ApiRefused(Exception):
    """The API server answered 403 (or 404) to a request; `status`, `message` say what it answered."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _kubernetes():
    try:
        import kubernetes  # noqa: F401 - an optional extra
        from kubernetes import client, config
        from kubernetes.dynamic import DynamicClient
    except ImportError:
        raise UsageError("reading a live cluster (cluster:) needs the kubernetes client: "
                         "pip install 'netverify[live]' (or pip install kubernetes)") from None
    return client, config, DynamicClient


def _no_discovery(_client: Any, _cache_file: Any) -> None:
    """A DynamicClient discoverer that does nothing: netverify discovers the API itself, uncached."""
    return None


@dataclass
class ApiSession:
    """A connection to one cluster: `name` is what sources show (`cluster:CONTEXT`)."""

    name: str
    dynamic: Any
    timeout_s: float

    def get_json(self, path: str, query: list[tuple[str, Any]] | None = None) -> dict:
        """GET `path` and decode its JSON; 403/404 raise ApiRefused, anything else that fails is a UsageError."""
        from kubernetes.dynamic.exceptions import DynamicApiError
        from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError as Urllib3Timeout

        try:
            response = self.dynamic.request("get", path, query_params=list(query or []), serialize=False,
                                            _request_timeout=self.timeout_s)
        except DynamicApiError as exc:
            status = int(getattr(exc, "status", 0) or 0)
            message = _status_message(getattr(exc, "body", None)) or str(getattr(exc, "reason", "") or "")
            if status in (403, 404):
                raise ApiRefused(status, message) from None
            raise UsageError(self._http_error(status, path, message)) from None
        except HTTPError as exc:
            cause = getattr(exc, "reason", None) or exc
            # urllib3's NewConnectionError (refused, no route) is a subclass of its timeout error.
            if isinstance(cause, Urllib3Timeout) and not isinstance(cause, NewConnectionError):
                raise UsageError(f"{self.name}: the API server did not answer {path} within {self.timeout_s:g} s "
                                 "(--request-timeout sets the limit)") from None
            raise UsageError(f"{self.name}: cannot reach the API server at {self.host}: "
                             f"{_plain(cause)}") from None
        try:
            doc = json.loads(response.data)
        except (ValueError, UnicodeDecodeError):
            raise UsageError(f"{self.name}: the API server's answer to {path} is not JSON") from None
        if not isinstance(doc, dict):
            raise UsageError(f"{self.name}: the API server's answer to {path} is not a JSON object")
        return doc

    @property
    def host(self) -> str:
        return str(self.dynamic.configuration.host)

    def _http_error(self, status: int, path: str, message: str) -> str:
        said = f": {message}" if message else ""
        if status == 401:
            return (f"{self.name}: the API server refused the credentials (HTTP 401{said}): they are missing, "
                    "invalid or expired; log in again (e.g. refresh the kubeconfig) and rerun")
        if status == 410:
            return (f"{self.name}: the list at {path} changed faster than it could be read (HTTP 410, continue "
                    "token expired); rerun")
        return f"{self.name}: GET {path} failed: HTTP {status}{said}"


def _status_message(body: Any) -> str:
    """The `message` of a metav1.Status body, if the server sent one."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not isinstance(body, str):
        return ""
    try:
        doc = json.loads(body)
    except ValueError:
        return body.strip()[:200]
    message = doc.get("message") if isinstance(doc, dict) else None
    return message if isinstance(message, str) else ""


def _plain(exc: BaseException) -> str:
    """A connection error without urllib3's object reprs: `[Errno 111] Connection refused`."""
    text = str(exc)
    return text.split(": ", 1)[1] if text.startswith("<") and ": " in text else text


def kubeconfig_path(target: LiveTarget) -> str | None:
    """The kubeconfig the default rules pick; None when there is none (then: in-cluster, if in a pod)."""
    if target.kubeconfig:
        return target.kubeconfig
    env = os.environ.get("KUBECONFIG")
    if env:
        return env
    default = Path("~/.kube/config").expanduser()
    return str(default) if default.exists() else None


def connect(target: LiveTarget, context: str | None = None) -> ApiSession:
    """A session for `context` (or target.context, or the kubeconfig's current context)."""
    client, config, dynamic_client = _kubernetes()
    from kubernetes.config.config_exception import ConfigException

    wanted = context or target.context
    path = kubeconfig_path(target)
    configuration = client.Configuration()
    if path is None and os.environ.get("KUBERNETES_SERVICE_HOST") and not wanted:
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as exc:
            raise UsageError(f"cluster:{IN_CLUSTER}: cannot use the pod's service account: {exc}") from None
        name = IN_CLUSTER
    else:
        if path is None:
            raise UsageError("cluster: no kubeconfig: pass --kubeconfig PATH, set KUBECONFIG, or create "
                             "~/.kube/config (e.g. kind export kubeconfig)")
        if target.kubeconfig and not Path(target.kubeconfig).exists():
            raise UsageError(f"--kubeconfig {target.kubeconfig}: no such file")
        try:
            contexts, active = config.list_kube_config_contexts(config_file=path)
        except (ConfigException, OSError, ValueError) as exc:
            raise UsageError(f"{path}: not a usable kubeconfig: {exc}") from None
        names = [c.get("name") for c in contexts or () if isinstance(c, dict)]
        if wanted is not None and wanted not in names:
            close = difflib.get_close_matches(wanted, [n for n in names if n], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"cluster:{wanted}: no context {wanted!r} in {path}{hint}; it has: "
                             f"{', '.join(n for n in names if n) or 'none'}")
        name = wanted or (active or {}).get("name") or "current-context"
        try:
            config.load_kube_config(config_file=path, context=wanted, client_configuration=configuration,
                                    persist_config=False)
        except (ConfigException, OSError, ValueError) as exc:
            raise UsageError(f"cluster:{name}: cannot use context {name!r} of {path}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - an exec credential plugin that fails (expired login)
            raise UsageError(f"cluster:{name}: cannot get credentials for context {name!r}: {exc}") from None
    # One try per request: a gate should fail fast and clearly, not back off for minutes.
    configuration.retries = 0
    api = client.ApiClient(configuration)
    return ApiSession(f"cluster:{name}", dynamic_client(api, discoverer=_no_discovery), target.timeout_s)
