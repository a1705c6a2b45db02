"""netverify: an SMT-based verifier for Kubernetes NetworkPolicy."""

__version__ = "0.1.0"
