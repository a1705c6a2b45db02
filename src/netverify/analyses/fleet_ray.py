"""`fleet --engine ray`: (cluster, chunk of properties) tasks on a Ray cluster (docs/fleet.md).

- Each cluster is loaded once, by a task, and stays in Ray's object store; every chunk task of that cluster
  takes the stored object (Ray copies it to a node once, not once per task).
- Results come back in a deterministic order: sections in the fleet file's order, results in file order,
  whatever order the tasks finish in.
- A task whose worker dies is retried (`retries` times, by Ray); when it still fails, its properties are
  unknown with the reason (fail closed), never lost. An error raised by netverify itself inside a task (a bug,
  e.g. InternalDisagreement) is raised here, as `prove` would.
- Per-property time limits are prove's own (the options travel with each task); the whole run's --max-time is
  a wall-clock deadline every task checks when it starts.

Ray is an optional extra (`pip install 'netverify[ray]'`), imported only when this engine runs.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from netverify.analyses.fleet import (
    ChunkOutcome,
    FleetWork,
    Loader,
    chunk_indices,
    cluster_unknown,
    fleet_report,
    load_outcome,
    merged_report,
    prove_chunk,
    raise_errors,
    section,
    unknown_results,
)
from netverify.errors import UsageError
from netverify.findings import FleetReport, FleetSection, PropertyResult, ProveReport
from netverify.model.fleet import Fleet, FleetCluster, LoadedCluster

DEFAULT_RETRIES = 2
LOCAL = "local"  # --ray-address local: start a private Ray instance on this machine for the run


def run_ray(fleet: Fleet, work: FleetWork, *, address: str = "auto", num_cpus: int | None = None,
            object_store_bytes: int | None = None, retries: int = DEFAULT_RETRIES, working_dir: str | None = None,
            chunk_fn=prove_chunk) -> FleetReport:
    """`chunk_fn(loaded, indices, options, deadline)` proves one chunk (prove_chunk; a test may wrap it)."""
    ray = import_ray()
    started = _connect(ray, address, num_cpus, object_store_bytes, working_dir)
    try:
        return _RayRun(ray, fleet, work, retries, chunk_fn).sections()
    finally:
        if started:
            ray.shutdown()


def import_ray() -> Any:
    try:
        import ray
    except ModuleNotFoundError as exc:
        if exc.name != "ray":
            raise
        raise UsageError("--engine ray needs Ray: pip install 'netverify[ray]'") from None
    return ray


def _connect(ray: Any, address: str, num_cpus: int | None, object_store_bytes: int | None,
             working_dir: str | None) -> bool:
    """Connect (True: we started the connection and end it). An existing connection is used as it is."""
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    if working_dir is not None:
        options["runtime_env"] = {"working_dir": working_dir}
    if address == LOCAL:
        options.update(num_cpus=num_cpus, object_store_memory=object_store_bytes, include_dashboard=False)
    else:
        options["address"] = address
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UsageError(f"--ray-address {address}: cannot start or reach Ray: {exc}") from None
    return True


def _load_task(load: Loader, spec: FleetCluster) -> tuple[LoadedCluster | None, Any]:
    """(the cluster, kept in the object store; its properties or its input errors, for the driver)."""
    outcome = load_outcome(load, spec)
    if isinstance(outcome, list):
        return None, outcome
    return outcome, outcome.properties


def _finish_task(work: FleetWork, report: ProveReport, loaded: LoadedCluster) -> ProveReport:
    return work.finish(report, loaded)


class _RayRun:
    def __init__(self, ray: Any, fleet: Fleet, work: FleetWork, retries: int, chunk_fn) -> None:
        self.ray, self.fleet, self.work, self.retries = ray, fleet, work, retries
        task = ray.remote(num_cpus=1, max_retries=retries)
        self.load = ray.remote(num_cpus=1, max_retries=retries, num_returns=2)(_load_task)
        self.chunk = task(chunk_fn)
        self.finish = task(_finish_task)

    def _died(self, exc: Exception, what: str) -> str:
        return (f"the Ray task {what} failed {self.retries + 1} time{'s' if self.retries else ''} "
                f"({type(exc).__name__}: its worker or node died); not decided, failing closed")

    def _get(self, ref: Any) -> tuple[Any, Exception | None]:
        """The task's value, or the system failure that lost it (a worker or node died every time). An
        exception raised by netverify inside the task is raised here: that is a bug, never an unknown."""
        exceptions = self.ray.exceptions
        try:
            return self.ray.get(ref), None
        except exceptions.RayTaskError:
            raise
        except exceptions.RayError as exc:
            return None, exc

    def sections(self) -> FleetReport:
        work, clusters = self.work, self.fleet.clusters
        loads = [self.load.remote(work.load, spec) for spec in clusters]  # all loading at once
        errors: list[Any] = []
        pending: list[tuple[FleetCluster, Any, Any] | FleetSection] = []
        for spec, (loaded_ref, info_ref) in zip(clusters, loads, strict=True):
            info, died = self._get(info_ref)
            if died is not None:
                pending.append(cluster_unknown(spec, self._died(died, f"loading cluster {spec.name!r}")))
                continue
            if isinstance(info, list):
                errors.append(info)
                continue
            report = self._proven(spec, loaded_ref, info, errors)
            if report is not None:
                pending.append((spec, report, self.finish.remote(work, report, loaded_ref)))
        raise_errors(errors)
        return fleet_report(self.fleet, "ray", [self._finished(p) for p in pending])

    def _proven(self, spec: FleetCluster, loaded_ref: Any, props: Any, errors: list[Any]) -> ProveReport | None:
        work = self.work
        chunks = chunk_indices(len(props.properties), work.chunk_size)
        refs = [self.chunk.remote(loaded_ref, indices, dict(work.options), work.deadline) for indices in chunks]
        done: list[tuple[tuple[int, ...], ChunkOutcome]] = []
        for indices, ref in zip(chunks, refs, strict=True):
            outcome, died = self._get(ref)
            if died is not None:
                names = ", ".join(props.properties[i].name for i in indices)
                outcome = unknown_results(props, indices, self._died(died, f"proving {names} of {spec.name!r}"))
            if isinstance(outcome, list):
                errors.append(outcome)
                continue
            done.append((indices, outcome))
        if len(done) < len(chunks):
            return None
        return merged_report(props, done)

    def _finished(self, item: tuple[FleetCluster, ProveReport, Any] | FleetSection) -> FleetSection:
        if isinstance(item, FleetSection):
            return item
        spec, report, ref = item
        finished, died = self._get(ref)
        if died is not None:
            # Without the finishing step a policy kind netverify does not model would go unnoticed: unknown.
            return section(spec, ProveReport(report.properties_file, tuple(
                _as_unknown(r, self._died(died, f"finishing the report of {spec.name!r}")) for r in report.results)))
        return section(spec, finished)


def _as_unknown(result: PropertyResult, reason: str) -> PropertyResult:
    return dataclasses.replace(result, status="unknown", reason=reason, counterexample=None, witness=None)
