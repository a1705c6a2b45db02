"""The core commands: prove, map, explain, diff (parse options -> load -> analyse -> render -> exit code).

Loaders and analyses are imported inside each command, so a missing or broken part fails one command with
a clear message instead of the whole tool; rendering happens completely before anything is written.
"""

from __future__ import annotations

import dataclasses
import sys
from contextlib import contextmanager
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from netverify import __version__
from netverify.model.progress import current as progress_of_run
from netverify.cli.feedback import ProgressOption, QuietOption
from netverify.cli.ports import explain_exit_code, ports_to_explain
from netverify.cli.choices import choice_metavar, choice_of
from netverify.cli.help import ReadableCommand, ReadableGroup
from netverify.cli.cni import CiliumClusterOption, CniOption, cni_notes, cni_semantics, with_cilium_cluster
from netverify.cli.fix import SuggestFix, with_fixes
from netverify.cli.map import Expand, Grouped, MapGranularity, map_view_grouped, report_view_grouped
from netverify.cli.guard import EXIT_OK, guarded, lazy
from netverify.cli.limits import DEFAULT_LIMITS as _LIM
from netverify.cli.probe import ProbeScript, write_probe_script
from netverify.cli.live import Context, Kubeconfig, RequestTimeout, live_target, with_implied_cluster
from netverify.cli.limits import Lenient, MaxAliasNodes, MaxDepth, MaxDocuments, MaxFileBytes, MaxFiles, load_limits
from netverify.cli.outcome import (
    add_notes,
    cluster_notes,
    diff_exit_code,
    prove_exit_code,
    strict_exit_code,
    result_exit_code,
    with_allow_vacuous,
)
from netverify.cli.output import emit, emit_notes, text_width, use_color
from netverify.cli.text_options import Namespace, NamespaceAlias, Wide
from netverify.cli.text_options import default_namespace as _default_namespace
from netverify.cli.reports import ReportOption, Reports, SarifRootOption, with_failure_reports
from netverify.cli.schema import schema_app
from netverify.errors import InputError, UsageError
from netverify.report import check_format, formats_for, notes_of, render
from netverify.cli.app import app
from netverify.cli.options import FailOn, Files, IgnoreKind, IPBlockPods, Output, Scope, Timeout, _format_help
from netverify.cli.run import _blame_properties_for_missing, _finish, _ignored_kinds, _judge, _load_cluster, _run


