"""Files → model: manifests (load_cluster), properties files (load_properties), git revisions (load_source)."""
