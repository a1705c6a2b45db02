#!/usr/bin/env python3
"""A platform team's AdminNetworkPolicies for a generated cluster, and their cost on `prove`.

    .venv/bin/python benchmarks/anp.py --size large --anps 100 --reps 3 --json benchmarks/results/anp-large.json

`admin_policies(n)` writes n AdminNetworkPolicies over the generator's namespace labels (team, env,
env), the kind a platform team keeps: per team, ingress from the team's own namespaces and DNS egress passed
to the namespace owners' NetworkPolicies; ingress from quarantined namespaces (`quarantine: "true"`, which no
namespace carries today, but a namespace created tomorrow may) denied; per env, egress to two external ranges
(RFC 5737 documentation ranges, 198.51.100.0/24 and 203.0.113.0/24) passed to the owners; quarantined
namespaces' own traffic denied both ways. Priorities are 1..n, with some pairs of Pass-only policies sharing
one (a tie with one action is not ambiguous, but the encoder must still treat the group as one).

None of these can change a verdict of the generator's properties: Pass hands the side to NetworkPolicy, as if
there were no admin tier; the Denies match only traffic of or from quarantined namespaces, which no property
names and no `scope: any` counterexample needs. (A Deny on a `networks` CIDR would not do: `networks` match pod
addresses too, and a pod created tomorrow may get any address, so it would rightly refute the DNS properties.) So the
expected outcomes stay those of expected.json, and the run checks them: the comparison is like for like.

The benchmark: the same preset without and with the policies, `prove` of all 50 properties, each run in a
fresh process (benchmarks/run.py's child), alternating, medians of --reps; reported: both medians (total and
after load), their ratio, and the outcomes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import ENVS, TEAMS  # noqa: E402

DOC_RANGES = ("198.51.100.0/24", "203.0.113.0/24")
API = "policy.networking.k8s.io/v1alpha1"
DNS = {"pods": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}}
DNS_PORTS = [{"portNumber": {"protocol": "UDP", "port": 53}}, {"portNumber": {"protocol": "TCP", "port": 53}}]


def _anp(name: str, priority: int, subject: dict, ingress: list | None = None, egress: list | None = None) -> dict:
    spec: dict = {"priority": priority, "subject": {"namespaces": subject}}
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {"apiVersion": API, "kind": "AdminNetworkPolicy", "metadata": {"name": name}, "spec": spec}


def admin_policies(n: int) -> list[dict]:
    out: list[dict] = []
    envs = [e for e, _ in ENVS]
    for i in range(n):
        team = TEAMS[i % len(TEAMS)]
        env = envs[i % len(envs)]
        shape = i % 4
        # pairs of Pass-only policies (shape 0 at i, shape 0 at i+4) share a priority every 8 policies
        priority = i + 1 if not (shape == 0 and i % 8 == 4) else i - 3
        if shape == 0:
            out.append(_anp(f"delegate-{team}-{i}", priority, {"matchLabels": {"team": team}},
                            ingress=[{"name": "own-team", "action": "Pass",
                                      "from": [{"namespaces": {"matchLabels": {"team": team}}}]}],
                            egress=[{"name": "dns", "action": "Pass", "to": [DNS], "ports": DNS_PORTS}]))
        elif shape == 1:
            out.append(_anp(f"quarantine-into-{team}-{i}", priority, {"matchLabels": {"team": team}},
                            ingress=[{"name": "from-quarantine", "action": "Deny",
                                      "from": [{"namespaces": {"matchLabels": {"quarantine": "true"}}}]},
                                     {"name": "rest", "action": "Pass", "from": [{"namespaces": {}}]}]))
        elif shape == 2:
            out.append(_anp(f"external-to-owners-{env}-{i}", priority, {"matchLabels": {"env": env}},
                            egress=[{"name": "doc-ranges", "action": "Pass",
                                     "to": [{"networks": list(DOC_RANGES)}]}]))
        else:
            out.append(_anp(f"quarantine-{i}", priority, {"matchLabels": {"quarantine": "true"}},
                            ingress=[{"name": "nothing-in", "action": "Deny", "from": [{"namespaces": {}}]}],
                            egress=[{"name": "nothing-out", "action": "Deny",
                                     "to": [{"networks": ["0.0.0.0/0", "::/0"]}]}]))
    return out


def with_admin_policies(base: Path, out: Path, n: int) -> Path:
    """A copy of a generated cluster directory (manifests linked, not copied) plus admin.yaml with n ANPs."""
    if out.exists():
        shutil.rmtree(out)
    (out / "manifests").mkdir(parents=True)
    for f in sorted((base / "manifests").iterdir()):
        (out / "manifests" / f.name).symlink_to(f.resolve())
    (out / "manifests" / "admin.yaml").write_text(yaml.safe_dump_all(admin_policies(n), sort_keys=False))
    for name in ("properties.yaml", "expected.json", "summary.json"):
        if (base / name).exists():
            shutil.copy(base / name, out / name)
    return out


def compare(base: Path, with_anps: Path, reps: int) -> dict:
    """prove50 on both, alternating in fresh processes; medians and their ratio."""
    import run  # benchmarks/run.py: the child process and its measurement

    expected = json.loads((base / "expected.json").read_text())
    rows: dict[str, list[dict]] = {"without": [], "with": []}
    for _ in range(reps):
        rows["without"].append(run.measure("prove50", base))
        rows["with"].append(run.measure("prove50", with_anps))
    out: dict = {"reps": reps}
    for key, rs in rows.items():
        statuses = rs[0]["statuses"]
        out[key] = {
            "total_s": statistics.median(r["total_s"] for r in rs),
            "after_load_s": statistics.median(r["after_load_s"] for r in rs),
            "after_load_cpu_s": statistics.median(r["after_load_cpu_s"] for r in rs),
            "cpu_s": statistics.median(r["cpu_s"] for r in rs),  # load + prove: the figure the target reads
            "runs_total_s": [round(r["total_s"], 3) for r in rs],
            "runs_after_load_s": [round(r["after_load_s"], 3) for r in rs],
            "outcomes": {s: sum(1 for v in statuses.values() if v == s) for s in sorted(set(statuses.values()))},
            "mismatches": sorted(n for n, s in statuses.items() if expected.get(n) != s),
        }
    for k in ("total_s", "after_load_s", "after_load_cpu_s", "cpu_s"):
        out[f"ratio_{k}"] = out["with"][k] / out["without"][k] if out["without"][k] else None
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="large", help="a benchmarks/run.py preset")
    ap.add_argument("--anps", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", dest="json_out", metavar="FILE")
    args = ap.parse_args(argv)
    import run

    base = run.ensure_generated(args.size, "yaml", args.seed)
    with_anps = with_admin_policies(base, run.GENERATED / f"{base.name}-anp{args.anps}", args.anps)
    result = {"size": args.size, "anps": args.anps, "seed": args.seed, **compare(base, with_anps, args.reps)}
    text = json.dumps(result, indent=1)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
