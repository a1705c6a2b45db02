"""`fleet --engine ray`: (cluster, chunk of properties) tasks on a Ray cluster (docs/fleet.md).

- Each cluster is loaded once, by a task, and stays in Ray's object store while its tasks run; every chunk
  task of that cluster takes the stored object (Ray copies it to a node once, not once per task). At most
  `window` clusters are in flight, so a fleet of thousands does not fill the object store.
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
            window: int | None = None, chunk_fn=prove_chunk) -> FleetReport:
    """`chunk_fn(loaded, indices, options, deadline)` proves one chunk (prove_chunk; a test may wrap it).
    `window`: at most this many clusters loaded at once (default: twice the Ray cluster's CPUs)."""
    ray = import_ray()
    started = _connect(ray, address, num_cpus, object_store_bytes, working_dir)
    try:
        if window is None:
            window = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        return drive(ray, fleet, work, retries=retries, window=window, chunk_fn=chunk_fn)
    finally:
        if started:
            ray.shutdown()


def drive(ray: Any, fleet: Fleet, work: FleetWork, *, retries: int = DEFAULT_RETRIES, window: int = 2,
          chunk_fn=prove_chunk) -> FleetReport:
    """The driver on a connected `ray` (the module, or anything with its remote/wait/get and exceptions)."""
    return _RayRun(ray, fleet, work, retries, chunk_fn, window).run()


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


class _ClusterRun:
    """One cluster on its way through the tasks: loading, proving its chunks, finishing."""

    def __init__(self, spec: FleetCluster, loaded_ref: Any) -> None:
        self.spec = spec
        self.loaded_ref: Any = loaded_ref  # dropped once finished, so Ray can free the stored cluster
        self.props: Any = None
        self.chunks: list[tuple[int, ...]] = []
        self.outcomes: dict[int, ChunkOutcome] = {}
        self.report: ProveReport | None = None


class _RayRun:
    """The driver: at most `window` clusters in flight (loaded and stored), every ready task handled as it
    comes, whatever the order; the sections are put in fleet order at the end."""

    def __init__(self, ray: Any, fleet: Fleet, work: FleetWork, retries: int, chunk_fn, window: int) -> None:
        self.ray, self.fleet, self.work, self.retries, self.window = ray, fleet, work, retries, window
        task = ray.remote(num_cpus=1, max_retries=retries)
        self.load = ray.remote(num_cpus=1, max_retries=retries, num_returns=2)(_load_task)
        self.chunk = task(chunk_fn)
        self.finish = task(_finish_task)
        self.pending: dict[Any, tuple[int, str, int]] = {}  # ref -> (cluster index, what, chunk index)
        self.runs: dict[int, _ClusterRun] = {}
        self.sections: dict[int, FleetSection] = {}
        self.errors: dict[int, list[Any]] = {}
        self.next_cluster = 0

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

    def run(self) -> FleetReport:
        clusters = self.fleet.clusters
        self._start_more()
        handlers = {"info": self._loaded, "chunk": self._chunk_done, "finish": self._finished}
        while self.pending:
            refs = list(self.pending)
            # Everything done by now in one call (thousands of tasks in flight: one wait per task would be slow),
            # else block for the next one.
            ready, _ = self.ray.wait(refs, num_returns=len(refs), timeout=0)
            if not ready:
                ready, _ = self.ray.wait(refs, num_returns=1)
            for ref in ready:
                index, what, chunk = self.pending.pop(ref)
                handlers[what](index, ref, chunk)
            self._start_more()
        raise_errors(self.errors[i] for i in sorted(self.errors))
        return fleet_report(self.fleet, "ray", [self.sections[i] for i in range(len(clusters))])

    def _start_more(self) -> None:
        clusters = self.fleet.clusters
        while self.next_cluster < len(clusters) and len(self.runs) < self.window:
            index, spec = self.next_cluster, clusters[self.next_cluster]
            loaded_ref, info_ref = self.load.remote(self.work.load, spec)
            self.runs[index] = _ClusterRun(spec, loaded_ref)
            self.pending[info_ref] = (index, "info", 0)
            self.next_cluster += 1

    def _done(self, index: int, section_: FleetSection | None = None, errors: list[Any] | None = None) -> None:
        del self.runs[index]  # and with it the last reference to the stored cluster
        if section_ is not None:
            self.sections[index] = section_
        if errors:
            self.errors[index] = errors

    def _loaded(self, index: int, ref: Any, _: int) -> None:
        run = self.runs[index]
        info, died = self._get(ref)
        if died is not None:
            self._done(index, cluster_unknown(run.spec, self._died(died, f"loading cluster {run.spec.name!r}")))
        elif isinstance(info, list):
            self._done(index, errors=info)
        else:
            run.props, work = info, self.work
            run.chunks = chunk_indices(len(info.properties), work.chunk_size)
            for k, indices in enumerate(run.chunks):
                ref = self.chunk.remote(run.loaded_ref, indices, dict(work.options), work.deadline)
                self.pending[ref] = (index, "chunk", k)

    def _chunk_done(self, index: int, ref: Any, k: int) -> None:
        run = self.runs[index]
        outcome, died = self._get(ref)
        if died is not None:
            indices = run.chunks[k]
            names = ", ".join(run.props.properties[i].name for i in indices)
            outcome = unknown_results(run.props, indices, self._died(died, f"proving {names} of {run.spec.name!r}"))
        run.outcomes[k] = outcome
        if len(run.outcomes) < len(run.chunks):
            return
        errors = [e for k in sorted(run.outcomes) if isinstance(run.outcomes[k], list) for e in run.outcomes[k]]
        if errors:
            self._done(index, errors=errors)
            return
        run.report = merged_report(run.props, [(run.chunks[k], run.outcomes[k]) for k in sorted(run.outcomes)])
        self.pending[self.finish.remote(self.work, run.report, run.loaded_ref)] = (index, "finish", 0)

    def _finished(self, index: int, ref: Any, _: int) -> None:
        run = self.runs[index]
        finished, died = self._get(ref)
        assert run.report is not None
        if died is not None:
            # Without the finishing step a policy kind netverify does not model would go unnoticed: unknown.
            reason = self._died(died, f"finishing the report of {run.spec.name!r}")
            finished = ProveReport(run.report.properties_file, tuple(_as_unknown(r, reason)
                                                                     for r in run.report.results))
        self._done(index, section(run.spec, finished))


def _as_unknown(result: PropertyResult, reason: str) -> PropertyResult:
    return dataclasses.replace(result, status="unknown", reason=reason, counterexample=None, witness=None)
