"""Immutable, typed domain model. Imports nothing from above it (load, eval, smt, analyses, report, cli)."""

from netverify.model.cluster import Cluster, ContainerPort, Namespace, Service, ServicePort, Workload
from netverify.model.flow import ExternalEndpoint, Endpoint, Flow, PodEndpoint
from netverify.model.ipblock import IPBlock, IPAddress, IPNetwork
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.policy import Direction, NetworkPolicy, Peer, PortMatch, Rule
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol
from netverify.model.span import Span
from netverify.model.verdict import RuleRef, SideVerdict, Verdict

__all__ = [
    "Cluster", "ContainerPort", "Namespace", "Service", "ServicePort", "Workload",
    "ExternalEndpoint", "Endpoint", "Flow", "PodEndpoint",
    "IPBlock", "IPAddress", "IPNetwork",
    "LabelSelector", "Requirement",
    "Direction", "NetworkPolicy", "Peer", "PortMatch", "Rule",
    "PROTOCOLS", "PortRanges", "Protocol",
    "Span", "RuleRef", "SideVerdict", "Verdict",
]
