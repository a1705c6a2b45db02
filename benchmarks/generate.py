#!/usr/bin/env python3
"""Generate realistic Kubernetes clusters (manifests + a properties file) for netverify benchmarks.

    python benchmarks/generate.py small  --out /tmp/bench-small
    python benchmarks/generate.py --policies 500 --pods 5000 --seed 7 --format json --out /tmp/b
    python benchmarks/generate.py medium --out /tmp/bench-medium --mutate      # also writes head/ for diff

Stdlib + pyyaml only; deterministic for a given seed and arguments (same bytes). Importable:

    from generate import generate
    summary = generate("small", seed=1, out_dir="/tmp/b", fmt="yaml")
    summary = generate((100, 1000), seed=1, out_dir="/tmp/b", fmt="json", properties=20, mutate=4)

Layout of OUT:

    manifests/namespaces.yaml    Namespace objects (team/env labels)
    manifests/workloads.yaml     Deployments, their ReplicaSets, StatefulSets (the controllers)
    manifests/pods.yaml          Pods, owned (ownerReferences, controller: true) by a ReplicaSet/StatefulSet
    manifests/services.yaml      Services with named target ports
    manifests/policies.yaml      NetworkPolicies
    properties.yaml              properties (spec §5), `manifests: [manifests]`
    expected.json                {property name: "proven" | "violated"}, by construction (see README)
    head/manifests/...           with --mutate: the same cluster with a few rules widened/narrowed
    mutations.json               with --mutate: what was changed, where
    summary.json                 counts

With --format json every manifests file is a `kubectl get -o json`-style `List` (`*.json`).
"""

from __future__ import annotations

import argparse
import copy
import ipaddress
import itertools
import json
import os
import random
import sys
from pathlib import Path

import yaml

PRESETS = {"small": (100, 1_000), "medium": (1_000, 10_000), "large": (10_000, 100_000)}

NAME_LABEL = "kubernetes.io/metadata.name"
HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what kube uses for generated suffixes (no vowels)
PODS_PER_NODE = 110

TEAMS = [
    "checkout", "catalog", "search", "payments", "identity", "billing", "shipping", "inventory", "reviews",
    "recommend", "notify", "analytics", "pricing", "loyalty", "fraud", "support", "media", "ads", "ledger",
    "messaging", "warehouse", "returns", "partners", "content",
]
ENVS = [("prod", 5), ("staging", 3), ("dev", 2)]
PCI_TEAMS = {"payments", "billing", "ledger", "fraud"}

# tier -> (weight, controller kind, [(component name, [(port name, number, protocol)])])
METRICS = ("metrics", 9090, "TCP")
TIERS = {
    "frontend": (12, "Deployment", [
        ("web", [("http", 8080, "TCP"), METRICS]), ("ui", [("http", 8080, "TCP"), METRICS]),
        ("portal", [("http", 8080, "TCP"), METRICS]), ("admin", [("http", 8080, "TCP"), METRICS]),
        ("bff", [("http", 8080, "TCP"), ("https", 8443, "TCP"), METRICS]),
    ]),
    "backend": (40, "Deployment", [
        ("api", [("http", 8080, "TCP"), ("grpc", 9000, "TCP"), METRICS]),
        ("orders", [("http", 8080, "TCP"), METRICS]), ("users", [("grpc", 9000, "TCP"), METRICS]),
        ("auth", [("http", 8080, "TCP"), ("grpc", 9000, "TCP"), METRICS]),
        ("gateway", [("http", 8080, "TCP"), ("https", 8443, "TCP"), METRICS]),
        ("graphql", [("http", 4000, "TCP"), METRICS]), ("cart", [("grpc", 9000, "TCP"), METRICS]),
        ("diameter", [("diameter", 3868, "SCTP"), ("http", 8080, "TCP"), METRICS]),
        ("resolver", [("dns", 5353, "UDP"), ("http", 8080, "TCP"), METRICS]),
    ]),
    "worker": (20, "Deployment", [
        ("worker", [METRICS, ("statsd", 8125, "UDP")]), ("consumer", [METRICS]),
        ("scheduler", [METRICS]), ("indexer", [METRICS]), ("mailer", [METRICS]),
    ]),
    "db": (12, "StatefulSet", [
        ("postgres", [("postgres", 5432, "TCP"), ("metrics", 9187, "TCP")]),
        ("mysql", [("mysql", 3306, "TCP"), ("metrics", 9104, "TCP")]),
        ("mongo", [("mongodb", 27017, "TCP"), ("metrics", 9216, "TCP")]),
    ]),
    "cache": (8, "StatefulSet", [
        ("redis", [("redis", 6379, "TCP"), ("metrics", 9121, "TCP")]),
        ("memcached", [("memcache", 11211, "TCP"), ("metrics", 9150, "TCP")]),
    ]),
    "queue": (8, "StatefulSet", [
        ("kafka", [("kafka", 9092, "TCP"), ("metrics", 9308, "TCP")]),
        ("rabbitmq", [("amqp", 5672, "TCP"), ("metrics", 15692, "TCP")]),
        ("nats", [("client", 4222, "TCP"), ("metrics", 7777, "TCP")]),
    ]),
}
CALLS = {  # caller tier -> callee tiers
    "frontend": ["backend", "backend", "cache"],
    "backend": ["backend", "db", "db", "cache", "queue"],
    "worker": ["queue", "queue", "db", "cache", "backend"],
}
NON_SERVING = {"metrics", "statsd"}
REPLICAS = [1, 1, 2, 2, 3, 3, 3, 4, 5, 6]

# Outside-the-cluster address pools (the cluster uses 10.0.0.0/8). 192.0.2.0/24 (TEST-NET-1) is never used by a
# policy except under the 0.0.0.0/0 ingress blocks; properties use it as "somewhere on the internet".
PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
SAAS_FIRST_OCTETS = [3, 13, 18, 34, 35, 52, 54, 104, 142, 151, 162, 185]
UNUSED_NET = "192.0.2.0/24"

BASE_POLICIES = {"default-deny", "allow-dns", "allow-prometheus-scrape"}  # never mutated
SYSTEM_IMAGES = {"coredns": "registry.k8s.io/coredns/coredns:v1.11.1",
                 "prometheus": "quay.io/prometheus/prometheus:v2.51.0"}


class _Dumper(getattr(yaml, "CDumper", yaml.Dumper)):  # libyaml when pyyaml was built with it
    """libyaml emitter; shared sub-dicts are written out, never as &anchors."""

    def ignore_aliases(self, data):  # noqa: ARG002
        return True


def _yaml_slow(docs) -> str:
    """The reference: what libyaml's emitter writes for these documents."""
    return yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120)


