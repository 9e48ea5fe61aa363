# One image for the API, the worker, the migrations and the simulators (the command picks).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY axflow axflow
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY api api
COPY store store
COPY simulators simulators
COPY migrations migrations
RUN pip install --no-cache-dir -e . && useradd --system axflow
USER axflow
ENV AXFLOW_ENV=production AXFLOW_DATA_DIR=/tmp/axflow
EXPOSE 8000
CMD ["axflow", "api"]
