"""Bad manifests: each is an InputError naming the file, the line and the field, never a traceback."""

from __future__ import annotations

import io
import textwrap

import pytest

from netverify.errors import InputError
from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster, load_cluster_from_texts


def error_of(text: str, name: str = "bad.yaml", **kw) -> InputError:
    with pytest.raises(InputError) as caught:
        load_cluster_from_texts([(name, textwrap.dedent(text))], **kw)
    err = caught.value
    assert err.file == name
    assert str(err).startswith(f"{name}:{err.line}: error: " if err.line else f"{name}: error: ")
    return err


def policy(ingress: str) -> str:
    return (
        "apiVersion: networking.k8s.io/v1\n"
        "kind: NetworkPolicy\n"
        "metadata: {name: p, namespace: shop}\n"
        "spec:\n"
        "  podSelector: {}\n"
        "  ingress:\n" + textwrap.indent(textwrap.dedent(ingress), "  ")
    )


def test_invalid_yaml_names_the_parsers_line():
    err = error_of("kind: Pod\nmetadata:\n  name: [unclosed\n  labels: {}\n")
    assert err.line in (4, 5) and "invalid YAML" in err.message


def test_invalid_json_names_the_line():
    err = error_of('{\n  "kind": "Pod",\n  "metadata": {"name": "p",}\n  ]\n}\n', name="bad.json")
    assert err.line == 4 and "invalid YAML" in err.message


def test_wrong_type_names_field_and_line():
    err = error_of("kind: Pod\nmetadata:\n  name: p\n  labels:\n    version: 1\n")
    assert (err.line, err.field) == (5, "metadata.labels.version")
    assert "expected a string, got 1" in err.message and "quote" in err.message


def test_wrong_type_deep_in_a_policy():
    err = error_of(policy("- from: [{podSelector: {matchLabels: [a, b]}}]\n"))
    assert (err.line, err.field) == (7, "spec.ingress[0].from[0].podSelector.matchLabels")


def test_unknown_selector_operator():
    err = error_of(policy("""\
        - from:
          - podSelector:
              matchExpressions:
              - key: app
                operator: Equals
                values: [a]
        """))
    assert (err.line, err.field) == (11, "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator")
    assert "Equals" in err.message and "NotIn" in err.message


@pytest.mark.parametrize("operator", ["In", "NotIn"])
def test_in_and_notin_need_values(operator):
    err = error_of(policy(f"- from: [{{podSelector: {{matchExpressions: [{{key: a, operator: {operator}}}]}}}}]\n"))
    assert err.line == 7 and err.field == "spec.ingress[0].from[0].podSelector.matchExpressions[0].values"
    assert "at least one value" in err.message


@pytest.mark.parametrize("operator", ["Exists", "DoesNotExist"])
def test_exists_and_doesnotexist_take_no_values(operator):
    err = error_of(policy(f"""\
        - from:
          - namespaceSelector:
              matchExpressions:
              - {{key: a, operator: {operator}, values: [x]}}
        """))
    assert (err.line, err.field) == (10, "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values")
    assert "no values" in err.message


def test_unparsable_cidr():
    err = error_of(policy("- from: [{ipBlock: {cidr: 10.0.0.300/8}}]\n"))
    assert (err.line, err.field) == (7, "spec.ingress[0].from[0].ipBlock.cidr")
    assert "10.0.0.300/8" in err.message


def test_cidr_without_prefix_length():
    err = error_of(policy("- from: [{ipBlock: {cidr: 10.0.0.1}}]\n"))
    assert err.field == "spec.ingress[0].from[0].ipBlock.cidr" and "10.0.0.1/32" in err.message


def test_except_outside_its_cidr():
    err = error_of(policy("""\
        - from:
          - ipBlock:
              cidr: 10.0.0.0/8
              except:
              - 10.1.0.0/16
              - 192.168.0.0/16
        """))
    assert (err.line, err.field) == (12, "spec.ingress[0].from[0].ipBlock.except[1]")
    assert "not a strict subset" in err.message


