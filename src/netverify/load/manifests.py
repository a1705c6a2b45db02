"""Manifests (files, directories, stdin) → the Cluster snapshot."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TextIO

from netverify.load.cluster_builder import ClusterBuilder
from netverify.load.documents import RawObject, Unread, objects
from netverify.load.files import read_sources
from netverify.load.limits import DEFAULT_LIMITS, LoadLimits
from netverify.load.live import is_cluster_spec, read_cluster
from netverify.load.live_client import LiveTarget
from netverify.load.reader import iter_documents
from netverify.model.cluster import Cluster


def load_cluster(
    paths: Sequence[str],
    *,
    default_namespace: str = "default",
    stdin: TextIO | None = None,
    limits: LoadLimits | None = None,
    live: LiveTarget | None = None,
) -> Cluster:
    """`paths` are files, directories, `-` (stdin) or `cluster:[CONTEXT]` (a live cluster, read as `live` says)."""
    limits = limits or DEFAULT_LIMITS
    warnings: list[str] = []
    files = [p for p in paths if not is_cluster_spec(str(p))]
    reads = [read_cluster(str(p), live, limits) for p in dict.fromkeys(paths) if is_cluster_spec(str(p))]
    texts = read_sources(files, stdin=stdin, limits=limits, warnings=warnings)
    cluster = _load(texts, default_namespace, limits, [o for r in reads for o in r.objects])
    unlisted = tuple(u for r in reads for u in r.unlisted)
    if unlisted:
        cluster = dataclasses.replace(cluster, unlisted=unlisted)
    return dataclasses.replace(cluster, warnings=(*warnings, *cluster.warnings)) if warnings else cluster


def load_cluster_from_texts(
    texts: Iterable[tuple[str, str]], *, default_namespace: str = "default", limits: LoadLimits | None = None
) -> Cluster:
    """Like load_cluster, for text already in memory: (name shown in findings, text) pairs."""
    return _load(texts, default_namespace, limits or DEFAULT_LIMITS)


def _load(texts: Iterable[tuple[str, str]], default_namespace: str, limits: LoadLimits,
          live_objects: Iterable[RawObject] = ()) -> Cluster:
    builder = ClusterBuilder(default_namespace, lenient=limits.lenient)
    unread = Unread({})
    for name, text in texts:
        for obj in objects(name, iter_documents(name, text, limits), unread):
            builder.add(obj)
    for obj in live_objects:
        builder.add(obj)
    if unread.kindless:
        total = sum(unread.kindless.values())
        files = ", ".join(sorted(unread.kindless))
        builder.warnings.append(f"skipped {total} document{'s' if total != 1 else ''} without a kind in {files}")
    return builder.build()
