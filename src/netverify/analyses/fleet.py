"""`fleet`: every cluster of a fleet proven with the `prove` path, one combined report (docs/fleet.md).

What an engine does for each cluster is the same: load it (once), prove its properties in chunks with
`analyses.prove.prove`, put the chunks' results back in file order, and finish the report as `prove` does
(unmodelled kinds, notes, warnings). Engines differ only in where that runs: `fleet_local` in this process
(and its forked workers), `fleet_ray` as Ray tasks. Loading and finishing are injected (`FleetWork`): they
belong to layers this one must not import, and as plain picklable callables they run on any worker.

Soundness: a chunk that could not be run (its worker died after every retry) gives each of its properties the
status unknown with the reason, never a missing or passing result; bad input anywhere is raised, all of it,
before anything is reported.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from netverify.analyses.parallel import InputErrorFields
from netverify.analyses.prove import prove
from netverify.errors import InputError, InputErrors
from netverify.findings import FleetReport, FleetSection, PropertyResult, ProveReport
from netverify.model.fleet import Fleet, FleetCluster, LoadedCluster
from netverify.model.properties import PropertiesFile, Property

DEFAULT_CHUNK_SIZE = 8  # properties per task: enough to amortise a task's overhead, small enough to spread

Loader = Callable[[FleetCluster], LoadedCluster]
Finisher = Callable[[ProveReport, LoadedCluster], ProveReport]


@dataclasses.dataclass(frozen=True)
class FleetWork:
    """What every engine does per cluster. `options` are prove's (timeout_ms, rlimit, ipblock_matches_pods);
    `deadline` is when the whole run's budget (--max-time) ends, in wall-clock seconds (time.time(): it
    means the same on every machine of a Ray cluster, unlike a monotonic clock)."""

    load: Loader
    finish: Finisher
    options: Mapping[str, Any]
    deadline: float | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE

    def remaining_s(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.time()


ChunkOutcome = tuple[PropertyResult, ...] | list[InputErrorFields]


def chunk_indices(count: int, size: int) -> list[tuple[int, ...]]:
    """Consecutive chunks of property indices: [0..size), [size..2 size), ..."""
    return [tuple(range(start, min(start + size, count))) for start in range(0, count, max(1, size))]


def error_fields(exc: InputError) -> list[InputErrorFields]:
    every = exc.errors if isinstance(exc, InputErrors) else (exc,)
    return [InputErrorFields(e.file, e.line, e.field, e.message) for e in every]


def load_outcome(load: Loader, spec: FleetCluster) -> LoadedCluster | list[InputErrorFields]:
    """The loaded cluster, or its input errors as plain values (an InputError does not survive pickling)."""
    try:
        return load(spec)
    except InputError as exc:
        return error_fields(exc)


def prove_chunk(loaded: LoadedCluster, indices: Sequence[int], options: Mapping[str, Any],
                deadline: float | None) -> ChunkOutcome:
    """The results of these properties of the cluster, by `prove` itself; or the chunk's input errors."""
    props = loaded.properties
    share = dataclasses.replace(props, properties=tuple(props.properties[i] for i in indices))
    budget = None if deadline is None else deadline - time.time()
    try:
        return prove(loaded.cluster, share, **cluster_options(options, loaded), max_time_s=budget).results
    except InputError as exc:
        return error_fields(exc)


def cluster_options(options: Mapping[str, Any], loaded: LoadedCluster) -> dict[str, Any]:
    """prove's options for this cluster: its CNI's chain, as `prove` alone would choose it."""
    return {**options, "semantics": loaded.semantics} if loaded.semantics is not None else dict(options)


def check_properties(loaded: LoadedCluster) -> None:
    """Raise the properties' input errors (a Service or workload they name that is not there) without solving:
    prove resolves every property before its first check, and with no time budget it makes none."""
    prove(loaded.cluster, loaded.properties, max_time_s=0)


def unknown_results(props: PropertiesFile, indices: Iterable[int], reason: str) -> tuple[PropertyResult, ...]:
    """Fail closed: these properties were not decided, and the report says why."""
    return tuple(_unknown(props.properties[i], reason) for i in indices)


def _unknown(prop: Property, reason: str) -> PropertyResult:
    return PropertyResult(name=prop.name, status="unknown", expect=prop.expect, scope=prop.scope, duration_ms=0,
                          span=prop.span, description=prop.description, allow_vacuous=prop.allow_vacuous,
                          reason=reason)


def merged_report(props: PropertiesFile, chunks: Sequence[tuple[Sequence[int], Sequence[PropertyResult]]]
                  ) -> ProveReport:
    """The chunks' results in file order: the report `prove` gives for the whole file, but for durations."""
    results: list[PropertyResult | None] = [None] * len(props.properties)
    for indices, outcome in chunks:
        for index, result in zip(indices, outcome, strict=True):
            results[index] = result
    missing = [i for i, r in enumerate(results) if r is None]
    assert not missing, f"properties {missing} got no result"  # every chunk is either proven or unknown
    return ProveReport(props.path, tuple(r for r in results if r is not None))


def raise_errors(outcomes: Iterable[Sequence[InputErrorFields]]) -> None:
    """Every input error of every cluster and chunk, in fleet order, or nothing."""
    errors = [InputError(e.file, e.line, e.field, e.message) for fields in outcomes for e in fields]
    # Shared property files are read by each cluster: the same mistake is said once.
    unique = list({(e.file, e.line, e.field, e.message): e for e in errors}.values())
    InputErrors.raise_if_any(unique)


def section(spec: FleetCluster, report: ProveReport, unknown_reason: str | None = None) -> FleetSection:
    return FleetSection(spec.name, spec.source, report, unknown_reason)


def cluster_unknown(spec: FleetCluster, reason: str) -> FleetSection:
    """A cluster that could not even be loaded (its worker died every time): no property of it is known."""
    return section(spec, ProveReport(", ".join(spec.properties), ()), unknown_reason=reason)


def fleet_report(fleet: Fleet, engine: str, sections: Sequence[FleetSection]) -> FleetReport:
    return FleetReport(fleet.path, engine, tuple(sections))
