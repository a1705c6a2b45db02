"""`netverify equiv A B`: are two policy versions equivalent, for existing workloads and every possible pod?

Registered on the app by cli/__init__.py; its option types are cli/options.py's. Exit codes: 0 equivalent (with
`--contains`: A allows nothing B does not), 1 they differ, 2 bad input, 3 unknown (fails closed).
"""

from __future__ import annotations

from typing import Annotated

import typer

from netverify.cli.feedback import ProgressOption, QuietOption
from netverify.cli.options import IgnoreKind, IPBlockPods, Output, Scope, Timeout, _format_help
from netverify.cli.run import _finish, _ignored_kinds, _judge, _run
from netverify.cli.text_options import Namespace
from netverify.cli.cni import CniOption, cni_notes, cni_semantics
from netverify.cli.text_options import NamespaceAlias, default_namespace
from netverify.cli.guard import EXIT_FAILED, EXIT_OK, EXIT_UNKNOWN, lazy
from netverify.cli.limits import DEFAULT_LIMITS as _LIM
from netverify.cli.limits import Lenient, MaxAliasNodes, MaxDepth, MaxDocuments, MaxFileBytes, MaxFiles, load_limits
from netverify.cli.live import Context, Kubeconfig, RequestTimeout, live_target
from netverify.cli.outcome import add_notes, cluster_notes
from netverify.cli.reports import ReportOption, Reports, SarifRootOption
from netverify.findings import EquivReport
from netverify.report import check_format


def equiv_exit_code(report: EquivReport) -> int:
    """A difference found is a difference (1) even when another search gave up; else unknown fails closed."""
    if report.differ:
        return EXIT_FAILED
    if report.unknown_reason is not None or report.every_pod_status == "unknown":
        return EXIT_UNKNOWN
    return EXIT_OK


def equiv_command(
    a: Annotated[str, typer.Argument(metavar="A", help="One version: a path, git:REF[:PATH] or cluster:[CONTEXT].")],
    b: Annotated[str, typer.Argument(metavar="B", help="The other version, in the same forms.")],
    contains: Annotated[bool, typer.Option(
        "--contains", help="Only ask whether A allows nothing B does not (A within B), not the converse.")] = False,
    fmt: Annotated[str, typer.Option("--format", help=_format_help("equiv"))] = "text",
    output: Output = None,
    max_witnesses: Annotated[
        int, typer.Option("--max-witnesses", min=0, help="At most this many differing classes per side.")
    ] = 20,
    scope: Annotated[
        Scope, typer.Option("--scope", help="any: also pods that may not exist yet; existing: only workloads.")
    ] = Scope.any,
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
    cni: CniOption = None,
    progress: ProgressOption = None,
    quiet: QuietOption = False,
) -> None:
    """Whether A and B allow the same connections, for existing workloads and every possible pod."""
    namespace = default_namespace(namespace, namespace_alias)

    def work() -> int:
        check_format("equiv", fmt)
        ignored = _ignored_kinds(ignore_kind)
        load_source = lazy("netverify.load.sources", "load_source")
        equiv = lazy("netverify.analyses.equiv", "equivalence")
        judged = lazy("netverify.analyses.equiv", "judged")
        limits = load_limits(max_file_bytes, max_files, max_documents, max_depth, max_alias_nodes, lenient)
        live = live_target(kubeconfig, context, request_timeout)
        a_cluster = load_source(a, default_namespace=namespace, limits=limits, live=live)
        b_cluster = load_source(b, default_namespace=namespace, limits=limits, live=live)
        report = equiv(a_cluster, b_cluster, contains=contains, symbolic=scope is Scope.any,
                       max_witnesses=max_witnesses, timeout_ms=int(timeout * 1000),
                       ipblock_matches_pods=ipblock_matches_pods, a_name=a, b_name=b,
                       semantics=cni_semantics(cni, ipblock_matches_pods, a_cluster, b_cluster))
        report = judged(report, _judge("judge_diff"), a_cluster, b_cluster, ignored)
        notes = (*cluster_notes(b_cluster), *cni_notes(cni, a_cluster, b_cluster))
        report = add_notes(report, notes)
        return _finish(report, fmt, output, equiv_exit_code(report), reports)

    reports = Reports("equiv", report_to, sarif_root, output)
    _run(work, reports, progress, quiet)
