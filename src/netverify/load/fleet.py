"""A fleet file (docs/fleet.md) → model.fleet.Fleet, and one fleet cluster → model.fleet.LoadedCluster.

The fleet file is checked whole before anything is loaded (every error at once, with "did you mean"): a fleet
gate that stopped at the first cluster's typo would take one CI run per mistake. Loading a cluster reads its
manifests (files, directories, `git:REF[:PATH]` from the fleet file's repository) and every one of its
property files; it is a plain function of picklable values so an engine can run it on a worker.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from netverify.errors import InputError, InputErrors, UsageError
from netverify.load.files import read_sources, read_text
from netverify.load.limits import DEFAULT_LIMITS, LoadLimits
from netverify.load.manifests import load_cluster, load_cluster_from_texts
from netverify.load.properties import load_properties
from netverify.load.properties_errors import validate_all
from netverify.load.reader import read_documents
from netverify.load.site import Site
from netverify.load.sources import GIT_PREFIX, GitSpec, read_git_manifests
from netverify.load.tree import LineDict
from netverify.model.cluster import Cluster
from netverify.model.fleet import Fleet, FleetCluster, LoadedCluster
from netverify.model.properties import PropertiesFile
from netverify.model.span import Span

_STRICT = ConfigDict(extra="forbid", frozen=True)
# Cluster names become SARIF run ids, JUnit suite names and report headings: keep them plain.
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")


class ClusterSchema(BaseModel):
    model_config = _STRICT
    name: str
    manifests: list[str] | str | None = None
    context: str | None = None
    kubeconfig: str | None = None
    properties: list[str] | str | None = None
    namespace: str = "default"


class FleetSchema(BaseModel):
    model_config = _STRICT
    properties: list[str] | str | None = None  # shared by every cluster
    clusters: list[ClusterSchema]


def _listed(value: list[str] | str | None) -> list[str]:
    return [value] if isinstance(value, str) else list(value or ())


def load_fleet(path: str, *, limits: LoadLimits | None = None) -> Fleet:
    """The fleet file, or every error it has at once (InputErrors)."""
    limits = limits or DEFAULT_LIMITS
    documents = read_documents(path, read_text(path, limits), limits)
    if len(documents) != 1 or not isinstance(documents[0], LineDict):
        line = getattr(documents[1], "line", None) if len(documents) > 1 else None
        raise InputError(path, line, None, "a fleet file holds one mapping with `clusters:` (and `properties:`)")
    data = documents[0]
    schema, errors = validate_all(FleetSchema, data, path)
    InputErrors.raise_if_any(errors)
    assert schema is not None
    site = Site(path, data)
    base = os.path.dirname(path)
    shared = _paths(site.at("properties"), schema.properties, base, errors)
    if not schema.clusters:
        errors.append(site.at("clusters").error("no clusters: a fleet gate with nothing to check would always pass"))
    clusters, first_seen = [], {}
    for i, entry in enumerate(schema.clusters):
        here = site.at("clusters", i)
        built = _cluster(entry, here, base, shared, errors)
        if entry.name in first_seen:
            errors.append(here.at("name").error(
                f"duplicate cluster name {entry.name!r} (first at line {first_seen[entry.name]})"))
        first_seen.setdefault(entry.name, here.at("name").line)
        if built is not None:
            clusters.append(built)
    InputErrors.raise_if_any(errors)
    return Fleet(path=path, repo=base or ".", clusters=tuple(clusters))


def _paths(site: Site, written: list[str] | str | None, base: str, errors: list[InputError],
           *, git_allowed: bool = False) -> tuple[str, ...]:
    """The paths as written, resolved against the fleet file's directory; each must exist (git: sources are
    checked when read)."""
    out = []
    for j, entry in enumerate(_listed(written)):
        here = site.at(j) if isinstance(written, list) else site
        if git_allowed and entry.startswith(GIT_PREFIX):
            try:
                GitSpec.parse(entry)
            except UsageError as exc:
                errors.append(here.error(str(exc)))
            out.append(entry)
            continue
        resolved = os.path.normpath(os.path.join(base, os.path.expanduser(entry)))
        if not os.path.exists(resolved):
            errors.append(here.error(f"{resolved}: no such file or directory"))
        out.append(resolved)
    return tuple(out)


def _cluster(entry: ClusterSchema, site: Site, base: str, shared: tuple[str, ...],
             errors: list[InputError]) -> FleetCluster | None:
    before = len(errors)
    if not _NAME.match(entry.name):
        errors.append(site.at("name").error(
            f"cluster name {entry.name!r}: use letters, digits, '.', '_' and '-' (at most 63, starting and "
            "ending with a letter or digit)"))
    manifests = _paths(site.at("manifests"), entry.manifests, base, errors, git_allowed=True)
    own = _paths(site.at("properties"), entry.properties, base, errors)
    if entry.context is None and not manifests and not own:
        errors.append(site.error(f"cluster {entry.name!r}: give `manifests:` (paths or git:REF[:PATH]), "
                                 "`context:` (a kubeconfig context), or its own `properties:` that list manifests"))
    if entry.context is not None and manifests:
        errors.append(site.at("context").error(f"cluster {entry.name!r}: give `manifests:` or `context:`, not both"))
    if entry.kubeconfig is not None and entry.context is None:
        errors.append(site.at("kubeconfig").error("`kubeconfig:` goes with `context:`"))
    if not shared and not own:
        errors.append(site.error(f"cluster {entry.name!r} has no properties: list `properties:` for it or "
                                 "for the whole fleet"))
    if len(errors) > before:
        return None
    kubeconfig = os.path.expanduser(entry.kubeconfig) if entry.kubeconfig else None
    return FleetCluster(name=entry.name, span=site.span(), manifests=manifests, properties=(*shared, *own),
                        shared_properties=len(shared), context=entry.context, kubeconfig=kubeconfig,
                        namespace=entry.namespace)


# ---- one cluster ------------------------------------------------------------------------------------------


def load_fleet_cluster(spec: FleetCluster, *, repo: str, limits: LoadLimits | None = None) -> LoadedCluster:
    """The cluster's snapshot and all its properties; every error of its property files at once."""
    limits = limits or DEFAULT_LIMITS
    files, errors = [], []
    for path in spec.properties:
        try:
            files.append(load_properties(path, limits=limits))
        except InputError as exc:
            errors.extend(exc.errors if isinstance(exc, InputErrors) else (exc,))
    InputErrors.raise_if_any(errors)
    properties = _merged(spec, files)
    sources, unread = _sources(spec, files)
    cluster = _read_cluster(spec, sources, repo, limits)
    if unread:
        note = (f"manifests listed in {', '.join(unread)} are not read: "
                + ("the fleet file gives this cluster's" if spec.manifests or spec.context else "a shared file's "
                   "manifests are never read"))
        cluster = dataclasses.replace(cluster, warnings=(*cluster.warnings, note))
    return LoadedCluster(spec.name, cluster, properties)


