"""An incompleteness the ANP scope-any slow run found (at 4d368e6; in the code of the session's start too): prove
said *unknown* where *violated* can be shown. Never a wrong verdict, but no counterexample either.

`reachable` from `{pod-template-hash DoesNotExist}` to the same, scope any: two new pods in n0 with those labels are
blocked, so the property is violated. The solver's model ends at host-network Deployment n0/h0, whose
pod-template-hash only the cluster knows, so analyses/unknown_labels.settle answers with it; that model's verdict
depends on h0's address, which the manifests do not give, and the settled branch of prove.run reports the
dependence as unknown without asking again for a model that avoids h0 (the unsettled branch, via
_not_hinging_on_an_address, did ask again). Now prove._settled asks again, under scope any, with the workloads
the verdict hinged on at neither end (prove_addresses.avoiding), and settles that model."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network  # noqa: F401 - the case's text names them
from pathlib import Path

from anp_builders import aport  # noqa: F401
from builders import cport  # noqa: F401
from netverify.analyses.prove import prove
from netverify.model.anp import *  # noqa: F401,F403 - the case's text names the ANP model
from netverify.model.calico import CalicoResources  # noqa: F401
from netverify.model.cilium import CiliumResources  # noqa: F401
from netverify.model.cluster import *  # noqa: F401,F403
from netverify.model.ipblock import IPBlock  # noqa: F401
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.policy import *  # noqa: F401,F403
from netverify.model.ports import Protocol  # noqa: F401
from netverify.model.properties import EndpointSpec
from netverify.model.span import Span
from prove_helpers import prop, props

CASE = Path(__file__).parent / "data" / "anp_host_address_unknown_where_violated.txt"
NO_HASH = EndpointSpec(Span("test.yaml", 1),
                       pod_selector=LabelSelector((Requirement("pod-template-hash", "DoesNotExist", frozenset()),)))


def test_two_new_pods_blocked_refute_reachable_whatever_h0s_address():
    cluster = eval(CASE.read_text())  # noqa: S307 - the repr of a model the slow run drew, from this repo
    [result] = prove(cluster, props(prop(NO_HASH, NO_HASH, "reachable", "any", ()))).results
    assert result.status == "violated", result.reason
