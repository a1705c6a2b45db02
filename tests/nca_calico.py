"""Reading network-config-analyzer's Calico schemes (../shared/conformance/network-config-analyzer-calico/) into
netverify, and comparing connectivity maps endpoint by endpoint. Used by tests/test_conformance_calico.py.

The inputs are NCA's own, read as netverify reads manifests, with three mechanical changes NCA makes when it
reads them too (each is where NCA's input is not what an API server would hold; none changes a verdict):
- a Calico WorkloadEndpoint (what `calicoctl get wep` prints) becomes the Pod it stands for: `spec.pod` names
  it, its labels are the pod's (Calico adds `projectcalico.org/namespace`, `.../orchestrator` and
  `.../serviceaccount`; the last gives `serviceAccountName`), `spec.ports` its container ports and
  `spec.ipNetworks` its addresses (libcalico-go/lib/backend/k8s/conversion/workload_endpoint_default.go);
- `containers[].ports: {}` (a mapping where the API has a list, in NCA's pod dumps) is dropped, and so is a
  container port's name the API refuses (`calico-node-port`, `my_watcher_port`; no policy names one);
- a Profile's `spec.types` (no such field in ProfileSpec; Calico's API server refuses it) is dropped, and a
  Calico policy's name is made a DNS name, lower-cased with `_` as `-` (`testcase18-highPriorityPass-…`,
  `…-allow_nets`: the API server accepts DNS names only; this keeps these schemes' name order, which breaks
  order ties);
- Service objects are not read: NCA's service lists break the API's port name rules (`TCP`), and no Calico
  rule of these schemes has a `services` match, so Services decide nothing here;
- an item of a List without `kind`/`apiVersion` (NCA's namespace lists) gets the List's (a `NamespaceList`'s
  items are Namespaces), as the API server's List responses mean it;
- an object listed twice (one namespace in two namespace lists) is read once.
A config named `config/policy` (NCA's notation) or a map with `policy_filter` keeps only that policy.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from netverify.findings import ConnectivityMap, IPRangeNode, WorkloadNode
from netverify.model.ports import PROTOCOLS

ROOT = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "network-config-analyzer-calico"
POLICY_KINDS = {"NetworkPolicy", "GlobalNetworkPolicy", "StagedNetworkPolicy", "StagedGlobalNetworkPolicy",
                "StagedKubernetesNetworkPolicy"}
CALICO_LABEL_PREFIX = "projectcalico.org/"
SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount"
LONG_PORT_NAMES: set[str] = set()  # dropped (the API refuses them); the test checks no policy names one
PROTOCOL_NAMES = tuple(p.value for p in PROTOCOLS)  # NCA's conns_parsed keeps TCP, UDP and SCTP only


def documents(path: Path) -> list[dict]:
    """Every object of a JSON or YAML file, Lists flattened."""
    text = path.read_text()
    try:
        docs = [json.loads(text)] if path.suffix == ".json" else [d for d in yaml.safe_load_all(text) if d]
    except json.JSONDecodeError:  # NCA reads its .json files as YAML (one has a trailing comma): so do we
        docs = [d for d in yaml.safe_load_all(text) if d]
    return [obj for d in docs for obj in _flattened(d)]


def _flattened(d) -> list[dict]:
    """A List's items (Lists of Lists too, as NCA's mixed dumps hold); an API List's items may omit their kind
    and apiVersion (NCA's namespace lists do): the List's."""
    if isinstance(d, list):  # NCA's mixed dumps are JSON arrays of Lists
        return [obj for i in d for obj in _flattened(i)]
    if not isinstance(d, dict):
        return []
    if not (d.get("kind", "").endswith("List") and "items" in d):
        return [d]
    kind = d["kind"][: -len("List")]
    items = [{"kind": kind, "apiVersion": d.get("apiVersion", "v1"), **i} for i in d["items"] or () if i]
    return [obj for i in items for obj in _flattened(i)]


def pod_of_workload_endpoint(wep: dict) -> dict:
    meta, spec = wep.get("metadata", {}), wep.get("spec", {})
    labels = dict(meta.get("labels") or {})
    account = labels.get(SERVICE_ACCOUNT_LABEL)
    labels = {k: v for k, v in labels.items() if not k.startswith(CALICO_LABEL_PREFIX)}
    ports = [{"containerPort": p["port"], "protocol": p.get("protocol", "TCP").upper(),
              **({"name": p["name"]} if p.get("name") else {})} for p in spec.get("ports") or ()]
    ips = [n.split("/")[0] for n in spec.get("ipNetworks") or ()]
    pod: dict = {"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": spec.get("pod") or meta["name"], "namespace": meta.get("namespace"),
                              "labels": labels},
                 "spec": {"containers": [{"name": "c", "image": "x", **({"ports": ports} if ports else {})}],
                          **({"serviceAccountName": account} if account else {})}}
    if ips:
        pod["status"] = {"podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}
    return pod


def _port_name_ok(name: str) -> bool:
    """IANA_SVC_NAME, as the API server checks a container port's name; NCA's dumps hold others."""
    return (len(name) <= 15 and re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", name) is not None
            and "--" not in name and re.search("[a-z]", name) is not None)


def _normalised(obj: dict) -> dict:
    if obj.get("kind") == "WorkloadEndpoint":
        return pod_of_workload_endpoint(obj)
    if obj.get("kind") == "Pod":
        for c in (obj.get("spec") or {}).get("containers") or ():
            if isinstance(c.get("ports"), dict):
                c.pop("ports")
            for p in c.get("ports") or ():
                if isinstance(p, dict) and p.get("name") and not _port_name_ok(p["name"]):
                    LONG_PORT_NAMES.add(p.pop("name"))
    if obj.get("kind") == "Profile":
        (obj.get("spec") or {}).pop("types", None)
    if obj.get("kind") in POLICY_KINDS and obj.get("apiVersion", "").startswith("projectcalico.org"):
        meta = obj.get("metadata") or {}
        if meta.get("name"):
            meta["name"] = dns_name(meta["name"])
    return obj


def dns_name(name: str) -> str:
    return name.lower().replace("_", "-")


def _policy_key(obj: dict) -> tuple[str, str]:
    meta = obj.get("metadata", {})
    ns = meta.get("namespace")
    return ("k8s" if obj.get("apiVersion", "").startswith("networking.k8s.io") else "calico",
            f"{ns}/{meta.get('name')}" if ns else str(meta.get("name")))


def keeps(policy_filter: str | None, obj: dict) -> bool:
    """Whether a filter (`name`, `ns/name`, `K8sNetworkPolicy/ns/name`, `CalicoNetworkPolicy/ns/name`) keeps
    a policy object (objects of other kinds are always kept)."""
    if policy_filter is None or obj.get("kind") not in POLICY_KINDS:
        return True
    family, key = _policy_key(obj)
    key, policy_filter = dns_name(key), dns_name(policy_filter)
    head, _, rest = policy_filter.partition("/")
    if head in ("k8snetworkpolicy", "caliconetworkpolicy", "calicoglobalnetworkpolicy"):
        return family == ("k8s" if head == "k8snetworkpolicy" else "calico") and key == rest
    return key == policy_filter


def config_texts(scheme: Path, files: dict[str, list[str]], policy_filter: str | None) -> list[tuple[str, str]]:
    """(name, YAML text) per input file, normalised as the module doc says."""
    seen: set[tuple] = set()
    out: list[tuple[str, str]] = []
    paths = dict.fromkeys(p for group in files.values() for p in group)
    for rel in paths:
        kept = []
        for obj in documents(scheme / rel):
            obj = _normalised(obj)
            meta = obj.get("metadata") or {}
            key = (obj.get("apiVersion"), obj.get("kind"), meta.get("namespace"), meta.get("name"))
            if key in seen or not keeps(policy_filter, obj) or obj.get("kind") == "Service":
                continue
            seen.add(key)
            kept.append(obj)
        out.append((rel, yaml.safe_dump_all(kept, sort_keys=False)))
    return out


# ---- maps as comparable tables --------------------------------------------------------------------------

Ports = dict[str, frozenset[tuple[int, int]]]  # protocol -> intervals


def _ports(intervals_by_protocol: dict) -> Ports:
    return {p: frozenset(tuple(i) for i in intervals_by_protocol.get(p) or ()) for p in PROTOCOL_NAMES
            if intervals_by_protocol.get(p)}


@dataclass
class Table:
    """A map over NCA's endpoints: ports per endpoint pair, and per endpoint and direction the ports per
    address range (first, last, version)."""

    pairs: dict[tuple[str, str], Ports]
    ip_rows: dict[tuple[str, str], list[tuple[int, int, int, Ports]]]  # (endpoint, "from"|"to") -> rows


def expected_table(answer: dict) -> Table:
    pairs: dict[tuple[str, str], Ports] = {}
    ip_rows: dict[tuple[str, str], list] = {}
    for a in answer["allowed"]:
        ports = _ports(a["conns_parsed"])
        if a["src_type"] == "endpoint" and a["dst_type"] == "endpoint":
            pairs[(a["src"], a["dst"])] = ports
            continue
        endpoint, way, ranges = ((a["dst"], "from", a["src_ip_ranges"]) if a["src_type"] == "ip"
                                 else (a["src"], "to", a["dst_ip_ranges"]))
        for first, last in ranges:
            lo, hi = ipaddress.ip_address(first), ipaddress.ip_address(last)
            ip_rows.setdefault((endpoint, way), []).append((int(lo), int(hi), lo.version, ports))
    return Table(pairs, ip_rows)


def _node_id(node) -> str | None:
    if isinstance(node, WorkloadNode):
        return f"{node.namespace}/{node.name}"
    return None


def actual_table(cmap: ConnectivityMap, endpoints: set[str]) -> Table:
    pairs: dict[tuple[str, str], Ports] = {}
    ip_rows: dict[tuple[str, str], list] = {}
    for c in cmap.connections:
        ports = {p.value: frozenset(r.ranges) for p, r in c.protocols.items()
                 if p.value in PROTOCOL_NAMES and r}
        if not ports:
            continue
        src, dst = _node_id(c.src), _node_id(c.dst)
        if src in endpoints and dst in endpoints:
            pairs[(src, dst)] = ports
        elif isinstance(c.src, IPRangeNode) and dst in endpoints:
            ip_rows.setdefault((dst, "from"), []).append(_range(c.src, ports))
        elif isinstance(c.dst, IPRangeNode) and src in endpoints:
            ip_rows.setdefault((src, "to"), []).append(_range(c.dst, ports))
    return Table(pairs, ip_rows)


def _range(node: IPRangeNode, ports: Ports) -> tuple[int, int, int, Ports]:
    lo, hi = ipaddress.ip_address(node.start), ipaddress.ip_address(node.end)
    return int(lo), int(hi), lo.version, ports


def _at(rows: list, version: int, address: int) -> Ports:
    """The union of the ports of every row holding `address` (NCA may list one range in several entries)."""
    out: dict[str, set] = {}
    for lo, hi, v, ports in rows:
        if v == version and lo <= address <= hi:
            for p, intervals in ports.items():
                out.setdefault(p, set()).update(intervals)
    return {p: frozenset(_merged(i)) for p, i in out.items()}


def _merged(intervals) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [tuple(i) for i in out]  # type: ignore[misc]


def differences(expected: Table, actual: Table, endpoints: list[str]) -> list[str]:
    """Every endpoint pair, and every (endpoint, direction, address range), where the two maps differ."""
    out: list[str] = []
    for a in endpoints:
        for b in endpoints:
            if a == b:
                continue
            e = {p: frozenset(_merged(i)) for p, i in expected.pairs.get((a, b), {}).items()}
            g = {p: frozenset(_merged(i)) for p, i in actual.pairs.get((a, b), {}).items()}
            if e != g:
                out.append(f"{a} -> {b}: NCA {_show(e)}, netverify {_show(g)}")
    # NCA lists IPv6 ranges in some answers only (those of Calico policies); compare IPv6 where it does.
    versions = [4] + ([6] if any(v == 6 for rows in expected.ip_rows.values() for _, _, v, _ in rows) else [])
    for ep in endpoints:
        for way in ("from", "to"):
            e_rows, g_rows = expected.ip_rows.get((ep, way), []), actual.ip_rows.get((ep, way), [])
            for version in versions:
                top = 2 ** (32 if version == 4 else 128)
                cuts = sorted({lo for lo, _, v, _ in e_rows + g_rows if v == version}
                              | {hi + 1 for _, hi, v, _ in e_rows + g_rows if v == version and hi + 1 < top} | {0})
                for address in cuts:
                    e, g = _at(e_rows, version, address), _at(g_rows, version, address)
                    if e != g:
                        shown = ipaddress.IPv4Address(address) if version == 4 else ipaddress.IPv6Address(address)
                        out.append(f"{ep} {way} {shown}: NCA {_show(e)}, netverify {_show(g)}")
    return out


def _show(ports: Ports) -> str:
    if not ports:
        return "nothing"
    return "; ".join(f"{p} {','.join(f'{lo}-{hi}' for lo, hi in sorted(i))}" for p, i in sorted(ports.items()))


def scheme_dirs() -> list[Path]:
    return sorted(p for p in ROOT.iterdir() if p.is_dir()) if ROOT.is_dir() else []


def map_answers() -> list[Path]:
    return sorted(ROOT.glob("*/connectivity/*.json")) if ROOT.is_dir() else []



# ---- queries decided from maps --------------------------------------------------------------------------

def _pair_le(a: Ports, b: Ports) -> bool:
    for p, intervals in a.items():
        have = _merged(b.get(p, ()))
        for lo, hi in _merged(intervals):
            if not any(x <= lo and hi <= y for x, y in have):
                return False
    return True


def contained(a: Table, b: Table, endpoints: list[str]) -> bool:
    """Whether everything map `a` allows over `endpoints` (pairs and address rows), `b` allows too."""
    for pair, ports in a.pairs.items():
        if pair[0] in endpoints and pair[1] in endpoints and not _pair_le(ports, b.pairs.get(pair, {})):
            return False
    for ep in endpoints:
        for way in ("from", "to"):
            a_rows, b_rows = a.ip_rows.get((ep, way), []), b.ip_rows.get((ep, way), [])
            for version in (4, 6):
                top = 2 ** (32 if version == 4 else 128)
                cuts = {lo for lo, _, v, _ in a_rows + b_rows if v == version}
                cuts |= {hi + 1 for _, hi, v, _ in a_rows + b_rows if v == version and hi + 1 < top}
                for address in sorted(cuts):
                    if not _pair_le(_at(a_rows, version, address), _at(b_rows, version, address)):
                        return False
    return True


def split_config(name: str) -> tuple[str, str | None]:
    """NCA's `config/policy` names one policy of a config."""
    base, _, policy = name.partition("/")
    return (base, policy or None)


def meet(a: Table, b: Table, endpoints: list[str]) -> bool:
    """Whether some connection over `endpoints` is allowed by both maps."""
    for pair, ports in a.pairs.items():
        other = b.pairs.get(pair, {})
        if any(_overlap(ports.get(p, ()), other.get(p, ())) for p in ports):
            return True
    for ep in endpoints:
        for way in ("from", "to"):
            a_rows, b_rows = a.ip_rows.get((ep, way), []), b.ip_rows.get((ep, way), [])
            for lo, hi, v, ports in a_rows:
                for lo2, hi2, v2, ports2 in b_rows:
                    if v == v2 and lo <= hi2 and lo2 <= hi and any(_overlap(ports[p], ports2.get(p, ()))
                                                                 for p in ports):
                        return True
    return False


def _overlap(a, b) -> bool:
    return any(lo <= hi2 and lo2 <= hi for lo, hi in a for lo2, hi2 in b)
