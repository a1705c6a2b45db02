"""Exit codes and report notes computed from results and the loaded cluster."""

from __future__ import annotations

from dataclasses import replace

import report_fixtures as fx
from netverify.cli.outcome import add_notes, cluster_notes, prove_exit_code, with_allow_vacuous
from netverify.findings import ProveReport
from netverify.model.cluster import Cluster, Namespace, Workload
from netverify.model.properties import PropertiesFile
from netverify.model.span import Span


def cluster(**kw) -> Cluster:
    return Cluster(**{"namespaces": {}, "workloads": (), "services": (), "policies": (), **kw})


def test_clean_cluster_has_no_notes():
    shop = Namespace("shop", {"kubernetes.io/metadata.name": "shop"}, Span("n.yaml", 1))
    assert cluster_notes(cluster(namespaces={"shop": shop})) == ()


def test_namespaces_used_but_not_declared_are_named():
    used = Namespace("other", {"kubernetes.io/metadata.name": "other"}, None)
    shop = Namespace("shop", {"kubernetes.io/metadata.name": "shop"}, Span("n.yaml", 1))
    assert cluster_notes(cluster(namespaces={"other": used, "shop": shop})) == (
        "namespaces used but not declared carry only their kubernetes.io/metadata.name label here: other",)


def test_an_empty_cluster_says_the_manifests_hold_nothing():
    assert cluster_notes(cluster()) == ("the manifests hold no Namespace, workload, Service or NetworkPolicy",)


def test_notes_count_skipped_kinds_carry_warnings_and_name_host_network_pods():
    node = Workload("kube-system", "exporter", "DaemonSet", {}, (), Span("k.yaml", 1), host_network=True)
    notes = cluster_notes(cluster(skipped_kinds={"Secret": 1, "ConfigMap": 2}, warnings=("w1",), workloads=(node,)))
    assert notes[0] == "skipped 3 objects of kinds netverify does not read: ConfigMap (2), Secret (1)"
    assert notes[1] == "w1"
    assert "host-network" in notes[2] and "kube-system/exporter[DaemonSet]" in notes[2]


def test_notes_are_said_once_cluster_first():
    merged = add_notes(replace(fx.MAP, notes=("b", "a")), ("a", "c"))
    assert merged.notes == ("a", "c", "b")


def test_allow_vacuous_comes_from_the_properties_file():
    prop = replace(fx.PROVE.results[3], allow_vacuous=False)  # a vacuous result
    report = ProveReport("p.yaml", (prop,))
    assert prove_exit_code(report) == 1

    class Prop:
        name = prop.name
        allow_vacuous = True

    fixed = with_allow_vacuous(report, PropertiesFile("p.yaml", (), (Prop(),)))
    assert fixed.results[0].allow_vacuous and prove_exit_code(fixed) == 0
