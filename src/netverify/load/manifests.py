"""Manifests (files, directories, stdin) → the Cluster snapshot."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TextIO

from netverify.load.cluster_builder import ClusterBuilder
from netverify.load.documents import Unread, objects
from netverify.load.files import read_sources
from netverify.load.limits import DEFAULT_LIMITS, LoadLimits
from netverify.load.reader import read_documents
from netverify.model.cluster import Cluster


def load_cluster(
    paths: Sequence[str],
    *,
    default_namespace: str = "default",
    stdin: TextIO | None = None,
    limits: LoadLimits | None = None,
) -> Cluster:
    limits = limits or DEFAULT_LIMITS
    warnings: list[str] = []
    cluster = _load(read_sources(paths, stdin=stdin, limits=limits, warnings=warnings), default_namespace, limits)
    return dataclasses.replace(cluster, warnings=(*warnings, *cluster.warnings)) if warnings else cluster


def load_cluster_from_texts(
    texts: Iterable[tuple[str, str]], *, default_namespace: str = "default", limits: LoadLimits | None = None
) -> Cluster:
    """Like load_cluster, for text already in memory: (name shown in findings, text) pairs."""
    return _load(texts, default_namespace, limits or DEFAULT_LIMITS)


def _load(texts: Iterable[tuple[str, str]], default_namespace: str, limits: LoadLimits) -> Cluster:
    builder = ClusterBuilder(default_namespace, lenient=limits.lenient)
    unread = Unread({})
    for name, text in texts:
        for obj in objects(name, read_documents(name, text, limits), unread):
            builder.add(obj)
    if unread.kindless:
        total = sum(unread.kindless.values())
        files = ", ".join(sorted(unread.kindless))
        builder.warnings.append(f"skipped {total} document{'s' if total != 1 else ''} without a kind in {files}")
    return builder.build()
