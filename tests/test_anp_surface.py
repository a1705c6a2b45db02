"""What a user sees of the admin tiers: explain's chain, map and diff over the tiers, and every report format.

The semantics are eval's (tests/test_eval_anp.py); these tests pin that each command shows them whole: every
tier and priority consulted, Pass, NetworkPolicy, the baseline; same-priority ambiguity named with both rules;
ANP rules located at file:line.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anp_builders import acluster, admin, aport, arule, baseline, networks_peer, pod_peer, pods
from builders import ALLOW_ALL, cport, ext, flow, namespace, policy, workload
from cluster_strategies import KEYS, NAMESPACES, VALUES, cluster_st
from prove_helpers import pods as pod_ep
from prove_helpers import prop, props
from netverify.analyses.diff import diff
from netverify.analyses.explain import explain
from netverify.analyses.map import connectivity_map
from netverify.analyses.overlap_report import with_overlaps
from netverify.analyses.prove import prove
from netverify.eval.concrete import endpoint_of, evaluate
from netverify.findings import IPRangeNode, WorkloadNode
from netverify.model.ports import PROTOCOLS, PortRanges, Protocol
from netverify.report import json as json_report
from netverify.report import junit, markdown, sarif, text, words

NS = [namespace("a", {"team": "x"}), namespace("b", {"team": "y"})]
WA = workload("wa", "a", {"app": "wa"}, ips=["10.0.0.1"])
WB = workload("wb", "b", {"app": "wb"}, [cport(8080, "http")], ips=["10.0.1.1"])
TEAM_Y = pods(namespaces={"team": "y"})


def chain_cluster():
    """ingress at b: priority 5 no match, priority 9 Pass, NetworkPolicy selects nothing, the baseline denies."""
    miss = admin("miss", 5, TEAM_Y, ingress=[arule("deny", pod_peer({"app": "nobody"}), name="nobody")])
    pas = admin("hand-over", 9, TEAM_Y, ingress=[arule("pass", pod_peer(namespaces={}), name="to-owners")])
    banp = baseline(TEAM_Y, ingress=[arule("deny", pod_peer(namespaces={}), name="default-deny")])
    return acluster(*NS, WA, WB, miss, pas, banp)


def tie_cluster():
    accept = admin("tie-allow", 7, TEAM_Y, ingress=[arule("allow", pod_peer(namespaces={"team": "x"}))])
    deny = admin("tie-deny", 7, TEAM_Y, ingress=[arule("deny", pod_peer(namespaces={}))])
    return acluster(*NS, WA, WB, accept, deny)


# ---- explain ------------------------------------------------------------------------------------------------


def test_explain_shows_each_tier_and_priority_consulted_then_networkpolicy_then_the_baseline():
    e = explain(chain_cluster(), "a/wa", "b/wb", Protocol.TCP, 8080)
    assert not e.allowed and e.decision == "deny"
    lines = words.side_lines(e.ingress)
    assert lines[0] == "BLOCKED"
    assert lines[1].startswith("1 admin tier, priority 5: no match (AdminNetworkPolicy/miss")
    assert lines[2].startswith("2 admin tier, priority 9: pass by AdminNetworkPolicy/hand-over ingress[0] "
                               "'to-owners' (hand-over.yaml:10)")
    assert lines[3] == "3 NetworkPolicy: no match: no NetworkPolicy isolates the pod for this direction"
    assert lines[4].startswith("4 baseline tier, priority 0: deny by BaselineAdminNetworkPolicy/default ingress[0]")
    rendered = text.render_explain(e)
    assert "hand-over.yaml:10" in rendered and "default.yaml:10" in rendered


def test_explain_says_when_the_chain_runs_to_its_end():
    c = replace(chain_cluster(), admin_policies=chain_cluster().admin_policies[:2])
    e = explain(c, "a/wa", "b/wb", Protocol.TCP, 8080)
    assert e.allowed and words.side_lines(e.ingress)[-1] == "4 end of the chain: allowed (no layer decided)"


def test_explain_same_priority_is_ambiguous_and_names_both_rules():
    e = explain(tie_cluster(), "a/wa", "b/wb", Protocol.TCP, 8080)
    assert e.decision == "ambiguous" and not e.allowed
    out = text.render_explain(e)
    assert "AMBIGUOUS" in out and "tie-allow.yaml:10" in out and "tie-deny.yaml:10" in out
    assert "allow by AdminNetworkPolicy/tie-allow" in out and "deny by AdminNetworkPolicy/tie-deny" in out
    data = json.loads(json_report.render_explain(e))
    assert data["decision"] == "ambiguous"
    [entry] = data["ingress"]["chain"]
    assert entry["action"] == "ambiguous"
    assert {a["by"][0]["policy"] for a in entry["alternatives"]} == {"AdminNetworkPolicy/tie-allow",
                                                                      "AdminNetworkPolicy/tie-deny"}
    assert "ambiguous" in markdown.render_explain(e)


def test_explain_json_has_the_decision_and_the_chain_with_each_rule_located():
    data = json.loads(json_report.render_explain(explain(chain_cluster(), "a/wa", "b/wb", Protocol.TCP, 8080)))
    side = data["ingress"]
    assert side["decision"] == "deny"
    assert [(d["layer"], d["priority"], d["action"]) for d in side["chain"]] == [
        ("admin", 5, "nomatch"), ("admin", 9, "pass"), ("networkpolicy", None, "nomatch"), ("baseline", 0, "deny")]
    deny = side["chain"][3]["by"][0]
    assert (deny["kind"], deny["file"], deny["line"], deny["rule_name"], deny["action"]) == (
        "BaselineAdminNetworkPolicy", "default.yaml", 10, "default-deny", "deny")


def test_networkpolicy_only_sides_keep_their_wording_and_json_shape():
    c = acluster(*NS, WA, WB, policy("allow", "b", {}, ingress=[ALLOW_ALL]))
    e = explain(c, "a/wa", "b/wb", Protocol.TCP, 8080)
    assert words.side_lines(e.ingress)[0].startswith("allowed by b/allow ingress[0]")
    assert "chain" not in json.loads(json_report.render_explain(e))["ingress"]


# ---- map ----------------------------------------------------------------------------------------------------


def _rows(cmap):
    return {(c.src.label, c.dst.label): {p.value: str(r) for p, r in c.protocols.items()} for c in cmap.connections}


def test_map_an_admin_deny_overrides_a_networkpolicy_allow_on_exactly_its_ports():
    deny = admin("no-8080", 3, TEAM_Y, ingress=[arule("deny", pod_peer(namespaces={}), ports=[aport(8080)])])
    c = acluster(*NS, WA, WB, deny, policy("allow", "b", {}, ingress=[ALLOW_ALL]))
    rows = _rows(connectivity_map(c))
    assert rows[("a/wa[Deployment]", "b/wb[Deployment]")] == {"TCP": "1-8079,8081-65535", "UDP": "1-65535",
                                                               "SCTP": "1-65535"}


def test_map_marks_connections_same_priority_policies_leave_to_the_cni():
    cmap = connectivity_map(tie_cluster())
    assert ("a/wa[Deployment]", "b/wb[Deployment]") in _rows(cmap)  # some resolution lets it through
    [note] = [n for n in cmap.notes if n.startswith("ambiguous")]
    assert "a/wa[Deployment] -> b/wb[Deployment]: TCP all; UDP all; SCTP all" in note


def test_map_of_a_networks_rule_against_pods_without_ips_names_the_rows_that_depend_on_the_address():
    wb = replace(WB, ips=())
    deny = admin("no-net", 3, TEAM_Y, ingress=[arule("deny", networks_peer("10.0.0.0/24"))])
    cmap = connectivity_map(acluster(*NS, replace(WA, ips=()), wb, deny))
    assert any("depend on the address" in n and "a/wa[Deployment] -> b/wb[Deployment]" in n for n in cmap.notes)


admin_peer_st = st.one_of(
    st.builds(lambda k, v, ns: pod_peer({k: v}, {"kubernetes.io/metadata.name": ns}), st.sampled_from(KEYS),
              st.sampled_from(VALUES), st.sampled_from(NAMESPACES)),
    st.builds(lambda: pod_peer(namespaces={})),
    st.builds(lambda c: networks_peer(c), st.sampled_from(["10.0.0.0/8", "10.1.2.0/24", "0.0.0.0/0"])),
)
admin_rule_st = st.builds(
    lambda action, peers, ports: arule(action, *peers, ports=ports),
    st.sampled_from(["allow", "deny", "pass"]), st.lists(admin_peer_st, min_size=1, max_size=2),
    st.one_of(st.none(), st.lists(st.sampled_from([aport(80), aport(53, "UDP"), aport(1000, end=2000),
                                                   aport("http")]), min_size=1, max_size=2)))


@st.composite
def admin_cluster_st(draw):
    c = draw(cluster_st())
    # known IPv4 addresses (networks match pods by address; unknown ones are tested above; families are the
    # address plan's business, tests/test_pod_ips.py)
    workloads = tuple(replace(w, ips=tuple(ip for ip in w.ips if ip.version == 4)
                              or (ipaddress.ip_address(f"10.1.2.{i + 1}"),)) for i, w in enumerate(c.workloads))
    policies = []
    for i in range(draw(st.integers(1, 3))):
        tier = draw(st.sampled_from(["admin", "admin", "baseline"]))
        subject = pods({draw(st.sampled_from(KEYS)): draw(st.sampled_from(VALUES))}) if draw(st.booleans()) \
            else pods()
        ingress = draw(st.lists(admin_rule_st, max_size=2))
        egress = draw(st.lists(admin_rule_st, max_size=2))
        name = f"p{i}" if tier == "admin" else "default"
        if tier == "baseline" and any(p.tier == "baseline" for p in policies):
            continue
        priority = draw(st.integers(1, 3)) if tier == "admin" else 0
        policies.append(admin(name, priority, subject, ingress=ingress, egress=egress, tier=tier))
    return replace(c, workloads=workloads, admin_policies=tuple(policies))


PROBE_PORTS = (53, 80, 443, 1000, 2000, 2001, 8080)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(admin_cluster_st())
def test_map_with_admin_tiers_agrees_with_the_evaluator(c):
    """A row holds a port iff the evaluator lets some pod pair of the two workloads through under some
    resolution of same-priority ties; an address row likewise for the range's first address."""
    cmap = connectivity_map(c)
    got = {(conn.src.label, conn.dst.label): conn.protocols for conn in cmap.connections}
    eps = {w.ref: [replace(endpoint_of(c, w), ip=ip) for ip in w.ips] for w in c.workloads}
    for a in c.workloads:
        for b in c.workloads:
            if a is b:
                continue
            row = got.get((a.ref, b.ref), {})
            for proto in PROTOCOLS:
                for n in PROBE_PORTS:
                    want = any(evaluate(c, flow(x, y, n, proto.value)).may_be(True)
                               for x in eps[a.ref] for y in eps[b.ref])
                    assert (n in row.get(proto, PortRanges())) == want, (a.ref, b.ref, proto, n)
    for conn in cmap.connections:
        ip_end = conn.src if isinstance(conn.src, IPRangeNode) else conn.dst
        if not isinstance(ip_end, IPRangeNode) or ":" in ip_end.start:
            continue
        w_end = conn.dst if ip_end is conn.src else conn.src
        assert isinstance(w_end, WorkloadNode)
        w = next(w for w in c.workloads if w.ref == w_end.label)
        for proto in PROTOCOLS:
            for n in PROBE_PORTS:
                def allowed(x):
                    f = flow(ext(ip_end.start), x, n, proto.value) if ip_end is conn.src else \
                        flow(x, ext(ip_end.start), n, proto.value)
                    return evaluate(c, f).may_be(True)
                want = any(allowed(x) for x in eps[w.ref] if x.ip.version == 4)
                assert (n in conn.protocols.get(proto, PortRanges())) == want, (ip_end.label, w.ref, proto, n)


