"""`fleet --engine local`: the fleet on this machine with `--jobs N` processes.

Loading a cluster often costs more than proving its properties, so with several clusters each of N forked
workers takes whole clusters (load, prove, finish; only the finished report comes back). With fewer clusters
than processes, the clusters go one after another, each proven by `prove_parallel` (its properties spread over
the processes, which share the loaded cluster). Either way a worker holds one cluster at a time.

Bad input in any cluster is collected and raised, all of it, once every cluster has been read: nothing is
reported then.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from netverify.analyses.fleet import (
    FleetWork, cluster_options, check_properties, error_fields, fleet_report, raise_errors, section,
)
from netverify.analyses.parallel import InputErrorFields, prove_parallel
from netverify.errors import InputError
from netverify.findings import FleetReport, ProveReport
from netverify.model import progress
from netverify.model.fleet import Fleet, FleetCluster

# Set in the parent just before the workers are forked; each worker reads its copy.
_WORK: FleetWork | None = None


def run_local(fleet: Fleet, work: FleetWork, *, jobs: int = 1) -> FleetReport:
    if jobs > 1 and len(fleet.clusters) >= jobs and "fork" in multiprocessing.get_all_start_methods():
        return _cluster_per_worker(fleet, work, jobs)
    sections, errors = [], []
    with progress.current().task("clusters", total=len(fleet.clusters), unit="clusters") as task:
        for spec in fleet.clusters:
            try:
                loaded = work.load(spec)
                if errors:  # the run will report bad input only: find the rest of it, prove nothing more
                    check_properties(loaded)
                    continue
                # What is left of the budget is what prove's own --max-time accounting gets: past it, unknown.
                report = prove_parallel(loaded.cluster, loaded.properties, jobs=jobs,
                                        **cluster_options(work.options, loaded), max_time_s=work.remaining_s())
            except InputError as exc:
                errors.append(error_fields(exc))
                continue
            finally:
                task.advance()
            sections.append(section(spec, work.finish(report, loaded)))
    raise_errors(errors)
    return fleet_report(fleet, "local", sections)


def _cluster_per_worker(fleet: Fleet, work: FleetWork, jobs: int) -> FleetReport:
    global _WORK
    _WORK = work
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            with progress.current().task("clusters", total=len(fleet.clusters), unit="clusters") as task:
                outcomes = []
                for outcome in pool.map(_one_cluster, fleet.clusters):  # in fleet order, whatever finishes first
                    outcomes.append(outcome)
                    task.advance()
    finally:
        _WORK = None
    raise_errors(o for o in outcomes if isinstance(o, list))
    return fleet_report(fleet, "local", [section(spec, o) for spec, o in zip(fleet.clusters, outcomes, strict=True)
                                         if isinstance(o, ProveReport)])


def _one_cluster(spec: FleetCluster) -> ProveReport | list[InputErrorFields]:
    assert _WORK is not None, "workers are forked after _WORK is set"
    work = _WORK
    try:
        loaded = work.load(spec)
        report = prove_parallel(loaded.cluster, loaded.properties, jobs=1,
                                **cluster_options(work.options, loaded), max_time_s=work.remaining_s())
    except InputError as exc:
        return error_fields(exc)
    return work.finish(report, loaded)
