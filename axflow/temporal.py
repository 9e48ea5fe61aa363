"""Connecting to Temporal with the pydantic data converter."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

from axflow.config import Settings
from axflow.tracing import temporal_plugins


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    return await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace, data_converter=pydantic_data_converter,
        plugins=temporal_plugins(settings), runtime=runtime,
    )
