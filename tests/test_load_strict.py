"""Strict input, as the API server reads it (issue 9, item 7): unknown fields, scalar types, names.

Each error is checked through the loader (file, line, field) and through the command (exit 2, the same
`file:line: error: field:` and no traceback); `--lenient` turns unknown fields, and only those (and object
names that only identify), into warnings that name file, line and field.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netverify.cli import app
from netverify.errors import InputError
from netverify.load.limits import LoadLimits
from netverify.load.manifests import load_cluster_from_texts

runner = CliRunner()
LENIENT = LoadLimits(lenient=True)

NP = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n"
POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    ports:\n"
DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n"

# name: (manifest, line, field, what the message says). The first seven are the exact inputs.
UNKNOWN_FIELDS = {
    "podselector": (NP + "  podselector: {matchLabels: {app: db}}\n", 5, "spec.podselector",
                    "unknown field 'podselector' (did you mean 'podSelector'?)"),
    "podSelecter-in-peer": (NP + "  podSelector: {}\n  ingress:\n  - from:\n    - podSelecter: {matchLabels: {a: b}}\n",
                            8, "spec.ingress[0].from[0].podSelecter",
                            "unknown field 'podSelecter' (did you mean 'podSelector'?)"),
    "tempalte": (DEPLOYMENT + "  tempalte:\n    metadata: {labels: {app: d}}\n", 5, "spec.tempalte",
                 "unknown field 'tempalte' (did you mean 'template'?)"),
    "top-level": ("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nspce: {}\n", 4, "spce",
                  "unknown field 'spce' (did you mean 'spec'?)"),
    "metadata": ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  label: {a: b}\n", 5, "metadata.label",
                 "unknown field 'label' (did you mean 'labels'?)"),
    "matchlabels": (NP + "  podSelector: {matchlabels: {app: db}}\n", 5, "spec.podSelector.matchlabels",
                    "did you mean 'matchLabels'?"),
    "ipblock-except": (NP + "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, exept: []}\n",
                       8, "spec.egress[0].to[0].ipBlock.exept", "did you mean 'except'?"),
    "policy-port": (NP + "  podSelector: {}\n  ingress:\n  - ports:\n    - {prot: 80}\n", 8,
                    "spec.ingress[0].ports[0].prot", "unknown field 'prot'"),
    "container-port": (POD + "    - {containerport: 80}\n", 8, "spec.containers[0].ports[0].containerport",
                       "did you mean 'containerPort'?"),
    "pod-template-spec": (DEPLOYMENT + "  template:\n    spec:\n      containerz: []\n", 7,
                          "spec.template.spec.containerz", "did you mean 'containers'?"),
    "cronjob-jobtemplate": ("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobtemplate: {}\n",
                            5, "spec.jobtemplate", "did you mean 'jobTemplate'?"),
    "service-port": (SERVICE + "  ports:\n  - {port: 80, targetport: 8080}\n", 6, "spec.ports[0].targetport",
                     "did you mean 'targetPort'?"),
    "pod-status": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus:\n  podIp: 10.0.0.1\n", 5, "status.podIp",
                   "did you mean 'podIP'?"),
    "nothing-close": (NP + "  colour: blue\n", 5, "spec.colour", "unknown field 'colour'"),
}

WRONG_TYPES = {
    "port-true": (NP + "  podSelector: {}\n  ingress:\n  - ports:\n    - port: true\n", 8,
                  "spec.ingress[0].ports[0].port", "expected a number or a name"),
    "endPort-string": (NP + "  podSelector: {}\n  ingress:\n  - ports:\n    - port: 80\n      endPort: \"90\"\n", 9,
                       "spec.ingress[0].ports[0].endPort", "expected an integer"),
    "containerPort-string": (POD + "    - containerPort: \"80\"\n", 8, "spec.containers[0].ports[0].containerPort",
                             "expected an integer"),
    # IntOrString: a JSON string is a port *name*, and "80" is not one (IsValidPortName wants a letter).
    "port-quoted-number": (NP + "  podSelector: {}\n  ingress:\n  - ports:\n    - port: \"80\"\n", 8,
                           "spec.ingress[0].ports[0].port", "quoted number"),
    "targetPort-quoted-number": (SERVICE + "  ports:\n  - {port: 80, targetPort: \"8080\"}\n", 6,
                                 "spec.ports[0].targetPort", "quoted number"),
    "hostNetwork-string": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: \"true\"\n", 5,
                           "spec.hostNetwork", "expected true or false"),
    "controller-string": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  ownerReferences:\n"
                          "  - {kind: ReplicaSet, name: r, controller: \"true\"}\n", 6,
                          "metadata.ownerReferences[0].controller", "expected true or false"),
    "label-value-number": ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {v: 1.0}}\n", 3,
                           "metadata.labels.v", "expected a string"),
    "name-number": ("apiVersion: v1\nkind: Namespace\nmetadata: {name: 12}\n", 3, "metadata.name",
                    "expected a string"),
    "service-port-string": (SERVICE + "  ports:\n  - {port: \"80\"}\n", 6, "spec.ports[0].port", "expected an integer"),
}

INVALID_NAMES = {
    "namespace-Bad_NS": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: Bad_NS\n", 5,
                         "metadata.namespace", "not a valid namespace"),
    "namespace-too-long": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: " + "a" * 64 + "\n", 5,
                           "metadata.namespace", "not a valid namespace"),
    "Namespace-name-with-dot": ("apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring.prod}\n", 3,
                                "metadata.name", "not a valid Namespace name"),
    "label-key": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {-app: x}\n", 5,
                  "metadata.labels.-app", "not a valid label key"),
    "label-value": ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {team: -x-}\n", 5,
                    "metadata.labels.team", "not a valid label value"),
    "template-label-value": (DEPLOYMENT + "  template:\n    metadata:\n      labels: {app: a b}\n", 7,
                             "spec.template.metadata.labels.app", "not a valid label value"),
    "service-selector": (SERVICE + "  selector: {app: \"x/\"}\n", 5, "spec.selector.app", "not a valid label value"),
    "container-port-name-upper": (POD + "    - {containerPort: 80, name: HTTP}\n", 8,
                                  "spec.containers[0].ports[0].name", "not a valid port name"),
    "container-port-name-long": (POD + "    - {containerPort: 80, name: a-very-long-name1}\n", 8,
                                 "spec.containers[0].ports[0].name", "not a valid port name"),
    "container-port-name-dashes": (POD + "    - {containerPort: 80, name: a--b}\n", 8,
                                   "spec.containers[0].ports[0].name", "not a valid port name"),
    "container-port-name-digits": (POD + "    - {containerPort: 80, name: \"8080\"}\n", 8,
                                   "spec.containers[0].ports[0].name", "not a valid port name"),
    "policy-named-port": (NP + "  podSelector: {}\n  ingress:\n  - ports:\n    - port: -http\n", 8,
                          "spec.ingress[0].ports[0].port", "not a valid port name"),
    "service-port-name": (SERVICE + "  ports:\n  - {port: 80, name: TCP}\n", 6, "spec.ports[0].name",
                          "not a valid Service port name"),
}
# Names that only identify an object: errors, but --lenient reads them (with a warning).
INVALID_OBJECT_NAMES = {
    "policy-name": (NP.replace("name: p,", "name: use_underscores,") + "  podSelector: {}\n", 3, "metadata.name",
                    "not a valid NetworkPolicy name"),
    "deployment-name": (DEPLOYMENT.replace("name: d", "name: Web") + "  template: {}\n", 3, "metadata.name",
                        "not a valid Deployment name"),
    "service-name-with-dot": (SERVICE.replace("name: s", "name: s.a") + "  ports: []\n", 3, "metadata.name",
                              "not a valid Service name"),
    "cronjob-name-too-long": ("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: " + "c" * 53 + "}\n", 3,
                              "metadata.name", "longer than 52"),
}
HARD_ERRORS = {**WRONG_TYPES, **INVALID_NAMES}
ALL = {**UNKNOWN_FIELDS, **HARD_ERRORS, **INVALID_OBJECT_NAMES}


def load(text: str, **kw):
    return load_cluster_from_texts([("m.yaml", text)], **kw)


def error_of(text: str, **kw) -> InputError:
    with pytest.raises(InputError) as caught:
        load(text, **kw)
    return caught.value


@pytest.mark.parametrize("case", sorted(ALL))
def test_each_error_names_file_line_and_field_through_load(case):
    text, line, field, says = ALL[case]
    err = error_of(text)
    assert (err.file, err.line, err.field) == ("m.yaml", line, field), str(err)
    assert says in err.message


@pytest.mark.parametrize("case", sorted(ALL))
def test_each_error_is_exit_2_naming_file_line_and_field_through_the_cli(tmp_path, case):
    text, line, field, says = ALL[case]
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["map", "-f", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}: error: {field}: " in result.stderr and says in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# Without its only selector the misspelt peer is empty, an error of its own (the test after this one).
@pytest.mark.parametrize("case", sorted(set(UNKNOWN_FIELDS) - {"podSelecter-in-peer"}))
def test_lenient_reads_an_unknown_field_as_a_warning_naming_file_line_and_field(case):
    text, line, field, says = UNKNOWN_FIELDS[case]
    cluster = load(text, limits=LENIENT)
    assert any(w.startswith(f"m.yaml:{line}: {field}: ") and says in w for w in cluster.warnings), cluster.warnings


def test_lenient_drops_a_misspelt_peer_selector_and_then_the_empty_peer_is_an_error():
    text = UNKNOWN_FIELDS["podSelecter-in-peer"][0]
    err = error_of(text, limits=LENIENT)
    assert (err.line, err.field) == (8, "spec.ingress[0].from[0]") and "empty peer" in err.message


@pytest.mark.parametrize("case", sorted(INVALID_OBJECT_NAMES))
def test_lenient_reads_a_name_that_only_identifies_with_a_warning(case):
    text, line, field, says = INVALID_OBJECT_NAMES[case]
    cluster = load(text, limits=LENIENT)
    assert any(w.startswith(f"m.yaml:{line}: {field}: ") and says in w for w in cluster.warnings), cluster.warnings


@pytest.mark.parametrize("case", sorted(HARD_ERRORS))
def test_lenient_does_not_excuse_wrong_types_or_invalid_namespaces_labels_and_ports(case):
    text, line, field, says = HARD_ERRORS[case]
    err = error_of(text, limits=LENIENT)
    assert (err.line, err.field) == (line, field) and says in err.message


COMMANDS = {
    "map": lambda m, tmp: ["map", "-f", m],
    "explain": lambda m, tmp: ["explain", "a/x", "a/y", "--port", "80/TCP", "-f", m],
    "diff": lambda m, tmp: ["diff", m, m],
    "prove": lambda m, tmp: ["prove", _props(tmp, m)],
}


def _props(tmp: Path, manifest: str) -> str:
    props = tmp / "props.yaml"
    props.write_text(f"manifests: [{manifest}]\nproperties:\n  - name: p\n    from: {{namespace: a}}\n"
                     "    to: {namespace: a}\n    expect: possible\n")
    return str(props)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_takes_lenient_and_shows_the_warning(tmp_path, command):
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Namespace
        metadata: {name: a}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: x, namespace: a, labels: {app: x}}
        spec:
          containers:
          - name: c
            ports: [{containerPort: 80}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: y, namespace: a, labels: {app: y}}
        spec:
          containers:
          - name: c
            ports: [{containerPort: 80}]
          newFieldOfTomorrow: true
        """))
    args = COMMANDS[command](str(path), tmp_path)
    strict = runner.invoke(app, args)
    assert strict.exit_code == 2 and f"{path}:20: error: spec.newFieldOfTomorrow: unknown field" in strict.stderr
    lenient = runner.invoke(app, [*args, "--lenient"])
    assert lenient.exit_code in (0, 1), lenient.output
    assert f"{path}:20: spec.newFieldOfTomorrow: unknown field 'newFieldOfTomorrow'" in lenient.output
