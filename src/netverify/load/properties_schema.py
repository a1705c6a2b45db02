"""Pydantic models of a properties file (spec §5). Strict: an unknown key is a typo that must not pass silently.

The selector, ipBlock and port models extend the Kubernetes ones (same fields, so the same normalisers apply)
and only forbid extra keys.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from netverify.load.k8s_schema import IPBlockSpec, LabelSelectorSpec, PolicyPortSpec, SelectorRequirementSpec

_STRICT = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StrictRequirement(SelectorRequirementSpec):
    model_config = _STRICT


class StrictSelector(LabelSelectorSpec):
    model_config = _STRICT
    matchExpressions: list[StrictRequirement] | None = None


class StrictIPBlock(IPBlockSpec):
    model_config = _STRICT


class StrictPort(PolicyPortSpec):
    model_config = _STRICT


class EndpointSchema(BaseModel):
    model_config = _STRICT
    namespace: str | None = None
    namespaceSelector: StrictSelector | None = None
    podSelector: StrictSelector | None = None
    ipBlock: StrictIPBlock | None = None
    service: str | None = None
    workload: str | None = None


class PropertySchema(BaseModel):
    model_config = _STRICT
    name: str
    description: str | None = None
    from_: EndpointSchema = Field(alias="from")
    to: EndpointSchema
    ports: list[StrictPort] | None = None
    expect: Literal["unreachable", "reachable", "possible"]
    scope: Literal["any", "existing"] = "any"
    allow_vacuous: bool = False


class PropertiesSchema(BaseModel):
    model_config = _STRICT
    manifests: list[str] | str | None = None
    properties: list[PropertySchema]
