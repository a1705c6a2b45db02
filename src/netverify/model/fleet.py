"""A fleet (docs/fleet.md): many clusters, each with its manifests and properties, proven in one run.

`Fleet` is the fleet file after validation: what to load for each cluster, nothing loaded yet (a Ray engine
loads each cluster on a worker). `LoadedCluster` is one cluster after loading: its snapshot and the properties
every one of its property files holds, in file order (shared files first, then the cluster's own).
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model.cluster import Cluster
from netverify.model.properties import PropertiesFile
from netverify.model.semantics import Semantics
from netverify.model.span import Span


@dataclass(frozen=True, slots=True)
class FleetCluster:
    """One cluster of the fleet file. Paths are resolved relative to the fleet file; `git:REF[:PATH]` sources
    are read from the repository the fleet file is in."""

    name: str
    span: Span  # the cluster's entry in the fleet file
    manifests: tuple[str, ...]  # files, directories or git:REF[:PATH]
    properties: tuple[str, ...]  # property files: the shared ones, then the cluster's own
    shared_properties: int  # how many of `properties` are the fleet's shared files
    context: str | None = None  # a kubeconfig context (a live cluster) instead of manifests
    kubeconfig: str | None = None
    namespace: str = "default"  # the namespace of objects that name none

    @property
    def source(self) -> str:
        """What the cluster is read from, in words for reports."""
        if self.context is not None:
            return f"context {self.context}" + (f" ({self.kubeconfig})" if self.kubeconfig else "")
        return ", ".join(self.manifests)


@dataclass(frozen=True, slots=True)
class Fleet:
    path: str
    repo: str  # the directory git: sources are read in (the fleet file's)
    clusters: tuple[FleetCluster, ...]


@dataclass(frozen=True, slots=True)
class LoadedCluster:
    name: str
    cluster: Cluster
    properties: PropertiesFile  # every property of the cluster's files; `path` lists the files
    # The CNI's chain the cluster is proven under (`--cni`, else inferred from its kinds, as `prove` does);
    # None: the generic chain. `notes` say which CNI was chosen (prove's "CNI: ..." note).
    semantics: Semantics | None = None
    notes: tuple[str, ...] = ()
