"""Hypothesis strategies for the Calico differential tests: clusters with Calico tiers, policies, network sets,
ServiceAccounts, Kubernetes NetworkPolicies and now and then admin policies (kube-admin / kube-baseline).

Small domains on purpose: few tiers and orders (ties, omitted orders, undefined tiers), every action (Allow,
Deny, Pass, Log), selector expressions with every operator (string tests over multi-letter values), Calico's
own keys (projectcalico.org/namespace, pcns.*, pcsa.*, the service account), nets / notNets that pod addresses
fall in, ports / notPorts (numbers, ranges, named ports), protocols and notProtocol, network sets.
"""

from __future__ import annotations

import dataclasses

from hypothesis import strategies as st

from calico_builders import (
    cpolicy, cport as calport, crule, entity, netset, profile, service_account, tier, with_calico,
)
from differential_strategies import (
    NAMESPACES, PORT_NAMES, admin_policies, clusters, networks4, policies,
)
from netverify.model.calico import IcmpMatch, ServiceAccountMatch
from netverify.model.calico_selector import (
    All, And, Contains, EndsWith, Equals, Global, Has, In, Not, NotEquals, NotIn, Or, StartsWith,
)

KEYS = ["app", "tier", "role"]
STRING_VALUES = ["a", "b", "ab", "ba", "abc", "z"]
CALICO_KEYS = ["pcns.team", "projectcalico.org/namespace", "pcsa.level", "projectcalico.org/serviceaccount",
               "projectcalico.org/orchestrator"]
KEY_VALUES = {"pcns.team": ["a", "b", "c"], "projectcalico.org/namespace": NAMESPACES + ["new"],
              "pcsa.level": ["gold", "silver"], "projectcalico.org/serviceaccount": ["default", "sa1", "sa2"],
              "projectcalico.org/orchestrator": ["k8s", "other"]}
ACCOUNTS = ["default", "sa1", "sa2"]
TIERS = ["default", "t1", "t2"]
ORDERS = [None, 1.0, 5.0, 5.0, 1000.0, 2000.0]


@st.composite
def atoms(draw, keys=None):
    key = draw(st.sampled_from(keys or (KEYS + KEYS + CALICO_KEYS)))
    values = KEY_VALUES.get(key, STRING_VALUES)
    value = st.sampled_from(values)
    kind = draw(st.sampled_from(["has", "eq", "ne", "in", "notin", "contains", "starts", "ends"]))
    if kind == "has":
        return Has(key)
    if kind == "eq":
        return Equals(key, draw(value))
    if kind == "ne":
        return NotEquals(key, draw(value))
    if kind in ("in", "notin"):
        vals = frozenset(draw(st.lists(value, min_size=1, max_size=2)))
        return In(key, vals) if kind == "in" else NotIn(key, vals)
    part = draw(st.sampled_from(["a", "b", "ab", "z", "s", "1", "o"]))
    return {"contains": Contains, "starts": StartsWith, "ends": EndsWith}[kind](key, part)


def exprs(keys=None):
    leaf = st.one_of(atoms(keys), atoms(keys), atoms(keys), st.just(All()), st.just(Global()))
    return st.recursive(leaf, lambda inner: st.one_of(
        inner.map(Not), st.lists(inner, min_size=2, max_size=2).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=2).map(lambda xs: Or(tuple(xs)))), max_leaves=3)


ns_exprs = exprs(["team", "env", "kubernetes.io/metadata.name", "projectcalico.org/name"])
ports = st.one_of(
    st.builds(lambda n: calport(n), st.integers(1, 6)),
    st.builds(lambda n, k: calport(n, n + k), st.integers(1, 6), st.integers(0, 3)),
    st.sampled_from(PORT_NAMES).map(calport),
)
nets = st.lists(st.one_of(networks4.map(str), st.sampled_from(["10.0.0.0/8", "0.0.0.0/0"])), min_size=1, max_size=2)


