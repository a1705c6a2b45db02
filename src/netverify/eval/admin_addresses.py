"""When pod addresses decide a verdict beyond NetworkPolicy's ipBlock flag (AdminNetworkPolicy peers).

`networks` CIDRs match pod addresses always (the API says so), `nodes` peers name node addresses (which no
pod-network pod has), and a host-network pod read as node traffic is matched by ipBlocks through its node's
address. Whenever one of these is in the input, the encoding models pod addresses (smt/addresses.py) and the
address plans (eval/addresses.py) cut the address space by the CIDRs too, whatever --ipblock-matches-pods says.
"""

from __future__ import annotations

import ipaddress

from netverify.eval.calico_match import calico_blocks
from netverify.model.cluster import Cluster
from netverify.model.ipblock import IPBlock


def admin_peers(cluster: Cluster):
    return (peer for p in cluster.admin_policies for r in (*p.ingress, *p.egress) for peer in r.peers)


def has_np_ipblocks(cluster: Cluster) -> bool:
    return any(peer.ip_block is not None for p in cluster.policies for r in (*p.ingress, *p.egress)
               for peer in r.peers)


def addresses_matter(cluster: Cluster, ipblock_matches_pods: bool) -> bool:
    """Whether a pod's address can change a verdict (so every pod gets one in the encoding)."""
    if ipblock_matches_pods:
        return True
    if any(peer.networks or peer.nodes is not None for peer in admin_peers(cluster)):
        return True
    return cluster.has_host_network and has_np_ipblocks(cluster)


def admin_blocks(cluster: Cluster) -> tuple[IPBlock, ...]:
    """The `networks` CIDRs, Calico's nets and network sets, and one whole-family block per family of a node
    address (families in use)."""
    out = [b for peer in admin_peers(cluster) for b in peer.networks]
    out += calico_blocks(cluster)  # Calico nets and network sets match every address too
    families = {a.version for n in cluster.nodes for a in n.addresses}
    out += [IPBlock(ipaddress.ip_network("0.0.0.0/0" if v == 4 else "::/0")) for v in sorted(families)]
    return tuple(dict.fromkeys(out))


def node_addresses(cluster: Cluster):
    return tuple(dict.fromkeys(a for n in cluster.nodes for a in n.addresses))
