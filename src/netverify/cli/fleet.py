"""`netverify fleet FLEET.yaml`: every cluster of a fleet proven, one combined report (docs/fleet.md).

Registered on the app by cli/__init__.py. The per-cluster steps after proving are exactly `prove`'s (unmodelled kinds,
allow_vacuous, cluster notes, property warnings); `finish_cluster` is a module-level function so a Ray
worker can run it where the cluster is. The exit code is prove's over the whole fleet: unknown anywhere
wins (3), then any failure (1), else 0.
"""

from __future__ import annotations

import dataclasses
import time
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from netverify.cli.cni import CiliumClusterOption, CniName, CniOption, cni_notes, cni_semantics, with_cilium_cluster
from netverify.cli.feedback import ProgressOption, QuietOption, feedback
from netverify.cli.guard import EXIT_FAILED, EXIT_OK, EXIT_UNKNOWN, guarded, lazy
from netverify.cli.limits import DEFAULT_LIMITS as _LIM
from netverify.cli.limits import Lenient, MaxAliasNodes, MaxDepth, MaxDocuments, MaxFileBytes, MaxFiles, load_limits
from netverify.cli.outcome import add_notes, cluster_notes, prove_exit_code, strict_exit_code, with_allow_vacuous
from netverify.cli.output import emit, emit_notes, use_color
from netverify.errors import InputError, UsageError
from netverify.findings import FleetReport, ProveReport
from netverify.model.cluster import Cluster
from netverify.model.fleet import FleetCluster, LoadedCluster
from netverify.report import check_format, formats_for, render


class Engine(str, Enum):
    local = "local"
    ray = "ray"


def load_cluster(spec: FleetCluster, *, repo: str, limits, cni: CniName | None, cilium_cluster: str,
                 ipblock_matches_pods: bool) -> LoadedCluster:
    """One cluster as `prove` would read it: `--cilium-cluster` on its identities, and the CNI's chain (`--cni`,
    else inferred from the cluster's own kinds) with its note. Module-level, so a Ray worker can run it."""
    loaded = lazy("netverify.load.fleet", "load_fleet_cluster")(spec, repo=repo, limits=limits)
    cluster = with_cilium_cluster(loaded.cluster, cilium_cluster)
    try:
        notes = cni_notes(cni, cluster)
    except UsageError as exc:  # kinds of two CNIs: bad input of this cluster, reported with every other error
        raise InputError(spec.span.file, spec.span.line or None, f"clusters[{spec.name}]", str(exc)) from None
    return dataclasses.replace(loaded, cluster=cluster, notes=notes,
                               semantics=cni_semantics(cni, ipblock_matches_pods, cluster))


def finish_cluster(report: ProveReport, loaded: LoadedCluster, *, ignored) -> ProveReport:
    """What `prove` does with its report before rendering, for one cluster of the fleet."""
    cluster, props = loaded.cluster, loaded.properties
    report = lazy("netverify.analyses.unmodelled", "judge_prove")(report, cluster, props, ignored)
    report = add_notes(with_allow_vacuous(report, props), (*cluster_notes(cluster), *loaded.notes))
    return lazy("netverify.analyses.property_lint", "with_property_warnings")(report, cluster, props)


def fleet_exit_code(report: FleetReport, strict: bool) -> int:
    codes = [EXIT_UNKNOWN if s.unknown_reason is not None else strict_exit_code(prove_exit_code(s.report), s.report,
                                                                                strict)
             for s in report.sections]
    for code in (EXIT_UNKNOWN, EXIT_FAILED):
        if code in codes:
            return code
    return EXIT_OK


def stderr_notes(report: FleetReport) -> tuple[str, ...]:
    """For formats with no place for notes: the fleet's, then each cluster's, said with its cluster."""
    return (*report.notes, *(f"cluster {s.name}: {n}" for s in report.sections for n in s.report.notes))


