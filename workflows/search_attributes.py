"""Typed search attributes (registered on the server by `axflow dev` and the tests)."""

from typing import Any

from temporalio.common import SearchAttributeKey

AX_PROGRAM = SearchAttributeKey.for_keyword("AxProgram")
AX_STAGE = SearchAttributeKey.for_keyword("AxStage")
AX_PHASE = SearchAttributeKey.for_keyword("AxPhase")
AX_SECTOR = SearchAttributeKey.for_keyword("AxSector")
AX_REGION = SearchAttributeKey.for_keyword("AxRegion")
AX_NEXT_DEADLINE = SearchAttributeKey.for_datetime("AxNextDeadline")
AX_OVERDUE = SearchAttributeKey.for_bool("AxOverdue")

ALL: list[SearchAttributeKey[Any]] = [AX_PROGRAM, AX_STAGE, AX_PHASE, AX_SECTOR, AX_REGION, AX_NEXT_DEADLINE, AX_OVERDUE]
