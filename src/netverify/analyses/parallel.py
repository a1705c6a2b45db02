"""`prove --jobs N`: the properties of one file proven in N worker processes.

Each property has its own solver, so properties are independent; workers are forked, so they share the loaded
cluster instead of pickling it (a 100,000-pod cluster takes longer to pickle than most proofs). Properties are
dealt out round-robin (neighbours in a file are often alike in cost) and the results put back in file order:
the report is the same as with one process, except for durations. Bad input in any worker (a property naming
a missing Service or workload) is raised here, before anything is reported.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from netverify.analyses.cilium_l7 import with_l7_caveats
from netverify.analyses.prove import prove, prove_network_policies
from netverify.analyses.unlisted import judge_prove as judge_unlisted
from netverify.analyses.unmodelled import judge_prove
from netverify.errors import InputError, InputErrors
from netverify.findings import ProveReport, PropertyResult
from netverify.model import progress
from netverify.model.cluster import Cluster
from netverify.model.properties import PropertiesFile

# Set in the parent just before the workers are forked; each worker reads its copy.
_SHARED: tuple[Cluster, PropertiesFile, dict] | None = None


def prove_parallel(cluster: Cluster, properties: PropertiesFile, *, jobs: int = 1, **options) -> ProveReport:
    """Like `prove` (same options), with the properties spread over `jobs` processes; judged for policy kinds
    netverify does not model once, on the whole report, as `prove` does."""
    count = len(properties.properties)
    jobs = min(jobs, count)
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return prove(cluster, properties, **options)
    ignore_kinds = options.pop("ignore_kinds", frozenset())
    global _SHARED
    _SHARED = (cluster, properties, options)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            shares = [list(range(count))[k::jobs] for k in range(jobs)]
            with progress.current().task("proving properties", total=count, unit="properties") as task:
                outcomes = []
                for share, outcome in zip(shares, pool.map(_prove_share, shares)):  # a share at a time
                    outcomes.append(outcome)
                    task.advance(len(share))
    finally:
        _SHARED = None
    results: list[PropertyResult | None] = [None] * count
    errors = [InputError(e.file, e.line, e.field, e.message)
              for outcome in outcomes if isinstance(outcome, list) for e in outcome]
    InputErrors.raise_if_any(errors)  # every worker's, not the first one's
    for share, outcome in zip(shares, outcomes):
        assert not isinstance(outcome, list)
        for index, result in zip(share, outcome):
            results[index] = result
    report = with_l7_caveats(ProveReport(properties.path, tuple(results)), cluster, options.get("semantics"))
    return judge_unlisted(judge_prove(report, cluster, properties, ignore_kinds), cluster, properties, ignore_kinds)


@dataclasses.dataclass(frozen=True)
class InputErrorFields:
    """An InputError as plain fields: the exception itself does not survive pickling (its args differ)."""

    file: str
    line: int | None
    field: str | None
    message: str


def _prove_share(indices: list[int]) -> tuple[PropertyResult, ...] | list[InputErrorFields]:
    assert _SHARED is not None, "workers are forked after _SHARED is set"
    cluster, properties, options = _SHARED
    share = dataclasses.replace(properties, properties=tuple(properties.properties[i] for i in indices))
    try:
        return prove_network_policies(cluster, share, **options).results
    except InputError as exc:
        every = exc.errors if isinstance(exc, InputErrors) else (exc,)
        return [InputErrorFields(e.file, e.line, e.field, e.message) for e in every]
