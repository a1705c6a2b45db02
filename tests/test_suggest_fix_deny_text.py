"""The Deny edit's two translations, checked against their references over generated inputs (hypothesis):
- the text insertion (analyses/fix_text.insert_items_before) against inserting into the parsed list: whatever
  the indentation, the dash's gap, comments and the items' own style, the edited text parses to the old list
  with the new items at the rule's place, and everything else is untouched;
- a label selector written as a Calico selector (analyses/fix_deny_rules.calico_selector), parsed by the
  loader's Calico parser, against the label selector's own matching."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from differential_strategies import CONTROL_PLANE, NS_KEYS, POD_KEYS, VALUES, selectors
from netverify.analyses.fix_deny_rules import calico_selector
from netverify.analyses.fix_text import can_insert_before, insert_items_before
from netverify.load.calico_selector import parse_selector
from netverify.load.site import Site

SITE = Site("p.yaml", {}, ("spec", "selector"))

scalars = st.one_of(st.sampled_from(["Allow", "Deny", "a: b", "x#y", "'q'", "- z", "{}", "[1]", ""]),
                    st.integers(0, 65535), st.booleans())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(st.sampled_from(["k", "from", "ports"]), inner, max_size=2)),
    max_leaves=4)
items = st.dictionaries(st.sampled_from(["name", "action", "from", "to", "ports"]), values, min_size=1, max_size=3)


def _block_item(item: dict, dash: int, gap: int, flow_style: bool) -> list[str]:
    """One list item as a person might write it: a flow mapping on the dash's line, or block style."""
    if flow_style:
        return [" " * dash + "-" + " " * gap + yaml.safe_dump(item, default_flow_style=True, width=10_000).strip()]
    body = yaml.safe_dump(item, default_flow_style=False, sort_keys=False, width=10_000).splitlines()
    col = " " * (dash + 1 + gap)
    return [" " * dash + "-" + " " * gap + body[0], *(col + line for line in body[1:])]


@settings(max_examples=150, deadline=None)
@given(old=st.lists(items, min_size=1, max_size=4), new=st.lists(items, min_size=1, max_size=2),
       dash=st.integers(0, 4), gap=st.integers(1, 3), styles=st.lists(st.booleans(), min_size=4, max_size=4),
       comments=st.booleans(), data=st.data())
def test_a_deny_inserted_in_the_text_lands_in_the_list_at_the_rules_place(old, new, dash, gap, styles, comments,
                                                                          data):
    lines = ["spec:", "  ingress:"] if dash >= 2 else ["ingress:"]
    starts = []
    for i, item in enumerate(old):
        if comments:
            lines.append(" " * dash + f"# rule {i}")
        starts.append(len(lines) + 1)
        lines += _block_item(item, dash, gap, styles[i])
    lines.append("other: [1, 2]")
    text = "\n".join(lines) + "\n"
    at = data.draw(st.integers(0, len(old) - 1))
    assert can_insert_before(text, starts[at])
    edited = insert_items_before(text, starts[at], new)
    parsed, before = yaml.safe_load(edited), yaml.safe_load(text)
    rules = (parsed["spec"] if dash >= 2 else parsed)["ingress"]
    assert rules == [*old[:at], *new, *old[at:]]
    assert parsed["other"] == before["other"] == [1, 2]
    assert edited.startswith("\n".join(lines[:starts[at] - 1]))  # the text before the rule is untouched
    assert edited.endswith("\n".join(lines[starts[at] - 1:]) + "\n")  # and from the rule on


def test_only_a_block_sequence_item_takes_an_insertion():
    text = "ingress: [{action: Allow}]\negress:\n-\n  action: Allow\n- action: Pass\n{\"a\": 1}\n"
    assert [can_insert_before(text, n) for n in range(0, 8)] == [False, False, False, False, False, True, False,
                                                                 False]


labels = st.dictionaries(st.sampled_from([*POD_KEYS, *NS_KEYS, *CONTROL_PLANE]),
                         st.sampled_from([*VALUES, *(v for vs in CONTROL_PLANE.values() for v in vs)]), max_size=4)


@settings(max_examples=300, deadline=None)
@given(selector=st.one_of(selectors(), selectors(NS_KEYS, VALUES)), labels=labels)
def test_a_label_selector_means_the_same_written_as_a_calico_selector(selector, labels):
    written = calico_selector(selector)
    assert parse_selector(written, SITE).matches(labels) == selector.matches(labels), written
