"""Fleets for the fleet tests: generated clusters (benchmarks/generate.py) written to disk with a fleet file,
the work an engine does for them, and an in-process stand-in for Ray that runs tasks in a chosen order."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import yaml

from netverify.analyses.fleet import FleetWork
from netverify.analyses.unmodelled import parse_ignore_kinds
from netverify.cli.fleet import finish_cluster, load_cluster
from netverify.load.fleet import load_fleet
from netverify.model.fleet import Fleet

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("nv_bench_generate_for_fleet", ROOT / "benchmarks" / "generate.py")
gen = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = gen
_spec.loader.exec_module(gen)

SHARED = {"properties": [{
    "name": "kube-system-may-reach-the-documentation-range",
    "from": {"namespace": "kube-system"},
    "to": {"ipBlock": {"cidr": "192.0.2.0/24"}},
    "expect": "possible",
}]}


@dataclass(frozen=True)
class WrittenFleet:
    path: Path
    expected: dict[str, dict[str, str]]  # cluster -> property -> "proven" | "violated" (the generator's truth)


def write_fleet(root: Path, count: int, *, policies: int = 6, pods: int = 40, properties: int = 5) -> WrittenFleet:
    """`count` small generated clusters; every other one lists its manifests in the fleet file, the rest take
    them from their own properties file. One shared property for all."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "shared.yaml").write_text(yaml.safe_dump(SHARED, sort_keys=False))
    clusters, expected = [], {}
    for i in range(count):
        name = f"c{i:02d}"
        gen.generate((policies, pods), seed=i, out_dir=root / "clusters" / name, fmt="yaml", properties=properties)
        entry: dict[str, Any] = {"name": name, "properties": [f"clusters/{name}/properties.yaml"]}
        if i % 2 == 0:
            entry["manifests"] = [f"clusters/{name}/manifests"]
        clusters.append(entry)
        truth = json.loads((root / "clusters" / name / "expected.json").read_text())
        expected[name] = {**truth, SHARED["properties"][0]["name"]: "proven"}
    path = root / "fleet.yaml"
    path.write_text(yaml.safe_dump({"properties": ["shared.yaml"], "clusters": clusters}, sort_keys=False))
    return WrittenFleet(path, expected)


def fleet_work(fleet: Fleet, *, chunk_size: int = 2, deadline: float | None = None, **options) -> FleetWork:
    """What `netverify fleet` builds, with defaults."""
    load_one = partial(load_cluster, repo=fleet.repo, limits=None, cni=None, cilium_cluster="default",
                       ipblock_matches_pods=bool(options.get("ipblock_matches_pods")))
    return FleetWork(load=load_one, finish=partial(finish_cluster,
                     ignored=parse_ignore_kinds([])), options={"timeout_ms": 30000, **options},
                     deadline=deadline, chunk_size=chunk_size)


def load(written: WrittenFleet) -> Fleet:
    return load_fleet(str(written.path))


def without_durations(doc: Any) -> Any:
    """A JSON report with what may differ between two runs of the same fleet removed."""
    if isinstance(doc, dict):
        return {k: without_durations(v) for k, v in doc.items() if k not in ("duration_ms", "engine")}
    if isinstance(doc, list):
        return [without_durations(v) for v in doc]
    return doc


# ---- a stand-in for Ray: the driver's logic, in-process, in any completion order ------------------------


class FakeRayError(Exception):
    pass


class FakeTaskError(FakeRayError):
    pass


class FakeWorkerCrashedError(FakeRayError):
    pass


@dataclass(eq=False)
class _Call:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    returns: int
    value: Any = None
    error: Exception | None = None
    done: bool = False


@dataclass(eq=False)
class FakeRef:
    call: _Call
    part: int | None  # which of several returns, or None for the one


@dataclass
class FakeRay:
    """`remote`, `wait` and `get` as the driver uses them. Tasks run when first waited on or fetched; `wait`
    picks a ready-to-run task at random (rng), so results arrive in any order. `dies(fn, args)` says whether a
    task's worker dies on every try (the driver then gets a system error, as Ray raises after its retries)."""

    rng: random.Random
    dies: Callable[[Callable[..., Any], tuple[Any, ...]], bool] = lambda fn, args: False
    calls: list[_Call] = field(default_factory=list)
    exceptions: Any = field(default_factory=lambda: SimpleNamespace(RayError=FakeRayError,
                                                                     RayTaskError=FakeTaskError))

    def remote(self, **options):
        returns = options.get("num_returns", 1)

        def wrap(fn):
            def submit(*args):
                call = _Call(fn, args, returns)
                self.calls.append(call)
                return [FakeRef(call, k) for k in range(returns)] if returns > 1 else FakeRef(call, None)
            return SimpleNamespace(remote=submit)
        return wrap

    def _run(self, call: _Call) -> None:
        if call.done:
            return
        args = tuple(self.get(a) if isinstance(a, FakeRef) else a for a in call.args)
        call.done = True
        if self.dies(call.fn, args):
            call.error = FakeWorkerCrashedError("the worker died")
            return
        try:
            call.value = call.fn(*args)
        except Exception as exc:  # what Ray wraps in a RayTaskError
            call.error = exc

    def wait(self, refs, num_returns=1, timeout=None):
        if timeout == 0:  # what is done by now: a few tasks at random have run meanwhile (maybe none)
            for ref in self.rng.sample(refs, k=min(len(refs), self.rng.randint(0, 2))):
                self._run(ref.call)
            done = [r for r in refs if r.call.done]
            return done, [r for r in refs if not r.call.done]
        chosen = self.rng.choice(refs)
        self._run(chosen.call)
        return [chosen], [r for r in refs if r is not chosen]

    def get(self, ref: FakeRef):
        self._run(ref.call)
        if ref.call.error is not None:
            raise ref.call.error
        return ref.call.value if ref.part is None else ref.call.value[ref.part]