# ---- diff ---------------------------------------------------------------------------------------------------


def test_diff_names_the_admin_rule_that_blocks_what_a_networkpolicy_allowed():
    np = policy("allow", "b", {}, ingress=[ALLOW_ALL])
    base = acluster(*NS, WA, WB, np)
    deny = admin("lockdown", 2, TEAM_Y, ingress=[arule("deny", pod_peer(namespaces={"team": "x"}), name="from-x")])
    head = acluster(*NS, WA, WB, np, deny)
    report = diff(base, head, symbolic=False)
    [change] = [c for c in report.changes if c.src.label == "a/wa[Deployment]" and c.dst.label == "b/wb[Deployment]"]
    assert change.removed and not change.added
    assert any(r.policy == "AdminNetworkPolicy/lockdown" and r.span.file == "lockdown.yaml" for r in change.removed_by)
    lines = words.change_lines(change)
    assert any(line.startswith("  blocked now by AdminNetworkPolicy/lockdown ingress[0] 'from-x'") for line in lines)
    assert any(line.startswith("  was allowed by b/allow ingress[0]") for line in lines)


def test_diff_names_the_admin_allow_that_opens_what_a_networkpolicy_blocked():
    deny_all = policy("deny", "b", {}, types=["Ingress"])
    base = acluster(*NS, WA, WB, deny_all)
    head = acluster(*NS, WA, WB, deny_all, admin("open", 2, TEAM_Y, ingress=[arule("allow", pod_peer(namespaces={}))]))
    [change] = [c for c in diff(base, head, symbolic=False).changes if c.dst.label == "b/wb[Deployment]"
                and c.src.label == "a/wa[Deployment]"]
    assert [r.policy for r in change.added_by] == ["AdminNetworkPolicy/open"]


