"""Concrete evaluation: the reference semantics of NetworkPolicy v1 (spec §4) on concrete endpoints.

Small and obvious on purpose: the SMT encoder and the map are checked against it.
"""
