"""Run a pydantic model over data read from a file; turn its first complaint into an InputError at the right line."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from netverify.errors import InputError
from netverify.load.tree import LineDict, LineList, Path, PathItem, format_path, line_at

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, file: str, *, context: Any = None) -> M:
    """`model` validated from `data`, or an InputError naming file, line and field of the first problem."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise error_from_pydantic(exc, data, file) from None


def error_from_pydantic(exc: ValidationError, data: Any, file: str) -> InputError:
    first = exc.errors(include_url=False)[0]
    path = _real_path(data, first["loc"])
    line = line_at(data, path)
    kind = first["type"]
    if kind == "extra_forbidden":
        message = f"unknown key {path[-1]!r}" if path else "unknown key"
    elif kind == "missing":
        message = "required field is missing"
    else:
        message = first["msg"]
        if kind in ("literal_error", "string_type", "int_parsing", "int_type", "bool_parsing", "bool_type"):
            message += f", got {_show(first.get('input'))}"
    return InputError(file, line, format_path(path) or None, message)


def _real_path(data: Any, loc: tuple[PathItem, ...]) -> Path:
    """The part of pydantic's `loc` that names fields and items (not union members such as 'int' or 'str')."""
    path: list[PathItem] = []
    node = data
    for step in loc:
        if isinstance(node, dict) and not isinstance(step, int):
            path.append(step)
            node = node.get(step) if step in node else None
        elif isinstance(node, list) and isinstance(step, int):
            path.append(step)
            node = node[step] if 0 <= step < len(node) else None
    return tuple(path)


def _show(value: Any) -> str:
    if isinstance(value, (LineDict, dict)):
        return "a mapping"
    if isinstance(value, (LineList, list)):
        return "a list"
    return repr(value)