# ---- reports of prove -----------------------------------------------------------------------------------------


def _violation_report():
    deny = admin("lockdown", 2, TEAM_Y, ingress=[arule("deny", pod_peer(namespaces={}), name="all")])
    c = acluster(*NS, WA, WB, deny, policy("allow", "b", {}, ingress=[ALLOW_ALL]))
    return prove(c, props(prop(pod_ep("a"), pod_ep("b"), "reachable", "existing", name="a-reaches-b")))


def test_sarif_locates_the_admin_rule_of_a_counterexample_at_its_file_and_line():
    report = _violation_report()
    assert report.results[0].status == "violated"
    [result] = json.loads(sarif.render_prove(report))["runs"][0]["results"]
    loc = result["locations"][0]["physicalLocation"]
    assert (loc["artifactLocation"]["uri"], loc["region"]["startLine"]) == ("lockdown.yaml", 10)


def test_every_format_shows_the_admin_chain_of_a_counterexample():
    report = _violation_report()
    assert "1 admin tier, priority 2: deny by AdminNetworkPolicy/lockdown ingress[0] 'all' (lockdown.yaml:10)" \
        in text.render_prove(report)
    assert "lockdown.yaml:10" in markdown.render_prove(report) and "lockdown.yaml:10" in junit.render_prove(report)
    side = json.loads(json_report.render_prove(report))["results"][0]["counterexample"]["ingress"]
    assert side["decision"] == "deny" and side["chain"][0]["by"][0]["line"] == 10


