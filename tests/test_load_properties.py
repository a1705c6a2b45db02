"""load_properties: the spec §5 file → PropertiesFile, and its errors with file, line and field."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from netverify.errors import InputError
from netverify.load.properties import load_properties
from netverify.model.labels import LabelSelector, Requirement
from netverify.model.ports import Protocol

FULL = """\
manifests: [../examples/shop, base.yaml]
properties:
  - name: frontend-never-reaches-db
    description: the web tier must go through the api
    from: {namespace: shop, podSelector: {matchLabels: {app: frontend}}}
    to:   {namespace: shop, podSelector: {matchLabels: {app: db}}}
    ports: [{protocol: TCP, port: 3306}, {protocol: UDP}, {port: 8000, endPort: 8100}, {port: mysql}]
    expect: unreachable
    scope: any
  - name: to-the-internet
    from:
      namespaceSelector:
        matchExpressions: [{key: team, operator: In, values: [a, b]}]
    to: {ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}
    expect: possible
    scope: existing
    allow_vacuous: true
  - name: service-and-workload
    from: {workload: Deployment/frontend, namespace: shop}
    to: {service: db, namespace: shop}
    expect: reachable
  - name: anything
    from: {}
    to: {podSelector: {}}
    expect: reachable
"""


def write(tmp_path: Path, text: str, name: str = "props.yaml") -> str:
    path = tmp_path / "gate" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_full_file(tmp_path):
    path = write(tmp_path, FULL)
    props = load_properties(path)
    assert props.path == path
    assert props.manifests == (str(tmp_path / "examples" / "shop"), str(tmp_path / "gate" / "base.yaml"))
    first, second, third, fourth = props.properties
    assert first.name == "frontend-never-reaches-db" and first.description.startswith("the web tier")
    assert (first.expect, first.scope, first.allow_vacuous) == ("unreachable", "any", False)
    assert first.src.namespace == "shop"
    assert first.src.pod_selector == LabelSelector((Requirement("app", "In", frozenset({"frontend"})),))
    assert first.src.namespace_selector is None and first.dst.span.line == 6
    assert [(p.protocol, p.port, p.end_port) for p in first.ports] == [
        (Protocol.TCP, 3306, None), (Protocol.UDP, None, None), (Protocol.TCP, 8000, 8100), (Protocol.TCP, "mysql", None),
    ]
    assert first.span.line == 3
    assert second.src.namespace is None
    assert second.src.namespace_selector == LabelSelector((Requirement("team", "In", frozenset({"a", "b"})),))
    assert str(second.dst.ip_block) == "0.0.0.0/0 except 10.0.0.0/8" and second.dst.is_external
    assert (second.expect, second.scope, second.allow_vacuous) == ("possible", "existing", True)
    assert (third.src.workload, third.src.namespace) == ("Deployment/frontend", "shop")
    assert (third.dst.service, third.dst.namespace) == ("db", "shop")
    assert third.ports == () and third.scope == "any"
    assert fourth.src.pod_selector is None and fourth.dst.pod_selector == LabelSelector(())


def test_manifests_may_be_one_string_or_absent_and_absolute_paths_stay(tmp_path):
    body = "properties:\n  - {name: a, from: {}, to: {}, expect: possible}\n"
    assert load_properties(write(tmp_path, body)).manifests == ()
    absolute = str(tmp_path / "elsewhere")
    assert load_properties(write(tmp_path, f"manifests: {absolute}\n" + body)).manifests == (absolute,)


def error_of(tmp_path, text: str) -> InputError:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_properties(path)
    err = caught.value
    assert err.file == path
    assert str(err).startswith(f"{path}:{err.line}: error: " if err.line else f"{path}: error: ")
    return err


def one(prop: str) -> str:
    return "properties:\n" + textwrap.indent(textwrap.dedent(prop), "  ")


OK_ENDS = "from: {namespace: a}\nto: {namespace: b}\n"


def test_unknown_key_in_a_property_is_an_error(tmp_path):
    err = error_of(tmp_path, one("- name: x\n  " + OK_ENDS.replace("\n", "\n  ") + "expect: unreachable\n  scpoe: any\n"))
    assert (err.line, err.field) == (6, "properties[0].scpoe") and "unknown key 'scpoe'" in err.message


def test_unknown_key_in_an_endpoint_or_selector_is_an_error(tmp_path):
    err = error_of(tmp_path, one("""\
        - name: x
          from: {namespace: a, podSelectr: {}}
          to: {podSelector: {matchLabel: {app: x}}}
          expect: unreachable
        """))
    assert (err.line, err.field) == (3, "properties[0].from.podSelectr")
    err = error_of(tmp_path, one("- {name: x, from: {}, to: {podSelector: {matchLabel: {app: x}}}, expect: possible}\n"))
    assert (err.line, err.field) == (2, "properties[0].to.podSelector.matchLabel")


def test_unknown_top_level_key(tmp_path):
    err = error_of(tmp_path, "manifest: [a]\n" + one("- {name: x, from: {}, to: {}, expect: possible}\n"))
    assert (err.line, err.field) == (1, "manifest")


def test_missing_name_and_missing_expect(tmp_path):
    err = error_of(tmp_path, one("- from: {}\n  to: {}\n  expect: possible\n"))
    assert (err.line, err.field) == (2, "properties[0].name") and "required" in err.message
    err = error_of(tmp_path, one("- name: x\n  from: {}\n  to: {}\n"))
    assert (err.line, err.field) == (2, "properties[0].expect")


def test_unknown_expect_and_scope(tmp_path):
    err = error_of(tmp_path, one("- {name: x, from: {}, to: {}, expect: never}\n"))
    assert (err.line, err.field) == (2, "properties[0].expect") and "never" in err.message
    err = error_of(tmp_path, one("- {name: x, from: {}, to: {}, expect: possible, scope: all}\n"))
    assert (err.line, err.field) == (2, "properties[0].scope")


def test_duplicate_names_name_both_lines(tmp_path):
    err = error_of(tmp_path, one("""\
        - {name: same, from: {}, to: {}, expect: possible}
        - name: other
          from: {}
          to: {}
          expect: possible
        - name: same
          from: {}
          to: {}
          expect: possible
        """))
    assert (err.line, err.field) == (7, "properties[2].name") and "line 2" in err.message


@pytest.mark.parametrize(
    ("endpoint", "field", "words"),
    [
        ("{namespace: a, namespaceSelector: {}}", "properties[0].from", "not both"),
        ("{ipBlock: {cidr: 10.0.0.0/8}, namespace: a}", "properties[0].from.namespace", "cannot be combined"),
        ("{service: db, podSelector: {}, namespace: a}", "properties[0].from.podSelector", "cannot be combined"),
        ("{service: db, workload: web, namespace: a}", "properties[0].from.workload", "cannot be combined"),
        ("{service: db}", "properties[0].from.service", "needs namespace"),
        ("{workload: web}", "properties[0].from.workload", "needs namespace"),
        ("{workload: a/b/c, namespace: x}", "properties[0].from.workload", "KIND/NAME"),
        ("{workload: /b, namespace: x}", "properties[0].from.workload", "KIND/NAME"),
        ("{namespace: Not_A_Name}", "properties[0].from.namespace", "namespace name"),
        ("{ipBlock: {cidr: 10.1.2.3/8}}", "properties[0].from.ipBlock.cidr", "host bits"),
        ("{ipBlock: {cidr: nonsense}}", "properties[0].from.ipBlock.cidr", "not a CIDR"),
        ("{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}", "properties[0].from.ipBlock.except[0]", "subset"),
        ("{podSelector: {matchExpressions: [{key: a, operator: In}]}}",
         "properties[0].from.podSelector.matchExpressions[0].values", "at least one value"),
        ("{podSelector: {matchExpressions: [{key: a, operator: Is, values: [x]}]}}",
         "properties[0].from.podSelector.matchExpressions[0].operator", "Is"),
    ],
)
def test_bad_endpoints(tmp_path, endpoint, field, words):
    err = error_of(tmp_path, one(f"- name: x\n  from: {endpoint}\n  to: {{}}\n  expect: possible\n"))
    assert (err.line, err.field) == (3, field)
    assert words in err.message


@pytest.mark.parametrize(
    ("port", "field", "words"),
    [
        ("{port: 0}", "properties[0].ports[0].port", "out of range"),
        ("{port: 70000}", "properties[0].ports[0].port", "out of range"),
        ("{port: 10, endPort: 5}", "properties[0].ports[0].endPort", "below"),
        ("{port: http, endPort: 90}", "properties[0].ports[0].endPort", "named port"),
        ("{protocol: IMCP}", "properties[0].ports[0].protocol", "did you mean 'ICMP'"),  # ICMP itself is one now
        ("{prot: TCP}", "properties[0].ports[0].prot", "unknown key"),
    ],
)
def test_bad_ports(tmp_path, port, field, words):
    err = error_of(tmp_path, one(f"- name: x\n  from: {{}}\n  to: {{}}\n  expect: possible\n  ports:\n  - {port}\n"))
    assert (err.line, err.field) == (7, field)
    assert words in err.message


def test_empty_file_no_properties_and_not_a_mapping(tmp_path):
    assert "empty" in error_of(tmp_path, "# nothing\n").message
    err = error_of(tmp_path, "properties: []\n")
    assert (err.line, err.field) == (1, "properties") and "no properties" in err.message
    assert error_of(tmp_path, "- a\n- b\n").message.startswith("expected a mapping")
    assert error_of(tmp_path, "properties:\n  - name: [\n").line == 3


def test_missing_properties_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as caught:
        load_properties(os.path.join(tmp_path, "absent.yaml"))
    assert "cannot read" in caught.value.message


def test_properties_file_limits_apply(tmp_path):
    from netverify.load.limits import LoadLimits

    path = write(tmp_path, FULL)
    with pytest.raises(InputError) as caught:
        load_properties(path, limits=LoadLimits(max_file_bytes=50))
    assert caught.value.file == path and "limit" in caught.value.message