@app.command(cls=ReadableCommand)
def prove(
    properties: Annotated[str, typer.Argument(metavar="PROPERTIES.yaml", help="The properties file; - reads it "
                                              "from standard input.")],
    files: Files = [],  # noqa: B006 - typer needs a literal default; never mutated
    fmt: Annotated[str, typer.Option("--format", help=_format_help("prove"))] = "text",
    output: Output = None,
    wide: Wide = False,
    timeout: Timeout = 30.0,
    rlimit: Annotated[
        Optional[int], typer.Option("--rlimit", min=1, help="Solver resource limit per check (default: none).")
    ] = None,
    max_time: Annotated[
        Optional[float], typer.Option("--max-time", min=0.001, help="Time budget for the whole run, in seconds.")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Prove properties in this many processes.")] = 1,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 1 when a property names a label or namespace nothing in the manifests "
                     "knows (a probable typo; warned about either way), if the run would otherwise exit 0."),
    ] = False,
    ipblock_matches_pods: IPBlockPods = False,
    namespace: Namespace = "default",
    namespace_alias: NamespaceAlias = None,
    max_file_bytes: MaxFileBytes = _LIM.max_file_bytes,
    max_files: MaxFiles = _LIM.max_files,
    max_documents: MaxDocuments = _LIM.max_documents,
    max_depth: MaxDepth = _LIM.max_depth,
    max_alias_nodes: MaxAliasNodes = _LIM.max_alias_expansion,
    lenient: Lenient = False,
    ignore_kind: IgnoreKind = [],  # noqa: B006
    report_to: ReportOption = [],  # noqa: B006
    sarif_root: SarifRootOption = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = 30.0,
    probe_script: ProbeScript = None,
    cni: CniOption = None,
    suggest_fix: SuggestFix = False,
    cilium_cluster: CiliumClusterOption = "default",
    progress: ProgressOption = None,
    quiet: QuietOption = False,
) -> None:
    """Prove or refute every property in PROPERTIES.yaml (manifests: its `manifests:` plus every -f)."""
    namespace = _default_namespace(namespace, namespace_alias)

    def work() -> int:
        check_format("prove", fmt)
        ignored = _ignored_kinds(ignore_kind)
        load_properties = lazy("netverify.load.properties", "load_properties")
        run_prove = lazy("netverify.analyses.prove", "prove")
        if jobs > 1:  # properties proven in worker processes
            run_prove = partial(lazy("netverify.analyses.parallel", "prove_parallel"), jobs=jobs)
        limits = load_limits(max_file_bytes, max_files, max_documents, max_depth, max_alias_nodes, lenient)
        if properties == "-" and "-" in files:
            raise UsageError("standard input can be read once: `prove -` reads the properties from it, so give the "
                             "manifests as files (-f PATH)")
        # `prove -`: the properties from standard input
        props = load_properties(properties, limits=limits, stdin=sys.stdin) if properties == "-" else \
            load_properties(properties, limits=limits)
        with _blame_properties_for_missing(props.manifests, props.path):
            cluster = _load_cluster([*props.manifests, *files], namespace, limits, props.path,
                                    live_target(kubeconfig, context, request_timeout))
        cluster = with_cilium_cluster(cluster, cilium_cluster)
        notes = (*cluster_notes(cluster), *cni_notes(cni, cluster))
        options = dict(timeout_ms=int(timeout * 1000), rlimit=rlimit, ipblock_matches_pods=ipblock_matches_pods,
                       max_time_s=max_time, ignore_kinds=ignored,  # prove judges unmodelled kinds itself
                       semantics=cni_semantics(cni, ipblock_matches_pods, cluster))
        report = run_prove(cluster, props, **options)
        if suggest_fix:
            report = with_fixes(report, cluster, props, [*props.manifests, *files], namespace=namespace,
                                limits=limits, prove_all=lambda c, p: run_prove(c, p, **options),
                                prepare=lambda c: with_cilium_cluster(c, cilium_cluster),
                                semantics=options["semantics"])
        report = add_notes(with_allow_vacuous(report, props), notes)
        report = lazy("netverify.analyses.property_lint", "with_property_warnings")(report, cluster, props)
        report = lazy("netverify.analyses.overlap_report", "with_overlaps")(report, cluster,
                                                                             semantics=options["semantics"])
        write_probe_script(report, probe_script)
        return _finish(report, fmt, output, strict_exit_code(prove_exit_code(report), report, strict), reports, wide)

    reports = Reports("prove", report_to, sarif_root, output)
    _run(work, reports, progress, quiet)


@app.command("map", cls=ReadableCommand)
def map_(
    files: Files = [],  # noqa: B006
    fmt: Annotated[str, typer.Option("--format", help=_format_help("map"))] = "text",
    output: Output = None,
    wide: Wide = False,
    focus: Annotated[
        Optional[str], typer.Option("--focus", help="Only connections from or to this workload (ns/name).")
    ] = None,
    ipblock_matches_pods: IPBlockPods = False,
    namespace: Namespace = "default",
    namespace_alias: NamespaceAlias = None,
    max_file_bytes: MaxFileBytes = _LIM.max_file_bytes,
    max_files: MaxFiles = _LIM.max_files,
    max_documents: MaxDocuments = _LIM.max_documents,
    max_depth: MaxDepth = _LIM.max_depth,
    max_alias_nodes: MaxAliasNodes = _LIM.max_alias_expansion,
    lenient: Lenient = False,
    ignore_kind: IgnoreKind = [],  # noqa: B006
    report_to: ReportOption = [],  # noqa: B006
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = 30.0,
    cni: CniOption = None,
    granularity: Annotated[
        MapGranularity, typer.Option("--granularity", help="Rows per workload (default) or per pod: each Pod "
                                     "of the manifests, or the pods a template makes (WORKLOAD-N).")
    ] = MapGranularity.workload,
    cilium_cluster: CiliumClusterOption = "default",
    progress: ProgressOption = None,
    quiet: QuietOption = False,
    grouped: Grouped = False,
    expand: Expand = False,
) -> None:
    """Who reaches whom on which ports, for the existing workloads and IP ranges."""
    namespace = _default_namespace(namespace, namespace_alias)

    def work() -> int:
        check_format("map", fmt)
        show_grouped = map_view_grouped(fmt, grouped, expand)
        ignored = _ignored_kinds(ignore_kind)
        connectivity_map = lazy("netverify.analyses.map", "connectivity_map")
        limits = load_limits(max_file_bytes, max_files, max_documents, max_depth, max_alias_nodes, lenient)
        cluster = _load_cluster(files, namespace, limits, live=live_target(kubeconfig, context, request_timeout))
        cluster = with_cilium_cluster(cluster, cilium_cluster)
        notes = (*cluster_notes(cluster), *cni_notes(cni, cluster))
        with progress_of_run().task("computing the map"):  # one step: its bar shows the time it takes
            cmap = connectivity_map(cluster, ipblock_matches_pods=ipblock_matches_pods, focus=focus,
                                    granularity=granularity.value,
                                    semantics=cni_semantics(cni, ipblock_matches_pods, cluster), grouped=True)
        as_view = lazy("netverify.analyses.map_groups", "as_view")
        cmap = as_view(cmap, show_grouped)  # per pair: produced from the groups while they are written
        reports.view = lambda result, report_fmt: as_view(result, report_view_grouped(report_fmt, grouped, expand))
        cmap = add_notes(_judge("judge_map")(cmap, cluster, ignored), notes)
        return _finish(cmap, fmt, output, result_exit_code(cmap), reports, wide)

    reports = Reports("map", report_to, None, output)
    _run(work, reports, progress, quiet)


