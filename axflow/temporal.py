"""Connecting to Temporal with the pydantic data converter, and the worker's payload passes."""

from collections.abc import Awaitable, Callable
from typing import Any

import temporalio.bridge.worker
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.converter._extstore import StorageOperationMetrics
from temporalio.runtime import Runtime

from axflow.config import Settings
from axflow.tracing import temporal_plugins


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    return await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace, data_converter=pydantic_data_converter,
        plugins=temporal_plugins(settings), runtime=runtime,
    )


_Pass = Callable[..., Awaitable[StorageOperationMetrics]]


def _only_with_codec_or_storage(sdk_pass: _Pass) -> _Pass:
    async def payload_pass(message: Any, data_converter: DataConverter, *args: Any, **kwargs: Any
                           ) -> StorageOperationMetrics:
        if data_converter.payload_codec is None and data_converter.external_storage is None:
            return StorageOperationMetrics()
        return await sdk_pass(message, data_converter, *args, **kwargs)

    payload_pass.skips_without_codec = True  # type: ignore[attr-defined]
    payload_pass.__wrapped__ = sdk_pass  # type: ignore[attr-defined]
    return payload_pass


def skip_idle_payload_passes() -> None:
    """The SDK's workflow worker walks every activation it receives and every completion it sends
    three times each (codec references, external storage, codec: temporalio.bridge.worker's
    decode_activation and encode_completion), making a data converter per command and an asyncio
    task per payload on the way, whether or not a payload codec or external storage is configured.
    axflow configures neither (pydantic_data_converter: plain JSON payloads), so every pass returns
    each payload as it was: here they are skipped when the converter has neither, the same test
    the SDK's own DataConverter._decode_payload_has_effect makes. A converter with a codec or
    external storage is passed through to the SDK's passes unchanged.

    What is given up: the passes would also refuse a payload stored externally (a reference, which
    only a client configured with external storage writes; none of axflow's is) with TMPRL1105
    before the workflow saw it; the workflow's own conversion fails on it instead.

    Called by the worker (axflow/worker.py) before it starts; idempotent."""
    bridge = temporalio.bridge.worker
    for name in ("decode_activation", "encode_completion"):
        sdk_pass = getattr(bridge, name)
        if not getattr(sdk_pass, "skips_without_codec", False):
            setattr(bridge, name, _only_with_codec_or_storage(sdk_pass))
