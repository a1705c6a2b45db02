"""YAML (and JSON, which is YAML) text → plain Python data whose mappings and sequences know their lines.

We build the data straight from the parser's events instead of composing nodes: one pass, no recursion (libyaml's
own composer recurses in C and crashes the interpreter on deep nesting), and the guards sit where the data is
made: nesting depth, alias expansion, document count, duplicate keys. Only plain data is ever built; a tag that
asks for anything else is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from netverify.errors import InputError
from netverify.load.limits import DEFAULT_LIMITS, LoadLimits
from netverify.load.tree import LineDict, LineList

_Loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _BINARY, _MERGE, _VALUE = (_TAG + t for t in ("timestamp", "binary", "merge", "value"))
_MAP, _SEQ = _TAG + "map", _TAG + "seq"
_SCALAR_TAGS = {None, "!", _STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _BINARY}
_MAP_TAGS = {None, "!", _MAP}
_SEQ_TAGS = {None, "!", _SEQ}

_resolver = Resolver()
# Plain scalars repeat (every key of every object): resolving each spelling once pays for itself many times over.
# The values are immutable, so sharing them is safe; the cap bounds memory on inputs of unique values.
_PLAIN_CACHE: dict[str, Any] = {}
_PLAIN_CACHE_SIZE = 100_000
_MISS = object()
_constructor = SafeConstructor()


def read_documents(file: str, text: str, limits: LoadLimits = DEFAULT_LIMITS) -> list[Any]:
    """Every non-empty document of `text`, in order."""
    looks_like_json = _JSON_START.match(text) is not None
    if not looks_like_json:
        return list(iter_documents(file, text, limits))
    if _SURROGATE_PAIR.search(text):
        text = _join_surrogate_pairs(text)
    builder = _Builder(file, limits)
    loader = _Loader(text)
    try:
        return list(builder.documents(loader))
    except yaml.YAMLError as exc:
        error = _parse_error(file, text, exc)
    except RecursionError:  # the pure-Python parser (no libyaml) on pathological input
        raise InputError(file, None, None, f"nesting deeper than {limits.max_depth} levels") from None
    finally:
        loader.dispose()
    # Valid JSON that YAML refuses (a lone surrogate escape, a key longer than 1024 characters) still loads,
    # without lines.
    document = read_json_without_lines(file, text, limits)
    if document is not _MISS:
        return [] if document is None else [document]
    raise error


def iter_documents(file: str, text: str, limits: LoadLimits = DEFAULT_LIMITS) -> Iterator[Any]:
    """read_documents one document at a time, so a file of 100,000 Pods is never held parsed all at once. JSON
    is read whole: its fallback for what YAML refuses re-reads the text from the start. A bad document still
    fails the whole load (the caller builds nothing from a file it could not read)."""
    if _JSON_START.match(text) is not None:
        yield from read_documents(file, text, limits)
        return
    builder = _Builder(file, limits)
    loader = _Loader(text)
    try:
        yield from builder.documents(loader)
    except yaml.YAMLError as exc:
        raise _parse_error(file, text, exc) from None
    except RecursionError:
        raise InputError(file, None, None, f"nesting deeper than {limits.max_depth} levels") from None
    finally:
        loader.dispose()


class _Frame:
    """A mapping or sequence under construction."""

    __slots__ = ("value", "anchor", "size", "key", "key_line", "merges", "has_key")

    def __init__(self, value: LineDict | LineList, anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        self.size = 1  # nodes in this subtree, aliases expanded: the unit of the alias budget
        self.key: Any = None
        self.key_line = 0
        self.has_key = False
        self.merges: list[tuple[LineDict, int]] | None = None  # made on the first `<<`: most mappings have none


class _Builder:
    def __init__(self, file: str, limits: LoadLimits) -> None:
        self.file = file
        self.limits = limits
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.alias_expansion = 0

    def documents(self, loader: Any) -> Iterator[Any]:
        stack: list[_Frame] = []
        root: list[Any] = []
        count = 0
        plain = _PLAIN_CACHE
        get_event = loader.get_event
        max_depth = self.limits.max_depth
        while True:
            event = get_event()
            cls = event.__class__
            if cls is ScalarEvent:
                # The hot path (most events): a scalar without tag or anchor, put straight into its container.
                line = event.start_mark.line + 1
                if event.tag is None and event.implicit[0]:
                    value = plain.get(event.value, _MISS)
                    if value is _MISS:
                        value = self._scalar(event, line)
                else:
                    value = self._scalar(event, line)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                if not stack:
                    root.append(value)
                    continue
                frame = stack[-1]
                frame.size += 1
                container = frame.value
                if container.__class__ is LineList:
                    container.append("<<" if value is _MERGE_KEY else value)
                    container.item_lines.append(line)
                elif not frame.has_key:
                    frame.key = value
                    frame.key_line = line
                    frame.has_key = True
                elif frame.key not in container and frame.key is not _MERGE_KEY and value is not _MERGE_KEY:
                    container[frame.key] = value
                    container.key_lines[frame.key] = frame.key_line
                    frame.has_key = False
                else:
                    self._put(frame, value, line)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                line = event.start_mark.line + 1
                if len(stack) >= max_depth:
                    raise InputError(self.file, line, None, f"nesting deeper than {max_depth} levels")
                if cls is MappingStartEvent:
                    self._check_tag(event.tag, _MAP_TAGS, line)
                    stack.append(_Frame(LineDict(line), event.anchor))
                else:
                    self._check_tag(event.tag, _SEQ_TAGS, line)
                    stack.append(_Frame(LineList(line), event.anchor))
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                frame = stack.pop()
                if frame.merges:
                    self._merge(frame)
                value = frame.value
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, frame.size)
                self._attach(stack, root, value, value.line, frame.size)
            elif cls is AliasEvent:
                line = event.start_mark.line + 1
                found = self.anchors.get(event.anchor)
                if found is None:
                    raise InputError(self.file, line, None, f"unknown alias *{event.anchor}")
                value, size = found
                self.alias_expansion += size
                if self.alias_expansion > self.limits.max_alias_expansion:
                    raise InputError(
                        self.file, line, None,
                        f"aliases expand to more than {self.limits.max_alias_expansion} nodes (an alias bomb?)",
                    )
                self._attach(stack, root, value, line, size)
            elif cls is DocumentEndEvent:
                # Anchors are scoped to their document.
                self.anchors.clear()
                if root:
                    document = root.pop()
                    if document is not None:
                        count += 1
                        if count > self.limits.max_documents:
                            raise InputError(
                                self.file, getattr(document, "line", event.start_mark.line + 1), None,
                                f"more than {self.limits.max_documents} documents",
                            )
                        yield document
            elif cls is StreamEndEvent:
                return

    def _attach(self, stack: list[_Frame], root: list[Any], value: Any, line: int, size: int) -> None:
        if not stack:
            root.append(value)
            return
        frame = stack[-1]
        frame.size += size
        self._put(frame, value, line)

    def _put(self, frame: _Frame, value: Any, line: int) -> None:
        container = frame.value
        if value is _MERGE_KEY and (container.__class__ is LineList or frame.has_key):
            value = "<<"  # `<<` is only the merge key where a key stands
        if container.__class__ is LineList:
            container.append(value)
            container.item_lines.append(line)
            return
        if not frame.has_key:
            if isinstance(value, (LineDict, LineList)):
                raise InputError(self.file, line, None, "a mapping key must be a plain value, not a mapping or list")
            frame.key, frame.key_line, frame.has_key = value, line, True
            return
        key = frame.key
        frame.has_key = False
        if key.__class__ is _MergeKey:
            self._collect_merge(frame, value, frame.key_line)
            return
        if key in container:
            raise InputError(
                self.file, frame.key_line, str(key),
                f"duplicate key {key!r} (first at line {container.key_lines[key]})",
            )
        container[key] = value
        container.key_lines[key] = frame.key_line

    def _collect_merge(self, frame: _Frame, value: Any, line: int) -> None:
        sources = value if isinstance(value, LineList) else [value]
        for source in sources:
            if not isinstance(source, LineDict):
                raise InputError(self.file, line, "<<", "a merge key takes a mapping or a list of mappings")
            if frame.merges is None:
                frame.merges = []
            frame.merges.append((source, line))

    @staticmethod
    def _merge(frame: _Frame) -> None:
        # Keys written in the mapping win over merged ones; earlier merge sources win over later ones.
        mapping = frame.value
        assert isinstance(mapping, LineDict) and frame.merges is not None
        for source, line in frame.merges:
            for key, value in source.items():
                if key not in mapping:
                    mapping[key] = value
                    mapping.key_lines[key] = line

    def _scalar(self, event: ScalarEvent, line: int) -> Any:
        value = event.value
        tag = event.tag
        if tag is None:
            if not event.implicit[0]:  # quoted or block scalar
                return value
            tag = _resolver.resolve(ScalarNode, value, (True, False))
            if tag in (_INT, _FLOAT) and ":" in value:
                # YAML 1.1's base-60 numbers (`1:30` is 90): the Kubernetes decoder (go-yaml) has none and keeps
                # the text, so Calico reads `ports: [1:2]` as the range 1-2, not as port 62.
                tag = _STR
            resolved = self._typed(tag, value, line)
            if len(_PLAIN_CACHE) < _PLAIN_CACHE_SIZE:
                _PLAIN_CACHE[value] = resolved
            return resolved
        if tag == "!":
            return value
        return self._typed(tag, value, line)

    def _typed(self, tag: str, value: str, line: int) -> Any:
        if tag == _STR:
            return value
        if tag == _MERGE:
            return _MERGE_KEY
        if tag not in _SCALAR_TAGS and tag != _VALUE:
            raise InputError(self.file, line, None, f"tag {_short(tag)} is not allowed: only plain YAML data is read")
        try:
            if tag == _INT:
                return _constructor.construct_yaml_int(ScalarNode(tag, value))
            if tag == _FLOAT:
                return _constructor.construct_yaml_float(ScalarNode(tag, value))
            if tag == _BOOL:
                return _constructor.construct_yaml_bool(ScalarNode(tag, value))
            if tag == _NULL:
                return None
        except (ValueError, KeyError, ConstructorError):
            raise InputError(self.file, line, None, f"{value!r} is not a valid {tag[len(_TAG):]}") from None
        # Timestamps, binary and `=` stay text: we never read them, and text is what Kubernetes' decoder keeps.
        return value

    def _check_tag(self, tag: str | None, allowed: set[str | None], line: int) -> None:
        if tag not in allowed:
            raise InputError(self.file, line, None, f"tag {_short(tag)} is not allowed: only plain YAML data is read")


class _MergeKey:
    """The YAML merge key `<<` (distinct from the string '<<', which a quoted key spells)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<<"


