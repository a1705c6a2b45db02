"""Object names, namespaces, labels and port names, checked as the API server checks them.

A name the API server refuses is an object that cannot exist; reading it would let a verdict rest on it.
Rules (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/):
- most objects: a DNS subdomain (RFC 1123): at most 253 lowercase alphanumerics, '-' and '.';
- Namespace (and every metadata.namespace): an RFC 1123 label, at most 63 lowercase alphanumerics and '-';
- Service: an RFC 1035 label unless RelaxedServiceNameValidation (1.34+) allows an RFC 1123 label; we accept
  the wider rule so that no manifest a cluster accepts is refused;
- CronJob: at most 52 characters (its Jobs' names get an 11-character suffix);
- container ports and named policy ports: IANA service names (load/ports.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from netverify.load.labels import check_label_key, check_label_value
from netverify.load.site import Site
from netverify.model.k8s_names import DNS_LABEL_MAX as LABEL_MAX
from netverify.model.k8s_names import DNS_SUBDOMAIN_MAX as SUBDOMAIN_MAX
from netverify.model.k8s_names import is_dns_label, is_dns_subdomain

# Kinds whose name is an RFC 1123 label rather than a subdomain; other limits on length, per kind.
_LABEL_NAMED = frozenset({"Namespace", "Service"})
_MAX_NAME = {"CronJob": 52}


def check_object_name(kind: str, name: str, site: Site) -> None:
    if kind in _LABEL_NAMED:
        if not is_dns_label(name):
            raise site.error(
                f"{name!r} is not a valid {kind} name: an RFC 1123 label, at most {LABEL_MAX} lowercase letters, "
                "digits and '-', starting and ending with a letter or digit"
            )
    elif not is_dns_subdomain(name):
        raise site.error(
            f"{name!r} is not a valid {kind} name: a DNS subdomain, at most {SUBDOMAIN_MAX} lowercase letters, "
            "digits, '-' and '.', starting and ending with a letter or digit"
        )
    limit = _MAX_NAME.get(kind)
    if limit is not None and len(name) > limit:
        raise site.error(f"{kind} name {name!r} is longer than {limit} characters")


def check_namespace_name(name: str, site: Site) -> None:
    if not is_dns_label(name):
        raise site.error(
            f"{name!r} is not a valid namespace: an RFC 1123 label, at most {LABEL_MAX} lowercase letters, "
            "digits and '-', starting and ending with a letter or digit"
        )


def check_labels(labels: Mapping[str, str] | None, site: Site) -> None:
    """Every key and value of an object's `labels` (or a Service's selector) at `site`."""
    for key, value in (labels or {}).items():
        check_label_key(key, site.at(key))
        check_label_value(value, site.at(key))