def fleet_command(
    fleet_file: Annotated[str, typer.Argument(metavar="FLEET.yaml", help="The fleet file (docs/fleet.md).")],
    fmt: Annotated[str, typer.Option("--format", help=f"Output format: {', '.join(formats_for('fleet'))}.")] = "text",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to FILE.")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="local: processes on this machine; ray: tasks on a "
                                           "Ray cluster (needs the ray extra of netverify).")] = Engine.local,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="local: prove in this many processes; "
                                      "ray with --ray-address local: CPUs of the Ray instance started here.")] = 1,
    ray_address: Annotated[str, typer.Option("--ray-address", help="ray: auto (the cluster this machine belongs "
                                             "to), ray://HOST:PORT, or local (start one on this machine).")] = "auto",
    ray_retries: Annotated[int, typer.Option("--ray-retries", min=0, help="ray: retries of a task whose worker "
                                             "dies; then its properties are unknown.")] = 2,
    ray_working_dir: Annotated[Optional[Path], typer.Option(
        "--ray-working-dir", help="ray: upload this directory (the fleet's repository) and run every task in it, "
        "for a cluster whose nodes do not have the files.")] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="ray: properties per task.")] = 8,
    timeout: Annotated[float, typer.Option("--timeout", min=0.001, help="Solver time limit per check, in "
                                           "seconds.")] = 30.0,
    rlimit: Annotated[Optional[int], typer.Option("--rlimit", min=1, help="Solver resource limit per check.")] = None,
    max_time: Annotated[Optional[float], typer.Option("--max-time", min=0.001, help="Time budget for the whole "
                                                      "fleet, in seconds; past it, results are unknown.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when a property carries a warning (a probable "
                                         "typo), if the run would otherwise exit 0.")] = False,
    ipblock_matches_pods: Annotated[bool, typer.Option("--ipblock-matches-pods", help="Let ipBlock peers match "
                                                       "pod IPs too (what some CNIs do).")] = False,
    max_file_bytes: MaxFileBytes = _LIM.max_file_bytes,
    max_files: MaxFiles = _LIM.max_files,
    max_documents: MaxDocuments = _LIM.max_documents,
    max_depth: MaxDepth = _LIM.max_depth,
    max_alias_nodes: MaxAliasNodes = _LIM.max_alias_expansion,
    lenient: Lenient = False,
    ignore_kind: Annotated[list[str], typer.Option("--ignore-kind", metavar="KIND", help="Accept the risk of a "
                                                   "policy kind netverify does not model; repeatable.")] = [],  # noqa: B006
    cni: CniOption = None,
    cilium_cluster: CiliumClusterOption = "default",
    progress: ProgressOption = None,
    quiet: QuietOption = False,
) -> None:
    """Prove the properties of every cluster in FLEET.yaml; one report with a section per cluster."""

    def work() -> int:
        check_format("fleet", fmt)
        if engine is Engine.local and (ray_address != "auto" or ray_working_dir is not None):
            raise UsageError("--ray-address and --ray-working-dir go with --engine ray")
        ignored = lazy("netverify.analyses.unmodelled", "parse_ignore_kinds")(ignore_kind)
        with_cilium_cluster(Cluster((), (), (), ()), cilium_cluster)  # a bad name: bad usage before any work
        limits = load_limits(max_file_bytes, max_files, max_documents, max_depth, max_alias_nodes, lenient)
        fleet = lazy("netverify.load.fleet", "load_fleet")(fleet_file, limits=limits)
        fleet_work = lazy("netverify.analyses.fleet", "FleetWork")(
            load=partial(load_cluster, repo=fleet.repo, limits=limits, cni=cni, cilium_cluster=cilium_cluster,
                         ipblock_matches_pods=ipblock_matches_pods),
            finish=partial(finish_cluster, ignored=ignored),
            options={"timeout_ms": int(timeout * 1000), "rlimit": rlimit,
                     "ipblock_matches_pods": ipblock_matches_pods},
            deadline=None if max_time is None else time.time() + max_time,
            chunk_size=chunk_size,
        )
        if engine is Engine.ray:
            report = lazy("netverify.analyses.fleet_ray", "run_ray")(
                fleet, fleet_work, address=ray_address, num_cpus=jobs, retries=ray_retries,
                working_dir=None if ray_working_dir is None else str(ray_working_dir))
        else:
            report = lazy("netverify.analyses.fleet_local", "run_local")(fleet, fleet_work, jobs=jobs)
        rendered = render(report, fmt, color=use_color(fmt, output))
        if not quiet:
            emit_notes(stderr_notes(report), fmt)
        emit(rendered, output)
        return fleet_exit_code(report, strict)

    with feedback(progress, quiet):
        code = guarded(work)
    if code != EXIT_OK:
        raise typer.Exit(code)
