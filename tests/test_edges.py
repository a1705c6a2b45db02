"""No surprises at the edges: empty input, namespaces nobody declared, properties that match nothing, Unicode,
IPv6-only clusters, host-network pods, properties without manifests. Through the CLI, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from netverify.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def pod(name: str, namespace: str, labels: str, *, extra_spec: str = "", status: str = "") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}\n"
            f"spec: {{{extra_spec}containers: [{{name: c, ports: [{{containerPort: 80}}]}}]}}\n{status}---\n")


def props(folder: Path, body: str, manifests: str = "[m.yaml]") -> str:
    return write(folder, "props.yaml", f"manifests: {manifests}\nproperties:\n{body}")


def statuses(result) -> dict[str, str]:
    return {r["name"]: r["status"] for r in json.loads(result.stdout)["results"]}


def test_no_policies_everything_is_reachable_and_nothing_is_proven_unreachable(tmp_path):
    write(tmp_path, "m.yaml", pod("a", "x", "{app: a}") + pod("b", "y", "{app: b}"))
    path = props(tmp_path, """\
  - {name: open, from: {namespace: x}, to: {namespace: y}, expect: reachable}
  - {name: closed, from: {namespace: x}, to: {namespace: y}, expect: unreachable}
""")
    result = run("prove", path, "--format", "json")
    assert result.exit_code == 1 and statuses(result) == {"open": "proven", "closed": "violated"}
    listed = run("map", "-f", str(tmp_path / "m.yaml"), "--format", "json")
    pairs = {(c["src"].get("name"), c["dst"].get("name")) for c in json.loads(listed.stdout)["connections"]}
    assert {("a", "b"), ("b", "a")} <= pairs


def test_a_policy_in_a_namespace_nobody_declared_still_isolates_its_pods(tmp_path):
    write(tmp_path, "m.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
          "metadata: {name: deny, namespace: ghost}\nspec: {podSelector: {}}\n---\n" + pod("a", "x", "{app: a}"))
    path = props(tmp_path, """\
  - {name: ghost-closed, from: {namespace: x}, to: {namespace: ghost}, expect: unreachable}
  - name: ghost-by-its-automatic-label
    from: {namespace: x}
    to: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ghost}}}
    expect: unreachable
  - {name: ghost-has-no-workload, from: {namespace: x}, to: {namespace: ghost}, expect: unreachable, scope: existing}
""")
    result = run("prove", path, "--format", "json")
    assert statuses(result) == {"ghost-closed": "proven", "ghost-by-its-automatic-label": "proven",
                                "ghost-has-no-workload": "vacuous"}
    assert result.exit_code == 1  # vacuous fails the gate


def test_endpoints_that_match_nothing_are_vacuous_never_proven(tmp_path):
    write(tmp_path, "m.yaml", pod("a", "x", "{app: a}"))
    path = props(tmp_path, """\
  - {name: typo, from: {namespace: x, podSelector: {matchLabels: {app: aa}}}, to: {}, expect: unreachable,
     scope: existing}
  - name: contradiction
    from: {podSelector: {matchExpressions: [{key: k, operator: Exists}, {key: k, operator: DoesNotExist}]}}
    to: {}
    expect: unreachable
  - {name: tolerated, from: {namespace: x, podSelector: {matchLabels: {app: aa}}}, to: {}, expect: unreachable,
     scope: existing, allow_vacuous: true}
""")
    result = run("prove", path, "--format", "json")
    assert statuses(result) == {"typo": "vacuous", "contradiction": "vacuous", "tolerated": "vacuous"}
    assert result.exit_code == 1
    only_tolerated = props(tmp_path, """\
  - {name: tolerated, from: {namespace: x, podSelector: {matchLabels: {app: aa}}}, to: {}, expect: unreachable,
     scope: existing, allow_vacuous: true}
""")
    result = run("prove", only_tolerated)
    assert result.exit_code == 0 and "VACUOUS" in result.stdout and "PROVEN" not in result.stdout


def test_unicode_in_property_names_and_descriptions_survives_every_format(tmp_path):
    write(tmp_path, "m.yaml", pod("web", "shop", "{app: web}") + pod("db", "shop", "{app: db}"))
    path = props(tmp_path, """\
  - name: "wëb → db ✓"
    description: "日本語の説明"
    from: {namespace: shop, podSelector: {matchLabels: {app: web}}}
    to: {namespace: shop, podSelector: {matchLabels: {app: db}}}
    expect: unreachable
""")
    text = run("prove", path)
    assert text.exit_code == 1 and "wëb → db ✓" in text.stdout and "日本語の説明" in text.stdout
    data = run("prove", path, "--format", "json")
    assert json.loads(data.stdout)["results"][0]["name"] == "wëb → db ✓"
    for fmt in ("markdown", "sarif", "junit"):
        out = run("prove", path, "--format", fmt)
        assert out.exit_code == 1 and "wëb" in out.stdout, fmt


def test_a_unicode_label_value_in_a_selector_is_bad_input_naming_the_field(tmp_path):
    # Kubernetes label values are ASCII; a selector that could never match anything is an error, not vacuity.
    write(tmp_path, "m.yaml", pod("web", "shop", "{app: web}"))
    path = props(tmp_path, """\
  - name: p
    from: {namespace: shop, podSelector: {matchLabels: {app: "wëb"}}}
    to: {namespace: shop}
    expect: unreachable
""")
    result = run("prove", path)
    assert result.exit_code == 2 and f"{path}:4:" in result.stderr
    assert "properties[0].from.podSelector.matchLabels.app" in result.stderr and "label value" in result.stderr


IPV6 = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-v6, namespace: ns6}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8:1::/48"]}}]
    ports: [{port: 443}]
---
"""


