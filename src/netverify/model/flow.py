"""Concrete endpoints and flows: what the reference evaluator decides on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netverify.model.cluster import ContainerPort, Workload
from netverify.model.ipblock import IPAddress
from netverify.model.ports import Protocol


@dataclass(frozen=True, slots=True)
class PodEndpoint:
    """A pod: its namespace (with that namespace's labels), its labels, container ports and optional IP."""

    namespace: str
    namespace_labels: Mapping[str, str]
    labels: Mapping[str, str]
    ports: tuple[ContainerPort, ...] = ()
    ip: IPAddress | None = None
    workload: Workload | None = None  # set when the pod is a replica of an existing workload
    # The pod's spec.serviceAccountName when it is not a replica's (Cilium identities select on it); None: the
    # workload's, else `default`.
    service_account: str | None = None


@dataclass(frozen=True, slots=True)
class ExternalEndpoint:
    """An address outside the cluster."""

    ip: IPAddress


Endpoint = PodEndpoint | ExternalEndpoint


@dataclass(frozen=True, slots=True)
class Flow:
    """One connection. `protocol` is any IP protocol (model/ports.py). What else a packet carries depends on it:
    a port protocol (TCP, UDP, SCTP, UDPLite) has the destination `port` (1-65535) and a `src_port`; ICMP and
    ICMPv6 have `icmp_type` and `icmp_code` (0-255); any other protocol has neither. Fields a protocol does not
    carry are unused (port 0 by convention, the others None). None for `src_port` / the ICMP fields means "not
    chosen": only layers that match on them (Calico, Cilium) read them, and they must be set for those."""

    src: Endpoint
    dst: Endpoint
    protocol: Protocol
    port: int
    src_port: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