@st.composite
def entities(draw, with_ports: bool, source: bool):
    fields = draw(st.sets(st.sampled_from(["selector", "not_selector", "namespace_selector", "nets", "not_nets",
                                           "ports", "not_ports", "service_accounts"]), max_size=3))
    kw = {}
    if "selector" in fields:
        kw["selector"] = draw(exprs())
    if "not_selector" in fields:
        kw["not_selector"] = draw(exprs())
    if "namespace_selector" in fields:
        kw["namespace_selector"] = draw(ns_exprs)
    if "nets" in fields:
        kw["nets_"] = draw(nets)
    if "not_nets" in fields:
        kw["not_nets"] = draw(nets)
    if with_ports and "ports" in fields and (not source or draw(st.integers(0, 2)) == 0):
        kw["ports"] = draw(st.lists(ports, min_size=1, max_size=2))
    if with_ports and "not_ports" in fields and (not source or draw(st.integers(0, 2)) == 0):
        kw["not_ports"] = draw(st.lists(ports, min_size=1, max_size=2))
    if "service_accounts" in fields:
        names = tuple(draw(st.lists(st.sampled_from(ACCOUNTS), max_size=2, unique=True)))
        selector = draw(st.one_of(st.none(), exprs(["level"]))) if not names or draw(st.booleans()) else None
        from calico_builders import csel
        kw["service_accounts"] = ServiceAccountMatch(names, csel(selector))
    return entity(**kw)


icmp_matches = st.builds(IcmpMatch, st.integers(0, 2), st.one_of(st.none(), st.integers(0, 1)))


@st.composite
def calico_rules(draw):
    action = draw(st.sampled_from(["allow", "allow", "deny", "deny", "pass", "log"]))
    protocol = draw(st.sampled_from([None, None, 6, 6, 17, 132, 1, 47]))
    with_ports = protocol in (6, 17, 132)
    not_protocol = draw(st.sampled_from([None, None, None, 6, 17, 1]))
    r = crule(action, protocol=protocol, not_protocol=not_protocol,
              source=draw(entities(with_ports, True)), destination=draw(entities(with_ports, False)))
    if protocol == 1:  # the API server takes icmp / notICMP only with protocol ICMP (or ICMPv6)
        r = dataclasses.replace(r, icmp=draw(st.one_of(st.none(), icmp_matches)),
                                not_icmp=draw(st.one_of(st.none(), st.none(), icmp_matches)))
    return r


@st.composite
def calico_policies(draw, index: int):
    namespaced = draw(st.booleans())
    types = draw(st.one_of(st.none(), st.sets(st.sampled_from(["ingress", "egress"]), max_size=2).map(sorted)))
    return cpolicy(
        f"c{draw(st.integers(0, 3))}-{index}" if draw(st.booleans()) else f"c{index}",
        draw(st.sampled_from(NAMESPACES)) if namespaced else None,
        draw(st.one_of(st.just(All()), exprs())),
        tier=draw(st.sampled_from(TIERS)), order=draw(st.sampled_from(ORDERS)),
        ingress=draw(st.lists(calico_rules(), max_size=3)), egress=draw(st.lists(calico_rules(), max_size=3)),
        types=types,
        namespace_selector=None if namespaced else draw(st.one_of(st.none(), ns_exprs)),
        service_account_selector=draw(st.one_of(st.none(), st.none(), exprs(["level"]))),
        staged=draw(st.integers(0, 9)) == 0,
    )


@st.composite
def calico_profiles(draw, c):
    """Now and then Profiles: kns.<ns> as Calico generates it, relabelled (pcns.team, which selectors read) or
    with rules of its own; ksa.<ns>.<sa> with a pcsa.level; a Profile of another name (eval/calico_profiles.py)."""
    out = []
    for ns in draw(st.sets(st.sampled_from(NAMESPACES), max_size=2)):
        labels = {**{f"pcns.{k}": v for k, v in c.namespace_labels(ns).items()}, "pcns.projectcalico.org/name": ns}
        how = draw(st.sampled_from(["generated", "relabelled", "rules"]))
        if how == "relabelled":
            labels["pcns.team"] = draw(st.sampled_from(KEY_VALUES["pcns.team"]))
        out.append(profile(f"kns.{ns}", labels, ingress=[crule("deny")] if how == "rules" else None))
    for ns in draw(st.sets(st.sampled_from(NAMESPACES), max_size=1)):
        account = draw(st.sampled_from(ACCOUNTS))
        out.append(profile(f"ksa.{ns}.{account}", {"pcsa.level": draw(st.sampled_from(["gold", "silver"])),
                                                    "pcsa.projectcalico.org/name": account}, ingress=[], egress=[]))
    if draw(st.integers(0, 3)) == 0:
        out.append(profile("user-profile", {"pcns.team": "a"}, ingress=[crule("deny")]))
    return out


