"""The fix search (analyses/fix_search.py): the edit set of least total cost, chosen by z3 Optimize, learning
from every failed re-proof. Each suggestion here is also re-proven independently of the search."""

from __future__ import annotations

from pathlib import Path

from netverify.analyses import fix, fix_search
from netverify.analyses.fix import suggest_fixes
from netverify.analyses.prove import prove
from netverify.load.files import read_sources
from netverify.load.manifests import load_cluster_from_texts
from netverify.load.properties import load_properties
from test_suggest_fix_deny import apply_diff


def _deployment(ns: str, name: str, labels: str, ports: str = "") -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n"
            f"  selector: {{matchLabels: {labels}}}\n  template:\n    metadata: {{labels: {labels}}}\n"
            f"    spec: {{containers: [{{name: c, image: i{ports}}}]}}\n")


NAMESPACES = "".join(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {labels}}}\n---\n"
                     for ns, labels in (("shop", "{team: shop}"), ("web", "{team: web}"),
                                        ("sandbox", "{env: sandbox}")))
WORKLOADS = "---\n".join((
    _deployment("shop", "db", "{app: db, zone: inner}", ", ports: [{containerPort: 5432}, {containerPort: 9000}]"),
    _deployment("web", "frontend", "{app: frontend, role: client, zone: inner}"),
    _deployment("sandbox", "x", "{app: x}"),
    _deployment("sandbox", "y", "{app: y, role: client, zone: inner}"),
))


def _np(name: str, peer: str, ports: str = "") -> str:
    return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec:\n  podSelector: {{matchLabels: {{app: db}}}}\n  ingress:\n    - from:\n        - {peer}\n"
            + (f"      ports: {ports}\n" if ports else ""))


def _run(tmp_path: Path, manifests: str, props_text: str, monkeypatch):
    (tmp_path / "m.yaml").write_text(manifests)
    (tmp_path / "p.yaml").write_text(props_text)
    props = load_properties(str(tmp_path / "p.yaml"))
    texts = dict(read_sources(list(props.manifests)))
    cluster = load_cluster_from_texts(texts.items())
    report = prove(cluster, props)
    runs: list[fix_search.SearchRun] = []

    def recording(run, *args):
        runs.append(run)
        return fix_search.search(run, *args)

    monkeypatch.setattr(fix, "search", recording)
    fixes = suggest_fixes(cluster, props, report.results, texts, lambda t: load_cluster_from_texts(t.items()),
                          lambda c, p: prove(c, p).results)
    return props, texts, report, fixes, runs


def found_descriptions(found) -> tuple[str, ...]:
    return tuple(e.rsplit(" (", 1)[0] for e in found.edits)


def _reproven(props, texts, fix) -> dict[str, str]:
    return {r.name: r.status for r in prove(load_cluster_from_texts(apply_diff(texts, fix.diff).items()),
                                            props).results}


# The admin tier passes the sandbox on; two NetworkPolicies of the db then admit every namespace. Two
# narrowings (one per policy) close it; so does one Deny in front of the Pass, which costs more (a Deny adds a
# rule). Trying single edits first would suggest that Deny.
PASS_THEN_TWO_POLICIES = NAMESPACES + WORKLOADS + "---\n" + _np("a", "namespaceSelector: {}", "[{port: 5432}]") \
    + "---\n" + _np("b", "namespaceSelector: {}") + """---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: triage}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {team: shop}}}
  ingress:
    - name: to-the-owners
      action: Pass
      from: [{namespaces: {matchLabels: {env: sandbox}}}]
"""

TWO_POLICIES_PROPS = """\
manifests: [m.yaml]
properties:
  - name: sandbox-never-reaches-db
    from: {namespaceSelector: {matchLabels: {env: sandbox}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    expect: unreachable
  - name: frontend-reaches-db
    from: {namespace: web, podSelector: {matchLabels: {app: frontend}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    ports: [{port: 5432}]
    expect: reachable
    scope: existing
"""


def test_two_narrowings_are_chosen_over_one_costlier_deny_that_single_edits_first_would_have_found(
        tmp_path, monkeypatch):
    props, texts, report, fixes, (run,) = _run(tmp_path, PASS_THEN_TWO_POLICIES, TWO_POLICIES_PROPS, monkeypatch)
    assert {r.name: r.status for r in report.results} == {"sandbox-never-reaches-db": "violated",
                                                          "frontend-reaches-db": "proven"}
    (found,) = fixes
    assert found.status == "found", found.reason
    assert len(found.edits) == 2 and all(e.startswith("limit the peer's namespaceSelector") for e in found.edits)
    assert _reproven(props, texts, found) == {"sandbox-never-reaches-db": "proven", "frontend-reaches-db": "proven"}
    # the single Deny is a fix too (so a search trying single edits first stops there), and it costs more
    edits = run.edits
    deny = next(i for i, e in enumerate(edits) if e.description.startswith("add a Deny"))
    chosen = [i for i, e in enumerate(edits) if any(d.startswith(e.description) for d in found.edits)]
    assert sum(fix_search.cost(edits[i], i) for i in chosen) < fix_search.cost(edits[deny], deny)
    single = fix_search.apply_edits(texts, (edits[deny],))
    assert {r.name: r.status for r in prove(load_cluster_from_texts(single.items()), props).results} == \
        {"sandbox-never-reaches-db": "proven", "frontend-reaches-db": "proven"}


# x reaches the db through policy a (every namespace) and policy b (x itself, ports 5432 and 9000); y, in the
# same namespace as x, needs the db on 5432 and has only a. Limiting a's namespaces (the cheapest edit) breaks
# y; the fix is a label requirement on a and b's ports narrowed.
BREAKS_Y = NAMESPACES + WORKLOADS + "---\n" + _np("a", "namespaceSelector: {}") + "---\n" \
    + _np("b", "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: sandbox}}, "
               "podSelector: {matchLabels: {app: x}}}", "[{port: 5432}, {port: 9000}]")

BREAKS_Y_PROPS = """\
manifests: [m.yaml]
properties:
  - name: x-never-reaches-db-5432
    from: {namespace: sandbox, podSelector: {matchLabels: {app: x}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    ports: [{port: 5432}]
    expect: unreachable
    scope: existing
  - name: y-reaches-db
    from: {namespace: sandbox, podSelector: {matchLabels: {app: y}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    ports: [{port: 5432}]
    expect: reachable
    scope: existing
"""


def test_an_edit_that_breaks_a_property_that_held_is_learned_and_never_chosen_again(tmp_path, monkeypatch):
    props, texts, report, fixes, (run,) = _run(tmp_path, BREAKS_Y, BREAKS_Y_PROPS, monkeypatch)
    assert [r.status for r in report.results] == ["violated", "proven"]
    (found,) = fixes
    assert found.status == "found", found.reason
    assert _reproven(props, texts, found) == {"x-never-reaches-db-5432": "proven", "y-reaches-db": "proven"}
    limit = next(e.description for e in run.edits if e.description.startswith("limit the peer's namespaceSelector"))
    assert limit not in " ".join(found.edits)
    assert run.never == [limit]  # learned from y's lost connection, checked concretely with the edit alone
    breaking = max(i for i, s in enumerate(run.tried) if limit in s)
    assert breaking < len(run.tried) - 1 and run.tried[-1] == found_descriptions(found)