def _sources(spec: FleetCluster, files: list[PropertiesFile]) -> tuple[tuple[str, ...], list[str]]:
    """The cluster's manifests: the fleet file's entry, else those its own property files list (as `prove`
    would read them). Manifests listed anywhere else are not read, and the cluster's notes say so."""
    own = [f for f in files[spec.shared_properties:] if f.manifests]
    shared = [f for f in files[:spec.shared_properties] if f.manifests]
    if spec.manifests or spec.context is not None:
        return spec.manifests, [f.path for f in (*shared, *own)]
    sources = tuple(dict.fromkeys(m for f in own for m in f.manifests))
    if not sources:
        raise InputError(spec.span.file, spec.span.line or None, "manifests",
                         f"cluster {spec.name!r} has no manifests: the fleet file lists none for it and neither "
                         "do its own property files")
    return sources, [f.path for f in shared]


def _merged(spec: FleetCluster, files: list[PropertiesFile]) -> PropertiesFile:
    """One PropertiesFile of every property; a name used twice in one cluster is bad input (results are
    matched by name in every report)."""
    seen: dict[str, Span] = {}
    errors = []
    for f in files:
        for p in f.properties:
            if p.name in seen:
                errors.append(InputError(p.span.file, p.span.line or None, "name",
                                         f"property {p.name!r} is also defined at {seen[p.name]} "
                                         f"(cluster {spec.name!r} reads both files)"))
            seen.setdefault(p.name, p.span)
    InputErrors.raise_if_any(errors)
    return PropertiesFile(path=", ".join(spec.properties), manifests=(),
                          properties=tuple(p for f in files for p in f.properties))


def _read_cluster(spec: FleetCluster, sources: tuple[str, ...], repo: str, limits: LoadLimits) -> Cluster:
    if spec.context is not None:
        return _live(spec, limits)
    paths = [s for s in sources if not s.startswith(GIT_PREFIX)]
    warnings: list[str] = []
    texts = list(read_sources(paths, limits=limits, warnings=warnings))
    for source in sources:
        if source.startswith(GIT_PREFIX):
            texts += [(t.name, t.text) for t in read_git_manifests(GitSpec.parse(source), source,
                                                                 cwd=Path(repo).resolve(), limits=limits)]
    cluster = load_cluster_from_texts(texts, default_namespace=spec.namespace, limits=limits)
    return dataclasses.replace(cluster, warnings=(*warnings, *cluster.warnings)) if warnings else cluster


def _live(spec: FleetCluster, limits: LoadLimits) -> Cluster:
    """A kubeconfig context, read through the live-cluster loader (load/live.py) like `-f cluster:CONTEXT`."""
    from netverify.load.live_client import LiveTarget

    target = LiveTarget(kubeconfig=spec.kubeconfig, context=spec.context)
    return load_cluster([f"cluster:{spec.context or ''}"], default_namespace=spec.namespace, limits=limits,
                        live=target)
