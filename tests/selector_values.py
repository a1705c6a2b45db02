"""Every label value some selector of the input names, per key, whatever the policy kind: the differential
oracles try each of them (and one no selector names) for a label only the cluster knows.

Written independently of the product's collectors (analyses/witness_fit, smt/unknown_values): it walks every
field of every policy object, so a selector a new kind adds is found without this file knowing the kind. A
Calico string test (contains, starts with, ends with) counts its own text, which passes it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from netverify.model import calico_selector as cs
from netverify.model.labels import LabelSelector

# Cilium selectors may spell a Kubernetes label with its source (k8s:app, any:app): the pod's label is `app`.
SOURCES = ("k8s:", "any:")


def mentioned_values(c, p=None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    roots = [c.policies, c.admin_policies, c.calico.policies, c.cilium.policies]
    if p is not None:
        roots += [p.src, p.dst]
    for root in roots:
        _walk(root, out)
    return out


def _add(out: dict[str, set[str]], key: str, values) -> None:
    for source in SOURCES:
        if key.startswith(source):
            key = key[len(source):]
    out.setdefault(key, set()).update(values)


def _walk(obj, out: dict[str, set[str]]) -> None:
    if isinstance(obj, LabelSelector):
        for key, values in obj.mentioned().items():
            _add(out, key, values)
    elif isinstance(obj, (cs.Equals, cs.NotEquals)):
        _add(out, obj.key, {obj.value})
    elif isinstance(obj, (cs.In, cs.NotIn)):
        _add(out, obj.key, obj.values)
    elif isinstance(obj, cs.Contains):
        _add(out, obj.key, {obj.part})
    elif isinstance(obj, cs.StartsWith):
        _add(out, obj.key, {obj.prefix})
    elif isinstance(obj, cs.EndsWith):
        _add(out, obj.key, {obj.suffix})
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _walk(getattr(obj, f.name), out)
    elif isinstance(obj, Mapping):
        for v in obj.values():
            _walk(v, out)
    elif isinstance(obj, (tuple, list, set, frozenset)):
        for v in obj:
            _walk(v, out)
