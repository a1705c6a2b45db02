"""Options that take one of a few words (`--fail-on`, `--scope`): a misspelt word is bad usage that names the
choices and the nearest one ("did you mean …"), and help shows the words themselves."""

from __future__ import annotations

import difflib
from enum import Enum
from typing import TypeVar

import typer

E = TypeVar("E", bound=Enum)


def choice_metavar(choices: type[Enum]) -> str:
    return "|".join(str(c.value) for c in choices)


def choice_of(choices: type[E], option: str):
    """A typer callback turning the word given into the enum member, or a BadParameter with "did you mean"."""
    words = [str(c.value) for c in choices]

    def convert(value: str | E) -> E:
        if isinstance(value, choices):
            return value
        text = str(value).strip()
        for member in choices:
            if text.lower() == str(member.value).lower():
                return member
        near = difflib.get_close_matches(text.lower(), words, n=1, cutoff=0.5)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise typer.BadParameter(f"{text!r} is not one of {', '.join(map(repr, words))}{hint}", param_hint=option)

    return convert