_MERGE_KEY = _MergeKey()


def _parse_error(file: str, text: str, exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    if line is None and isinstance(getattr(exc, "position", None), int):
        line = text.count("\n", 0, exc.position) + 1  # a ReaderError: a character YAML does not allow
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return InputError(file, line, None, message)


def _short(tag: str | None) -> str:
    return f"!!{tag[len(_TAG):]}" if tag and tag.startswith(_TAG) else str(tag)


_JSON_START = re.compile(r"\s*[\[{\"]")
# JSON writes characters beyond U+FFFF as two escaped surrogates, which YAML does not accept; join them first.
# (Only where the backslash before `u` is not itself escaped.)
_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _join_surrogate_pairs(text: str) -> str:
    def joined(match: re.Match[str]) -> str:
        high, low = int(match.group(2), 16), int(match.group(3), 16)
        return match.group(1) + chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))

    return _SURROGATE_PAIR.sub(joined, text)


def read_json_without_lines(file: str, text: str, limits: LoadLimits) -> Any:
    """`text` as JSON with every line 0 (unknown), or _MISS when it is not JSON either."""

    def mapping(pairs: list[tuple[str, Any]]) -> LineDict:
        out = LineDict(0)
        for key, value in pairs:
            if key in out:
                raise InputError(file, None, key, f"duplicate key {key!r}")
            out[key] = value
            out.key_lines[key] = 0
        return out

    try:
        data = json.loads(text, object_pairs_hook=mapping)
    except (ValueError, RecursionError):
        return _MISS
    return _with_line_lists(data, 0, limits.max_depth, file)


def _with_line_lists(value: Any, depth: int, max_depth: int, file: str) -> Any:
    if depth > max_depth:
        raise InputError(file, None, None, f"nesting deeper than {max_depth} levels")
    if isinstance(value, LineDict):
        for key, item in value.items():
            value[key] = _with_line_lists(item, depth + 1, max_depth, file)
        return value
    if isinstance(value, list):
        out = LineList(0)
        out.extend(_with_line_lists(item, depth + 1, max_depth, file) for item in value)
        out.item_lines = [0] * len(out)
        return out
    return value
