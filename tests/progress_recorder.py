"""A Progress (model/progress.py) that writes down every step it is told about, for tests."""

from __future__ import annotations


class Recorder:
    def __init__(self) -> None:
        self.steps: list[dict] = []

    def task(self, description, *, total=None, unit=""):
        step = {"description": description, "total": total, "unit": unit, "done": 0, "closed": False}
        self.steps.append(step)

        class _Step:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                step["closed"] = True

            def advance(self, amount=1):
                step["done"] += amount

            def add_total(self, amount):
                step["total"] = (step["total"] or 0) + amount

        return _Step()

    def step(self, description: str) -> dict:
        (found,) = [s for s in self.steps if s["description"] == description]
        return found
