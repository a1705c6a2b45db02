"""`--probe-script PATH` (prove, diff): write the replay script of report/probe.py beside the report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

ProbeScript = Annotated[
    Optional[Path],
    typer.Option("--probe-script", metavar="PATH", help="Also write a bash script that replays every "
                 "counterexample and witness on a test cluster (kind, minikube) with agnhost pods and says "
                 "whether the cluster agrees."),
]


def write_probe_script(result, path: Optional[Path]) -> None:
    """Written whatever the verdicts (a run with nothing to replay gets a script that says so), executable."""
    if path is None:
        return
    from netverify.report.probe import probe_script

    path.write_text(probe_script(result), encoding="utf-8")
    os.chmod(path, 0o755)