def test_a_same_priority_overlap_is_a_sarif_result_at_both_rules_with_a_witness():
    c = tie_cluster()
    report = with_overlaps(prove(c, props(prop(pod_ep("a"), pod_ep("b"), "unreachable", "any"))), c)
    [o] = report.overlaps
    assert {o.first.policy, o.second.policy} == {"AdminNetworkPolicy/tie-allow", "AdminNetworkPolicy/tie-deny"}
    log = json.loads(sarif.render_prove(report))["runs"][0]
    assert "NV301" in [r["id"] for r in log["tool"]["driver"]["rules"]]
    [found] = [r for r in log["results"] if r["ruleId"] == "NV301"]
    assert found["level"] == "warning" and "witness" in found["properties"]
    files = {found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             found["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]}
    assert files == {"tie-allow.yaml", "tie-deny.yaml"}
    for rendered in (text.render_prove(report), markdown.render_prove(report), junit.render_prove(report)):
        assert "same-priority overlap" in rendered and "tie-allow.yaml:10" in rendered
    assert json.loads(json_report.render_prove(report))["overlaps"][0]["priority"] == 7


def test_no_overlap_section_without_ties():
    c = chain_cluster()
    report = with_overlaps(prove(c, props(prop(pod_ep("a"), pod_ep("b"), "unreachable", "any"))), c)
    assert report.overlaps == () and "overlaps" not in json.loads(json_report.render_prove(report))


def test_symbolic_diff_classes_opened_by_an_admin_rule_are_each_listed_once():
    """A class opened by an admin Allow is excluded by that rule firing (not by NetworkPolicy isolation, which
    an admin decision bypasses): the search ends with each class once, each naming the rule."""
    deny_all = policy("deny", "b", {}, types=["Ingress"])
    base = acluster(*NS, WA, WB, deny_all)
    head = acluster(*NS, WA, WB, deny_all, admin("open", 2, TEAM_Y, ingress=[arule("allow", pod_peer(namespaces={}))]))
    report = diff(base, head, max_witnesses=10)
    assert report.symbolic_status == "done" and not report.more_classes
    summaries = [a.summary for a in report.added_classes]
    assert summaries and len(summaries) == len(set(summaries)) <= 4
    assert all([r.policy for r in a.opened_by] == ["AdminNetworkPolicy/open"] for a in report.added_classes)
