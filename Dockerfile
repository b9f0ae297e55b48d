# keypulse application image: `keypulse worker`, `keypulse api`, `keypulse simulate`.
FROM python:3.11.10-slim-bookworm

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /opt/keypulse
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
COPY consumers ./consumers
RUN pip install . \
    && useradd --system --create-home --home-dir /var/lib/keypulse keypulse
USER keypulse
ENV KEYPULSE_DATA_DIR=/var/lib/keypulse
ENTRYPOINT ["keypulse"]
CMD ["--help"]
