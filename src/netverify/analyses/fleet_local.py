"""`fleet --engine local`: the clusters one after another on this machine, each proven by `prove_parallel`
with `--jobs N` processes (forked workers share the loaded cluster; nothing is pickled but results).

One cluster is in memory at a time (a fleet of medium clusters would not fit at once). Bad input in any
cluster is collected and raised, all of it, once every cluster has been read: nothing is reported then.
"""

from __future__ import annotations

from netverify.analyses.fleet import FleetWork, check_properties, error_fields, fleet_report, raise_errors, section
from netverify.analyses.parallel import prove_parallel
from netverify.errors import InputError
from netverify.findings import FleetReport
from netverify.model.fleet import Fleet


def run_local(fleet: Fleet, work: FleetWork, *, jobs: int = 1) -> FleetReport:
    sections, errors = [], []
    for spec in fleet.clusters:
        try:
            loaded = work.load(spec)
            if errors:  # the run will report bad input only: find the rest of it, prove nothing more
                check_properties(loaded)
                continue
            # What is left of the budget is what prove's own --max-time accounting gets: past it, unknown.
            report = prove_parallel(loaded.cluster, loaded.properties, jobs=jobs, **work.options,
                                    max_time_s=work.remaining_s())
        except InputError as exc:
            errors.append(error_fields(exc))
            continue
        sections.append(section(spec, work.finish(report, loaded)))
    raise_errors(errors)
    return fleet_report(fleet, "local", sections)
