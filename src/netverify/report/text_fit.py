"""Terminal text that fits its width (80 columns unless the terminal says otherwise; `--wide` for no limit).

A line too long is wrapped at spaces, its continuation lines indented under the text after its label
(`  egress   allowed by …` continues under `allowed`), styles kept. Lists of isolating policies are informational
(the rule that decides is named apart): beyond a few, the rest is counted, and `--wide` lists every one.
A word longer than the width (a file path) is never cut: it overflows rather than becomes wrong.
"""

from __future__ import annotations

import re

from rich.console import Console, RenderableType
from rich.text import Text

DEFAULT_WIDTH = 80
MAX_ISOLATING_SHOWN = 2
# `isolated by a (f:1), b (f:2), c (f:3)`: each policy ends with its `(file:line)`
_ISOLATED = re.compile(r"^(?P<head>.*?isolated by )(?P<list>.+)$")
_ENTRY_END = re.compile(r"\), ")
# a label column: leading spaces, a word (or `+ word`) and two or more spaces, e.g. `  egress   `, `src      `
_LABEL = re.compile(r"^(\s*)(\S+(?: \S+)?\s{2,})(?=\S)")


def shorten_isolating(text: Text) -> Text:
    """`isolated by A, B, C, D` -> `isolated by A, B and 2 more (--wide lists them)`."""
    m = _ISOLATED.match(text.plain)
    if m is None:
        return text
    entries = _ENTRY_END.split(m.group("list"))
    if len(entries) <= MAX_ISOLATING_SHOWN + 1:  # shortening one would not save a line
        return text
    kept = "), ".join(entries[:MAX_ISOLATING_SHOWN]) + ")"
    cut = m.start("list") + len(kept)
    rest = len(entries) - MAX_ISOLATING_SHOWN
    return text[:cut] + Text(f" and {rest} more (--wide lists them)", style=text.style)


def continuation_indent(plain: str) -> int:
    m = _LABEL.match(plain)
    if m is not None and len(m.group(0)) <= 20:
        return len(m.group(0))
    return len(plain) - len(plain.lstrip(" ")) + 4


def fit(text: Text, width: int) -> list[Text]:
    """`text` as lines of at most `width` columns where it has spaces to break at."""
    plain = text.plain
    if len(plain) <= width or "\n" in plain:
        return [text]
    indent = continuation_indent(plain)
    if indent >= width // 2:
        indent = 4
    lines: list[Text] = []
    start, room = 0, width
    floor = len(plain) - len(plain.lstrip(" "))  # never break inside the leading indent
    while len(plain) - start > room:
        window = plain[start:start + room + 1]
        cut = window.rfind(" ", max(floor - start, 0) + 1)
        if cut <= 0:  # one word longer than the room: keep it whole, break after it
            nxt = plain.find(" ", start + room)
            if nxt < 0:
                break
            cut = nxt - start
        piece = text[start:start + cut]
        piece.rstrip()
        lines.append(piece if not lines else Text(" " * indent) + piece)
        start += cut
        while start < len(plain) and plain[start] == " ":
            start += 1
        room, floor = width - indent, 0
    if start < len(plain):
        rest = text[start:]
        lines.append(rest if not lines else Text(" " * indent) + rest)
    return lines


class FittingConsole:
    """A rich Console whose Text lines are fitted to `width` (None: as wide as they are, lists in full)."""

    def __init__(self, console: Console, width: int | None) -> None:
        self.console = console
        self.width = width

    @property
    def file(self):
        return self.console.file

    def print(self, renderable: RenderableType | None = None) -> None:
        if renderable is None:
            self.console.print()
            return
        if not isinstance(renderable, Text) or self.width is None:
            self.console.print(renderable)
            return
        for line in fit(shorten_isolating(renderable), self.width):
            self.console.print(line)

    def print_plain(self, plain: str) -> None:
        """`print(Text(plain))` for a console without colour, written straight to its file: a map at 100,000
        pods prints some 800,000 lines, and rich renders each one for nothing when there is no style."""
        if self.console.is_terminal or self.console.color_system is not None:
            self.print(Text(plain))
            return
        lines = [plain] if self.width is None else [t.plain for t in fit(shorten_isolating(Text(plain)), self.width)]
        self.console.file.write("".join(line + "\n" for line in lines))
