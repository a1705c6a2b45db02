"""`fleet --engine local`: the clusters one after another on this machine, each proven by `prove_parallel`
with `--jobs N` processes (forked workers share the loaded cluster; nothing is pickled but results).

Every cluster is loaded before any is proven, so bad input anywhere in the fleet is reported, all of it,
before minutes are spent on the clusters that are fine.
"""

from __future__ import annotations

from netverify.analyses.fleet import FleetWork, error_fields, fleet_report, raise_errors, section
from netverify.analyses.parallel import prove_parallel
from netverify.errors import InputError
from netverify.findings import FleetReport
from netverify.model.fleet import Fleet


def run_local(fleet: Fleet, work: FleetWork, *, jobs: int = 1) -> FleetReport:
    loaded, errors = [], []
    for spec in fleet.clusters:
        try:
            loaded.append(work.load(spec))
        except InputError as exc:
            errors.append(error_fields(exc))
    raise_errors(errors)
    sections = []
    for spec, cluster in zip(fleet.clusters, loaded, strict=True):
        try:
            # The budget left is what prove's own --max-time accounting gets: past it, results are unknown.
            report = prove_parallel(cluster.cluster, cluster.properties, jobs=jobs, **work.options,
                                    max_time_s=work.remaining_s())
        except InputError as exc:
            errors.append(error_fields(exc))
            continue
        sections.append(section(spec, work.finish(report, cluster)))
    raise_errors(errors)
    return fleet_report(fleet, "local", sections)
