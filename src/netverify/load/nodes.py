"""core v1 Node → model.anp.Node, and the addresses of host-network pods.

A Node's IP addresses are its status.addresses of type InternalIP and ExternalIP (Hostname, InternalDNS and
ExternalDNS are names, not addresses); `nodes` peers of the admin policies match them
(apis/v1alpha1/adminnetworkpolicy_types.go: "matching on the IPs present in the node.Status.Addresses field").
A host-network pod shares its node's network namespace: its status.podIP(s) are node addresses, and with none
written it has its node's (https://kubernetes.io/docs/concepts/workloads/pods/#pod-networking).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import replace

from netverify.load.anp_schema import NodeModel
from netverify.load.site import Site
from netverify.load.workloads import WorkloadSet
from netverify.model.anp import Node
from netverify.model.cluster import Workload
from netverify.model.ipblock import IPAddress

IP_ADDRESS_TYPES = frozenset({"InternalIP", "ExternalIP"})
NAME_ADDRESS_TYPES = frozenset({"Hostname", "InternalDNS", "ExternalDNS"})


def node(model: NodeModel, name: str, site: Site) -> Node:
    addresses: list[IPAddress] = []
    status = model.status
    for i, entry in enumerate((status.addresses if status else None) or ()):
        here = site.at("status", "addresses", i)
        if entry.type in NAME_ADDRESS_TYPES:
            continue
        if entry.type not in IP_ADDRESS_TYPES:
            raise here.at("type").error(
                f"{entry.type!r} is not a node address type: InternalIP, ExternalIP, Hostname, InternalDNS or "
                "ExternalDNS"
            )
        try:
            ip = ipaddress.ip_address(entry.address)
        except ValueError:
            raise here.at("address").error(f"{entry.address!r} is not an IP address ({entry.type})") from None
        if ip not in addresses:
            addresses.append(ip)
    return Node(name, dict(model.metadata.labels or {}), tuple(addresses), site.span())


def settle_host_network(workloads: WorkloadSet, nodes: Sequence[Node]) -> tuple[Node, ...]:
    """Give each host-network pod (and template) on a listed node without IPs of its own the node's addresses,
    before pods are joined into workloads; return the nodes, each with its host-network pods' IPs added (a
    host-network pod's podIP is an address of its node even when the Node's status does not list it)."""
    gained: dict[str, dict[IPAddress, None]] = {n.name: dict.fromkeys(n.addresses) for n in nodes}
    every = [w for pods in workloads.pods.values() for w in pods]
    every += [w for groups in workloads.templates.values() for w in groups]
    for w in every:
        if w.host_network and w.node_name in gained and w.ips:
            gained[w.node_name].update(dict.fromkeys(w.ips))

    def settled(w: Workload) -> Workload:
        if not w.host_network or w.node_name not in gained or w.ips:
            return w
        return replace(w, ips=tuple(gained[w.node_name]))

    for pods in workloads.pods.values():
        pods[:] = [settled(p) for p in pods]
    for ref, groups in workloads.templates.items():
        workloads.templates[ref] = tuple(settled(g) for g in groups)
    return tuple(n if len(gained[n.name]) == len(n.addresses) else replace(n, addresses=tuple(gained[n.name]))
                 for n in nodes)
