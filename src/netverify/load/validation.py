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
    errors = exc.errors(include_url=False)
    return _error_for(errors[0], errors, data, file)


def errors_from_pydantic(exc: ValidationError, data: Any, file: str) -> list[tuple[Path, str, InputError]]:
    """Every problem pydantic found as (path, pydantic error type, InputError): one per place, since the
    members of a union report one error each at the same place."""
    errors = exc.errors(include_url=False)
    out: list[tuple[Path, str, InputError]] = []
    seen: set[Path] = set()
    for error in errors:
        path = _real_path(data, error["loc"])
        if path in seen:
            continue
        seen.add(path)
        out.append((path, error["type"], _error_for(error, errors, data, file)))
    return out


def _error_for(first: Any, errors: list[Any], data: Any, file: str) -> InputError:
    path = _real_path(data, first["loc"])
    line = line_at(data, path)
    kind = first["type"]
    # A union (port: int | str) reports one error per member at the same place: say what any member takes.
    kinds = {e["type"] for e in errors if _real_path(data, e["loc"]) == path}
    if kind == "extra_forbidden":
        message = f"unknown key {path[-1]!r}" if path else "unknown key"
    elif kind == "missing":
        message = "required field is missing"
    elif kinds & _INT_KINDS and kinds & _STR_KINDS:
        message = f"expected a number or a name, got {_show(first.get('input'))}"
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {_show(first.get('input'))}"
        if kind in _STR_KINDS and isinstance(first.get("input"), (bool, int, float)):
            message += " (quote it to make it a string)"
    elif kind == "literal_error":
        message = first["msg"].replace("Input should be", "expected") + f", got {_show(first.get('input'))}"
    else:
        message = first["msg"]
    return InputError(file, line, format_path(path) or None, message)


_INT_KINDS = {"int_type", "int_parsing", "int_from_float"}
_STR_KINDS = {"string_type"}
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "float_type": "a number",
    "float_parsing": "a number",
}


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
    if value is None:
        return "null"
    if isinstance(value, (LineDict, dict)):
        return "a mapping"
    if isinstance(value, (LineList, list)):
        return "a list"
    return repr(value)
