"""A properties file (spec §5) → model.properties.PropertiesFile, validated with manifest-quality errors."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from netverify.errors import InputError, InputErrors
from netverify.load.files import read_text
from netverify.load.ipblocks import ip_block
from netverify.load.labels import label_selector
from netverify.load.limits import DEFAULT_LIMITS, LoadLimits
from netverify.load.live import is_cluster_spec
from netverify.load.property_ports import property_port
from netverify.load.properties_errors import validate_all
from netverify.load.properties_schema import EndpointSchema, PropertiesSchema, PropertySchema, StrictPort
from netverify.load.reader import read_documents
from netverify.load.site import Site
from netverify.load.tree import LineDict
from netverify.model.properties import EndpointSpec, PropertiesFile, Property

# A namespace name is a DNS label (RFC 1123).
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
_SHAPES = "namespace/namespaceSelector and/or podSelector; or ipBlock; or service with namespace; " \
          "or workload with namespace"


def load_properties(path: str, *, limits: LoadLimits | None = None) -> PropertiesFile:
    """The properties file, or every error it has at once (an InputErrors when there are several)."""
    limits = limits or DEFAULT_LIMITS
    documents = read_documents(path, read_text(path, limits), limits)
    if not documents:
        raise InputError(path, None, None, "empty properties file: expected a mapping with `properties:`")
    if len(documents) > 1:
        raise InputError(path, getattr(documents[1], "line", None), None, "a properties file holds one document")
    data = documents[0]
    if not isinstance(data, LineDict):
        raise InputError(path, getattr(data, "line", None), None, "expected a mapping with `properties:`")
    schema, errors = validate_all(PropertiesSchema, data, path)
    site = Site(path, data)
    if schema is not None and not schema.properties:
        errors.append(site.at("properties").error("no properties: a gate with nothing to check would always pass"))
    properties: list[Property] = []
    first_seen: dict[str, int] = {}
    items = data.get("properties")
    for i, item in enumerate(items if isinstance(items, list) else ()):
        here = site.at("properties", i)
        prop = schema.properties[i] if schema is not None else _valid(PropertySchema, item)
        if prop is None:  # its schema errors are in `errors` already; check the parts that are well formed
            _check_parts(item, here, errors, first_seen)
            continue
        _check_name(prop.name, here, errors, first_seen)
        built = _property(prop, here, errors)
        if built is not None:
            properties.append(built)
    InputErrors.raise_if_any(errors)
    assert schema is not None  # no error means the whole file validated
    return PropertiesFile(path=path, manifests=_manifests(path, schema.manifests), properties=tuple(properties))


def _check_name(name: str, site: Site, errors: list[InputError], first_seen: dict[str, int]) -> None:
    if not name.strip():
        errors.append(site.at("name").error("a property needs a non-empty name"))
    elif name in first_seen:
        errors.append(site.at("name").error(f"duplicate property name {name!r} (first at line {first_seen[name]})"))
    else:
        first_seen[name] = site.at("name").line


def _check_parts(item: Any, site: Site, errors: list[InputError], first_seen: dict[str, int]) -> None:
    """A property with schema errors: its name, endpoints and ports that are well formed still get their
    checks, so one pass reports every error of the file."""
    if not isinstance(item, dict):
        return
    if isinstance(item.get("name"), str):
        _check_name(item["name"], site, errors, first_seen)
    for side in ("from", "to"):
        endpoint = _valid(EndpointSchema, item.get(side))
        if endpoint is not None:
            _collect(errors, _endpoint, endpoint, site.at(side))
    ports = item.get("ports")
    for i, written in enumerate(ports if isinstance(ports, list) else ()):
        port = _valid(StrictPort, written)
        if port is not None:
            _collect(errors, property_port, port, site.at("ports", i))


def _valid(model: type[M], value: Any) -> M | None:
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def _manifests(path: str, written: list[str] | str | None) -> tuple[str, ...]:
    entries = [written] if isinstance(written, str) else list(written or ())
    base = os.path.dirname(path)
    # `cluster:[CONTEXT]` names a live cluster, not a path.
    return tuple(m if is_cluster_spec(m) else os.path.normpath(os.path.join(base, m)) for m in entries)


def _property(prop: PropertySchema, site: Site, errors: list[InputError]) -> Property | None:
    """The property, or None with its errors added to `errors` (each endpoint and port checked on its own)."""
    before = len(errors)
    src = _collect(errors, _endpoint, prop.from_, site.at("from"))
    dst = _collect(errors, _endpoint, prop.to, site.at("to"))
    ports = [_collect(errors, property_port, p, site.at("ports", i)) for i, p in enumerate(prop.ports or ())]
    if len(errors) > before or src is None or dst is None:
        return None
    return Property(
        name=prop.name,
        src=src,
        dst=dst,
        ports=tuple(p for p in ports if p is not None),
        expect=prop.expect,
        scope=prop.scope,
        span=site.span(),
        description=prop.description,
        allow_vacuous=prop.allow_vacuous,
    )


def _collect(errors: list[InputError], build: Callable[..., T], *args: Any) -> T | None:
    try:
        return build(*args)
    except InputError as exc:
        errors.append(exc)
        return None


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