class _BlockWriter:
    """Writes the same bytes as `_yaml_slow` for manifest-shaped data (dicts, lists of dicts or scalars, short
    single-line scalars), about ten times faster: PyYAML's Python-side representer/resolver is what costs, so
    each distinct scalar is rendered once by libyaml itself and cached. tests/test_generate.py checks the
    equivalence byte for byte."""

    def __init__(self):
        self.cache: dict = {}

    def scalar(self, v) -> str:
        key = (type(v), v)
        r = self.cache.get(key)
        if r is None:
            text = yaml.dump(v, Dumper=_Dumper, width=120)
            first, *rest = text.split("\n")
            if rest not in ([""], ["...", ""]):
                raise ValueError(f"not a single-line scalar: {v!r}")
            r = self.cache[key] = first
        return r

    def mapping(self, d: dict, ind: int, out: list, first_prefix: str | None = None):
        pad = " " * ind
        prefix = pad if first_prefix is None else first_prefix
        for k, v in d.items():
            key = self.scalar(k)
            if isinstance(v, dict):
                if v:
                    out.append(f"{prefix}{key}:\n")
                    self.mapping(v, ind + 2, out)
                else:
                    out.append(f"{prefix}{key}: {{}}\n")
            elif isinstance(v, list):
                if v:
                    out.append(f"{prefix}{key}:\n")
                    self.sequence(v, ind, out)
                else:
                    out.append(f"{prefix}{key}: []\n")
            else:
                out.append(f"{prefix}{key}: {self.scalar(v)}\n")
            prefix = pad

    def sequence(self, items: list, ind: int, out: list):
        pad = " " * ind
        for v in items:
            if isinstance(v, dict):
                if v:
                    self.mapping(v, ind + 2, out, first_prefix=pad + "- ")
                else:
                    out.append(pad + "- {}\n")
            elif isinstance(v, list):
                raise ValueError("nested sequences are not written by the fast path")
            else:
                out.append(f"{pad}- {self.scalar(v)}\n")

    def dump_all(self, docs) -> str:
        out: list[str] = []
        for i, doc in enumerate(docs):
            if i:
                out.append("---\n")
            self.mapping(doc, 0, out)
        return "".join(out)


_WRITER = _BlockWriter()


def _yaml(docs) -> str:
    docs = list(docs)
    try:
        return _WRITER.dump_all(docs)
    except ValueError:
        return _yaml_slow(docs)


# --- selector / rule semantics (spec §4), used to state each property's expected outcome -----------------------

def _sel_matches(sel: dict | None, labels: dict) -> bool:
    if sel is None:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        k, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def _block_contains(block: dict, ip: ipaddress.IPv4Address) -> bool:
    if ip not in ipaddress.ip_network(block["cidr"]):
        return False
    return not any(ip in ipaddress.ip_network(x) for x in block.get("except") or [])


def _block_may_overlap(block: dict, net: ipaddress.IPv4Network) -> bool:
    """Conservative: True unless the block certainly has no address in `net`."""
    cidr = ipaddress.ip_network(block["cidr"])
    if not cidr.overlaps(net):
        return False
    inter = net if net.subnet_of(cidr) else cidr
    return not any(inter.subnet_of(ipaddress.ip_network(x)) for x in block.get("except") or [])


def _policy_types(pol: dict) -> list[str]:
    spec = pol["spec"]
    if "policyTypes" in spec:
        return spec["policyTypes"]
    return ["Ingress"] + (["Egress"] if spec.get("egress") else [])


class _Eval:
    """Concrete evaluation of connections between existing workloads (and outside IPs)."""

    def __init__(self, namespaces: dict, policies: list[dict]):
        self.ns_labels = {n: ns["labels"] for n, ns in namespaces.items()}
        self.by_ns: dict[str, list[dict]] = {}
        self.cache: dict = {}  # (direction, id(workload)) -> (isolated, [(policy namespace, rule)])
        for p in policies:
            self.by_ns.setdefault(p["metadata"]["namespace"], []).append(p)

    def _peer_matches(self, peer: dict, pol_ns: str, other) -> bool:
        if isinstance(other, ipaddress.IPv4Address):
            return "ipBlock" in peer and _block_contains(peer["ipBlock"], other)
        if "ipBlock" in peer:
            return False
        if "namespaceSelector" in peer:
            if not _sel_matches(peer["namespaceSelector"], self.ns_labels[other.ns]):
                return False
        elif other.ns != pol_ns:
            return False
        return _sel_matches(peer.get("podSelector"), other.labels)

    @staticmethod
    def _port_matches(entry: dict, proto: str, port: int, dst) -> bool:
        if entry.get("protocol", "TCP") != proto:
            return False
        if "port" not in entry:
            return True
        p = entry["port"]
        if isinstance(p, str):
            return not isinstance(dst, ipaddress.IPv4Address) and any(
                n == p and pr == proto and num == port for n, num, pr in dst.ports)
        return p <= port <= entry.get("endPort", p)

    def side(self, direction: str, pod, other, proto: str, port: int, dst) -> bool:
        if isinstance(pod, ipaddress.IPv4Address):
            return True
        key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        ck = (direction, id(pod))
        rules = self.cache.get(ck)
        if rules is None:
            selecting = [p for p in self.by_ns.get(pod.ns, [])
                         if direction in _policy_types(p) and _sel_matches(p["spec"]["podSelector"], pod.labels)]
            rules = [(pol["metadata"]["namespace"], rule) for pol in selecting for rule in pol["spec"].get(key) or []]
            rules = self.cache[ck] = (bool(selecting), rules)
        isolated, rules = rules
        if not isolated:
            return True
        for pol_ns, rule in rules:
            peers = rule.get(peers_key) or []
            if peers and not any(self._peer_matches(pe, pol_ns, other) for pe in peers):
                continue
            ports = rule.get("ports") or []
            if not ports or any(self._port_matches(e, proto, port, dst) for e in ports):
                return True
        return False

    def allowed(self, src, dst, proto: str, port: int) -> bool:
        return self.side("Egress", src, dst, proto, port, dst) and self.side("Ingress", dst, src, proto, port, dst)

    def ns_may_reach_ns(self, a: str, b: str) -> bool:
        """Conservative, for any pod of `a` to any pod of `b`: False only if no egress rule of `a` can match a
        pod of `b` and every pod of `a` is egress-isolated (a default-deny)."""
        pols = self.by_ns.get(a, [])
        if not any(p["spec"]["podSelector"] == {} and "Egress" in _policy_types(p) for p in pols):
            return True
        for p in pols:
            for rule in p["spec"].get("egress") or []:
                peers = rule.get("to") or []
                if not peers:
                    return True
                for pe in peers:
                    if "ipBlock" in pe:
                        continue
                    if "namespaceSelector" in pe:
                        if _sel_matches(pe["namespaceSelector"], self.ns_labels[b]):
                            return True
                    elif a == b:
                        return True
        return False

    def ns_may_reach_net(self, a: str, net: ipaddress.IPv4Network) -> bool:
        pols = self.by_ns.get(a, [])
        if not any(p["spec"]["podSelector"] == {} and "Egress" in _policy_types(p) for p in pols):
            return True
        for p in pols:
            for rule in p["spec"].get("egress") or []:
                peers = rule.get("to") or []
                if not peers or any("ipBlock" in pe and _block_may_overlap(pe["ipBlock"], net) for pe in peers):
                    return True
        return False


