"""The axflow worker: every workflow and activity on one task queue, and the notification dispatcher."""

import asyncio
import signal
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import structlog
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from activities.agreements import AgreementActivities
from activities.deadlines import DeadlineActivities
from activities.eligibility import EligibilityActivities
from activities.finance import FinanceActivities
from activities.followup import FollowUpActivities, followup_notice
from activities.followup_checks import FollowUpCheckActivities
from activities.followup_projection import FollowUpProjectionActivities
from activities.lifecycles import LifecycleActivities
from activities.notifications import NotificationActivities
from activities.read_model import ReadModelActivities
from axflow.config import Settings
from axflow.digest import ensure_digest_schedule
from axflow.notification_dispatcher import NotificationDispatcher
from axflow.production import refuse_unsafe_production
from axflow.temporal import connect, skip_idle_payload_passes
from axflow.tracing import configure_tracing
from store.audit_key import audit_key
from store.db import make_engine
from store.storage import make_blob_store
from workflows.digest import DailyDigest
from workflows.followup import FollowUp
from workflows.lifecycle import StartupLifecycle
from workflows.program_call import ProgramCall

log = structlog.get_logger()


def worker_runtime(settings: Settings) -> Runtime | None:
    """The SDK's own Prometheus metrics (workflow and activity counts, failures, latencies, task
    slots) on AXFLOW_WORKER_METRICS_PORT, when it is set."""
    if not settings.worker_metrics_port:
        return None
    address = f"{settings.worker_metrics_host}:{settings.worker_metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


def workflow_runner(settings: Settings) -> WorkflowRunner:
    return SandboxedWorkflowRunner() if settings.worker_sandbox else UnsandboxedWorkflowRunner()


@asynccontextmanager
async def running_worker(client: Client, settings: Settings, engine: Engine) -> AsyncIterator[Worker]:
    """A started worker; on exit it stops polling and lets in-flight activities finish."""
    skip_idle_payload_passes()  # no payload codec, no external storage: nothing for those passes to do
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
        read_model = ReadModelActivities(engine, audit_key(settings))
        eligibility = EligibilityActivities(read_model, settings, http)
        finance = FinanceActivities(http, settings.finance_url, f"{settings.api_url.rstrip('/')}/webhooks/finance")
        notify = NotificationActivities(http, settings, engine)
        dispatcher = NotificationDispatcher(notify, engine)
        read_model.events_recorded = dispatcher.wake
        deadlines = DeadlineActivities(frozenset(settings.extra_holidays))
        lifecycles = LifecycleActivities(client)
        followups = FollowUpActivities(client)
        agreements = AgreementActivities(engine, make_blob_store(settings))
        with ThreadPoolExecutor(max_workers=16) as executor:
            worker = Worker(
                client,
                task_queue=settings.task_queue,
                workflows=[StartupLifecycle, ProgramCall, DailyDigest, FollowUp],
                activities=[
                    read_model.project_startup,
                    eligibility.check_eligibility,
                    read_model.record_ban,
                    finance.request_payment,
                    finance.payment_status,
                    finance.request_collection,
                    finance.collection_status,
                    notify.send_notification,
                    notify.deliver_notification,
                    notify.send_daily_digests,
                    deadlines.business_deadline,
                    deadlines.holiday_table,
                    lifecycles.start_lifecycle,
                    agreements.prepare_agreement,
                    followup_notice,
                    followups.start_followup,
                    FollowUpProjectionActivities(engine).project_followup_year,
                    FollowUpCheckActivities(settings, http).check_followup_figures,
                ],
                activity_executor=executor,
                max_cached_workflows=settings.worker_max_cached_workflows,
                sticky_queue_schedule_to_start_timeout=timedelta(seconds=settings.worker_sticky_timeout_seconds),
                workflow_runner=workflow_runner(settings),
                graceful_shutdown_timeout=timedelta(seconds=10),
            )
            dispatching = asyncio.create_task(dispatcher.run(), name="notification dispatcher")
            try:
                async with worker:
                    yield worker
            finally:
                dispatching.cancel()
                await asyncio.gather(dispatching, return_exceptions=True)


async def serve(settings: Settings) -> None:
    engine = make_engine(settings.database_url, writer=True)
    refuse_unsafe_production(settings, engine)
    configure_tracing(settings, "worker")
    client = await connect(settings, worker_runtime(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await ensure_digest_schedule(client, settings)
    async with running_worker(client, settings, engine):
        log.info("worker started", task_queue=settings.task_queue, temporal=settings.temporal_address)
        await stop.wait()
        log.info("worker stopping")
