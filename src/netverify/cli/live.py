"""Command-line options for live clusters (`-f cluster:`), and the `kubectl netverify` plugin entry point."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from netverify.load.live_client import DEFAULT_TIMEOUT_S, LiveTarget

Kubeconfig = Annotated[
    Optional[str],
    typer.Option("--kubeconfig", metavar="PATH", help="Kubeconfig for cluster: sources (default: $KUBECONFIG, "
                 "else ~/.kube/config, else the pod's service account). Alone, it means -f cluster:."),
]
Context = Annotated[
    Optional[str],
    typer.Option("--context", metavar="NAME", help="Kubeconfig context for cluster: sources (default: the "
                 "current context; cluster:NAME picks one too). Alone, it means -f cluster:."),
]
RequestTimeout = Annotated[
    float,
    typer.Option("--request-timeout", metavar="SECONDS", min=0.001,
                 help="Time limit per API server request of cluster: sources."),
]


def live_target(kubeconfig: str | None, context: str | None, timeout_s: float = DEFAULT_TIMEOUT_S) -> LiveTarget:
    return LiveTarget(kubeconfig=kubeconfig, context=context, timeout_s=timeout_s)


def with_implied_cluster(paths: list[str], live: LiveTarget | None) -> list[str]:
    """No manifests named, but --kubeconfig or --context given: the user means the cluster they point at."""
    if not paths and live is not None and (live.kubeconfig or live.context):
        return ["cluster:"]
    return paths


def kubectl_main() -> None:
    """`kubectl netverify ...`: kubectl runs `kubectl-netverify` from PATH with the arguments that follow."""
    from netverify.cli import app

    app(prog_name="kubectl netverify")
