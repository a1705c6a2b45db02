"""The SMT encoding: the only package that imports z3 (a test guards this)."""
