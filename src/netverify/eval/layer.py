"""One side of a connection, as every layer of the concrete evaluator sees it.

A side is one direction judged at one pod, with everything the connection carries (protocol, ports, ICMP
type and code: model/flow.py Flow): egress at the source (other = the destination), ingress at the
destination (other = the source). `dst` is the connection's destination, which resolves named ports.
A layer module (eval/networkpolicy.py, eval/anp.py, later Calico's and Cilium's) turns a side into
LayerDecisions (model/decision.py); eval/compose.py folds them in the CNI's order.
"""

from __future__ import annotations

from dataclasses import dataclass

from netverify.model.flow import Endpoint, Flow, PodEndpoint
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
    src_port: int | None = None  # the connection's source port (port protocols; model/flow.py Flow)
    icmp_type: int | None = None  # ICMP / ICMPv6 only
    icmp_code: int | None = None

    @staticmethod
    def of(flow: Flow, direction: Direction) -> Side:
        """The side of `flow` judged at its source (egress) or its destination (ingress)."""
        pod, other = (flow.src, flow.dst) if direction == "egress" else (flow.dst, flow.src)
        return Side(direction, pod, other, flow.protocol, flow.port, flow.dst,
                    flow.src_port, flow.icmp_type, flow.icmp_code)


def is_host_network(ep: Endpoint) -> bool:
    """A replica of a workload with `hostNetwork: true` (a pod not read from the manifests is pod-network)."""
    return isinstance(ep, PodEndpoint) and ep.workload is not None and ep.workload.host_network
