"""The audit check behind `/audit/verify` and the auditor's 검증 page: the keyed hash chain
(edits, insertions, removals inside it), every startup's chain length against the read model, and
against the anchor its workflow keeps in Temporal for the startups asked about, those of a program
asked about, and the startups whose chains end latest (a cut at the table's end shortens them).
Asking Temporal costs a query per startup, so it is never done for all of them at once."""

import asyncio
from collections.abc import Iterable
from datetime import timedelta

from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowQueryRejectedError
from temporalio.service import RPCError

from domain.state import AuditAnchor, StartupState
from store.audit import ChainReport, verify_chain
from store.audit_anchors import latest_startups, short_against_anchor, short_against_read_model

# The startups whose chains end latest, always checked against Temporal.
LATEST = 20
# Queries in flight at once (each may replay a closed workflow's history on a worker).
AT_ONCE = 8
QUERY_TIMEOUT = timedelta(seconds=5)


async def _anchor(temporal: Client, startup_id: str) -> AuditAnchor | None | Exception:
    try:
        state = await temporal.get_workflow_handle(startup_id).query("state", result_type=StartupState,
                                                                     rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError, WorkflowQueryRejectedError) as err:
        return err
    return state.audit_anchor


async def program_startups(temporal: Client, program_id: str) -> list[str]:
    """A program's lifecycles as Temporal lists them (not as the database says)."""
    quoted = program_id.replace("\\", "\\\\").replace('"', '\\"')
    return [w.id async for w in temporal.list_workflows(f'AxProgram="{quoted}"') if w.id.startswith("startup:")]


async def verify_audit(session: Session, temporal: Client, key: bytes, startup_ids: Iterable[str] = (),
                       program_id: str | None = None) -> ChainReport:
    report = await run_in_threadpool(verify_chain, session, key)
    report.startups_checked, report.truncations = short_against_read_model(session)
    listed: list[str] = []
    if program_id:
        try:
            listed = await program_startups(temporal, program_id)
        except RPCError:  # Temporal cannot list now: the program's startups stay unproven, and say so
            report.unanchored.append(f"program:{program_id}")
    targets = list(dict.fromkeys([*startup_ids, *listed, *latest_startups(session, LATEST)]))
    gate = asyncio.Semaphore(AT_ONCE)

    async def ask(startup_id: str) -> AuditAnchor | None | Exception:
        async with gate:
            return await _anchor(temporal, startup_id)

    anchors = await asyncio.gather(*(ask(s) for s in targets))
    for startup_id, anchor in zip(targets, anchors, strict=True):
        if isinstance(anchor, Exception) or anchor is None:
            # No worker, past retention, or a lifecycle not projected since the anchor began.
            report.unanchored.append(startup_id)
            continue
        report.anchors_checked += 1
        short = short_against_anchor(session, startup_id, anchor)
        if short is not None:
            report.truncations.append(short)
    report.ok = report.ok and not report.truncations
    return report
