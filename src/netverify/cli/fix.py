"""`prove --suggest-fix`: re-reads the manifests' text, searches the smallest edit for each violated property,
and re-proves every property on the edited text (analyses/fix.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated

import typer

from netverify.cli.guard import lazy
from netverify.findings import FixSuggestion, ProveReport
from netverify.model.cluster import Cluster
from netverify.model.properties import PropertiesFile

SuggestFix = Annotated[bool, typer.Option(
    "--suggest-fix", help="For each violated property, the smallest policy edit after which it holds and every "
    "property that held still holds (re-proven), as a unified diff.")]


def with_fixes(report: ProveReport, cluster: Cluster, props: PropertiesFile, paths: list[str], *,
               namespace: str, limits, prove_all: Callable[[Cluster, PropertiesFile], ProveReport],
               prepare: Callable[[Cluster], Cluster] = lambda c: c, semantics=None) -> ProveReport:
    """`prepare`: what the run did to the loaded cluster (`--cilium-cluster`), done to each edited one too, so
    that the re-proofs are about the same cluster as the proof. `semantics`: the run's, for the search's
    concrete checks (None: every CNI's chain, sound but learning less)."""
    if not any(r.status == "violated" for r in report.results):
        return report
    if any(p == "-" or p.startswith("cluster:") for p in paths):
        note = "--suggest-fix needs manifest files (not stdin or a live cluster): no fix suggested"
        return dataclasses.replace(report, notes=(*report.notes, note))
    read_sources = lazy("netverify.load.files", "read_sources")
    from_texts = lazy("netverify.load.manifests", "load_cluster_from_texts")
    texts = dict(read_sources(paths, limits=limits))

    def reload(edited) -> Cluster:
        return prepare(from_texts(edited.items(), default_namespace=namespace, limits=limits))

    fixes: tuple[FixSuggestion, ...] = lazy("netverify.analyses.fix", "suggest_fixes")(
        cluster, props, report.results, texts, reload, lambda c, p: prove_all(c, p).results, semantics)
    return dataclasses.replace(report, fixes=fixes)
