# Pantau in a container: slim, non-root, data in a volume, health-checked. See README "Deploying".
#   docker build -t pantau .
#   docker run -d --name pantau --env-file .env -v pantau-data:/data pantau
# Everything the bot writes (the SQLite database, evidence files, backups) lives under /data.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# DejaVu Sans: the reporter's PDF form in Unicode (bot/reporting/form_document.py falls back to Helvetica).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 pantau \
    && useradd --system --uid 10001 --gid pantau --home-dir /app --shell /usr/sbin/nologin pantau \
    && mkdir -p /data && chown pantau:pantau /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pip install . && rm -rf build *.egg-info

USER pantau
# Defaults for a container; any of them (and every other setting, see .env.example) can be overridden.
ENV DATABASE_PATH=/data/pantau.sqlite3 \
    EVIDENCE_DIR=/data/evidence \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8080 \
    LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080

# `python -m bot health`: 0 when the bot is receiving updates and its outbox is draining (README "Health").
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["python", "-m", "bot", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
