"""Files → model. Entry points (import the module you need; nothing is re-exported here):

- `manifests.load_cluster(paths, default_namespace=, stdin=, limits=)` and `load_cluster_from_texts(...)`;
- `properties.load_properties(path, limits=)`;
- `sources.load_source(spec)` for a path or `git:REF[:PATH]`.

Pipeline: files.read_sources (paths → text) → reader.read_documents (text → LineDict/LineList that know their
lines) → documents.objects (Lists unwrapped) → cluster_builder (pydantic models in k8s_schema, then one
normaliser per construct: workloads, services, policies, labels, ports, ipblocks). Every problem is an
InputError(file, line, field, message); limits.LoadLimits bounds what a hostile file can cost.
"""
