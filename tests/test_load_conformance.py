"""Every netpol-analyzer core case loads, and its workloads are exactly the ones the case expects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance_load import REJECTED_BY_API_SERVER, as_netverify_names, load_case

from netverify.errors import InputError
from netverify.load.manifests import load_cluster

CORE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "netpol-analyzer" / "core"
CASES = sorted(p for p in CORE.iterdir() if (p / "expected.json").exists()) if CORE.is_dir() else []


@pytest.mark.skipif(not CASES, reason=f"conformance data not found at {CORE}")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_loads_with_expected_workloads(case: Path) -> None:
    expected = as_netverify_names(json.loads((case / "expected.json").read_text()), case / "manifests")
    cluster = load_case(case / "manifests")
    # A workload whose pods differ is several entries of one id (docs/semantics.md, "Replicas").
    got = sorted({(w.id, w.kind) for w in cluster.workloads})
    assert got == sorted({(w["id"], w["kind"]) for w in expected["workloads"]})
    for workload in cluster.workloads:
        assert workload.namespace in cluster.namespaces


def test_there_are_cases_when_data_is_present() -> None:
    if CORE.is_dir():
        assert len(CASES) >= 90
    else:
        pytest.skip(f"conformance data not found at {CORE}")


REJECTED = sorted(REJECTED_BY_API_SERVER)


@pytest.mark.skipif(not CASES, reason=f"conformance data not found at {CORE}")
@pytest.mark.parametrize("case", REJECTED)
def test_case_the_api_server_would_refuse_is_an_error_without_lenient(case: str) -> None:
    with pytest.raises(InputError) as caught:
        load_cluster([str(CORE / case / "manifests")])
    assert REJECTED_BY_API_SERVER[case] in caught.value.message and caught.value.line
