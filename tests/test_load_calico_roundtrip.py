"""The loader reads back exactly the Calico policy a user wrote: random valid policies (tests/calico_render.py),
written as YAML at either apiVersion, load into the same record. Catches misreadings of any field (a port
range read as a number, a protocol name, an ICMP code, a selector's spelling, types, order ties)."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calico_render import policies, policy_document, without_spans
from netverify.load.manifests import load_cluster_from_texts


def _check(policy, version: str) -> None:
    text = yaml.safe_dump(policy_document(policy, version), sort_keys=False)
    [loaded] = load_cluster_from_texts([("p.yaml", text)]).calico.policies
    expected = dataclasses.replace(policy, api_version=version)
    assert without_spans(loaded) == without_spans(expected), text


_VERSIONS = st.sampled_from(["projectcalico.org/v3", "crd.projectcalico.org/v1"])
_POLICIES = st.one_of(policies(), policies(namespace="shop"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_POLICIES, _VERSIONS)
def test_a_written_policy_loads_as_itself(policy, version):
    _check(policy, version)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(_POLICIES, _VERSIONS)
def test_a_written_policy_loads_as_itself_slow(policy, version):
    _check(policy, version)
