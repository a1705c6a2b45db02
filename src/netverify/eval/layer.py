"""One side of a connection, as every layer of the concrete evaluator sees it.

A side is one direction judged at one pod: egress at the source (other = the destination), ingress at the
destination (other = the source). `dst` is the connection's destination, which resolves named ports.
A layer module (eval/networkpolicy.py, eval/anp.py, later Calico's and Cilium's) turns a side into
LayerDecisions (model/decision.py); eval/compose.py folds them in the CNI's order.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model.flow import Endpoint, PodEndpoint
from netverify.model.policy import Direction
from netverify.model.ports import Protocol


@dataclass(frozen=True, slots=True)
class Side:
    direction: Direction
    pod: Endpoint
    other: Endpoint
    protocol: Protocol
    port: int
    dst: Endpoint


def is_host_network(ep: Endpoint) -> bool:
    """A replica of a workload with `hostNetwork: true` (a pod not read from the manifests is pod-network)."""
    return isinstance(ep, PodEndpoint) and ep.workload is not None and ep.workload.host_network