def test_an_ipv6_only_cluster_is_verified_like_an_ipv4_one(tmp_path):
    v6 = 'status: {podIP: "fd00::%d", podIPs: [{ip: "fd00::%d"}]}\n'
    write(tmp_path, "m.yaml", IPV6 + pod("a", "ns6", "{app: a}", status=v6 % (1, 1))
          + pod("b", "ns6", "{app: b}", status=v6 % (2, 2)))
    path = props(tmp_path, """\
  - {name: to-docs, from: {namespace: ns6, podSelector: {matchLabels: {app: a}}},
     to: {ipBlock: {cidr: "2001:db8:2::/48"}}, ports: [{port: 443}], expect: reachable, scope: existing}
  - {name: not-to-except, from: {namespace: ns6, podSelector: {matchLabels: {app: a}}},
     to: {ipBlock: {cidr: "2001:db8:1::/48"}}, expect: unreachable}
  - {name: not-to-v4, from: {namespace: ns6, podSelector: {matchLabels: {app: a}}},
     to: {ipBlock: {cidr: "0.0.0.0/0"}}, expect: unreachable}
  - {name: not-on-80, from: {namespace: ns6, podSelector: {matchLabels: {app: a}}},
     to: {ipBlock: {cidr: "2001:db8::/32"}}, ports: [{port: 80}], expect: unreachable}
  - {name: b-is-open, from: {namespace: ns6, podSelector: {matchLabels: {app: b}}},
     to: {ipBlock: {cidr: "2001:db8:1::/48"}}, expect: reachable, scope: existing}
""")
    result = run("prove", path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert set(statuses(result).values()) == {"proven"}
    rows = json.loads(run("map", "-f", str(tmp_path / "m.yaml"), "--format", "json").stdout)["connections"]
    a_out = [r for r in rows if r["src"].get("name") == "a" and r["dst"]["type"] == "ip"]
    assert a_out and all(":" in r["dst"]["start"] for r in a_out)
    assert all(r["protocols"] == {"TCP": [[443, 443]]} for r in a_out)
    assert not any(r["dst"]["start"].startswith("2001:db8:1:") for r in a_out)  # the except stays closed


def test_a_host_network_pod_is_named_in_a_note_on_every_command(tmp_path):
    manifests = write(tmp_path, "m.yaml", pod("exporter", "mon", "{app: ne}", extra_spec="hostNetwork: true, ")
                      + pod("web", "shop", "{app: web}"))
    path = props(tmp_path, "  - {name: p, from: {namespace: shop}, to: {namespace: mon}, expect: reachable}\n")
    for args in (["prove", path], ["map", "-f", manifests], ["explain", "shop/web", "mon/exporter", "-f", manifests]):
        result = run(*args)
        assert result.exit_code in (0, 1), (args, result.output)
        assert "host-network" in result.stderr and "mon/exporter" in result.stderr, args


def test_properties_without_any_manifests_are_an_error_naming_the_file(tmp_path):
    path = write(tmp_path, "props.yaml",
                 "properties:\n  - {name: p, from: {namespace: a}, to: {namespace: b}, expect: unreachable}\n")
    result = run("prove", path)
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{path}: error: manifests:" in result.stderr


def test_manifests_listed_in_the_properties_file_that_do_not_exist_are_blamed_on_it(tmp_path):
    path = props(tmp_path, "  - {name: p, from: {namespace: a}, to: {namespace: b}, expect: unreachable}\n",
                 manifests="[missing/]")
    result = run("prove", path)
    assert result.exit_code == 2 and f"{path}: error: manifests:" in result.stderr and "missing" in result.stderr


def test_a_manifest_file_with_only_other_kinds_runs_and_counts_them(tmp_path):
    manifests = write(tmp_path, "m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    result = run("map", "-f", manifests)
    assert result.exit_code == 0
    assert "ConfigMap (1)" in result.stderr and "hold no Namespace, workload, Service or NetworkPolicy" in result.stderr


def test_replies_need_no_rule_of_their_own(tmp_path):
    # web accepts no ingress at all, yet its connection to db (which admits web) is allowed: the replies from db
    # to web belong to that connection. The reverse connection, db to web, is judged on its own and is blocked.
    deny_web = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n"
                "spec: {podSelector: {matchLabels: {app: web}}}\n---\n")
    db_from_web = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: shop}\n"
                   "spec: {podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: "
                   "{matchLabels: {app: web}}}]}]}\n---\n")
    pods = pod("web", "shop", "{app: web}") + pod("db", "shop", "{app: db}")
    write(tmp_path, "m.yaml", deny_web + db_from_web + pods)
    path = props(tmp_path, """\
  - {name: web-to-db, from: {workload: web, namespace: shop}, to: {workload: db, namespace: shop}, expect: reachable,
     scope: existing}
  - {name: db-to-web, from: {workload: db, namespace: shop}, to: {workload: web, namespace: shop},
     expect: unreachable, scope: existing}
""")
    result = run("prove", path, "--format", "json")
    assert result.exit_code == 0 and statuses(result) == {"web-to-db": "proven", "db-to-web": "proven"}


def test_namespaces_used_but_not_declared_are_named_in_a_note(tmp_path):
    manifests = write(tmp_path, "m.yaml", pod("a", "undeclared", "{app: a}"))
    result = run("map", "-f", manifests)
    assert result.exit_code == 0 and "not declared" in result.stderr and "undeclared" in result.stderr
