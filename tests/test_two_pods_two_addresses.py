"""Two pods never share a pod-network address (`--ipblock-matches-pods`, issue 9 item 9).

The CNI gives every running pod an address of its own; only hostNetwork pods share one (their node's). So a
connection between two pods uses two addresses: a pod whose IP the manifests do not give is never drawn at
another pod's known IP, two replicas of one workload have two of its IPs, and a verdict that holds only if one
pod sat at another's address is no verdict on anything that exists.
"""

from __future__ import annotations

from builders import cluster, ipblock, policy, rule, workload
from netverify.analyses.prove import prove
from prove_helpers import pods, prop, props, workload_ep
from witness_checks import assert_witness_is_truthful

X = "10.0.0.5"


def _only_from_x(*others):
    """db has the known IP X and admits ingress from X/32 alone (X is its own address)."""
    db = workload("db", "n", {"app": "db"}, ips=[X])
    allow = policy("only-x", "n", {"app": "db"}, ingress=[rule(ipblock(f"{X}/32"))])
    return cluster(db, *others, allow)


def _prove(c, src, dst, expect, scope="existing"):
    [result] = prove(c, props(prop(src, dst, expect, scope)), ipblock_matches_pods=True).results
    return result


def test_a_pod_without_a_known_ip_is_never_at_another_pods_known_ip():
    # Before: the solver put web's pod at X, db's own address; the verdict then seemed to depend on web's
    # address (unknown). No pod but db's can be at X, so web can never get through: proven.
    c = _only_from_x(workload("web", "n", {"app": "web"}))
    result = _prove(c, workload_ep("Deployment/web", "n"), workload_ep("Deployment/db", "n"), "unreachable")
    assert result.status == "proven", result.reason


def test_a_blocked_pod_stays_blocked_at_every_address_it_can_have():
    # Before: trying web's pod at X (db's address) made the block seem address-dependent: unknown.
    c = _only_from_x(workload("web", "n", {"app": "web"}))
    result = _prove(c, workload_ep("Deployment/web", "n"), workload_ep("Deployment/db", "n"), "reachable")
    assert result.status == "violated", result.reason
    assert result.counterexample.src.ip != X


def test_a_workload_with_one_known_ip_is_one_pod_that_does_not_talk_to_itself():
    # One known IP is one pod: from it to itself is no connection (before: a counterexample at X -> X, then a
    # new pod put in the pinned end's place).
    c = _only_from_x()
    result = _prove(c, workload_ep("Deployment/db", "n"), workload_ep("Deployment/db", "n"), "unreachable")
    assert result.status == "vacuous", result


def test_two_known_pods_of_one_workload_talk_over_two_addresses():
    db = workload("db", "n", {"app": "db"}, ips=[X, "10.0.0.6"])
    c = cluster(db, policy("only-x", "n", {"app": "db"}, ingress=[rule(ipblock(f"{X}/32"))]))
    result = _prove(c, workload_ep("Deployment/db", "n"), workload_ep("Deployment/db", "n"), "unreachable")
    assert result.status == "violated", result.reason
    shown = result.counterexample
    assert (shown.src.ip, shown.dst.ip) == (X, "10.0.0.6")
    assert_witness_is_truthful(c, shown)


def test_two_workloads_that_look_alike_where_no_ipblock_reads_addresses_still_reach_each_other():
    # Without ipBlocks the encoding groups workloads the policies cannot tell apart; a representative must not
    # lend its one address to the other (one pod at both ends would make the pair vanish).
    a = workload("a", "n", {"app": "same"}, ips=["10.0.0.1"])
    b = workload("b", "n", {"app": "same"}, ips=["10.0.0.2"])
    c = cluster(a, b, policy("deny", "n", {"app": "other"}, ingress=[]))
    result = _prove(c, workload_ep("Deployment/a", "n"), workload_ep("Deployment/b", "n"), "unreachable")
    assert result.status == "violated", result
    result = _prove(c, pods("n", {"app": "same"}), pods("n", {"app": "same"}), "unreachable")
    assert result.status == "violated", result
    assert result.counterexample.src.ip != result.counterexample.dst.ip


def test_host_network_pods_on_one_node_share_its_address_and_still_connect():
    # hostNetwork pods have their node's address: two of them at one address are two pods.
    c = _only_from_x(workload("agent", "n", {"app": "agent"}, ips=[X], host_network=True))
    for scope in ("existing", "any"):
        for src, dst in ((pods("n", {"app": "agent"}), pods("n", {"app": "db"})),
                         (workload_ep("Deployment/agent", "n"), workload_ep("Deployment/db", "n"))):
            result = _prove(c, src, dst, "unreachable", scope)
            assert result.status == "violated", (scope, result.reason)
            assert result.counterexample.src.ip == result.counterexample.dst.ip == X


def test_diff_lists_no_class_of_one_pod_at_both_ends():
    # Between two pods of n, opening egress to X/32 and ingress from X/32 only lets a pod at X talk to itself:
    # no class. Before, the symbolic diff drew both ends at X and failed with an internal error on the witness.
    from netverify.analyses.diff_classes import added_classes

    db = workload("db", "n", {"app": "db"})
    iso = policy("iso", "n", {}, ingress=[], egress=[], types=["Ingress", "Egress"])
    opened = policy("x-only", "n", {}, ingress=[rule(ipblock(f"{X}/32"))], egress=[rule(ipblock(f"{X}/32"))])
    base, head = cluster(db, iso), cluster(db, iso, opened)
    search = added_classes(base, head, ipblock_matches_pods=True)
    assert search.classes  # from X outside the cluster, or from a new namespace's pod at X, into db
    for found in search.classes:
        assert_witness_is_truthful(head, found.witness)  # never one pod-network address at both ends


def test_explain_never_puts_a_pod_at_another_pods_address():
    # As prove: web's pod (no known IP) cannot be at X, db's address, so only-x never admits it. Before, explain
    # tried web at X and said the verdict depends on web's unknown address.
    from netverify.analyses.explain import explain
    from netverify.model.ports import Protocol

    c = _only_from_x(workload("web", "n", {"app": "web"}))
    e = explain(c, "n/web", "n/db", Protocol.TCP, 80, ipblock_matches_pods=True)
    assert not e.allowed and not e.depends_on_address and not e.address_unknown
