"""A disagreement the Calico slow differential found (scope any), now the case that guards its fix.

The solver's counterexample ends at a replica of Deployment n0/w2, whose pod-template-hash only the cluster
knows, with the hash set to a value a selector names. Extraction (smt/extract.picks_unknown_value) shows that
end as a *new* pod with those labels, at w2's address. The Calico evaluator does not know a new pod's
ServiceAccount, so GlobalNetworkPolicy c0-1 (`projectcalico.org/serviceaccount != 'default'`) may or may not
select it: unknown; the solver's pod was w2's replica, whose account (`default`) is known: allowed. prove used
to fail closed (InternalDisagreement, exit 3). Now the extraction also hands over the replica the model
described (ExtractedFlow.as_replicas), and witness_fit.as_the_model_has_it takes it when the new pod does not
re-check and the replica's verdict holds whatever its hash is: w2's replica is the counterexample."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address  # noqa: F401 - the case's text names them
from pathlib import Path

import pytest

from netverify.analyses.prove import prove
from netverify.model.calico import (  # noqa: F401
    CalicoPolicy, CalicoResources, CalicoRule, EntityRule, IcmpMatch, NetworkSet, Profile, ServiceAccountMatch,
)
from netverify.model.calico_selector import (  # noqa: F401
    All, And, CalicoSelector, Contains, EndsWith, Global, In, Not, NotEquals, Or, StartsWith,
)
from netverify.model.cilium import CiliumResources  # noqa: F401
from netverify.model.cluster import (  # noqa: F401
    Cluster, ContainerPort, Namespace, Service, ServiceAccount, ServicePort, Workload,
)
from netverify.model.ipblock import IPBlock  # noqa: F401
from netverify.model.labels import LabelSelector, Requirement  # noqa: F401
from netverify.model.policy import NetworkPolicy, Peer, PortMatch, Rule  # noqa: F401
from netverify.model.ports import Protocol  # noqa: F401
from netverify.model.properties import EndpointSpec
from netverify.model.semantics import Semantics
from netverify.model.span import Span
from builders import cport  # noqa: F401 - the second case's text names it
from prove_helpers import prop, props
from witness_checks import assert_witness_is_truthful

DATA = Path(__file__).parent / "data"
ANY_POD = EndpointSpec(Span("test.yaml", 1), pod_selector=LabelSelector(()))
NO_TEAM = EndpointSpec(Span("test.yaml", 1),
                       namespace_selector=LabelSelector((Requirement("team", "DoesNotExist", frozenset()),)))
HASHED = EndpointSpec(Span("test.yaml", 1),
                      pod_selector=LabelSelector((Requirement("pod-template-hash", "In", frozenset({"h1", "h2"})),)))


def _violated(case: str, src: EndpointSpec, dst: EndpointSpec):
    """prove `unreachable` (scope any) on a case the slow run drew: violated, with a truthful counterexample."""
    cluster = eval((DATA / case).read_text())  # noqa: S307 - the repr of a model the slow run drew, from this repo
    [result] = prove(cluster, props(prop(src, dst, "unreachable", "any", ())), semantics=Semantics(cni="calico")).results
    assert result.status == "violated", result.reason
    assert_witness_is_truthful(cluster, result.counterexample)
    return result


def test_a_replica_whose_verdict_holds_for_every_hash_is_the_counterexample():
    _violated("calico_replica_shown_as_new_pod.txt", ANY_POD, ANY_POD)


def test_a_replica_shown_as_a_new_pod_keeps_its_service_account():
    # The second case of the slow run: the solver's destination is a replica of a Deployment with ServiceAccount
    # sa1 and a hash a selector names, allowed only for that hash (so not for the replica whatever its hash). The
    # new pod shown named no account, which Calico's evaluator cannot know (GNP c0 selects by it): it did not
    # re-check. A new pod with those labels that names sa1 is a pod anyone may create, and is allowed.
    result = _violated("calico_replica_keeps_its_account.txt", NO_TEAM, HASHED)
    dst = result.counterexample.dst
    if dst.workload is None:
        assert dst.service_account == "sa1" and "serviceAccountName: sa1" in result.counterexample.pod_manifests
