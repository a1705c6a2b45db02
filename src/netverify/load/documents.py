"""Documents → Kubernetes objects: `List`/`*List` unwrapped (nested too), documents without `kind` set aside."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from netverify.load.tree import LineDict, LineList


@dataclass(frozen=True, slots=True)
class RawObject:
    """One object as read: its kind, apiVersion, data (with lines) and file."""

    kind: str
    api_version: str | None
    data: LineDict
    file: str


@dataclass(slots=True)
class Unread:
    """What was set aside: documents without a kind (e.g. a tool's JSON output), per file."""

    kindless: dict[str, int]


def objects(file: str, documents: Iterable[Any], unread: Unread) -> Iterator[RawObject]:
    for document in documents:
        yield from _unwrap(file, document, None, unread)


def _unwrap(file: str, value: Any, item_kind: str | None, unread: Unread) -> Iterator[RawObject]:
    if not isinstance(value, LineDict):
        unread.kindless[file] = unread.kindless.get(file, 0) + 1
        return
    kind = value.get("kind")
    if kind is None or kind == "":
        # `kubectl get` output may omit each item's kind: a PodList's items are Pods.
        kind = item_kind
    if not isinstance(kind, str):
        unread.kindless[file] = unread.kindless.get(file, 0) + 1
        return
    items = value.get("items")
    if kind.endswith("List") and isinstance(items, LineList):
        inner = kind[: -len("List")] or None  # plain `List` says nothing about its items
        for item in items:
            yield from _unwrap(file, item, inner, unread)
        return
    if kind.endswith("List") and items is None and "items" in value:
        return  # an empty list printed as `items: null`
    api_version = value.get("apiVersion")
    yield RawObject(kind, api_version if isinstance(api_version, str) else None, value, file)
