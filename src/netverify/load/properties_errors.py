"""Every schema error of a properties file at once, and unknown keys named as such ("did you mean …").

pydantic reports a misspelt key twice: `form` is an extra key and `from` is missing. A user wrote one
thing wrong, so one error says so — "unknown key 'form' (did you mean 'from'?)" — and the matching
"required field is missing" is dropped.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from netverify.errors import InputError
from netverify.load.tree import Path, format_path, line_at
from netverify.load.validation import errors_from_pydantic

M = TypeVar("M", bound=BaseModel)


def validate_all(model: type[M], data: Any, file: str) -> tuple[M | None, list[InputError]]:
    """(the validated model, []) or (None, every error pydantic found, one per place, unknown keys named)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, _named(model, data, file, errors_from_pydantic(exc, data, file))


def closest(word: str, candidates: typing.Iterable[str]) -> str | None:
    """The nearest candidate to a probable typo, or None when nothing is near (difflib's 0.6 ratio)."""
    found = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return found[0] if found else None


def _named(model: Any, data: Any, file: str, found: list[tuple[Path, str, InputError]],
           prefix: Path = ()) -> list[InputError]:
    """Unknown keys named with the nearest key; `prefix` is where `data` sits in the file's tree."""
    missing = {path for path, kind, _ in found if kind == "missing" and path}
    replaced: set[Path] = set()
    out: list[tuple[Path, InputError]] = []
    nested: list[InputError] = []
    for path, kind, error in found:
        if kind != "extra_forbidden" or not path or not isinstance(path[-1], str):
            out.append((path, _moved(error, prefix + path)))
            continue
        parent, key = path[:-1], path[-1]
        absent = [p[-1] for p in missing if p[:-1] == parent and isinstance(p[-1], str)]
        meant = closest(key, absent)
        if meant is not None:
            replaced.add(parent + (meant,))
            message = f"unknown key {key!r} (did you mean {meant!r}?)"
            # What is under the misspelt key is what the user meant for `meant`: check it as that, so
            # fixing the key does not reveal a second round of errors.
            nested += _as_meant(model, parent + (meant,), _value_at(data, path), file, prefix + path)
        else:
            known = keys_at(model, parent)
            meant = closest(key, known)
            if meant is not None:
                message = f"unknown key {key!r} (did you mean {meant!r}?)"
            elif known:
                message = f"unknown key {key!r}; expected one of: {', '.join(known)}"
            else:
                message = error.message
        out.append((path, InputError(file, line_at(data, path) or error.line, format_path(prefix + path) or None,
                                     message)))
    return [error for path, error in out if path not in replaced] + nested


def _as_meant(model: Any, field_path: Path, value: Any, file: str, prefix: Path) -> list[InputError]:
    annotation: Any = model
    for step in field_path:
        annotation = _step(annotation, step)
        if annotation is None:
            return []
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError as exc:
        return _named(annotation, value, file, errors_from_pydantic(exc, value, file), prefix)
    return []


def _value_at(data: Any, path: Path) -> Any:
    for step in path:
        data = data[step]
    return data


def _moved(error: InputError, path: Path) -> InputError:
    """The same error with its field named from the root of the file (its line is right already)."""
    field = format_path(path) or None
    return error if field == error.field else InputError(error.file, error.line, field, error.message)


def keys_at(model: type[BaseModel], path: Path) -> list[str]:
    """The keys the schema takes in the mapping at `path` (aliases as written in the file), or []."""
    annotation: Any = model
    for step in path:
        annotation = _step(annotation, step)
        if annotation is None:
            return []
    found = _model_in(annotation)
    if found is None:
        return []
    return [f.alias or name for name, f in found.model_fields.items()]


def _step(annotation: Any, step: Any) -> Any:
    if isinstance(step, int):
        for member in _members(annotation):
            if typing.get_origin(member) is list:
                return typing.get_args(member)[0]
        return None
    found = _model_in(annotation)
    if found is None:
        return None
    for name, f in found.model_fields.items():
        if step in (name, f.alias):
            return f.annotation
    return None


def _members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _members(a)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None
