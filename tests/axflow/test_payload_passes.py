"""The worker skips the SDK's codec and external-storage passes over workflow activations and
completions when its data converter has neither (axflow.temporal.skip_idle_payload_passes), and
runs them unchanged when it has a codec."""

import dataclasses
from collections.abc import Iterator, Sequence

import pytest
import temporalio.bridge.worker
from temporalio.api.common.v1 import Payload
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec

from axflow.temporal import skip_idle_payload_passes


class Tagging(PayloadCodec):
    """A codec that marks what it touched."""

    def __init__(self) -> None:
        self.encoded = self.decoded = 0

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.encoded += len(payloads)
        return [Payload(metadata=p.metadata, data=b"enc:" + p.data) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.decoded += len(payloads)
        return [Payload(metadata=p.metadata, data=p.data.removeprefix(b"enc:")) for p in payloads]


def json_payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


def activation() -> WorkflowActivation:
    act = WorkflowActivation(run_id="run")
    update = act.jobs.add().do_update
    update.name, update.id, update.protocol_instance_id = "extend-deadline", "u1", "u1"
    update.input.append(json_payload('{"enc": 1}'))
    act.jobs.add().resolve_activity.result.completed.result.CopyFrom(json_payload("null"))
    return act


def completion() -> WorkflowActivationCompletion:
    done = WorkflowActivationCompletion(run_id="run")
    done.successful.commands.add().update_response.completed.CopyFrom(json_payload('{"phase": "poc"}'))
    schedule = done.successful.commands.add().schedule_activity
    schedule.seq, schedule.activity_type = 1, "project_startup"
    schedule.arguments.append(json_payload('{"version": 3}'))
    return done


@pytest.fixture
def sdk_passes() -> Iterator[None]:
    """The SDK's own functions back after the test (the worker's process keeps the skipping ones)."""
    bridge = temporalio.bridge.worker
    saved = bridge.decode_activation, bridge.encode_completion
    yield
    bridge.decode_activation, bridge.encode_completion = saved


async def test_without_codec_or_storage_nothing_is_visited_or_changed(sdk_passes: None) -> None:
    skip_idle_payload_passes()
    skip_idle_payload_passes()  # idempotent: wrapped once
    bridge = temporalio.bridge.worker
    assert bridge.decode_activation.skips_without_codec  # type: ignore[attr-defined]
    assert not hasattr(bridge.decode_activation.__wrapped__, "skips_without_codec")  # type: ignore[attr-defined]
    act, done = activation(), completion()
    before = act.SerializeToString(), done.SerializeToString()
    metrics = await bridge.decode_activation(act, pydantic_data_converter, decode_headers=True,
                                             storage_concurrency_limit=10)
    assert metrics.payload_count == 0
    metrics = await bridge.encode_completion(done, pydantic_data_converter, encode_headers=True,
                                             storage_concurrency_limit=10)
    assert metrics.payload_count == 0
    assert (act.SerializeToString(), done.SerializeToString()) == before


async def test_a_codec_still_sees_every_payload(sdk_passes: None) -> None:
    skip_idle_payload_passes()
    codec = Tagging()
    converter = dataclasses.replace(pydantic_data_converter, payload_codec=codec)
    bridge = temporalio.bridge.worker
    done = completion()
    await bridge.encode_completion(done, converter, encode_headers=True, storage_concurrency_limit=10)
    assert codec.encoded == 2
    assert done.successful.commands[0].update_response.completed.data == b'enc:{"phase": "poc"}'
    assert done.successful.commands[1].schedule_activity.arguments[0].data == b'enc:{"version": 3}'
    act = activation()
    act.jobs[0].do_update.input[0].data = b'enc:{"enc": 1}'
    await bridge.decode_activation(act, converter, decode_headers=True, storage_concurrency_limit=10)
    assert codec.decoded == 2 and act.jobs[0].do_update.input[0].data == b'{"enc": 1}'
