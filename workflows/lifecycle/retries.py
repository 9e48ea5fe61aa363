"""Retry policies, named for what they retry, and the waits around the finance system."""

from datetime import timedelta

from temporalio.common import RetryPolicy

# axflow's own idempotent work (the read model, eligibility, the calendar, starting a lifecycle,
# recording a ban, asking the finance system for a status): retried until it succeeds.
OWN_WORK_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
# A message to a person: tried for a few hours at most, then given up with a warning.
NOTIFICATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5), maximum_attempts=30
)
# A payment: 5xx and timeouts are retried with backoff; a refusal by the finance system (4xx) is final.
PAYMENT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=2),
    non_retryable_error_types=["PaymentRejected"],
)
# A request to collect money owed back: like our own work, except that a refusal by the finance
# system (the activity raises it non-retryable) is final and becomes a recorded failure.
COLLECTION_REQUEST_RETRY = OWN_WORK_RETRY

# How long to wait for the finance webhook before asking the finance system directly; the wait
# doubles after each answer that says "not yet", up to a day (a refund may take weeks).
FIRST_POLL = timedelta(minutes=5)
LONGEST_POLL = timedelta(days=1)
