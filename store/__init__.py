"""The read model, ledger, audit store and tokens: SQLModel tables and the code that writes them.

Workflow code never imports this package (SQLModel tables break the workflow sandbox).
"""