# Labels a pod may carry itself under keys its namespace's or ServiceAccount's profile also gives
# (eval/calico_selector.own_first: the pod's own come first), now and then.
own_profile_labels = st.one_of(st.just({}), st.just({}), st.just({}), st.dictionaries(
    st.sampled_from(["pcns.team", "pcns.env", "pcsa.level", "pcns.projectcalico.org/name"]),
    st.sampled_from(["a", "b", "gold", "n0"]), max_size=2))


@st.composite
def calico_clusters(draw):
    """clusters() (workloads, NetworkPolicies, Services) with multi-letter label values, ServiceAccounts,
    Calico tiers, policies and network sets, and now and then admin policies."""
    c = draw(clusters())
    workloads = []
    for w in c.workloads:
        labels = {k: (draw(st.sampled_from(STRING_VALUES)) if k in KEYS and draw(st.booleans()) else v)
                  for k, v in w.labels.items()}
        labels.update(draw(own_profile_labels))  # a pod's own pcns.*/pcsa.* come before its profiles'
        workloads.append(dataclasses.replace(w, labels=labels, service_account=draw(st.sampled_from(ACCOUNTS))))
    c = dataclasses.replace(c, workloads=tuple(workloads))
    objects = []
    for name in draw(st.sets(st.sampled_from(["t1", "t2"]))):
        objects.append(tier(name, draw(st.sampled_from([None, 10.0, 10.0, 2_000_000.0])),
                            draw(st.sampled_from(["deny", "pass"]))))
    objects += [draw(calico_policies(i)) for i in range(draw(st.integers(0, 4)))]
    for i in range(draw(st.integers(0, 2))):
        labels = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(STRING_VALUES), max_size=2))
        ns = draw(st.one_of(st.none(), st.sampled_from(NAMESPACES)))
        objects.append(netset(f"set{i}", labels, *draw(nets), namespace=ns))
    for ns in NAMESPACES:
        for account in draw(st.sets(st.sampled_from(ACCOUNTS))):
            objects.append(service_account(ns, account, draw(st.dictionaries(
                st.just("level"), st.sampled_from(["gold", "silver"]), max_size=1))))
    objects += draw(calico_profiles(c))
    c = with_calico(c, *objects)
    if draw(st.integers(0, 4)) == 0:
        admins = [draw(admin_policies(i)) for i in range(draw(st.integers(1, 2)))]
        c = dataclasses.replace(c, admin_policies=tuple(admins))
    return c




@st.composite
def calico_flows(draw, c):
    """admin_concrete_flows with what Calico rules read: a source port for a port protocol, an ICMP type and
    code for ICMP (an outside end then IPv4), now and then a protocol without ports (GRE, 47)."""
    from differential_strategies import admin_concrete_flows
    from netverify.model.flow import ExternalEndpoint
    from netverify.model.ports import Protocol
    f = draw(admin_concrete_flows(c))
    for role in ("src", "dst"):  # a new pod may carry profile keys itself too
        ep = getattr(f, role)
        if getattr(ep, "namespace", None) is not None and getattr(ep, "workload", True) is None:
            f = dataclasses.replace(f, **{role: dataclasses.replace(ep, labels={**ep.labels,
                                                                          **draw(own_profile_labels)})})
    kind = draw(st.sampled_from(["keep", "keep", "icmp", "other"]))
    outside_v6 = any(isinstance(e, ExternalEndpoint) and e.ip.version == 6 for e in (f.src, f.dst))
    if kind == "icmp" and not outside_v6:
        f = dataclasses.replace(f, protocol=Protocol.ICMP, port=0, src_port=None)
    elif kind == "other":
        return dataclasses.replace(f, protocol=Protocol.of(47), port=0, src_port=None, icmp_type=None, icmp_code=None)
    protocol = Protocol(f.protocol)
    if protocol.has_ports:
        return dataclasses.replace(f, src_port=draw(st.integers(1, 8)), icmp_type=None, icmp_code=None)
    if protocol.is_icmp:
        return dataclasses.replace(f, port=0, src_port=None, icmp_type=draw(st.integers(0, 3)),
                                   icmp_code=draw(st.integers(0, 2)))
    return dataclasses.replace(f, port=0, src_port=None, icmp_type=None, icmp_code=None)
