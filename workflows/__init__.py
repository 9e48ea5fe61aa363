"""Workflow definitions only: deterministic code, no I/O."""
