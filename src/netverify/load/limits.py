"""Resource limits for reading untrusted manifests: a hostile or broken file must fail cleanly, not hang or crash."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LoadLimits:
    # A `kubectl get pods -A -o yaml` dump of 100k pods is a few hundred MiB; anything far beyond is not a manifest.
    max_file_bytes: int = 512 * MIB
    max_documents: int = 1_000_000  # per file
    # Kubernetes objects nest ~20 deep (CRD schemas ~60); libyaml's own composer overflows the C stack near 10^5.
    max_depth: int = 200
    # Nodes reachable through aliases beyond the one written copy: "billion laughs" stops here.
    max_alias_expansion: int = 1_000_000
    max_files: int = 100_000
    # Not a limit, but how strictly to read (it travels wherever the limits do): unknown fields are warnings
    # instead of errors (`--lenient`, for manifests of a newer API version). Never silent.
    lenient: bool = False


DEFAULT_LIMITS = LoadLimits()
