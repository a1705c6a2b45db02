"""Help that reads like a manual: `PROPERTIES.yaml` and `BASE HEAD` in the usage line (not `{base}`), `PATH`,
`N` or `SECONDS` beside an option (not `<list[str]>`, `<int range>`), nothing beside a flag (not `<bool>`).

Typer derives these from the Python types; every command uses this class (`@app.command(cls=ReadableCommand)`),
which names each parameter once before help or a usage error is shown. An explicit metavar always wins.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# Options whose value is a kind of thing their name does not say.
_BY_OPTION = {"--file": "PATH", "--output": "FILE", "--focus": "WORKLOAD", "--jobs": "N"}


def _option_metavar(option: TyperOption) -> str | None:
    desc: Any = option.type_descriptor
    long = next((o for o in option.opts if o.startswith("--")), option.opts[0])
    if long in _BY_OPTION:
        return _BY_OPTION[long]
    if desc.is_choice:  # the choices themselves, `generic|calico|cilium`
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    annotation = desc.annotation
    inner = getattr(annotation, "__args__", (annotation,))[0] if desc.is_list else annotation
    if inner is int:
        return "N"
    if inner is float:
        return "SECONDS" if "time" in long else "NUMBER"
    if desc.is_path:
        return "PATH"
    return long.lstrip("-").split("-")[-1].upper()


def _readable(param: Any) -> None:
    """Give `param` a readable metavar, once (an explicit one is kept)."""
    if getattr(param, "_netverify_readable", False):
        return
    param._netverify_readable = True
    if isinstance(param, TyperArgument):
        if param.metavar is None:
            param.metavar = (param.name or "").upper()
        param.display_type_rich = lambda ctx: None  # the name says what it is
    elif isinstance(param, TyperOption):
        if param.is_flag or param.count:
            param.display_type_rich = lambda ctx: None
        elif param.metavar is None:
            param.metavar = _option_metavar(param)
    if getattr(param, "min", None) is not None or getattr(param, "max", None) is not None:
        param._get_number_range_help_str = lambda p=param: _range_words(p.min, p.max)


def _range_words(low: Any, high: Any) -> str:
    """`at least 1`, `at most 9`, `1 to 9` (typer writes `x>=1`)."""
    if high is None:
        return f"at least {low}"
    return f"at most {high}" if low is None else f"{low} to {high}"


class ReadableCommand(TyperCommand):
    def get_params(self, ctx):  # type: ignore[no-untyped-def]
        params = super().get_params(ctx)
        for param in params:
            _readable(param)
        return params

    def collect_usage_pieces(self, ctx):  # type: ignore[no-untyped-def]
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


class ReadableGroup(TyperGroup):
    """The same for a command group (`netverify`, `netverify schema`): `--help`, `--version` without `<bool>`."""

    def get_params(self, ctx):  # type: ignore[no-untyped-def]
        params = super().get_params(ctx)
        for param in params:
            _readable(param)
        return params