# --- the cluster ---------------------------------------------------------------------------------------------------

class _Workload:
    __slots__ = ("ns", "name", "kind", "tier", "labels", "ports", "replicas", "team", "policied", "callers",
                 "callees")

    def __init__(self, ns, name, kind, tier, labels, ports, replicas, team):
        self.ns, self.name, self.kind, self.tier = ns, name, kind, tier
        self.labels, self.ports, self.replicas, self.team = labels, ports, replicas, team
        self.policied = False
        self.callers: list[tuple[_Workload, str]] = []  # (caller, port name on self)
        self.callees: list[tuple[_Workload, str]] = []

    @property
    def app(self) -> str:
        return self.labels.get("app") or self.labels["k8s-app"]

    def serving(self):
        return [p for p in self.ports if p[0] not in NON_SERVING]

    def port(self, name):
        return next(p for p in self.ports if p[0] == name)


class _Gen:
    def __init__(self, n_policies: int, n_pods: int, seed: int):
        if n_pods < 4:
            raise ValueError("--pods must be at least 4 (kube-dns and prometheus take 3)")
        if n_policies < 1:
            raise ValueError("--policies must be at least 1")
        self.n_policies, self.n_pods = n_policies, n_pods
        self.rng = random.Random(seed)
        self.namespaces: dict[str, dict] = {}
        self.workloads: list[_Workload] = []
        self.policies: list[dict] = []
        self.op_cycle = 0
        self.collision_done = False

    # small helpers
    def uid(self) -> str:
        h = f"{self.rng.getrandbits(122):031x}"  # a version-4 UUID's random bits, formatted by hand (fast)
        return f"{h[:8]}-{h[8:12]}-4{h[12:15]}-{'89ab'[int(h[15], 16) & 3]}{h[16:19]}-{h[19:31]}"

    def suffix(self, n: int) -> str:
        return "".join(self.rng.choice(HASH_ALPHABET) for _ in range(n))

    def version(self) -> str:
        r = self.rng
        return f"v{r.randint(0, 7)}.{r.randint(0, 30)}.{r.randint(0, 12)}"

    # namespaces and workloads
    def build_namespaces(self, n_app: int):
        r = self.rng
        self.namespaces["kube-system"] = {"labels": {NAME_LABEL: "kube-system"}, "team": None}
        self.namespaces["monitoring"] = {
            "labels": {NAME_LABEL: "monitoring", "team": "observability", "env": "prod"}, "team": "observability"}
        envs, weights = zip(*ENVS)
        for i in range(n_app):
            team = TEAMS[i % len(TEAMS)] if i < len(TEAMS) else r.choice(TEAMS)
            env = r.choices(envs, weights)[0]
            name, k = f"{team}-{env}", 2
            while name in self.namespaces:
                name, k = f"{team}-{env}-{k}", k + 1
            declared = {"team": team, "env": env}
            if team in PCI_TEAMS:
                declared["compliance"] = "pci"
            if r.random() < 0.3:
                declared["istio-injection"] = "enabled"
            self.namespaces[name] = {"labels": {NAME_LABEL: name, **declared}, "team": team}
        self.app_ns = [n for n in self.namespaces if n not in ("kube-system", "monitoring")]

    def build_workloads(self):
        r = self.rng
        dns = _Workload("kube-system", "coredns", "Deployment", "system", {"k8s-app": "kube-dns"},
                        [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")], 2, None)
        prom = _Workload("monitoring", "prometheus", "StatefulSet", "system",
                         {"app": "prometheus", "version": "v2.51.0"}, [("web", 9090, "TCP")], 1, "observability")
        self.workloads += [dns, prom]
        self.dns = dns
        remaining = self.n_pods - 3
        # namespaces get uneven shares of the workloads (a few big ones, many small ones)
        ns_weight = [min(r.paretovariate(1.5), 15.0) for _ in self.app_ns]
        tiers = list(TIERS)
        tier_w = [TIERS[t][0] for t in tiers]
        used: dict[str, set] = {n: set() for n in self.app_ns}
        ns_cum = list(itertools.accumulate(ns_weight))
        first = list(reversed(self.app_ns))  # every namespace gets at least one workload
        while remaining > 0:
            ns = first.pop() if first else r.choices(self.app_ns, cum_weights=ns_cum)[0]
            tier = r.choices(tiers, tier_w)[0]
            _, kind, comps = TIERS[tier]
            comp, ports = r.choice(comps)
            name, k = comp, 2
            while name in used[ns]:
                name, k = f"{comp}-{k}", k + 1
            used[ns].add(name)
            replicas = min(r.choice(REPLICAS), remaining)
            remaining -= replicas
            team = self.namespaces[ns]["team"]
            labels = {"app": name, "tier": tier, "version": self.version()}
            if tier in ("backend", "worker") and r.random() < 0.5:
                labels["role"] = "backend" if tier == "backend" else "worker"
            if r.random() < 0.15:
                labels["track"] = "stable"
            self.workloads.append(_Workload(ns, name, kind, tier, labels, list(ports), replicas, team))

    # policies
    def plan_edges(self, n_allow: int):
        r = self.rng
        apps = [w for w in self.workloads if w.ns in self.app_ns]
        # weighted sampling without replacement (key = u ** (1 / weight)): services and stores get policies
        # more often than workers, but every tier gets some
        weight = {"frontend": 1.0, "backend": 1.0, "db": 0.8, "cache": 0.7, "queue": 0.7, "worker": 0.4}
        keyed = sorted(((r.random() ** (1.0 / weight[w.tier]), i) for i, w in enumerate(apps)), reverse=True)
        self.policied = [apps[i] for _, i in keyed[: min(n_allow, len(apps))]]
        for w in self.policied:
            w.policied = True
        by_ns_tier: dict[tuple, list] = {}
        by_tier: dict[str, list] = {}
        for w in self.policied:
            if w.serving():
                by_ns_tier.setdefault((w.ns, w.tier), []).append(w)
                by_tier.setdefault(w.tier, []).append(w)
        for w in self.policied:
            for _ in range(r.choice([0, 1, 1, 2, 2, 3])) if w.tier in CALLS else ():
                tier = r.choice(CALLS[w.tier])
                pool = by_ns_tier.get((w.ns, tier)) if r.random() < 0.65 else None
                pool = pool or by_tier.get(tier)
                if not pool:
                    continue
                callee = r.choice(pool)
                if callee is w or any(c is callee for c, _ in w.callees):
                    continue
                port = r.choice(callee.serving())[0]
                w.callees.append((callee, port))
                callee.callers.append((w, port))

    def pod_selector_for(self, w: _Workload) -> dict:
        """The policy's own podSelector. The first two allow policies show all four operators."""
        c = self.op_cycle
        self.op_cycle += 1
        roll = self.rng.random()
        if c == 0 or (c > 1 and roll < 0.15):
            return {"matchExpressions": [{"key": "app", "operator": "In", "values": [w.app]},
                                         {"key": "track", "operator": "NotIn", "values": ["canary"]}]}
        if c == 1 or (c > 1 and roll < 0.25):
            return {"matchLabels": {"app": w.app},
                    "matchExpressions": [{"key": "version", "operator": "Exists"},
                                         {"key": "debug", "operator": "DoesNotExist"}]}
        return {"matchLabels": {"app": w.app}}

    def peer_for(self, me: _Workload, other: _Workload, ingress: bool) -> dict:
        """A peer that matches `other` (seen from a policy in me.ns), in one of the shapes people write."""
        r = self.rng
        roll = r.random()
        if ingress and "role" in other.labels and (roll < 0.05 or not self.collision_done):
            # the classic mistake: role=<x> "from any namespace" (namespaceSelector: {} AND podSelector),
            # harmless for today's workloads, open to any future pod that copies the label
            self.collision_done = True
            return {"namespaceSelector": {}, "podSelector": {"matchLabels": {"role": other.labels["role"]}}}
        if other.ns == me.ns:
            if roll < 0.7:
                return {"podSelector": {"matchLabels": {"app": other.app}}}
            if roll < 0.85:
                return {"podSelector": {"matchLabels": {"tier": other.tier}}}
            return {"podSelector": {"matchExpressions": [
                {"key": "app", "operator": "In", "values": sorted({other.app, f"{other.app}-canary"})},
                {"key": "track", "operator": "NotIn", "values": ["canary"]}]}}
        ons = self.namespaces[other.ns]["labels"]
        if roll < 0.55:
            return {"namespaceSelector": {"matchLabels": {NAME_LABEL: other.ns}},
                    "podSelector": {"matchLabels": {"app": other.app}}}
        if roll < 0.7:
            return {"namespaceSelector": {"matchLabels": {"team": ons["team"]}},
                    "podSelector": {"matchLabels": {"app": other.app}}}
        if roll < 0.82:
            return {"namespaceSelector": {"matchExpressions": [
                        {"key": "env", "operator": "In", "values": [ons["env"]]},
                        {"key": "team", "operator": "In", "values": [ons["team"]]}]},
                    "podSelector": {"matchExpressions": [
                        {"key": "tier", "operator": "In", "values": [other.tier]},
                        {"key": "debug", "operator": "DoesNotExist"}]}}
        if roll < 0.92:
            return {"namespaceSelector": {"matchExpressions": [
                        {"key": NAME_LABEL, "operator": "In", "values": [other.ns]}]},
                    "podSelector": {"matchExpressions": [
                        {"key": "app", "operator": "In", "values": [other.app]},
                        {"key": "version", "operator": "Exists"}]}}
        return {"namespaceSelector": {"matchLabels": {"team": ons["team"], "env": ons["env"]}}}

    def port_entry(self, target: _Workload, name: str) -> dict:
        """A port entry admitting `target`'s port `name`: by name, by number, or as a range around it."""
        _, num, proto = target.port(name)
        roll = self.rng.random()
        entry = {"protocol": proto} if proto != "TCP" or roll < 0.5 else {}
        if roll < 0.55:
            entry["port"] = name
        elif roll < 0.85 or num > 65000:
            entry["port"] = num
        else:
            lo = max(1, num - self.rng.choice([0, 10, 80, 1000]))
            entry["port"] = lo
            entry["endPort"] = min(65535, max(num, lo + self.rng.choice([1, 20, 100, 999])))
        if "protocol" not in entry and roll >= 0.5:
            entry = {"protocol": "TCP", **entry}
        return entry

    def saas_block(self) -> dict:
        r = self.rng
        prefix = r.choice([16, 20, 22, 24])
        net = ipaddress.ip_network(
            f"{r.choice(SAAS_FIRST_OCTETS)}.{r.randint(0, 255)}.{r.randint(0, 255)}.0/{prefix}", strict=False)
        block = {"cidr": str(net)}
        if r.random() < 0.5:
            sub = list(net.subnets(new_prefix=min(32, prefix + r.choice([2, 4, 6]))))
            block["except"] = [str(r.choice(sub))]
        return block

    def allow_policy(self, w: _Workload, name: str) -> dict:
        r = self.rng
        ingress: list[dict] = []
        egress: list[dict] = []
        # who calls me: group callers by port
        by_port: dict[str, list] = {}
        for caller, port in w.callers:
            if r.random() < 0.93:  # a few connections are only half-configured (egress side only)
                by_port.setdefault(port, []).append(caller)
        for port, callers in by_port.items():
            peers = []
            for c in callers:
                p = self.peer_for(w, c, ingress=True)
                if p not in peers:
                    peers.append(p)
            ingress.append({"from": peers, "ports": [self.port_entry(w, port)]})
        if w.tier == "frontend" and r.random() < 0.6:
            port = "https" if any(p[0] == "https" for p in w.ports) else "http"
            ingress.append({"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE)}}],
                            "ports": [{"protocol": "TCP", "port": port}]})
        elif w.tier == "backend" and r.random() < 0.1:
            ingress.append({"from": [{"ipBlock": self.saas_block()}],
                            "ports": [self.port_entry(w, w.serving()[0][0])]})
        if r.random() < 0.5 or (not ingress and not w.callees):
            ingress.append({"from": [{"namespaceSelector": {"matchLabels": {NAME_LABEL: "monitoring"}},
                                      "podSelector": {"matchLabels": {"app": "prometheus"}}}],
                            "ports": [{"protocol": "TCP", "port": "metrics"}]})
        # whom I call
        for callee, port in w.callees:
            egress.append({"to": [self.peer_for(w, callee, ingress=False)], "ports": [self.port_entry(callee, port)]})
        if w.tier in ("backend", "worker") and r.random() < 0.2:
            egress.append({"to": [{"ipBlock": self.saas_block()} for _ in range(r.choice([1, 1, 2]))],
                           "ports": [{"protocol": "TCP", "port": 443}]})
        if w.tier == "worker" and r.random() < 0.1:
            egress.append({"to": [{"ipBlock": {"cidr": f"{r.choice(SAAS_FIRST_OCTETS)}.{r.randint(0, 255)}.0.0/16"}}],
                           "ports": [{"protocol": "TCP", "port": 30000, "endPort": 32767}]})
        spec: dict = {"podSelector": self.pod_selector_for(w)}
        if not egress and r.random() < 0.4:
            spec["ingress"] = ingress  # policyTypes absent: Ingress only
        else:
            types = (["Ingress"] if ingress or not egress else []) + (["Egress"] if egress else [])
            spec["policyTypes"] = types
            if "Ingress" in types:
                spec["ingress"] = ingress
            if egress:
                spec["egress"] = egress
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": w.ns, "labels": {"app.kubernetes.io/managed-by": "helm"}},
                "spec": spec}

    def build_policies(self):
        n = self.n_policies
        base: list[dict] = []
        guarded = ["monitoring"] + self.app_ns
        for ns in guarded:
            base.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": {"name": "default-deny", "namespace": ns},
                         "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})
        for ns in guarded:
            base.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": {"name": "allow-dns", "namespace": ns},
                         "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                             "to": [{"namespaceSelector": {"matchLabels": {NAME_LABEL: "kube-system"}},
                                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                             "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}})
        base.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": "allow-prometheus-scrape", "namespace": "monitoring"},
                     "spec": {"podSelector": {"matchLabels": {"app": "prometheus"}}, "policyTypes": ["Egress"],
                              "egress": [{"to": [{"namespaceSelector": {}}],
                                          "ports": [{"protocol": "TCP", "port": "metrics"}]}]}})
        base = base[:n]
        n_allow = n - len(base)
        self.plan_edges(n_allow)
        allow: list[dict] = []
        names: set = set()
        i = 0
        while len(allow) < n_allow:
            w = self.policied[i % len(self.policied)]
            name = f"allow-{w.app}" if i < len(self.policied) else f"allow-{w.app}-extra-{i // len(self.policied)}"
            if (w.ns, name) in names:
                name = f"{name}-{i}"
            names.add((w.ns, name))
            allow.append(self.allow_policy(w, name))
            i += 1
        self.policies = base + allow

    def build(self):
        n_app = max(1, min(self.n_policies // 10, (self.n_pods - 3) // 2, 2000))
        self.build_namespaces(n_app)
        self.build_workloads()
        self.build_policies()


# --- emitting objects ---------------------------------------------------------------------------------------------

def _containers(w: _Workload, registry_team: str) -> list[dict]:
    ports = []
    for name, num, proto in w.ports:
        ports.append({"name": name, "containerPort": num, "protocol": proto})
    image = SYSTEM_IMAGES.get(w.name) or f"registry.example.com/{registry_team}/{w.name}:{w.labels['version'][1:]}"
    return [{"name": w.name, "image": image, "ports": ports,
             "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]


def _emit(gen: _Gen):
    """Namespaces, controllers, pod texts and services; pods are produced as (template dict, replica values)."""
    r = gen.rng
    namespaces = []
    for name, ns in gen.namespaces.items():
        meta = {"name": name, "uid": gen.uid(), "labels": dict(ns["labels"])}
        namespaces.append({"apiVersion": "v1", "kind": "Namespace", "metadata": meta})
    controllers, services, pod_groups = [], [], []
    for w in gen.workloads:
        team = w.team or "kube-system"
        containers = _containers(w, team)
        selector = {"matchLabels": {"app": w.app}} if "app" in w.labels else {"matchLabels": dict(w.labels)}
        ctrl_uid = gen.uid()
        meta = {"name": w.name, "namespace": w.ns, "uid": ctrl_uid,
                "labels": {k: v for k, v in w.labels.items() if k != "version"}}
        template = {"metadata": {"labels": dict(w.labels)}, "spec": {"containers": containers}}
        if w.kind == "Deployment":
            pth = gen.suffix(10)
            rs_name, rs_uid = f"{w.name}-{pth}", gen.uid()
            controllers.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                                "spec": {"replicas": w.replicas, "selector": selector, "template": template}})
            rs_labels = {**w.labels, "pod-template-hash": pth}
            controllers.append({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": rs_name, "namespace": w.ns, "uid": rs_uid, "labels": rs_labels,
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": w.name,
                                                  "uid": ctrl_uid, "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "spec": {"replicas": w.replicas,
                         "selector": {"matchLabels": {**selector["matchLabels"], "pod-template-hash": pth}},
                         "template": {"metadata": {"labels": rs_labels}, "spec": {"containers": containers}}}})
            owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name, "uid": rs_uid,
                     "controller": True, "blockOwnerDeletion": True}
            pod_labels = rs_labels
            names = [f"{rs_name}-{gen.suffix(5)}" for _ in range(w.replicas)]
        else:
            crh = f"{w.name}-{gen.suffix(10)}"
            controllers.append({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta,
                                "spec": {"replicas": w.replicas, "serviceName": w.name, "selector": selector,
                                         "template": template}})
            owner = {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": w.name, "uid": ctrl_uid,
                     "controller": True, "blockOwnerDeletion": True}
            pod_labels = {**w.labels, "controller-revision-hash": crh,
                          "statefulset.kubernetes.io/pod-name": "zzpodnamezz"}
            names = [f"{w.name}-{i}" for i in range(w.replicas)]
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "zzpodnamezz", "namespace": w.ns, "uid": "zzpoduidzz",
                            "labels": pod_labels, "ownerReferences": [owner]},
               "spec": {"containers": containers, "nodeName": "zznodezz"},
               "status": {"phase": "Running", "hostIP": "zzhostipzz", "podIP": "zzpodipzz",
                          "podIPs": [{"ip": "zzpodipzz"}]}}
        pod_groups.append((pod, [(n, gen.uid()) for n in names]))
        if w.serving():
            ports = [{"name": n, "port": (80 if n == "http" else num), "protocol": proto, "targetPort": n}
                     for n, num, proto in w.serving()]
            svc = {"apiVersion": "v1", "kind": "Service",
                   "metadata": {"name": "kube-dns" if w is gen.dns else w.name, "namespace": w.ns,
                                "uid": gen.uid()},
                   "spec": {"selector": dict(selector["matchLabels"]), "ports": ports}}
            if w.kind == "StatefulSet" and r.random() < 0.5:
                svc["spec"]["clusterIP"] = "None"
            services.append(svc)
    return namespaces, controllers, pod_groups, services