@app.command(cls=ReadableCommand)
def explain(
    src: Annotated[str, typer.Argument(help="Source: a workload (ns/name, ns/name[Kind]) or an IP address.")],
    dst: Annotated[str, typer.Argument(help="Destination: a workload or an IP address.")],
    port: Annotated[
        Optional[str],
        typer.Option("--port", "-p", metavar="PORT[/PROTO]",
                     help="Destination port and protocol: 3306/TCP, a range 8080-8090 (each run of ports with "
                     "its own verdict shown), or a container port name of the destination, e.g. postgres "
                     "(default: the destination workload's first container port)."),
    ] = None,
    files: Files = [],  # noqa: B006
    fmt: Annotated[str, typer.Option("--format", help=_format_help("explain"))] = "text",
    output: Output = None,
    wide: Wide = False,
    ipblock_matches_pods: IPBlockPods = False,
    namespace: Namespace = "default",
    namespace_alias: NamespaceAlias = None,
    max_file_bytes: MaxFileBytes = _LIM.max_file_bytes,
    max_files: MaxFiles = _LIM.max_files,
    max_documents: MaxDocuments = _LIM.max_documents,
    max_depth: MaxDepth = _LIM.max_depth,
    max_alias_nodes: MaxAliasNodes = _LIM.max_alias_expansion,
    lenient: Lenient = False,
    ignore_kind: IgnoreKind = [],  # noqa: B006
    report_to: ReportOption = [],  # noqa: B006
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = 30.0,
    cni: CniOption = None,
    cilium_cluster: CiliumClusterOption = "default",
    progress: ProgressOption = None,
    quiet: QuietOption = False,
) -> None:
    """Why one connection is allowed or blocked, rule by rule. Exit 0 allowed, 1 blocked (on some port asked
    about), 3 not decided. SRC and DST may be bare workload names when only one namespace has that name."""
    namespace = _default_namespace(namespace, namespace_alias)

    def work() -> int:
        check_format("explain", fmt)
        ignored = _ignored_kinds(ignore_kind)
        run_explain = lazy("netverify.analyses.explain", "explain")
        limits = load_limits(max_file_bytes, max_files, max_documents, max_depth, max_alias_nodes, lenient)
        cluster = _load_cluster(files, namespace, limits, live=live_target(kubeconfig, context, request_timeout))
        cluster = with_cilium_cluster(cluster, cilium_cluster)
        notes = (*cluster_notes(cluster), *cni_notes(cni, cluster))
        for end, role in ((src, "source"), (dst, "destination")):  # a missing workload before any port question
            lazy("netverify.analyses.explain", "check_endpoint")(cluster, end, role)
        ports, port_name = ports_to_explain(port, cluster, dst)
        judge = _judge("judge_explanation")
        chain = {"semantics": cni_semantics(cni, ipblock_matches_pods, cluster)}

        def one(protocol, number):
            explanation = run_explain(cluster, src, dst, protocol, number, ipblock_matches_pods=ipblock_matches_pods,
                                      **chain)
            return add_notes(judge(explanation, cluster, src, dst, ignored), notes)

        result = lazy("netverify.analyses.explain_ports", "explain_ports")(ports, one, port_name)
        # 0 allowed, 1 blocked; not decided (an address the manifests do not give, a kind not modelled): 3
        return _finish(result, fmt, output, explain_exit_code(result), reports, wide)

    reports = Reports("explain", report_to, None, output)
    _run(work, reports, progress, quiet)


