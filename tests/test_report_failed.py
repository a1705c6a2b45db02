"""Any run that stopped on an error renders in every format of its command, each carrying every problem."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from netverify.findings import FailedRun, RunProblem
from netverify.report import COMMAND_FORMATS, render
from test_report_any_result import check_parses, names

problems = st.builds(
    RunProblem, message=names, file=st.sampled_from([None, "a.yaml", "dir/b c.yml", "<stdin>", "git:HEAD:k8s/x.yaml"]),
    line=st.one_of(st.none(), st.integers(1, 500)), field=st.one_of(st.none(), names), text=names,
)
failures = st.builds(FailedRun, command=st.sampled_from(sorted(COMMAND_FORMATS)),
                     problems=st.lists(problems, min_size=1, max_size=3).map(tuple),
                     exit_code=st.sampled_from([2, 3]), kind=st.sampled_from(["input", "internal"]))


@settings(max_examples=60, deadline=None)
@given(failures)
def test_every_format_carries_every_problem(failed):
    for fmt in COMMAND_FORMATS[failed.command]:
        out = render(failed, fmt)
        check_parses(fmt, out)
        if fmt == "sarif":
            run = json.loads(out)["runs"][0]
            assert [r["ruleId"] for r in run["results"]] == ["NV005"] * len(failed.problems)
            assert run["invocations"][0]["executionSuccessful"] is False
            notes = run["invocations"][0]["toolExecutionNotifications"]
            assert [n["message"]["text"] for n in notes] == [p.text or p.message for p in failed.problems]
        elif fmt == "junit":
            root = ET.fromstring(out)
            assert root.get("errors") == str(len(failed.problems)) and root.get("failures") == "0"
        elif fmt == "json":
            error = json.loads(out)["error"]
            assert [p["message"] for p in error["problems"]] == [p.message for p in failed.problems]
            assert error["exit_code"] == failed.exit_code
        elif fmt == "markdown":
            assert out.startswith("### ⛔") and f"exit {failed.exit_code}" in out