def _pod_replicas(pod_groups):
    """(template, [(name, uid, node, hostIP, podIP)]) with node/IP assignment: PODS_PER_NODE per node."""
    i = 0
    for pod, reps in pod_groups:
        rows = []
        for name, uid in reps:
            node = i // PODS_PER_NODE
            slot = i % PODS_PER_NODE
            rows.append((name, uid, f"node-{node:05d}", f"10.0.{node // 250}.{node % 250 + 1}",
                         f"10.{128 + node // 256}.{node % 256}.{slot + 2}"))
            i += 1
        yield pod, rows


def _fill(text: str, row) -> str:
    name, uid, node, host, ip = row
    return (text.replace("zzpodnamezz", name).replace("zzpoduidzz", uid).replace("zznodezz", node)
            .replace("zzhostipzz", host).replace("zzpodipzz", ip))


def _json_list_open() -> str:
    return '{\n    "apiVersion": "v1",\n    "items": [\n'


def _json_list_close() -> str:
    return '\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'


def _json_item(obj) -> str:
    return "\n".join("        " + line for line in json.dumps(obj, indent=4).split("\n"))


def _write_docs(path: Path, docs: list[dict], fmt: str):
    if fmt == "yaml":
        path.write_text(_yaml(docs) if docs else "")
    else:
        path.write_text(_json_list_open() + ",\n".join(_json_item(d) for d in docs) + _json_list_close())