def test_except_equal_to_its_cidr_is_not_a_strict_subset():
    err = error_of(policy("- from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]\n"))
    assert err.field == "spec.ingress[0].from[0].ipBlock.except[0]"


def test_except_of_the_other_ip_version():
    err = error_of(policy("- from: [{ipBlock: {cidr: 10.0.0.0/8, except: ['fd00::/8']}}]\n"))
    assert err.field == "spec.ingress[0].from[0].ipBlock.except[0]" and "IPv6" in err.message


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_port_out_of_range(port):
    err = error_of(policy(f"- ports:\n  - port: {port}\n"))
    assert (err.line, err.field) == (8, "spec.ingress[0].ports[0].port")
    assert "out of range" in err.message


def test_end_port_below_port():
    err = error_of(policy("- ports:\n  - {port: 2000, endPort: 1000}\n"))
    assert (err.line, err.field) == (8, "spec.ingress[0].ports[0].endPort")
    assert "below" in err.message


def test_end_port_out_of_range():
    err = error_of(policy("- ports:\n  - {port: 2000, endPort: 70000}\n"))
    assert err.field == "spec.ingress[0].ports[0].endPort" and "out of range" in err.message


def test_end_port_with_a_named_port():
    err = error_of(policy("- ports:\n  - {port: http, endPort: 1000}\n"))
    assert (err.line, err.field) == (8, "spec.ingress[0].ports[0].endPort")
    assert "named port" in err.message


def test_end_port_without_port():
    err = error_of(policy("- ports:\n  - {endPort: 1000}\n"))
    assert err.field == "spec.ingress[0].ports[0].endPort"


@pytest.mark.parametrize("name", ["Http", "a--b", "-web", "way-too-long-port-name", "80", "12-34"])
def test_invalid_port_name(name):
    err = error_of(policy(f"- ports:\n  - port: '{name}'\n"))
    assert (err.line, err.field) == (8, "spec.ingress[0].ports[0].port")


def test_unknown_protocol():
    err = error_of(policy("- ports:\n  - {protocol: ICMP, port: 1}\n"))
    assert (err.line, err.field) == (8, "spec.ingress[0].ports[0].protocol")
    assert "ICMP" in err.message and "SCTP" in err.message


def test_unknown_policy_type():
    err = error_of(
        "kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  policyTypes:\n  - Ingress\n  - Egres\n"
    )
    assert (err.line, err.field) == (6, "spec.policyTypes[1]")
    assert "Egres" in err.message


def test_ipblock_with_a_selector_in_one_peer():
    err = error_of(policy("- from:\n  - ipBlock: {cidr: 10.0.0.0/8}\n    podSelector: {}\n"))
    assert (err.line, err.field) == (8, "spec.ingress[0].from[0]")
    assert "ipBlock" in err.message


def test_empty_peer_is_invalid():
    err = error_of(policy("- ports: []\n  from:\n  - {}\n"))
    assert (err.line, err.field) == (9, "spec.ingress[0].from[0]")
    assert "empty peer" in err.message


def test_duplicate_object_names_both_places():
    with pytest.raises(InputError) as caught:
        load_cluster_from_texts([
            ("one.yaml", "kind: Pod\nmetadata: {name: p, namespace: a}\n"),
            ("two.yaml", "kind: ConfigMap\n---\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {x: y}}\n"),
        ])
    err = caught.value
    assert (err.file, err.line, err.field) == ("two.yaml", 4, "metadata.name")
    assert "duplicate Pod a/p" in err.message and "one.yaml:1" in err.message


def test_same_name_in_different_namespaces_or_kinds_is_fine():
    cluster = load_cluster_from_texts([
        ("m.yaml", "kind: Pod\nmetadata: {name: p, namespace: a}\n---\nkind: Pod\nmetadata: {name: p, namespace: b}\n"
                   "---\nkind: Deployment\nmetadata: {name: p, namespace: a}\n"),
    ])
    assert len(cluster.workloads) == 3


