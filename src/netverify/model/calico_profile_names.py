"""The names of the Profiles Calico generates for pods (libcalico-go/lib/backend/k8s/conversion/conversion.go):
`kns.<namespace>` from each Namespace and `ksa.<namespace>.<serviceaccount>` from each ServiceAccount. A pod's
workload endpoint carries exactly these two; a Profile of any other name applies to no pod."""

from __future__ import annotations

NAMESPACE_PROFILE, ACCOUNT_PROFILE = "kns.", "ksa."


def profile_target(name: str) -> tuple[str, str | None] | None:
    """(namespace, account) a generated profile's name stands for — account None for `kns.<ns>` — or None for
    a name Calico never generates for a pod (a namespace name has no '.'; an account name may)."""
    if name.startswith(NAMESPACE_PROFILE):
        ns = name[len(NAMESPACE_PROFILE):]
        return (ns, None) if ns and "." not in ns else None
    if name.startswith(ACCOUNT_PROFILE):
        ns, _, account = name[len(ACCOUNT_PROFILE):].partition(".")
        return (ns, account) if ns and account else None
    return None
