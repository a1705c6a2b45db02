"""The addresses a pod may have under --ipblock-matches-pods, derived independently of netverify's own code.

Test oracles use it to enumerate concrete connections: a workload's pods have its known IPs (every one), else
any address of the families in use, probed at every boundary of every ipBlock (one more than the classes need).
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from netverify.eval.concrete import endpoint_of


def _blocks(c):
    return [pe.ip_block for p in c.policies for r in (*p.ingress, *p.egress) for pe in r.peers if pe.ip_block]


def families(clusters, extra=()):
    seen = {b.version for b in extra}
    for c in clusters:
        seen |= {ip.version for w in c.workloads for ip in w.ips} | {b.version for b in _blocks(c)}
    return seen or {4}


def probe_addresses(clusters, extra=()):
    fams = families(clusters, extra)
    out = {ipaddress.IPv4Address(0), ipaddress.IPv6Address(0)}
    for b in [*extra, *(b for c in clusters for b in _blocks(c))]:
        for net in (b.cidr, *b.excepts):
            for a in (int(net.network_address) - 1, int(net.network_address), int(net.broadcast_address),
                      int(net.broadcast_address) + 1):
                if 0 <= a < (1 << net.max_prefixlen):
                    out.add(ipaddress.IPv4Address(a) if net.version == 4 else ipaddress.IPv6Address(a))
    return sorted((a for a in out if a.version in fams), key=lambda a: (a.version, int(a)))


def replicas(c, w, flag, clusters=None, extra=()):
    """One endpoint per address a pod of `w` may have (without the flag: one, without an address)."""
    base = endpoint_of(c, w)
    if not flag:
        return [replace(base, ip=None)]
    addresses = list(w.ips) or probe_addresses(clusters or [c], extra)
    return [replace(base, ip=a) for a in addresses]


def same_family(a, b):
    return a.ip is None or b.ip is None or a.ip.version == b.ip.version


def one_pod_address(a, b):
    """Both ends are pods on the pod network at one address: two pods never are (the CNI gives each its own)."""
    pods = all(getattr(e, "namespace", None) is not None for e in (a, b))
    host = any(getattr(getattr(e, "workload", None), "host_network", False) for e in (a, b))
    return pods and not host and a.ip is not None and a.ip == b.ip


def stand_in(ip, clusters, extra=()):
    """Another address of ip's family that every ipBlock matches as it matches ip, or None: a pod there gets
    the verdicts a pod at ip would (found by probing, not by netverify's ranges)."""
    blocks = [*extra, *(b for c in clusters for b in _blocks(c))]
    top = (1 << ip.max_prefixlen) - 1
    near = [type(ip)(v) for v in (int(ip) + 1, int(ip) - 1) if 0 <= v <= top]
    probes = [a for a in probe_addresses(clusters, extra) if a.version == ip.version]
    for a in near + probes:
        if a != ip and all(b.contains(a) == b.contains(ip) for b in blocks):
            return a
    return None
