"""Paths on the command line → (name, text) pairs: files, directories (recursively, sorted) and `-` (stdin)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from netverify.errors import InputError
from netverify.load.limits import DEFAULT_LIMITS, LoadLimits
from netverify.model import progress

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN_NAME = "<stdin>"


def read_sources(
    paths: Sequence[str],
    *,
    stdin: TextIO | None = None,
    limits: LoadLimits = DEFAULT_LIMITS,
    warnings: list[str] | None = None,
) -> Iterator[tuple[str, str]]:
    """(name, text) of every manifest file the paths name, in the order given (directories: sorted by path).

    A directory without any manifest file is worth a warning: usually a wrong path."""
    files = 0
    seen: set[str] = set()
    # Progress in bytes: a path's files are counted in when it is expanded, and a file is done once the
    # consumer asks for the next one (it has parsed this one by then: parsing is where the time goes).
    with progress.current().task("reading manifests", total=0, unit=progress.BYTES) as task:
        for written in paths:
            path = os.fspath(written)  # a pathlib.Path works too; spans always hold str
            if path == "-":
                yield STDIN_NAME, _read_stdin(stdin, limits)
                continue
            found = _expand(path)
            if not found and warnings is not None:
                warnings.append(f"{path}: no *.yaml, *.yml or *.json files in this directory")
            task.add_total(sum(_size(f) for f in found))
            for file in found:
                # `-f k8s -f k8s/app.yaml`, or a properties file's manifests plus the same -f: read each file once.
                real = os.path.realpath(file)
                if real in seen:
                    task.advance(_size(file))
                    continue
                seen.add(real)
                files += 1
                if files > limits.max_files:
                    raise InputError(path, None, None, f"more than {limits.max_files} manifest files")
                yield file, read_text(file, limits)
                task.advance(_size(file))


def _size(file: str) -> int:
    """For progress only: a file that cannot be sized counts 0 (reading it reports the error)."""
    try:
        return os.path.getsize(file)
    except OSError:
        return 0


def _expand(path: str) -> list[str]:
    p = Path(path)
    if p.is_dir():
        found = []
        for dirpath, dirnames, filenames in os.walk(p, followlinks=False):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]  # .git and friends
            found += [os.path.join(dirpath, f) for f in filenames if f.lower().endswith(MANIFEST_SUFFIXES)]
        for file in found:
            # Reading a FIFO or device found by the walk would block forever; named on purpose (-f <(...)) it may.
            if os.path.exists(file) and not os.path.isfile(file):
                raise InputError(file, None, None, "not a regular file (a FIFO, socket or device)")
        return sorted(found)
    if p.exists():
        return [path]
    raise InputError(path, None, None, "no such file or directory")


def read_text(file: str, limits: LoadLimits = DEFAULT_LIMITS) -> str:
    try:
        size = os.path.getsize(file)
        if size > limits.max_file_bytes:
            raise InputError(file, None, None, f"file is {size} bytes, more than the limit of {limits.max_file_bytes}")
        with open(file, "rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise InputError(file, None, None, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limits.max_file_bytes:
        raise InputError(file, None, None, f"file is larger than the limit of {limits.max_file_bytes} bytes")
    return decode(file, data)


def decode(file: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            file, line, None, f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})"
        ) from None


def read_stdin(stdin: TextIO | None, limits: LoadLimits) -> str:
    """Standard input as text, within the size limit (`-` as a file name)."""
    return _read_stdin(stdin, limits)


def _read_stdin(stdin: TextIO | None, limits: LoadLimits) -> str:
    if stdin is None:
        raise InputError(STDIN_NAME, None, None, "'-' names standard input, but none is available")
    buffer = getattr(stdin, "buffer", None)
    try:
        if buffer is not None:
            data = buffer.read(limits.max_file_bytes + 1)
        else:
            text = stdin.read(limits.max_file_bytes + 1)
            data = text.encode("utf-8", errors="surrogateescape") if isinstance(text, str) else text
    except UnicodeDecodeError as exc:
        raise InputError(STDIN_NAME, None, None, f"not UTF-8 text ({exc.reason})") from None
    if len(data) > limits.max_file_bytes:
        raise InputError(STDIN_NAME, None, None, f"input is larger than the limit of {limits.max_file_bytes} bytes")
    return decode(STDIN_NAME, data)
