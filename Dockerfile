# The production image: the runtime dependencies from requirements.lock (exact versions, hashes
# checked), then axflow's own wheel without the checkout, run as an unprivileged user. No
# development part is in it (no Temporal dev server, SMTP sink or test tools: the dev extra).
# `--target local` adds the local SMTP server for compose's simulators profile only.
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY axflow axflow
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY api api
COPY store store
COPY simulators simulators
COPY migrations migrations
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim AS production
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-cache-dir --no-deps /tmp/wheels/axflow-*.whl && rm -rf /tmp/wheels \
    && useradd --system --uid 10001 --create-home --home-dir /home/axflow axflow
WORKDIR /home/axflow
USER 10001
ENV AXFLOW_ENV=production
EXPOSE 8000
CMD ["axflow", "api"]

# Simulators and the local mail server for `docker compose --profile simulators` (never production).
FROM production AS local
USER root
RUN pip install --no-cache-dir aiosmtpd==1.4.6
USER 10001
