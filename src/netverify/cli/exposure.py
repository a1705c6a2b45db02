"""`netverify exposure [-f PATH]...`: for every existing workload, who can reach it, decided for every pod that
could exist (analyses/exposure.py). Registered on the app by cli/__init__.py; its option types are cli/options.py's.
Exit codes: 0 (a report of facts), 2 bad input, 3 some answer unknown (a kind not modelled, solver time)."""

from __future__ import annotations

import difflib
from typing import Annotated, Optional

import typer

from netverify.cli.feedback import ProgressOption, QuietOption
from netverify.cli.options import Files, IgnoreKind, IPBlockPods, Output, Timeout, _format_help
from netverify.cli.run import _finish, _ignored_kinds, _load_cluster, _run
from netverify.cli.text_options import Namespace
from netverify.cli.cni import CniOption, cni_notes, cni_semantics
from netverify.cli.text_options import NamespaceAlias, default_namespace
from netverify.cli.guard import EXIT_OK, EXIT_UNKNOWN, lazy
from netverify.cli.limits import DEFAULT_LIMITS as _LIM
from netverify.cli.limits import Lenient, MaxAliasNodes, MaxDepth, MaxDocuments, MaxFileBytes, MaxFiles, load_limits
from netverify.cli.live import Context, Kubeconfig, RequestTimeout, live_target
from netverify.cli.outcome import add_notes, cluster_notes
from netverify.cli.reports import ReportOption, Reports
from netverify.errors import UsageError
from netverify.report import check_format


def exposure_command(
    files: Files = [],  # noqa: B006
    fmt: Annotated[str, typer.Option("--format", help=_format_help("exposure"))] = "text",
    output: Output = None,
    focus: Annotated[
        Optional[str], typer.Option("--focus", help="Only this workload (ns/name or ns/Kind/name).")
    ] = None,
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
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    request_timeout: RequestTimeout = 30.0,
    cni: CniOption = None,
    progress: ProgressOption = None,
    quiet: QuietOption = False,
) -> None:
    """For every workload, who can reach it: any pod, a namespace, a peer's pods, the internet — proven."""
    namespace = default_namespace(namespace, namespace_alias)

    def work() -> int:
        check_format("exposure", fmt)
        ignored = _ignored_kinds(ignore_kind)
        limits = load_limits(max_file_bytes, max_files, max_documents, max_depth, max_alias_nodes, lenient)
        cluster = _load_cluster(files, namespace, limits, live=live_target(kubeconfig, context, request_timeout))
        targets = None
        if focus is not None:
            targets = lazy("netverify.analyses.refs", "find_workload_entries")(cluster, focus, "--focus")
            if not targets:
                near = difflib.get_close_matches(focus, sorted({w.id for w in cluster.workloads}), n=1)
                hint = f"; did you mean {near[0]}?" if near else ""
                raise UsageError(f"--focus {focus!r}: no such workload in the manifests{hint}")
        report = lazy("netverify.analyses.exposure", "exposure")(
            cluster, focus=targets, timeout_ms=int(timeout * 1000),
            semantics=cni_semantics(cni, ipblock_matches_pods, cluster), ignore_kinds=ignored)
        report = add_notes(report, (*cluster_notes(cluster), *cni_notes(cni, cluster)))
        return _finish(report, fmt, output, EXIT_UNKNOWN if report.unknown_reason else EXIT_OK, reports)

    reports = Reports("exposure", report_to, None, output)
    _run(work, reports, progress, quiet)
