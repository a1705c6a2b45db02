"""A properties file (spec §5) → model.properties.PropertiesFile, validated with manifest-quality errors."""

from __future__ import annotations

import os
import re

from netverify.errors import InputError
from netverify.load.files import read_text
from netverify.load.ipblocks import ip_block
from netverify.load.labels import label_selector
from netverify.load.limits import DEFAULT_LIMITS, LoadLimits
from netverify.load.ports import port_match
from netverify.load.properties_schema import EndpointSchema, PropertiesSchema, PropertySchema
from netverify.load.reader import read_documents
from netverify.load.site import Site
from netverify.load.tree import LineDict
from netverify.load.validation import validate
from netverify.model.properties import EndpointSpec, PropertiesFile, Property

# A namespace name is a DNS label (RFC 1123).
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SHAPES = "namespace/namespaceSelector and/or podSelector; or ipBlock; or service with namespace; " \
          "or workload with namespace"


def load_properties(path: str, *, limits: LoadLimits | None = None) -> PropertiesFile:
    limits = limits or DEFAULT_LIMITS
    documents = read_documents(path, read_text(path, limits), limits)
    if not documents:
        raise InputError(path, None, None, "empty properties file: expected a mapping with `properties:`")
    if len(documents) > 1:
        raise InputError(path, getattr(documents[1], "line", None), None, "a properties file holds one document")
    data = documents[0]
    if not isinstance(data, LineDict):
        raise InputError(path, getattr(data, "line", None), None, "expected a mapping with `properties:`")
    schema = validate(PropertiesSchema, data, path)
    site = Site(path, data)
    if not schema.properties:
        raise site.at("properties").error("no properties: a gate with nothing to check would always pass")
    properties: list[Property] = []
    first_seen: dict[str, int] = {}
    for i, prop in enumerate(schema.properties):
        here = site.at("properties", i)
        if not prop.name.strip():
            raise here.at("name").error("a property needs a non-empty name")
        if prop.name in first_seen:
            raise here.at("name").error(f"duplicate property name {prop.name!r} (first at line {first_seen[prop.name]})")
        first_seen[prop.name] = here.at("name").line
        properties.append(_property(prop, here))
    return PropertiesFile(path=path, manifests=_manifests(path, schema.manifests), properties=tuple(properties))


def _manifests(path: str, written: list[str] | str | None) -> tuple[str, ...]:
    entries = [written] if isinstance(written, str) else list(written or ())
    base = os.path.dirname(path)
    return tuple(os.path.normpath(os.path.join(base, m)) for m in entries)


def _property(prop: PropertySchema, site: Site) -> Property:
    return Property(
        name=prop.name,
        src=_endpoint(prop.from_, site.at("from")),
        dst=_endpoint(prop.to, site.at("to")),
        ports=tuple(port_match(p, site.at("ports", i)) for i, p in enumerate(prop.ports or ())),
        expect=prop.expect,
        scope=prop.scope,
        span=site.span(),
        description=prop.description,
        allow_vacuous=prop.allow_vacuous,
    )


def _endpoint(ep: EndpointSchema, site: Site) -> EndpointSpec:
    written = [k for k in ("namespace", "namespaceSelector", "podSelector", "ipBlock", "service", "workload")
               if getattr(ep, k) is not None]
    if ep.namespace is not None and (len(ep.namespace) > 63 or not _DNS_LABEL.match(ep.namespace)):
        raise site.at("namespace").error(f"{ep.namespace!r} is not a valid namespace name")
    if ep.ipBlock is not None:
        _only(written, {"ipBlock"}, "ipBlock", site)
        # Our own file, not an API object: a CIDR with host bits set is more likely a typo than intent.
        block = ip_block(ep.ipBlock, site.at("ipBlock"), None)
        return EndpointSpec(span=site.span(), ip_block=block)
    for named in ("service", "workload"):
        value = getattr(ep, named)
        if value is None:
            continue
        _only(written, {named, "namespace"}, named, site)
        if ep.namespace is None:
            raise site.at(named).error(f"{named} needs namespace (the namespace the {named} lives in)")
        if named == "workload":
            _check_workload(value, site.at("workload"))
        elif not value:
            raise site.at("service").error("service needs a name")
        return EndpointSpec(span=site.span(), namespace=ep.namespace, **{named: value})
    if ep.namespace is not None and ep.namespaceSelector is not None:
        raise site.error("use namespace or namespaceSelector, not both")
    return EndpointSpec(
        span=site.span(),
        namespace=ep.namespace,
        namespace_selector=None
        if ep.namespaceSelector is None
        else label_selector(ep.namespaceSelector, site.at("namespaceSelector")),
        pod_selector=None if ep.podSelector is None else label_selector(ep.podSelector, site.at("podSelector")),
    )


def _only(written: list[str], allowed: set[str], shape: str, site: Site) -> None:
    extra = [k for k in written if k not in allowed]
    if extra:
        raise site.at(extra[0]).error(f"{extra[0]} cannot be combined with {shape}; an endpoint is one of: {_SHAPES}")


def _check_workload(value: str, site: Site) -> None:
    parts = value.split("/")
    if len(parts) > 2 or not all(parts):
        raise site.error(f"{value!r}: write the workload as NAME or KIND/NAME (e.g. Deployment/frontend)")
