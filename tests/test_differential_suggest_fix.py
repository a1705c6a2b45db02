"""`prove --suggest-fix` against the concrete evaluator, over generated manifests (hypothesis).

Small clusters written as YAML text (three namespaces, a workload each, an AdminNetworkPolicy, a Calico
GlobalNetworkPolicy or a CiliumNetworkPolicy with Allow / Pass / Deny rules, sometimes one or two
NetworkPolicies), two properties. For every fix found, the test applies the printed diff to the text itself,
re-reads it through the loader (the edit is valid YAML the loader accepts) and asks the concrete evaluator
(eval/, the reference semantics, under the same CNI) about every existing pair the fixed property covers: none
may be allowed any more; and a `reachable` property that held must still be reachable for every existing pair.
A fix re-proven under other semantics than the run, on other text than the diff shows, or on a subset of the
properties would be caught here; and where few candidate sets cost less than the suggestion, each is re-proven
to not be a fix (the search's least cost, by brute force).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netverify.analyses import fix as fix_module, fix_search
from netverify.analyses.fix import suggest_fixes
from netverify.analyses.prove import prove
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.load.manifests import load_cluster_from_texts
from netverify.load.properties import load_properties
from netverify.model.flow import Flow
from netverify.model.ports import Protocol
from netverify.model.semantics import Semantics
from netverify.smt.resolve import entry_fits, resolve_endpoint
from test_suggest_fix_deny import apply_diff

NAMESPACES = ("n0", "n1", "n2")
PORTS = (80, 5432)
ENV = st.sampled_from(["a", "b"])


@st.composite
def scenarios(draw, kind: str) -> tuple[dict[str, str], str]:
    docs = []
    for ns in NAMESPACES:
        docs.append(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {{env: {draw(ENV)}}}}}\n")
        app = draw(st.sampled_from(["x", "y"]))
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w, namespace: {ns}}}\nspec:\n"
            f"  selector: {{matchLabels: {{app: {app}}}}}\n  template:\n    metadata: {{labels: {{app: {app}}}}}\n"
            f"    spec: {{containers: [{{name: c, image: i, ports: [{{containerPort: 80}}, "
            f"{{containerPort: 5432}}]}}]}}\n")
    if draw(st.booleans()):  # a NetworkPolicy that isolates one namespace and admits one other
        ns, other = draw(st.sampled_from(NAMESPACES)), draw(st.sampled_from(NAMESPACES))
        docs.append(f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np, namespace: {ns}}}\n"
                    f"spec:\n  podSelector: {{}}\n  ingress:\n    - from:\n        - namespaceSelector: "
                    f"{{matchLabels: {{kubernetes.io/metadata.name: {other}}}}}\n")
        if draw(st.booleans()):  # and a second one that admits every namespace: fixes of two edits
            port = draw(st.one_of(st.none(), st.sampled_from(PORTS)))
            docs.append(f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                        f"metadata: {{name: np2, namespace: {ns}}}\nspec:\n  podSelector: {{}}\n  ingress:\n"
                        f"    - from:\n        - namespaceSelector: {{}}\n"
                        + ("" if port is None else f"      ports: [{{port: {port}}}, {{port: 9}}]\n"))
    rules = draw(st.lists(st.tuples(st.sampled_from(["Allow", "Pass", "Deny"]), st.one_of(st.none(), ENV),
                                    st.one_of(st.none(), st.sampled_from(PORTS))), min_size=1, max_size=3))
    subject_env = draw(st.one_of(st.none(), ENV))
    if kind == "cilium":  # a CiliumNetworkPolicy of allow rules (and denies) for every pod of one namespace
        lines = ["apiVersion: cilium.io/v2", "kind: CiliumNetworkPolicy",
                 f"metadata: {{name: g, namespace: {draw(st.sampled_from(NAMESPACES))}}}", "spec:",
                 "  endpointSelector: {}"]
        for deny in (False, True):
            chosen = [(env, port) for action, env, port in rules if (action == "Deny") == deny]
            if chosen:
                lines.append("  ingressDeny:" if deny else "  ingress:")
            for env, port in chosen:
                peer = "{}" if env is None else f"{{matchLabels: {{io.cilium.k8s.namespace.labels.env: {env}}}}}"
                lines.append(f"    - fromEndpoints: [{peer}]")
                if port is not None:
                    lines.append(f"      toPorts: [{{ports: [{{port: '{port}', protocol: TCP}}]}}]")
    elif kind == "calico":
        lines = ["apiVersion: projectcalico.org/v3", "kind: GlobalNetworkPolicy", "metadata: {name: g}", "spec:",
                 "  order: 10", f"  selector: {'all()' if subject_env is None else 'has(app)'}",
                 "  types: [Ingress]", "  ingress:"]
        for action, env, port in rules:
            lines.append(f"  - action: {action}")
            if port is not None:
                lines += ["    protocol: TCP", f"    destination: {{ports: [{port}]}}"]
            lines.append(f"    source: {{namespaceSelector: \"{'all()' if env is None else f'env == {env!r}'}\"}}")
    else:
        subject = "{}" if subject_env is None else f"{{matchLabels: {{env: {subject_env}}}}}"
        lines = ["apiVersion: policy.networking.k8s.io/v1alpha1", "kind: AdminNetworkPolicy", "metadata: {name: g}",
                 "spec:", "  priority: 10", f"  subject: {{namespaces: {subject}}}", "  ingress:"]
        for i, (action, env, port) in enumerate(rules):
            peer = "{}" if env is None else f"{{matchLabels: {{env: {env}}}}}"
            lines += [f"    - name: r{i}", f"      action: {action}"]
            if draw(st.booleans()):  # a block list: a peer an admin Allow narrowing can edit
                lines += ["      from:", f"        - namespaces: {peer}"]
            else:
                lines.append(f"      from: [{{namespaces: {peer}}}]")
            if port is not None:
                lines.append(f"      ports: [{{portNumber: {{protocol: TCP, port: {port}}}}}]")
    docs.append("\n".join(lines) + "\n")
    src, dst = draw(st.sampled_from(NAMESPACES)), draw(st.sampled_from(NAMESPACES))
    src_end = draw(st.sampled_from([f"{{namespace: {src}}}", f"{{namespaceSelector: {{matchLabels: {{env: a}}}}}}"]))
    port = draw(st.one_of(st.none(), st.sampled_from(PORTS)))
    ports = "" if port is None else f"    ports: [{{port: {port}}}]\n"
    other_src, other_dst = draw(st.sampled_from(NAMESPACES)), draw(st.sampled_from(NAMESPACES))
    props = (f"manifests: [m.yaml]\nproperties:\n  - name: forbidden\n    from: {src_end}\n"
             f"    to: {{namespace: {dst}}}\n"
             f"{ports}    expect: unreachable\n    scope: {draw(st.sampled_from(['any', 'existing']))}\n"
             f"  - name: needed\n    from: {{namespace: {other_src}}}\n    to: {{namespace: {other_dst}}}\n"
             f"    ports: [{{port: {draw(st.sampled_from(PORTS))}}}]\n    expect: reachable\n    scope: existing\n")
    return {"m.yaml": "---\n".join(docs)}, props


def _pairs(cluster, p):
    src, dst = resolve_endpoint(p.src, "from", cluster), resolve_endpoint(p.dst, "to", cluster)
    for s in cluster.workloads:
        for d in cluster.workloads:
            a, b = endpoint_of(cluster, s), endpoint_of(cluster, d)
            if s is d or not (src.fits(a) and dst.fits(b)):
                continue
            for port in PORTS:
                flow = Flow(a, b, Protocol.TCP, port)
                if not p.ports or any(entry_fits(e, flow) for e in p.ports):
                    yield flow


def _check(tmp_path, scenario, semantics: Semantics) -> None:
    manifests, props_text = scenario
    for name, text in manifests.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "p.yaml").write_text(props_text)
    props = load_properties(str(tmp_path / "p.yaml"))
    texts = {m: (tmp_path / "m.yaml").read_text() for m in props.manifests}
    cluster = load_cluster_from_texts(texts.items())
    report = prove(cluster, props, semantics=semantics)
    runs = []

    def recording(run, *args):
        runs.append(run)
        return fix_search.search(run, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fix_module, "search", recording)
        fixes = suggest_fixes(cluster, props, report.results, texts, lambda t: load_cluster_from_texts(t.items()),
                              lambda c, p: prove(c, p, semantics=semantics).results, semantics)
    held = {r.name for r in report.results if r.status == "proven"}
    for fix in fixes:
        if fix.status != "found":
            continue
        assert set(fix.still_proven) == held
        edited = load_cluster_from_texts(apply_diff(texts, fix.diff).items())
        for p in props.properties:
            for flow in _pairs(edited, p):
                verdict = evaluate(edited, flow, semantics=semantics)
                if p.name == fix.property:
                    assert not verdict.may_be(True), (fix.diff, flow)
                elif p.name in held and p.expect == "reachable":
                    assert verdict.allowed, (fix.diff, flow)
    for fix_, run in zip(fixes, runs):
        _check_least_cost(fix_, run, props, texts, semantics)


def _check_least_cost(found, run, props, texts, semantics: Semantics) -> None:
    """No candidate set of at most two edits that costs less than the suggestion is a fix (brute force, each
    re-proven; only where there are few such sets: the suggest-fix search is what is checked, not the prover)."""
    edits = run.edits
    costs = {i: fix_search.cost(e, i) for i, e in enumerate(edits)}
    chosen = [i for i, e in enumerate(edits) if any(d.startswith(e.description + " (") for d in found.edits)]
    bound = sum(costs[i] for i in chosen) if found.status == "found" else None
    cheaper = [s for k in (1, 2) for s in itertools.combinations(range(len(edits)), k)
               if (bound is None or sum(costs[i] for i in s) < bound)
               and not (k == 2 and edits[s[0]].slot and edits[s[0]].slot == edits[s[1]].slot)]
    if len(cheaper) > 6:
        return
    held = {n for n in run.held}
    for s in cheaper:
        edited = fix_search.apply_edits(texts, tuple(edits[i] for i in s))
        status = {r.name: r.status for r in prove(load_cluster_from_texts(edited.items()), props,
                                                  semantics=semantics).results}
        assert not (status[found.property] == "proven" and all(status[n] == "proven" for n in held)), \
            ("a cheaper fix was missed", [edits[i].description for i in s], found)


SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(max_examples=12, **SETTINGS)
@given(scenario=scenarios("admin"))
def test_an_admin_policy_fix_holds_for_every_existing_pair_by_the_concrete_evaluator(tmp_path, scenario):
    _check(tmp_path, scenario, Semantics())


@settings(max_examples=12, **SETTINGS)
@given(scenario=scenarios("calico"))
def test_a_calico_fix_holds_for_every_existing_pair_by_the_concrete_evaluator(tmp_path, scenario):
    _check(tmp_path, scenario, Semantics("calico"))


@settings(max_examples=12, **SETTINGS)
@given(scenario=scenarios("cilium"))
def test_a_cilium_fix_holds_for_every_existing_pair_by_the_concrete_evaluator(tmp_path, scenario):
    _check(tmp_path, scenario, Semantics("cilium"))


@pytest.mark.slow
@settings(max_examples=300, **SETTINGS)
@given(scenario=st.one_of(scenarios("admin"), scenarios("calico"), scenarios("cilium")))
def test_slow_every_fix_holds_for_every_existing_pair_by_the_concrete_evaluator(tmp_path, scenario):
    text = scenario[0]["m.yaml"]
    _check(tmp_path, scenario, Semantics("calico" if "projectcalico" in text else
                                         "cilium" if "cilium.io" in text else "generic"))