def _write_pods(path: Path, pod_groups, fmt: str):
    with path.open("w") as fh:
        first = True
        if fmt == "json":
            fh.write(_json_list_open())
        for pod, rows in _pod_replicas(pod_groups):
            if fmt == "yaml":
                text = _yaml([pod])
                fh.write("".join(("" if first and k == 0 else "---\n") + _fill(text, row)
                                 for k, row in enumerate(rows)))
            else:
                text = _json_item(pod)
                fh.write(("" if first else ",\n") + ",\n".join(_fill(text, row) for row in rows))
            first = False
        if fmt == "json":
            fh.write(_json_list_close())


# --- properties -------------------------------------------------------------------------------------------------

class _Props:
    def __init__(self, gen: _Gen, ev: _Eval):
        self.gen, self.ev, self.r = gen, ev, gen.rng
        self.items: list[dict] = []
        self.expected: dict[str, str] = {}
        self.seen: set = set()
        self.by_ns: dict[str, list[_Workload]] = {}
        for w in gen.workloads:
            self.by_ns.setdefault(w.ns, []).append(w)
        # existing allowed connections along planned edges: (src, dst, port name)
        self.allowed_edges, self.blocked_edges = [], []
        for w in gen.policied:
            for callee, port in w.callees:
                _, num, proto = callee.port(port)
                (self.allowed_edges if ev.allowed(w, callee, proto, num) else self.blocked_edges).append(
                    (w, callee, port))
        self.collisions = [(pol, rule, peer) for pol in gen.policies
                           for rule in pol["spec"].get("ingress") or [] for peer in rule.get("from") or []
                           if peer.get("namespaceSelector") == {} and "podSelector" in peer]

    def add(self, slug: str, desc: str, src: dict, dst: dict, expect: str, scope: str, status: str, ports=None):
        """Add a property unless an identical one exists; False if it does."""
        sig = json.dumps([src, dst, ports, expect, scope], sort_keys=True)
        if sig in self.seen:
            return False
        self.seen.add(sig)
        name = f"p{len(self.items) + 1:03d}-{slug}"[:120]
        prop = {"name": name, "description": f"{desc} (expected: {status})", "from": src, "to": dst}
        if ports:
            prop["ports"] = ports
        prop.update({"expect": expect, "scope": scope})
        self.items.append(prop)
        self.expected[name] = status
        return True

    @staticmethod
    def wl(w: _Workload) -> dict:
        return {"namespace": w.ns, "workload": f"{w.kind}/{w.name}"}

    @staticmethod
    def pods(w: _Workload) -> dict:
        return {"namespace": w.ns, "podSelector": {"matchLabels": {"app": w.app}}}

    @staticmethod
    def portspec(w: _Workload, name: str) -> list[dict]:
        _, num, proto = w.port(name)
        return [{"protocol": proto, "port": num}]

    def any_allowed(self, srcs, dsts, proto: str, port: int):
        """Is some connection between distinct existing pods allowed? None when only replicas of one
        workload talking to each other decide it (whether those count is not ours to guess)."""
        between = any(self.ev.allowed(x, y, proto, port) for x in srcs for y in dsts if x is not y)
        if between:
            return True
        if any(x is y and x.replicas > 1 and self.ev.allowed(x, x, proto, port) for x in srcs for y in dsts):
            return None
        return False

    def ns_pair(self, reachable: bool, tries: int = 200):
        app = self.gen.app_ns
        for _ in range(tries):
            a, b = self.r.choice(app), self.r.choice(app)
            if a != b and self.ev.ns_may_reach_ns(a, b) == reachable:
                return a, b
        return None

    def blocked_pair(self, tries: int = 200):
        ws = [w for w in self.gen.workloads if w.ns in self.gen.app_ns and w.serving()]
        if len(ws) < 2:
            return None
        if self.blocked_edges and self.r.random() < 0.5:
            return self.r.choice(self.blocked_edges)
        for _ in range(tries):
            a, b = self.r.choice(ws), self.r.choice(ws)
            port = self.r.choice(b.serving())[0]
            _, num, proto = b.port(port)
            if a is not b and not self.ev.allowed(a, b, proto, num):
                return a, b, port
        return None

    # one builder per kind; each returns False when the cluster has nothing to build it from
    def unreachable_any_proven(self):
        pair = self.ns_pair(False)
        if not pair:
            return False
        a, b = pair
        return self.add(f"{a}-never-reaches-{b}", f"no pod of {a}, present or future, reaches {b}",
                        {"namespace": a}, {"namespace": b}, "unreachable", "any", "proven")

    def unreachable_any_violated(self):
        if not self.allowed_edges:
            return False
        a, b, port = self.r.choice(self.allowed_edges)
        return self.add(f"{a.app}-in-{a.ns}-never-reaches-{b.app}-in-{b.ns}",
                        f"{a.app} ({a.ns}) never reaches {b.app} ({b.ns}) on {port}",
                        self.pods(a), self.pods(b), "unreachable", "any", "violated", self.portspec(b, port))

    def existing_pair(self, allowed_share):
        """An allowed edge with probability `allowed_share` (when there is one), else a blocked pair; and
        whether it is allowed. None when no pair can be had."""
        if self.allowed_edges and self.r.random() < allowed_share:
            a, b, port = self.r.choice(self.allowed_edges)
        else:
            pick = self.blocked_pair()
            if not pick:
                return None
            a, b, port = pick
        _, num, proto = b.port(port)
        return a, b, port, self.ev.allowed(a, b, proto, num)

    def reachable_existing(self):
        pick = self.existing_pair(0.6)
        if pick is None:
            return False
        a, b, port, allowed = pick
        status = "proven" if allowed else "violated"
        return self.add(f"{a.name}-reaches-{b.name}-{port}", f"{a.ns}/{a.name} reaches {b.ns}/{b.name} on {port}",
                        self.wl(a), self.wl(b), "reachable", "existing", status, self.portspec(b, port))

    def reachable_existing_service(self):
        if not self.allowed_edges:
            return False
        a, b, _ = self.r.choice(self.allowed_edges)
        # every service port must be reachable for a proof
        status = "proven" if all(self.ev.allowed(a, b, proto, num) for _, num, proto in b.serving()) else "violated"
        return self.add(f"{a.name}-reaches-service-{b.name}",
                        f"{a.ns}/{a.name} reaches every port of service {b.ns}/{b.name}",
                        self.wl(a), {"namespace": b.ns, "service": b.name}, "reachable", "existing", status)

    def possible_existing(self):
        pick = self.existing_pair(0.5)
        if pick is None:
            return False
        a, b, port, allowed = pick
        status = "proven" if allowed else "violated"
        return self.add(f"{a.name}-may-reach-{b.name}-{port}", f"{a.ns}/{a.name} can reach {b.ns}/{b.name} on {port}",
                        self.wl(a), self.wl(b), "possible", "existing", status, self.portspec(b, port))

    def reachable_any_dns(self):
        guarded = {p["metadata"]["namespace"] for p in self.gen.policies if p["metadata"]["name"] == "allow-dns"}
        cands = [n for n in self.gen.app_ns if n in guarded]
        if not cands:
            return False
        a = self.r.choice(cands)
        dns = {"namespace": "kube-system", "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
        return self.add(f"{a}-resolves-dns", f"every pod of {a}, present or future, can use the cluster DNS",
                        {"namespace": a}, dns, "reachable", "any", "proven",
                        [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}])

    def reachable_any_internet(self):
        guarded = {p["metadata"]["namespace"] for p in self.gen.policies
                   if p["metadata"]["name"] == "default-deny"}
        cands = [n for n in self.gen.app_ns if n in guarded]
        if not cands:
            return False
        a = self.r.choice(cands)
        # a future pod of `a` with a fresh app label is selected only by default-deny and allow-dns
        return self.add(f"{a}-reaches-internet-https", f"every pod of {a} reaches the internet on 443",
                        {"namespace": a}, {"ipBlock": {"cidr": UNUSED_NET}}, "reachable", "any", "violated",
                        [{"protocol": "TCP", "port": 443}])

    def unreachable_any_internet(self):
        net = ipaddress.ip_network(UNUSED_NET)
        cands = [n for n in self.gen.app_ns if not self.ev.ns_may_reach_net(n, net)]
        if not cands:
            return False
        a = self.r.choice(cands)
        return self.add(f"{a}-no-egress-to-{net.network_address}", f"no pod of {a} reaches {net}",
                        {"namespace": a}, {"ipBlock": {"cidr": str(net)}}, "unreachable", "any", "proven")

    def possible_any(self):
        if self.allowed_edges and self.r.random() < 0.5:
            a, b, _ = self.r.choice(self.allowed_edges)
            return self.add(f"{a.ns}-may-reach-{b.ns}", f"some pod of {a.ns} can reach some pod of {b.ns}",
                            {"namespace": a.ns}, {"namespace": b.ns}, "possible", "any", "proven")
        pair = self.ns_pair(False)
        if not pair:
            return False
        a, b = pair
        return self.add(f"{a}-may-reach-{b}", f"some pod of {a} can reach some pod of {b}",
                        {"namespace": a}, {"namespace": b}, "possible", "any", "violated")

    def unreachable_existing(self):
        if self.allowed_edges and self.r.random() < 0.4:
            a, b, port = self.r.choice(self.allowed_edges)
        else:
            pick = self.blocked_pair()
            if not pick:
                return False
            a, b, port = pick
        _, num, proto = b.port(port)
        # namespace-wide: every existing workload of a.ns to every one of b.ns, on that port
        hit = self.any_allowed(self.by_ns[a.ns], self.by_ns[b.ns], proto, num)
        if hit is None:
            return False
        return self.add(f"{a.ns}-to-{b.ns}-closed-on-{num}-{proto.lower()}",
                        f"no existing workload of {a.ns} reaches one of {b.ns} on {num}/{proto}",
                        {"namespace": a.ns}, {"namespace": b.ns}, "unreachable", "existing",
                        "violated" if hit else "proven", [{"protocol": proto, "port": num}])

    def collision(self):
        if not self.collisions:
            return False
        pol, rule, peer = self.r.choice(self.collisions)
        ns = pol["metadata"]["namespace"]
        targets = [w for w in self.by_ns[ns] if _sel_matches(pol["spec"]["podSelector"], w.labels)]
        if not targets:
            return False
        dst = targets[0]
        port_entry = (rule.get("ports") or [{}])[0]
        p = port_entry.get("port")
        if isinstance(p, str):
            hits = [cp for cp in dst.ports if cp[0] == p and cp[2] == port_entry.get("protocol", "TCP")]
            if not hits:
                return False
            num, proto = hits[0][1], hits[0][2]
        elif p is None:
            num, proto = dst.serving()[0][1], dst.serving()[0][2]
        else:
            num, proto = p, port_entry.get("protocol", "TCP")
        role = peer["podSelector"]["matchLabels"]["role"]
        # allowed callers: the namespaces where role=<role> workloads exist today
        home = sorted({w.ns for w in self.gen.workloads if w.labels.get("role") == role})
        src = {"namespaceSelector": {"matchExpressions": [
            {"key": NAME_LABEL, "operator": "NotIn", "values": home or ["none"]}]}}
        ports = [{"protocol": proto, "port": num}]
        # any: a pod labelled role=<role> in a namespace created tomorrow (no policies) gets in
        self.add(f"{dst.name}-in-{ns}-only-from-{role}-namespaces",
                 f"{ns}/{dst.name} on {num}/{proto} only from the namespaces that run role={role} today",
                 src, self.pods(dst), "unreachable", "any", "violated", ports)
        hit = self.any_allowed([x for x in self.gen.workloads if x.ns not in home],
                               [y for y in self.by_ns[ns] if y.app == dst.app], proto, num)
        if hit is None:
            return True
        return self.add(f"{dst.name}-in-{ns}-only-from-{role}-namespaces-today",
                        "same, for the existing workloads", src, self.pods(dst), "unreachable", "existing",
                        "violated" if hit else "proven", ports)

    def build(self, k: int):
        kinds = [self.unreachable_any_proven, self.unreachable_any_violated, self.reachable_existing,
                 self.possible_existing, self.reachable_any_dns, self.reachable_any_internet, self.possible_any,
                 self.unreachable_existing, self.collision, self.unreachable_any_internet,
                 self.reachable_existing_service]
        misses = 0
        i = 0
        while len(self.items) < k and misses < len(kinds):
            ok = kinds[i % len(kinds)]()
            i += 1
            misses = 0 if ok else misses + 1
        for prop in self.items[k:]:
            del self.expected[prop["name"]]
        del self.items[k:]
        return self.items, self.expected