@app.command(cls=ReadableCommand)
def diff(
    base: Annotated[str, typer.Argument(help="Old manifests: a path, git:REF[:PATH] or cluster:[CONTEXT].")],
    head: Annotated[str, typer.Argument(help="New manifests: a path, git:REF[:PATH] or cluster:[CONTEXT].")],
    fmt: Annotated[str, typer.Option("--format", help=_format_help("diff"))] = "text",
    output: Output = None,
    wide: Wide = False,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on", metavar=choice_metavar(FailOn), callback=choice_of(FailOn, "--fail-on"),
            help="Gate: exit 1 when connections are newly allowed (added, the default), "
            "or on any change (changed), or newly allowed or of workloads only in HEAD (new-workloads); "
            "never: report only.",
        ),
    ] = FailOn.added.value,
    max_witnesses: Annotated[
        int, typer.Option("--max-witnesses", min=0, help="At most this many new connection classes.")
    ] = 20,
    scope: Annotated[
        str, typer.Option("--scope", metavar=choice_metavar(Scope), callback=choice_of(Scope, "--scope"),
                          help="any: also pods that may not exist yet; existing: only workloads.")
    ] = Scope.any.value,
    timeout: Timeout = 30.0,
    ipblock_matches_pods: IPBlockPods = False,
    namespace: Namespace = "default",
    namespace_alias: NamespaceAlias = None,
    max_file_bytes: MaxFileBytes = _LIM.max_file_bytes,
    max_files: MaxFiles = _LIM.max_files,
    max_documents: MaxDocuments = _LIM.max_documents,
    max_depth: MaxDepth = _LIM.max_depth,
    max_alias_nodes: MaxAliasNodes = _LIM.max_alias_expansion,
    lenient: Lenient = False,
    ignore_kind: IgnoreKind = [],  # noqa: B006
    report_to: ReportOption = [],  # noqa: B006
    sarif_root: SarifRootOption = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = 30.0,
    probe_script: ProbeScript = None,
    cni: CniOption = None,
    cilium_cluster: CiliumClusterOption = "default",
    progress: ProgressOption = None,
    quiet: QuietOption = False,
) -> None:
    """What HEAD newly allows or blocks compared with BASE, each with a witness."""
    namespace = _default_namespace(namespace, namespace_alias)

    def work() -> int:
        check_format("diff", fmt)
        ignored = _ignored_kinds(ignore_kind)
        load_source = lazy("netverify.load.sources", "load_source")
        load_base = lazy("netverify.load.sources", "load_base_source")
        run_diff = lazy("netverify.analyses.diff", "diff")
        limits = load_limits(max_file_bytes, max_files, max_documents, max_depth, max_alias_nodes, lenient)
        live = live_target(kubeconfig, context, request_timeout)
        base_cluster, base_notes = load_base(base, default_namespace=namespace, limits=limits, live=live)
        base_cluster = with_cilium_cluster(base_cluster, cilium_cluster)
        head_cluster = with_cilium_cluster(load_source(head, default_namespace=namespace, limits=limits, live=live),
                                           cilium_cluster)
        notes = (*base_notes, *cluster_notes(head_cluster), *cni_notes(cni, base_cluster, head_cluster))
        with progress_of_run().task("comparing the versions"):
            report = run_diff(
                base_cluster,
                head_cluster,
                symbolic=scope is Scope.any,
                max_witnesses=max_witnesses,
                timeout_ms=int(timeout * 1000),
                ipblock_matches_pods=ipblock_matches_pods,
                semantics=cni_semantics(cni, ipblock_matches_pods, base_cluster, head_cluster),
            )
        report = dataclasses.replace(report, base=base, head=head)
        report = _judge("judge_diff")(report, base_cluster, head_cluster, ignored)
        report = add_notes(report, notes)
        write_probe_script(report, probe_script)
        return _finish(report, fmt, output, diff_exit_code(report, fail_on.value), reports, wide)

    reports = Reports("diff", report_to, sarif_root, output)
    _run(work, reports, progress, quiet)
