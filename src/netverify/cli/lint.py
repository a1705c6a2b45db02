"""`netverify lint [-f PATH]...`: mistakes in the policies at file:line (analyses/lint.py). Registered on the app
by cli/__init__.py; its option types are cli/options.py's. Exit codes: 0 nothing at or above `--fail-on`, 1 a finding
at or above it, 2 bad input, 3 a kind not modelled could change the findings (fails closed)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from netverify.cli.feedback import ProgressOption, QuietOption
from netverify.cli.options import Files, IgnoreKind, IPBlockPods, Output, Timeout, _format_help
from netverify.cli.run import _finish, _ignored_kinds, _load_cluster, _run
from netverify.cli.text_options import Namespace
from netverify.cli.cni import CniOption, cni_notes, cni_semantics
from netverify.cli.text_options import NamespaceAlias, default_namespace
from netverify.cli.guard import EXIT_FAILED, EXIT_OK, EXIT_UNKNOWN, lazy
from netverify.cli.limits import DEFAULT_LIMITS as _LIM
from netverify.cli.limits import Lenient, MaxAliasNodes, MaxDepth, MaxDocuments, MaxFileBytes, MaxFiles, load_limits
from netverify.cli.live import Context, Kubeconfig, RequestTimeout, live_target
from netverify.cli.outcome import add_notes, cluster_notes
from netverify.cli.reports import ReportOption, Reports, SarifRootOption
from netverify.findings import LintReport
from netverify.report import check_format


REDUNDANCY_AUTO_MAX = 200  # policies: above it, one equivalence run per policy and rule is opt-in


class LintFailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


def lint_exit_code(report: LintReport, fail_on: str) -> int:
    if report.unknown_reason is not None:
        return EXIT_UNKNOWN
    gate = {"error": ("error",), "warning": ("error", "warning"), "never": ()}[fail_on]
    return EXIT_FAILED if any(report.count(s) for s in gate) else EXIT_OK


def lint_command(
    files: Files = [],  # noqa: B006
    fmt: Annotated[str, typer.Option("--format", help=_format_help("lint"))] = "text",
    output: Output = None,
    fail_on: Annotated[LintFailOn, typer.Option(
        "--fail-on", help="Exit 1 on a finding of this severity or worse (error, warning), or never.")
    ] = LintFailOn.error,
    redundancy: Annotated[Optional[bool], typer.Option(
        "--redundancy/--no-redundancy",
        help="Prove which policies and rules change nothing for any possible pod (one equivalence run each; "
        f"default: on up to {REDUNDANCY_AUTO_MAX} policies).", show_default=False)] = None,
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
    """Mistakes in the policies, each at file:line; redundancy and overlaps proven for every possible pod."""
    namespace = default_namespace(namespace, namespace_alias)

    def work() -> int:
        check_format("lint", fmt)
        ignored = _ignored_kinds(ignore_kind)
        limits = load_limits(max_file_bytes, max_files, max_documents, max_depth, max_alias_nodes, lenient)
        cluster = _load_cluster(files, namespace, limits, live=live_target(kubeconfig, context, request_timeout))
        auto = redundancy is None
        check_redundancy = redundancy if not auto else len(cluster.policies) + len(cluster.admin_policies) <= \
            REDUNDANCY_AUTO_MAX
        report = lazy("netverify.analyses.lint", "lint")(
            cluster, semantics=cni_semantics(cni, ipblock_matches_pods, cluster), redundancy=check_redundancy,
            timeout_ms=int(timeout * 1000), ignore_kinds=ignored)
        if auto and not check_redundancy:
            report = add_notes(report, (f"lint: redundancy not checked: more than {REDUNDANCY_AUTO_MAX} policies "
                                        "(one equivalence run each); --redundancy checks it anyway",))
        report = add_notes(report, (*cluster_notes(cluster), *cni_notes(cni, cluster)))
        return _finish(report, fmt, output, lint_exit_code(report, fail_on.value), reports)

    reports = Reports("lint", report_to, sarif_root, output)
    _run(work, reports, progress, quiet)