# --- mutations (head version for diff benchmarks) -------------------------------------------------------------

def _mutate(policies: list[dict], count: int, rng: random.Random):
    head = list(policies)
    done = []
    kinds = ["drop-pod-selector", "drop-ports", "remove-rule", "widen-ipblock", "narrow-peer"]
    touched: set = set()
    attempts = 0
    while len(done) < count and attempts < count * 200:
        attempts += 1
        kind = kinds[len(done) % len(kinds)] if attempts < count * 100 else rng.choice(kinds)
        i = rng.randrange(len(head))
        if i in touched or head[i]["metadata"]["name"] in BASE_POLICIES:
            continue
        pol = copy.deepcopy(head[i])
        spec = pol["spec"]
        direction = rng.choice(["ingress", "egress"])
        rules = spec.get(direction) or []
        if not rules:
            continue
        j = rng.randrange(len(rules))
        rule = rules[j]
        pk = "from" if direction == "ingress" else "to"
        peers = rule.get(pk) or []
        what = None
        if kind == "drop-pod-selector":
            cand = [k for k, p in enumerate(peers) if "namespaceSelector" in p and "podSelector" in p]
            if cand:
                k = rng.choice(cand)
                del peers[k]["podSelector"]
                what = f"{direction}[{j}].{pk}[{k}]: podSelector removed (the whole namespace is admitted)"
        elif kind == "drop-ports":
            if rule.get("ports"):
                del rule["ports"]
                what = f"{direction}[{j}]: ports removed (every port and protocol)"
        elif kind == "remove-rule":
            if len(rules) > 1:
                del rules[j]
                what = f"{direction}[{j}]: rule removed"
        elif kind == "widen-ipblock":
            cand = [k for k, p in enumerate(peers) if "ipBlock" in p and p["ipBlock"]["cidr"] != "0.0.0.0/0"]
            if cand:
                k = rng.choice(cand)
                net = ipaddress.ip_network(peers[k]["ipBlock"]["cidr"])
                wider = net.supernet(new_prefix=max(8, net.prefixlen - 8))
                peers[k]["ipBlock"] = {"cidr": str(wider)}
                what = f"{direction}[{j}].{pk}[{k}]: ipBlock {net} widened to {wider}, except dropped"
        elif kind == "narrow-peer":
            cand = [k for k, p in enumerate(peers) if "podSelector" in p]
            if cand:
                k = rng.choice(cand)
                sel = peers[k]["podSelector"]
                sel.setdefault("matchLabels", {})["track"] = "canary"
                what = f"{direction}[{j}].{pk}[{k}]: podSelector narrowed to track=canary"
        if what is None:
            continue
        touched.add(i)
        head[i] = pol
        done.append({"policy": f"{pol['metadata']['namespace']}/{pol['metadata']['name']}", "kind": kind,
                     "change": what, "effect": "narrowed" if kind in ("remove-rule", "narrow-peer") else "widened"})
    return head, done