def test_duplicate_namespace():
    err = error_of("kind: Namespace\nmetadata: {name: a}\n---\nkind: Namespace\nmetadata: {name: a, labels: {x: y}}\n")
    assert err.line == 5 and "duplicate Namespace a" in err.message


@pytest.mark.parametrize(
    ("selector", "field"),
    [
        ("{matchLabels: {'bad key!': x}}", "matchLabels.bad key!"),
        ("{matchLabels: {app: 'not valid'}}", "matchLabels.app"),
        ("{matchLabels: {'Example.com/app': x}}", "matchLabels.Example.com/app"),
        ("{matchExpressions: [{key: app, operator: In, values: ['-x']}]}", "matchExpressions[0].values[0]"),
    ],
)
def test_selector_keys_and_values_must_be_valid_labels(selector, field):
    err = error_of(policy(f"- from: [{{podSelector: {selector}}}]\n"))
    assert err.line == 7 and err.field == f"spec.ingress[0].from[0].podSelector.{field}"
    assert "not a valid label" in err.message


def test_duplicate_mapping_key_names_key_and_line():
    err = error_of("kind: Pod\nmetadata:\n  name: p\n  labels: {a: x}\n  name: q\n")
    assert (err.line, err.field) == (5, "name")
    assert "duplicate key 'name'" in err.message and "line 3" in err.message


def test_non_utf8_bytes(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"kind: Pod\nmetadata:\n  name: caf\xe9\n")
    with pytest.raises(InputError) as caught:
        load_cluster([str(path)])
    err = caught.value
    assert (err.file, err.line) == (str(path), 3) and "UTF-8" in err.message


