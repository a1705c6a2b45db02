"""The `netverify` command (typer). One module per command or option group: app.py (the app), commands.py
(prove, map, explain, diff), fleet.py, equiv.py, exposure.py, lint.py; options.py and run.py are what they share.
"""

from __future__ import annotations

from netverify.cli import commands  # noqa: F401 - registers prove, map, explain and diff on the app
from netverify.cli.app import app
from netverify.cli.guard import lazy
from netverify.cli.help import ReadableCommand

# Commands in modules of their own, imported when they run.
app.command("fleet", cls=ReadableCommand)(lazy("netverify.cli.fleet", "fleet_command"))
app.command("equiv", cls=ReadableCommand)(lazy("netverify.cli.equiv", "equiv_command"))
app.command("exposure", cls=ReadableCommand)(lazy("netverify.cli.exposure", "exposure_command"))
app.command("lint", cls=ReadableCommand)(lazy("netverify.cli.lint", "lint_command"))


def main() -> None:
    app(prog_name="netverify")


__all__ = ["app", "main"]
