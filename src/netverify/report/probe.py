"""`--probe-script`: a bash script that replays each counterexample and witness on a test cluster.

The check the Kubernetes tutorials do by hand with curl, for every connection netverify reports: per case, it
creates the namespaces that are missing (with the labels the case needs) and the two pods of the case's Pod
YAML (`pod_manifests`) with the agnhost test image (the destination serving the port and protocol), runs
`agnhost connect` (TCP, UDP, SCTP; `ping` for ICMP and ICMPv6 echo) from the source pod to the destination pod's IP, prints whether the outcome matches what
netverify says (allowed or blocked) and deletes what it created. Exit 0: every case matched; 1: a mismatch;
2: a case could not be set up. Cases whose verdict rests on an address (an external IP, a pod IP the case
needs) cannot be made with pods and are listed as not probed, as are connections neither tool can make (another
protocol, an ICMP type other than echo request, a chosen source port).

Every value that reaches the shell is quoted (shlex.quote); manifests are passed in quoted here-documents.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import yaml

from netverify.findings import ConnectionWitness, DiffReport, EndpointWitness, ProveReport
from netverify.model.cluster import UNKNOWN_LABEL_VALUE
from netverify.model.ports import PROTOCOLS, Protocol

AGNHOST_IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.53"


def _server(protocol: str, port: int) -> dict:
    """What serves the port, as the Kubernetes network policy e2e tests do: serve-hostname for TCP and UDP,
    porter (SERVE_SCTP_PORT_N) for SCTP."""
    if protocol == "SCTP":
        return {"command": ["/agnhost", "porter"], "env": [{"name": f"SERVE_SCTP_PORT_{port}", "value": "foo"}]}
    flag = "--udp" if protocol == "UDP" else "--tcp"
    return {"command": ["/agnhost", "serve-hostname", flag, "--http=false", "--port", str(port)]}
# The here-documents are quoted (nothing in them is expanded); the image is put in by sed at run time, so
# AGNHOST_IMAGE can point at a mirror.
_IMAGE_SLOT = "__AGNHOST_IMAGE__"


@dataclass(frozen=True, slots=True)
class ProbeCase:
    title: str  # what the case is, for people: the property or the diff class
    witness: ConnectionWitness


def cases_of(result: ProveReport | DiffReport) -> list[ProbeCase]:
    if isinstance(result, ProveReport):
        out = []
        for r in result.results:
            for what, w in (("counterexample", r.counterexample), ("witness", r.witness)):
                if w is not None:
                    out.append(ProbeCase(f"property {r.name} ({what}, expect {r.expect})", w))
        return out
    # a class shown as its pair (repeated_classes) is still a new connection worth replaying
    return [ProbeCase(f"diff: {c.summary}", c.witness) for c in (*result.added_classes, *result.repeated_classes)]


_ECHO_REQUEST = {Protocol.ICMP: 8, Protocol.ICMPv6: 128}


def _why_not_probed_protocol(w: ConnectionWitness) -> str | None:
    """agnhost connects over TCP, UDP and SCTP from any source port; ping sends ICMP echo requests."""
    if w.protocol.is_icmp:
        echo = _ECHO_REQUEST[w.protocol]
        if w.icmp_type not in (None, echo) or (w.icmp_code not in (None, 0)):
            return f"{w.service}: ping sends only echo requests ({w.protocol} type {echo} code 0)"
        return None
    if w.protocol not in PROTOCOLS:
        return f"{w.service}: agnhost connects over TCP, UDP and SCTP only, ping over ICMP"
    if w.src_port is not None:
        return f"{w.service}: agnhost connect cannot choose the source port"
    return None


def _why_not_probed(w: ConnectionWitness) -> str | None:
    why = _why_not_probed_protocol(w)
    if why is not None:
        return why
    for role, end in (("source", w.src), ("destination", w.dst)):
        if end.namespace is None:
            return f"the {role} is an address outside the cluster ({end.ip})"
        if end.ip is not None:
            return f"the {role} needs the pod address {end.ip}, which only the network plugin assigns"
    if not w.pod_manifests.strip():
        return "no Pod YAML"
    return None


def _pods(case_no: int, w: ConnectionWitness) -> tuple[list[dict], str, str]:
    """The case's two Pods from its Pod YAML (renamed per case, agnhost everywhere), and their names. A role the
    YAML lacks is made from the witness itself: its namespace, its known labels and container ports."""
    given = {}
    for doc in yaml.safe_load_all(w.pod_manifests):
        if isinstance(doc, dict) and doc.get("kind") == "Pod" and isinstance(doc.get("metadata"), dict):
            given["src" if str(doc["metadata"].get("name", "")).endswith("-src") else "dst"] = doc
    pods, names = [], {}
    for role, end in (("src", w.src), ("dst", w.dst)):
        pod = given.get(role) or _pod_of(end)
        names[role] = f"netverify-probe-{case_no}-{role}"
        pod["metadata"] = {**pod["metadata"], "name": names[role], "namespace": end.namespace}
        spec = pod.setdefault("spec", {})
        containers = spec.get("containers") or [{"name": "main"}]
        for i, container in enumerate(containers):
            container["image"] = _IMAGE_SLOT
            container["command"] = ["/agnhost", "pause"]
            if role == "dst" and i == 0 and w.protocol in PROTOCOLS:
                # A pod's containers share one network: any of them may serve the port.
                container.update(_server(str(w.protocol), w.port))
        spec.update(containers=containers, restartPolicy="Never", terminationGracePeriodSeconds=0)
        pods.append(pod)
    return pods, names["src"], names["dst"]


def _pod_of(end: EndpointWitness) -> dict:
    labels = {k: v for k, v in end.labels.items() if v != UNKNOWN_LABEL_VALUE}
    ports = [{**({"name": n} if n else {}), "containerPort": p, "protocol": proto} for n, p, proto in end.container_ports]
    account = {"serviceAccountName": end.service_account} if end.service_account else {}  # Cilium reads it
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": labels} if labels else {},
            "spec": {**account, "containers": [{"name": "main", **({"ports": ports} if ports else {})}]}}


def _namespaces(w: ConnectionWitness) -> list[EndpointWitness]:
    seen, out = set(), []
    for end in (w.src, w.dst):
        if end.namespace not in seen:
            seen.add(end.namespace)
            out.append(end)
    return out


def _case_function(no: int, case: ProbeCase) -> list[str]:
    w = case.witness
    expected = "allowed" if w.allowed else "blocked"
    q = shlex.quote
    lines = [f"probe_{no}() {{", f"  # {case.title}".replace("\n", " "),
             f"  local title={q(case.title)} expected={expected}"]
    reason = _why_not_probed(w)
    if reason is not None:
        return [*lines, f"  not_probed \"$title\" {q(reason)}", "}"]
    pods, src, dst = _pods(no, w)
    for end in _namespaces(w):
        labels = ",".join(f"{k}={v}" for k, v in sorted(end.namespace_labels.items())
                          if k != "kubernetes.io/metadata.name")
        lines.append(f"  ensure_namespace {q(end.namespace)} {q(labels)} || return 2")
    body = yaml.safe_dump_all(pods, sort_keys=False, default_flow_style=False).rstrip("\n")
    lines += [
        f"  CREATED_PODS+=({q(f'{w.src.namespace}/{src}')} {q(f'{w.dst.namespace}/{dst}')})",
        f"  sed \"s|{_IMAGE_SLOT}|$AGNHOST_IMAGE|\" <<'NETVERIFY_PODS' | \"$KUBECTL\" apply -f - || return 2",
        *body.splitlines(),
        "NETVERIFY_PODS",
        f"  wait_ready {q(w.src.namespace)} {q(src)} || return 2",
        f"  wait_ready {q(w.dst.namespace)} {q(dst)} || return 2",
        "  local rc=0",
        f"  connect {q(w.src.namespace)} {q(src)} {q(w.dst.namespace)} {q(dst)} {w.port} {str(w.protocol).lower()} "
        "|| rc=$?",
        "  [ \"$rc\" -ne 2 ] || return 2",
        "  if [ \"$rc\" -eq 0 ]; then report \"$title\" \"$expected\" allowed; else report \"$title\" \"$expected\" blocked; fi",
        "}",
    ]
    return lines


_PRELUDE = r'''#!/usr/bin/env bash
# Generated by netverify (--probe-script): replays each counterexample and witness on a TEST cluster
# (kind, minikube) whose network plugin enforces NetworkPolicy (e.g. Calico or Cilium).
# First apply the manifests netverify read (kubectl apply -f ...), then run: bash THIS-SCRIPT [CASE-NUMBER...]
# Per case: creates missing namespaces and two agnhost pods, runs `agnhost connect`, prints match or
# MISMATCH, deletes what it created. Exit 0: all matched; 1: a mismatch; 2: a case could not be set up.
# Environment: KUBECTL (default kubectl), AGNHOST_IMAGE, PROBE_TIMEOUT (kubectl wait, default 120s),
# CONNECT_TIMEOUT (agnhost connect, default 5s).
set -uo pipefail

KUBECTL="${KUBECTL:-kubectl}"
AGNHOST_IMAGE="${AGNHOST_IMAGE:-__AGNHOST__}"
PROBE_TIMEOUT="${PROBE_TIMEOUT:-120s}"
CONNECT_TIMEOUT="${CONNECT_TIMEOUT:-5s}"
CREATED_PODS=()
CREATED_NAMESPACES=()
matched=0
mismatched=0
failed=0
skipped=0

ensure_namespace() {  # NAME LABELS: create it with these labels unless it exists (then it must carry them)
  if "$KUBECTL" get namespace "$1" >/dev/null 2>&1; then
    if [ -n "$2" ] && [ -z "$("$KUBECTL" get namespace --selector "$2" --field-selector "metadata.name=$1" -o name)" ]; then
      echo "namespace $1 exists without the labels $2 this case needs: apply the manifests netverify read first" >&2
      return 1
    fi
    return 0
  fi
  "$KUBECTL" create namespace "$1" || return 1
  CREATED_NAMESPACES+=("$1")
  if [ -n "$2" ]; then
    local labels
    IFS=',' read -r -a labels <<< "$2"
    "$KUBECTL" label namespace "$1" --overwrite "${labels[@]}" || return 1
  fi
}

wait_ready() {  # NAMESPACE POD
  "$KUBECTL" wait --namespace "$1" --for=condition=Ready "pod/$2" --timeout="$PROBE_TIMEOUT"
}

connect() {  # SRC-NAMESPACE SRC-POD DST-NAMESPACE DST-POD PORT PROTOCOL; exit 0 connected, 1 not, 2 no pod IP
  local ip target
  ip="$("$KUBECTL" get pod --namespace "$3" "$4" -o 'jsonpath={.status.podIP}')" || return 2
  [ -n "$ip" ] || return 2
  if [ "$6" = icmp ] || [ "$6" = icmpv6 ]; then
    # One echo request (ICMP type 8 / ICMPv6 128); the destination's kernel answers, no server needed.
    "$KUBECTL" exec --namespace "$1" "$2" -- ping -c 1 -W "${CONNECT_TIMEOUT%s}" "$ip" >/dev/null || return 1
    return 0
  fi
  target="$ip:$5"
  case "$ip" in *:*) target="[$ip]:$5" ;; esac
  "$KUBECTL" exec --namespace "$1" "$2" -- /agnhost connect "$target" --timeout="$CONNECT_TIMEOUT" --protocol="$6" || return 1
}

report() {  # TITLE EXPECTED GOT
  if [ "$2" = "$3" ]; then
    matched=$((matched + 1))
    printf 'match     %s: %s, as netverify says\n' "$1" "$3"
  else
    mismatched=$((mismatched + 1))
    printf 'MISMATCH  %s: netverify says %s, the cluster did: %s\n' "$1" "$2" "$3"
  fi
}

not_probed() {  # TITLE WHY
  skipped=$((skipped + 1))
  printf 'skipped   %s: %s\n' "$1" "$2"
}

cleanup() {
  local entry
  for entry in "${CREATED_PODS[@]}"; do
    "$KUBECTL" delete pod --namespace "${entry%%/*}" "${entry#*/}" --ignore-not-found --wait=false >/dev/null 2>&1
  done
  for entry in "${CREATED_NAMESPACES[@]}"; do
    "$KUBECTL" delete namespace "$entry" --ignore-not-found --wait=false >/dev/null 2>&1
  done
  CREATED_PODS=()
  CREATED_NAMESPACES=()
}
trap cleanup EXIT
'''

_MAIN = r'''
run_case() {
  local rc=0
  "probe_$1" || rc=$?
  if [ "$rc" -ne 0 ]; then
    failed=$((failed + 1))
    printf 'FAILED    case %s could not be set up (exit %s)\n' "$1" "$rc"
  fi
  cleanup
}

if [ "$#" -gt 0 ]; then
  for n in "$@"; do
    case "$n" in
      ''|*[!0-9]*) echo "not a case number: $n (1-$CASES)" >&2; exit 2 ;;
    esac
    if [ "$n" -lt 1 ] || [ "$n" -gt "$CASES" ]; then
      echo "no case $n (1-$CASES)" >&2
      exit 2
    fi
    run_case "$n"
  done
else
  for ((n = 1; n <= CASES; n++)); do
    run_case "$n"
  done
fi
printf '%s matched, %s mismatched, %s not set up, %s not probed\n' "$matched" "$mismatched" "$failed" "$skipped"
[ "$failed" -eq 0 ] || exit 2
[ "$mismatched" -eq 0 ] || exit 1
'''


def probe_script(result: ProveReport | DiffReport) -> str:
    cases = cases_of(result)
    prelude = _PRELUDE.replace("__AGNHOST__", AGNHOST_IMAGE)
    body: list[str] = [f"CASES={len(cases)}", ""]
    for no, case in enumerate(cases, 1):
        body += _case_function(no, case)
        body.append("")
    if not cases:
        body.append("# netverify reported no counterexample or witness: nothing to probe.")
    return prelude + "\n" + "\n".join(body) + _MAIN
