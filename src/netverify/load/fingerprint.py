"""A digest of a parsed manifest's fields, to tell an object read twice from two that differ without keeping
the first one in memory (load/cluster_builder.py)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(data: Any) -> bytes:
    """Equal for objects equal field for field (mapping order aside); 16 bytes of BLAKE2b, so two objects that
    differ collide with negligible probability."""
    try:
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=repr, ensure_ascii=False)
    except TypeError:  # keys of mixed types (YAML allows `1:` next to `a:`): no order json can sort by
        text = repr(_canonical(data))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return ("map", sorted(((repr(k), _canonical(v)) for k, v in value.items()), key=lambda kv: kv[0]))
    if isinstance(value, list):
        return ("seq", [_canonical(v) for v in value])
    return (type(value).__name__, repr(value))
