"""The StartupLifecycle workflow as a package: a thin workflow class (`workflow.py`) and one module
per business area beside it. Rules and clock arithmetic are pure functions in `domain/`."""

from workflows.lifecycle.workflow import StartupLifecycle

__all__ = ["StartupLifecycle"]