def test_non_utf8_on_stdin():
    stdin = io.TextIOWrapper(io.BytesIO(b"kind: Pod\n\xff\n"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_cluster(["-"], stdin=stdin)
    assert caught.value.file == "<stdin>" and "UTF-8" in caught.value.message


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/name:os.system", "!Ref", "!!set"])
def test_tags_that_build_objects_are_refused(tag):
    err = error_of(f"kind: Pod\nmetadata:\n  name: {tag} [x]\n")
    assert err.line == 3 and "not allowed" in err.message


def test_missing_file_and_missing_name(tmp_path):
    with pytest.raises(InputError) as caught:
        load_cluster([str(tmp_path / "nope.yaml")])
    assert "no such file" in caught.value.message
    err = error_of("kind: Service\nmetadata: {namespace: a}\n")
    assert err.field == "metadata.name" and err.line == 2


def test_pod_ip_that_is_not_an_address():
    err = error_of("kind: Pod\nmetadata: {name: p}\nstatus:\n  podIP: 10.0.0.256\n")
    assert (err.line, err.field) == (4, "status.podIP")


def test_service_port_out_of_range():
    err = error_of("kind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 80, targetPort: 0}\n")
    assert (err.line, err.field) == (5, "spec.ports[0].targetPort")


def test_container_port_out_of_range():
    err = error_of("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - ports: [{containerPort: 70000}]\n")
    assert (err.line, err.field) == (5, "spec.containers[0].ports[0].containerPort")


# Limits: a hostile file fails cleanly and quickly.


def test_alias_bomb_is_stopped():
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    err = error_of("\n".join(lines) + "\n")
    assert "alias" in err.message and err.line is not None


def test_small_alias_use_is_fine():
    cluster = load_cluster_from_texts(
        [("m.yaml", "kind: Pod\nmetadata: {name: p, annotations: &l {app: a}, labels: *l}\n")],
        limits=LoadLimits(max_alias_expansion=10),
    )
    assert cluster.workloads[0].labels == {"app": "a"}


def test_deep_nesting_is_stopped_without_crashing():
    # netverify's depth limit or the YAML library's own may stop it first (that depends on the library's
    # version): either way a clear error at the line, not a crash.
    err = error_of("x: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert err.line == 1


def test_flow_nesting_limit_names_the_line():
    err = error_of("kind: Pod\nmetadata: {name: p, annotations: {a: " + "[" * 20 + "]" * 20 + "}}\n",
                   limits=LoadLimits(max_depth=8))
    assert "nesting deeper than 8" in err.message and err.line == 2


def test_block_nesting_limit_names_the_line():
    text = "kind: Pod\nmetadata:\n  name: p\n  annotations:\n" + "".join(
        "  " * (i + 2) + f"k{i}:\n" for i in range(10)
    )
    err = error_of(text, limits=LoadLimits(max_depth=8))
    assert "nesting deeper than 8" in err.message and err.line == 11  # where the 9th level starts


def test_too_many_documents():
    err = error_of("kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n---\nx: 1\n",
                   limits=LoadLimits(max_documents=2))
    assert "more than 2 documents" in err.message and err.line == 7


def test_huge_file(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("kind: Pod\nmetadata: {name: p}\n" + "# padding\n" * 100)
    with pytest.raises(InputError) as caught:
        load_cluster([str(path)], limits=LoadLimits(max_file_bytes=100))
    assert caught.value.file == str(path) and "limit" in caught.value.message


def test_huge_stdin():
    with pytest.raises(InputError) as caught:
        load_cluster(["-"], stdin=io.StringIO("x" * 200), limits=LoadLimits(max_file_bytes=100))
    assert caught.value.file == "<stdin>" and "limit" in caught.value.message


def test_too_many_files(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.yaml").write_text("kind: ConfigMap\n")
    with pytest.raises(InputError) as caught:
        load_cluster([str(tmp_path)], limits=LoadLimits(max_files=2))
    assert caught.value.file == str(tmp_path) and "more than 2" in caught.value.message


def test_more_than_two_policy_types():
    err = error_of("kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  policyTypes: [Ingress, Egress, Ingress]\n")
    assert (err.line, err.field) == (4, "spec.policyTypes") and "at most two" in err.message


@pytest.mark.parametrize("api_version, kind", [
    ("networking.k8s.io/v2", "NetworkPolicy"), ("extensions/v1", "NetworkPolicy"), ("v2", "Pod"), ("v2", "Service"),
])
def test_a_kind_netverify_reads_at_a_version_of_its_group_it_does_not_know_is_bad_input(api_version, kind):
    # Skipped with a note, a NetworkPolicy of a new version would leave its pods unisolated: a false proven.
    err = error_of(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x, namespace: a}}\nspec: {{}}\n")
    assert err.line == 1 and err.field == "apiVersion" and api_version in err.message


def test_a_read_kind_of_another_group_is_not_that_kind():
    # projectcalico.org/v3 NetworkPolicy is Calico's kind (read into cluster.calico), never a Kubernetes one.
    cluster = load_cluster_from_texts([("ok.yaml", "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\n"
                                                  "metadata: {name: x, namespace: a}\nspec: {}\n")])
    assert cluster.policies == () and [p.name for p in cluster.calico.policies] == ["x"]


def test_an_identical_duplicate_object_is_read_once_with_a_note():
    pod = "kind: Pod\nmetadata: {name: p, namespace: a, labels: {app: x}}\nstatus: {podIP: 10.0.0.1}\n"
    cluster = load_cluster_from_texts([("one.yaml", pod), ("two.yaml", "kind: ConfigMap\n---\n" + pod)])
    assert [w.ref for w in cluster.workloads] == ["a/p[Pod]"]
    (note,) = [w for w in cluster.warnings if "identical" in w]
    assert note == "two.yaml:3: Pod a/p is identical to the one at one.yaml:1: read once"


def test_a_duplicate_that_differs_is_an_error_naming_both_places_on_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from netverify.cli import app

    (tmp_path / "one.yaml").write_text("kind: Namespace\nmetadata: {name: a}\n")
    (tmp_path / "two.yaml").write_text("kind: Namespace\nmetadata: {name: a, labels: {team: x}}\n")
    result = CliRunner().invoke(app, ["map", "-f", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'two.yaml'}:2: error: metadata.name" in result.output and f"{tmp_path / 'one.yaml'}:1" in result.output
    assert "duplicate Namespace a" in result.output and "Traceback" not in result.output
