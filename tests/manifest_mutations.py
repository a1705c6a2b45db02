"""Misspelt keys for the strict-reading fuzz tests (tests/test_load_fuzz.py, tests/test_fuzz_cli.py)."""

from __future__ import annotations

from hypothesis import strategies as st

from netverify.load.known_fields import FIELDS  # the generated types and the admin policy / Node ones

# Every field name of every API type netverify reads: a "misspelling" that happens to be one is not one.
REAL_NAMES = {name for fields in FIELDS.values() for name in fields}
# Mappings whose keys are data (label keys, a Service's selector), not fields.
_DATA_MAPS = {"labels", "matchLabels", "selector"}


def key_paths(value, prefix=(), root=True):
    """Paths to every key of a field netverify reads: not label keys, not an object's `kind` (which picks the
    reader), not the keys of a `List` around objects."""
    if isinstance(value, dict):
        if root and str(value.get("kind", "")).endswith("List"):
            for i, item in enumerate(value.get("items") or ()):
                yield from key_paths(item, prefix + ("items", i))
            return
        for k, v in value.items():
            if not (root and k == "kind"):
                yield prefix + (k,)
            if k not in _DATA_MAPS:
                yield from key_paths(v, prefix + (k,), root=False)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from key_paths(v, prefix + (i,), root=False)


def misspellings(key: str):
    edits = [key.lower(), key.upper(), key + "s", key[:-1], key[1:], key[0] + key, key + "_"]
    edits += [key[:i] + key[i + 1] + key[i] + key[i + 2:] for i in range(len(key) - 1)]  # transpositions
    return st.sampled_from([e for e in edits if e and e not in REAL_NAMES])
