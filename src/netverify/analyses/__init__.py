"""Analyses: prove, map, explain, diff. Each takes a Cluster (or two) and returns `findings` records."""
