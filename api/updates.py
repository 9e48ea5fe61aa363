"""Sending one Update and turning its failures into API errors, the same way for every route."""

from collections.abc import Callable
from typing import Any, TypeVar

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from api.deps import UPDATE_TIMEOUT
from api.errors import ApiError, from_update_failure, no_worker

R = TypeVar("R")


async def send_update(handle: WorkflowHandle[Any, Any], name: str, arg: Any, result_type: type[R],
                      on_rpc_error: Callable[[RPCError], ApiError], update_id: str | None = None) -> R:
    """A refused Update answers the error its validator named; no worker in time answers 503; any
    other service error is the caller's to explain (an unknown or closed workflow).

    With `update_id`, Temporal runs an Update of that id at most once per workflow run: sending it
    again (a client's retry) waits for the first one and answers its result. Without, the SDK makes
    a fresh id, so each call is a new Update."""
    try:
        return await handle.execute_update(name, arg, id=update_id, result_type=result_type,
                                           rpc_timeout=UPDATE_TIMEOUT)
    except WorkflowUpdateFailedError as err:
        raise from_update_failure(err) from err
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise no_worker() from None
    except RPCError as err:
        raise on_rpc_error(err) from err
