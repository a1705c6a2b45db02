"""The API server's syntax rules for names, label keys and values, and port names, written once.

Predicates only (no errors, no sites): the loader turns a failed rule into an InputError at the right
place, the SMT encoding uses the same rules to keep values that cannot exist out of its universe, and the
tests check generated manifests with them. Upstream: k8s.io/apimachinery/pkg/util/validation
(IsDNS1123Label, IsDNS1123Subdomain, IsQualifiedName, IsValidLabelValue) and IsValidPortName
(https://kubernetes.io/docs/concepts/overview/working-with-objects/names/,
https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
"""

from __future__ import annotations

import re

DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
LABEL_NAME_MAX = 63
PORT_NAME_MAX = 15

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def is_dns_label(text: str) -> bool:
    """RFC 1123 label: namespace names, container names (lowercase alphanumerics and '-', at most 63)."""
    return len(text) <= DNS_LABEL_MAX and bool(_DNS_LABEL.match(text))


def is_namespace_name(text: str) -> bool:
    return is_dns_label(text)


def is_dns_subdomain(text: str) -> bool:
    """RFC 1123 subdomain: most object names (Pods), label key prefixes (at most 253)."""
    return len(text) <= DNS_SUBDOMAIN_MAX and bool(_DNS_SUBDOMAIN.match(text))


def label_key_problem(key: str) -> str | None:
    """None when `key` is a valid label key; else which part is wrong: "prefix" or "name"."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or not is_dns_subdomain(prefix)):
        return "prefix"
    if not name or len(name) > LABEL_NAME_MAX or not _QUALIFIED_NAME.match(name):
        return "name"
    return None


def is_label_key(key: str) -> bool:
    return label_key_problem(key) is None


def is_label_value(value: str) -> bool:
    """Empty, or at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric."""
    return value == "" or (len(value) <= LABEL_NAME_MAX and bool(_QUALIFIED_NAME.match(value)))


def is_port_name(name: str) -> bool:
    """IANA_SVC_NAME: at most 15 lowercase alphanumerics and '-', a letter, no '--', no '-' at an end."""
    return (
        len(name) <= PORT_NAME_MAX and bool(_PORT_NAME.match(name)) and "--" not in name
        and any(c.isalpha() for c in name)
    )
