"""Objects of policy kinds netverify does not model (model/kinds.py's table) -> records in the Cluster."""

from __future__ import annotations

from netverify.load.documents import RawObject
from netverify.load.site import Site
from netverify.model.kinds import UnmodelledObject


def unmodelled_object(
    group: str, kind: str, namespaced: bool, obj: RawObject, default_namespace: str
) -> UnmodelledObject:
    """A record of a policy kind netverify does not model; its schema is not ours to check, so read leniently."""
    meta = obj.data.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    name, namespace = meta.get("name"), meta.get("namespace")
    return UnmodelledObject(
        kind=kind, group=group, name=name if isinstance(name, str) and name else "<unnamed>",
        namespace=(namespace if isinstance(namespace, str) and namespace else default_namespace) if namespaced else None,
        span=Site(obj.file, obj.data).span(),
    )
