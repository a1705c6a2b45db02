"""Label selectors (metav1.LabelSelector) → model.LabelSelector, with the API server's validation."""

from __future__ import annotations

from netverify.load.k8s_schema import LabelSelectorSpec
from netverify.load.site import Site
from netverify.model.k8s_names import is_label_value, label_key_problem
from netverify.model.labels import EVERYTHING, LabelSelector, Requirement


def label_selector(spec: LabelSelectorSpec | None, site: Site) -> LabelSelector:
    """`None` or `{}` selects everything; matchLabels become `In` requirements, ANDed with matchExpressions."""
    if spec is None:
        return EVERYTHING
    requirements: list[Requirement] = []
    for key, value in (spec.matchLabels or {}).items():
        check_label_key(key, site.at("matchLabels", key))
        check_label_value(value, site.at("matchLabels", key))
        requirements.append(Requirement(key, "In", frozenset({value})))
    for i, expr in enumerate(spec.matchExpressions or ()):
        here = site.at("matchExpressions", i)
        check_label_key(expr.key, here.at("key"))
        values = expr.values or []
        if expr.operator in ("In", "NotIn") and not values:
            raise here.at("values").error(f"operator {expr.operator} needs at least one value")
        if expr.operator in ("Exists", "DoesNotExist") and values:
            raise here.at("values").error(f"operator {expr.operator} takes no values")
        for j, value in enumerate(values):
            check_label_value(value, here.at("values", j))
        requirements.append(Requirement(expr.key, expr.operator, frozenset(values)))
    return LabelSelector(tuple(requirements))


def check_label_key(key: str, site: Site) -> None:
    problem = label_key_problem(key)
    if problem == "prefix":
        raise site.error(f"{key!r} is not a valid label key: the prefix must be a DNS subdomain (e.g. example.com)")
    if problem == "name":
        raise site.error(
            f"{key!r} is not a valid label key: at most 63 characters, alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric"
        )


def check_label_value(value: str, site: Site) -> None:
    if not is_label_value(value):
        raise site.error(
            f"{value!r} is not a valid label value: at most 63 characters, alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric"
        )
