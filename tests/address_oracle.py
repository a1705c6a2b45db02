"""The addresses a pod may have under --ipblock-matches-pods, derived independently of netverify's own code.

Test oracles use it to enumerate concrete connections: a workload's pods have its known IPs (every one), else
any address of the families in use, probed at every boundary of every ipBlock (one more than the classes need).
"""

from __future__ import annotations

import dataclasses
import enum
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


_NETWORKS = (ipaddress.IPv4Network, ipaddress.IPv6Network)
_ADDRESSES = (ipaddress.IPv4Address, ipaddress.IPv6Address)
_SEEN: dict[int, tuple[object, tuple]] = {}  # id(cluster) -> (cluster, its networks): kept alive, so ids stay


def every_network(c) -> tuple:
    """Every network the cluster's objects hold anywhere (an address as its own /32 or /128), found by walking
    the whole model, not by asking netverify which fields the evaluator reads."""
    hit = _SEEN.get(id(c))
    if hit is not None and hit[0] is c:
        return hit[1]
    found: dict = {}
    stack, visited = [c], set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, _NETWORKS):
            found[obj] = None
        elif isinstance(obj, _ADDRESSES):
            found[ipaddress.ip_network(obj)] = None
        elif isinstance(obj, (str, bytes, int, float, bool, enum.Enum)) or obj is None:
            continue
        elif id(obj) in visited:
            continue
        else:
            visited.add(id(obj))
            if isinstance(obj, dict):
                stack += [*obj.keys(), *obj.values()]
            elif isinstance(obj, (tuple, list, set, frozenset)):
                stack += list(obj)
            elif dataclasses.is_dataclass(obj):
                stack += [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    out = tuple(found)
    if len(_SEEN) > 64:
        _SEEN.clear()
    _SEEN[id(c)] = (c, out)
    return out


def _one_per_class(addresses, networks):
    """The first address of each class of addresses that every network contains alike: the evaluator sees an
    address only through the networks of the input (and whether it is one of them), so the others of its class
    get its verdicts. Fewer probes make the pair products of the oracles tractable."""
    seen, out = set(), []
    for a in addresses:
        key = (a.version, tuple(a in n for n in networks if n.version == a.version))
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def probe_addresses(clusters, extra=()):
    fams = families(clusters, extra)
    out = {ipaddress.IPv4Address(0), ipaddress.IPv6Address(0)}
    for b in [*extra, *(b for c in clusters for b in _blocks(c))]:
        for net in (b.cidr, *b.excepts):
            for a in (int(net.network_address) - 1, int(net.network_address), int(net.broadcast_address),
                      int(net.broadcast_address) + 1):
                if 0 <= a < (1 << net.max_prefixlen):
                    out.add(ipaddress.IPv4Address(a) if net.version == 4 else ipaddress.IPv6Address(a))
    probes = sorted((a for a in out if a.version in fams), key=lambda a: (a.version, int(a)))
    networks = [*dict.fromkeys([*(n for b in extra for n in (b.cidr, *b.excepts)),
                                *(n for c in clusters for n in every_network(c))])]
    return _one_per_class(probes, networks)


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
