"""What a live cluster would not let netverify read: a kind it may not list (HTTP 403).

A kind that cannot be listed may hold objects anywhere in the cluster. For a policy kind that can change a
verdict, results are therefore unknown (analyses/unlisted.py); for any other kind it is a note.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UnlistedKind:
    source: str  # `cluster:CONTEXT`
    group: str  # API group; "" = the core group
    kind: str
    resource: str  # the plural the API serves it as, e.g. `networkpolicies`
    verb: str  # the RBAC verb that was refused, e.g. `list`
    status: int  # the HTTP status, e.g. 403
    message: str = ""  # what the API server said, if anything
    # What its objects could do to a verdict (model/kinds.py's effects): `decides` for every policy kind netverify
    # reads (NetworkPolicy, AdminNetworkPolicy, ...), the table's effect for a kind it judges, None for a kind
    # that is not a policy (Pod, Node, ...). Set by the loader, which knows which kinds it reads.
    effect: str | None = None

    @property
    def resource_name(self) -> str:
        """`networkpolicies.networking.k8s.io`, as RBAC rules and `kubectl auth can-i` name it."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    @property
    def label(self) -> str:
        return (f"{self.kind} ({self.resource_name}) in {self.source}: the account may not {self.verb} "
                f"{self.resource_name} (HTTP {self.status})")
