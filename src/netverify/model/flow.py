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
    src: Endpoint
    dst: Endpoint
    protocol: Protocol
    port: int
