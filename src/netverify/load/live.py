"""A live cluster (`cluster:` or `cluster:CONTEXT`) → the same objects the file loader makes.

Every kind netverify reads or judges is listed through the API: the core kinds (Namespaces, Pods, the
workload controllers, Services, Nodes, NetworkPolicies) and every kind of model/kinds.py (modelled or not).
Which of them the cluster serves, and at which version, comes from API discovery; a kind it does not serve has
no objects. Each list is read a page at a time (`limit` / `continue`). Items become manifest documents
(apiVersion, kind, metadata, spec, status) named `cluster:CONTEXT:Kind/namespace/name`, and go to the one
ClusterBuilder, so a kind is handled here exactly as in a file, with no code per kind.

A list the account may not read (403) is recorded (UnlistedKind): analyses/unlisted.py makes the results a
policy kind could change unknown; other kinds are a note. Anything else that fails is one error, exit 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from netverify.errors import InputError, UsageError
from netverify.load.documents import RawObject
from netverify.load.limits import LoadLimits
from netverify.load.live_client import ApiRefused, ApiSession, LiveTarget, connect
from netverify.load.tree import LineDict, LineList
from netverify.model.kinds import KINDS, MODELLED, KindKey
from netverify.model.listing import UnlistedKind

CLUSTER_PREFIX = "cluster:"
# Policy kinds the loader reads (whether or not model/kinds.py still lists them as not modelled).
POLICY_KINDS: tuple[KindKey, ...] = (
    ("networking.k8s.io", "NetworkPolicy"), ("policy.networking.k8s.io", "AdminNetworkPolicy"),
    ("policy.networking.k8s.io", "BaselineAdminNetworkPolicy"), ("policy.networking.k8s.io", "ClusterNetworkPolicy"),
)
CORE_KINDS: tuple[KindKey, ...] = (
    ("", "Namespace"), ("", "Pod"), ("", "Service"), ("", "Node"), ("", "ReplicationController"),
    ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "DaemonSet"),
    ("batch", "Job"), ("batch", "CronJob"), *POLICY_KINDS,
)
# Server bookkeeping with no meaning for a verdict (and free-form: not checked against a type).
_DROPPED_METADATA = ("managedFields",)


def wanted_kinds() -> tuple[KindKey, ...]:
    """Every (group, kind) to list: the core kinds, then every policy kind netverify models or judges."""
    return tuple(dict.fromkeys((*CORE_KINDS, *sorted(MODELLED), *sorted(KINDS))))


# Plurals that do not follow the rule below (lowercase kind; -y -> -ies; -s -> -ses; else +s).
_PLURALS = {("k8s.cni.cncf.io", "MultiNetworkPolicy"): "multi-networkpolicies"}


def plural(group: str, kind: str) -> str:
    """The resource name RBAC rules use for a kind (the ClusterRole, messages); lists use the name discovery
    gives."""
    if (group, kind) in _PLURALS:
        return _PLURALS[(group, kind)]
    lower = kind.lower()
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    if lower.endswith("s"):
        return lower + "es"
    return lower + "s"


def effect_of(group: str, kind: str) -> str | None:
    """What objects of a kind could do to a verdict (UnlistedKind.effect): policy kinds read decide it, except
    kinds that are never enforced (Calico's staged policies: the table says `none`)."""
    info = KINDS.get((group, kind))
    if info is not None and info.effect == "none":
        return "none"
    if (group, kind) in MODELLED or (group, kind) in POLICY_KINDS:
        return "decides"
    return info.effect if info is not None else None


def is_cluster_spec(spec: str) -> bool:
    return spec.startswith(CLUSTER_PREFIX)


def context_of(spec: str) -> str | None:
    """`cluster:` -> None (the current context); `cluster:NAME` -> NAME."""
    return spec[len(CLUSTER_PREFIX):] or None


@dataclass(frozen=True, slots=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def path(self) -> str:
        return f"/apis/{self.group}/{self.version}/{self.plural}" if self.group else f"/api/{self.version}/{self.plural}"


@dataclass
class LiveRead:
    """What one cluster gave: objects in list order, and the kinds it refused to list."""

    source: str
    objects: list[RawObject]
    unlisted: list[UnlistedKind]


def read_cluster(spec: str, target: LiveTarget | None, limits: LoadLimits) -> LiveRead:
    target = target or LiveTarget()
    session = connect(target, context_of(spec))
    resources, unlisted = discover(session, wanted_kinds())
    objects: list[RawObject] = []
    seen_uids: set[str] = set()
    for resource in resources:
        try:
            for item in list_all(session, resource, target.page_size):
                obj = _raw_object(session.name, resource, item, limits)
                uid = obj.data.get("metadata", {}).get("uid")
                if isinstance(uid, str) and uid:
                    if uid in seen_uids:  # the same object served by two groups (extensions and networking)
                        continue
                    seen_uids.add(uid)
                objects.append(obj)
                if len(objects) > limits.max_documents:
                    raise InputError(session.name, None, None, f"more than {limits.max_documents} objects")
        except ApiRefused as refused:
            if refused.status == 404:
                continue  # served a moment ago, gone now (a CRD deleted): no objects
            unlisted.append(UnlistedKind(session.name, resource.group, resource.kind, resource.plural, "list",
                                         refused.status, refused.message, effect_of(resource.group, resource.kind)))
    return LiveRead(session.name, objects, unlisted)


def discover(session: ApiSession, wanted: tuple[KindKey, ...]) -> tuple[list[Resource], list[UnlistedKind]]:
    """The served resource of each wanted kind (in `wanted` order); kinds the cluster does not serve are left out.

    Each group is asked at its preferred version first, then its other versions, for the kinds still missing.
    """
    groups = _served_versions(session, {g for g, _ in wanted})
    found: dict[KindKey, Resource] = {}
    unlisted: list[UnlistedKind] = []
    for group, versions in groups.items():
        missing = {k for g, k in wanted if g == group}
        for version in versions:
            if not missing:
                break
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            try:
                doc = session.get_json(path)
            except ApiRefused as refused:
                if refused.status == 404:
                    continue
                # Discovery refused: whether these kinds hold objects cannot be known.
                unlisted += [UnlistedKind(session.name, group, k, plural(group, k), "get", refused.status,
                                          refused.message, effect_of(group, k))
                             for k in sorted(missing)]
                missing = set()
                break
            for entry in doc.get("resources") or ():
                if not isinstance(entry, dict) or "/" in str(entry.get("name", "")):
                    continue  # a subresource (pods/log)
                kind = entry.get("kind")
                if kind in missing and "list" in (entry.get("verbs") or ("list",)):
                    missing.discard(kind)
                    found[(group, kind)] = Resource(group, version, kind, str(entry["name"]),
                                                    bool(entry.get("namespaced")))
    return [found[k] for k in wanted if k in found], unlisted


def _served_versions(session: ApiSession, groups: set[str]) -> dict[str, list[str]]:
    """Group -> its served versions, preferred first, for the groups of `groups` the cluster serves."""
    out: dict[str, list[str]] = {}
    try:
        core = session.get_json("/api")
        listed = session.get_json("/apis")
    except ApiRefused as refused:
        raise UsageError(f"{session.name}: API discovery was refused (HTTP {refused.status}); the account needs "
                         "the system:discovery role (every authenticated user has it by default)") from None
    if "" in groups:
        out[""] = [v for v in core.get("versions") or () if isinstance(v, str)]
    for entry in listed.get("groups") or ():
        if not isinstance(entry, dict) or entry.get("name") not in groups:
            continue
        preferred = (entry.get("preferredVersion") or {}).get("version")
        versions = [v.get("version") for v in entry.get("versions") or () if isinstance(v, dict)]
        ordered = [preferred] if preferred else []
        out[entry["name"]] = [*ordered, *(v for v in versions if v and v != preferred)]
    return out


def list_all(session: ApiSession, resource: Resource, page_size: int) -> Iterator[dict]:
    """Every item of the resource in all namespaces, page by page."""
    token: str | None = None
    tokens: set[str] = set()
    while True:
        query: list[tuple[str, Any]] = [("limit", page_size)]
        if token:
            query.append(("continue", token))
        doc = session.get_json(resource.path, query)
        for item in doc.get("items") or ():
            if isinstance(item, dict):
                yield item
        token = (doc.get("metadata") or {}).get("continue") or None
        if token is None:
            return
        if token in tokens:
            raise UsageError(f"{session.name}: the API server returned the same continue token twice for "
                             f"{resource.path}")
        tokens.add(token)


def _raw_object(source: str, resource: Resource, item: dict, limits: LoadLimits) -> RawObject:
    # A list's items do not repeat their kind and apiVersion: they are the list's.
    doc = {"apiVersion": resource.api_version, "kind": resource.kind, **item}
    meta = doc.get("metadata")
    if isinstance(meta, dict):
        doc["metadata"] = {k: v for k, v in meta.items() if k not in _DROPPED_METADATA}
        name, namespace = meta.get("name"), meta.get("namespace")
    else:
        name = namespace = None
    where = f"{namespace}/{name}" if namespace else f"{name}"
    file = f"{source}:{resource.kind}/{where}"
    return RawObject(resource.kind, resource.api_version, to_tree(doc, file, limits.max_depth), file)


def to_tree(value: Any, file: str, max_depth: int, depth: int = 0) -> Any:
    """JSON data as the tree the file reader makes (LineDict/LineList, no lines: an API object has none)."""
    if depth > max_depth:
        raise InputError(file, None, None, f"nesting deeper than {max_depth} levels")
    if isinstance(value, dict):
        out = LineDict()
        for k, v in value.items():
            out[k] = to_tree(v, file, max_depth, depth + 1)
        return out
    if isinstance(value, list):
        items = LineList()
        items.extend(to_tree(v, file, max_depth, depth + 1) for v in value)
        return items
    return value