# --- entry points -------------------------------------------------------------------------------------------------

def _counts(preset_or_counts) -> tuple[int, int]:
    if isinstance(preset_or_counts, str):
        if preset_or_counts not in PRESETS:
            raise ValueError(f"unknown preset {preset_or_counts!r}; one of {', '.join(PRESETS)}")
        return PRESETS[preset_or_counts]
    if isinstance(preset_or_counts, dict):
        return int(preset_or_counts["policies"]), int(preset_or_counts["pods"])
    n_policies, n_pods = preset_or_counts
    return int(n_policies), int(n_pods)


def _write_manifests(root: Path, fmt: str, namespaces, controllers, pod_groups, services, policies):
    root.mkdir(parents=True, exist_ok=True)
    ext = "yaml" if fmt == "yaml" else "json"
    _write_docs(root / f"namespaces.{ext}", namespaces, fmt)
    _write_docs(root / f"workloads.{ext}", controllers, fmt)
    _write_pods(root / f"pods.{ext}", pod_groups, fmt)
    _write_docs(root / f"services.{ext}", services, fmt)
    _write_docs(root / f"policies.{ext}", policies, fmt)


def generate(preset_or_counts="small", seed: int = 0, out_dir="bench-out", fmt: str = "yaml",
             properties: int = 50, mutate: int = 0) -> dict:
    """Write a cluster to out_dir; return a summary (counts and paths). preset_or_counts: a preset name,
    (policies, pods) or {"policies": N, "pods": M}. mutate > 0 also writes head/ with that many changed rules."""
    if fmt not in ("yaml", "json"):
        raise ValueError("fmt must be 'yaml' or 'json'")
    n_policies, n_pods = _counts(preset_or_counts)
    gen = _Gen(n_policies, n_pods, seed)
    gen.build()
    namespaces, controllers, pod_groups, services = _emit(gen)
    out = Path(out_dir)
    _write_manifests(out / "manifests", fmt, namespaces, controllers, pod_groups, services, gen.policies)

    ev = _Eval(gen.namespaces, gen.policies)
    props, expected = _Props(gen, ev).build(properties)
    (out / "properties.yaml").write_text(
        "# Generated by benchmarks/generate.py; expected outcomes in expected.json.\n"
        + yaml.dump({"manifests": ["manifests"], "properties": props}, Dumper=_Dumper, sort_keys=False,
                    default_flow_style=False, width=120))
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")

    summary = {
        "seed": seed, "format": fmt, "namespaces": len(namespaces), "workloads": len(gen.workloads),
        "controllers": len(controllers), "pods": sum(len(rows) for _, rows in pod_groups),
        "services": len(services), "policies": len(gen.policies), "properties": len(props),
        "expected": {s: sum(1 for v in expected.values() if v == s) for s in ("proven", "violated")},
        "manifests": "manifests", "properties_file": "properties.yaml",
    }
    if mutate:
        head, changes = _mutate(gen.policies, mutate, random.Random(f"{seed}-mutate"))
        head_root = out / "head" / "manifests"
        head_root.mkdir(parents=True, exist_ok=True)
        ext = "yaml" if fmt == "yaml" else "json"
        for f in ("namespaces", "workloads", "pods", "services"):
            src = out / "manifests" / f"{f}.{ext}"
            dst = head_root / f"{f}.{ext}"
            if dst.exists() or dst.is_symlink():
                dst.unlink()
            dst.write_bytes(src.read_bytes())
        _write_docs(head_root / f"policies.{ext}", head, fmt)
        (out / "mutations.json").write_text(json.dumps(changes, indent=2) + "\n")
        summary["mutations"] = len(changes)
        summary["head"] = "head/manifests"
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")  # no absolute paths: same bytes
    return {**summary, "out_dir": str(out)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("preset", nargs="?", choices=sorted(PRESETS), help="small | medium | large")
    ap.add_argument("--policies", type=int, help="number of NetworkPolicies (with --pods, instead of a preset)")
    ap.add_argument("--pods", type=int, help="number of Pods")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="output directory (default: bench-<preset or N-M>)")
    ap.add_argument("--format", choices=["yaml", "json"], default="yaml")
    ap.add_argument("--properties", type=int, default=50, metavar="K", help="number of properties (default 50)")
    ap.add_argument("--mutate", type=int, nargs="?", const=4, default=0, metavar="N",
                    help="also write head/ with N rules widened/narrowed (default N=4)")
    args = ap.parse_args(argv)
    if args.preset and (args.policies or args.pods):
        ap.error("give a preset or --policies/--pods, not both")
    if args.preset:
        counts, label = args.preset, args.preset
    elif args.policies and args.pods:
        counts, label = (args.policies, args.pods), f"{args.policies}-{args.pods}"
    else:
        ap.error("give a preset, or both --policies and --pods")
    try:
        summary = generate(counts, seed=args.seed, out_dir=args.out or f"bench-{label}", fmt=args.format,
                           properties=args.properties, mutate=args.mutate)
    except ValueError as e:
        ap.error(str(e))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
