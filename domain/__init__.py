"""Deterministic domain code shared by workflows, activities and the API.

Nothing here does I/O, reads the clock or imports a database table: workflow code imports it.
"""
