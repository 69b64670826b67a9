# coworkbot in one image: Telegram and Matrix from one process. Everything it keeps (the SQLite
# database, the Matrix encryption keys) lives in the /data volume; settings come from the
# environment (COWORKBOT_*), see the README.
#
#   docker build -t coworkbot .
#   docker run -d --name coworkbot -v coworkbot-data:/data --env-file coworkbot.env coworkbot
#   docker exec coworkbot coworkbot check
#
# With podman, `podman build --format docker` keeps the HEALTHCHECK (OCI images drop it).
ARG PYTHON_IMAGE=docker.io/library/python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS dependencies
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/coworkbot
# Exact versions, hashes checked. This layer changes only with the lock, so a code change
# rebuilds (and ships) a small layer instead of all dependencies.
COPY requirements.lock /tmp/requirements.lock
RUN /opt/coworkbot/bin/pip install --require-hashes -r /tmp/requirements.lock

FROM dependencies AS wheel
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY adapters /src/adapters
COPY storage /src/storage
COPY locales /src/locales
RUN /opt/coworkbot/bin/pip wheel --no-deps --wheel-dir /wheels /src

FROM ${PYTHON_IMAGE}
RUN useradd --system --user-group --uid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin coworkbot \
    && mkdir /data && chown coworkbot:coworkbot /data
COPY --from=dependencies /opt/coworkbot /opt/coworkbot
COPY --from=wheel /wheels /tmp/wheels
RUN PIP_DISABLE_PIP_VERSION_CHECK=1 /opt/coworkbot/bin/pip install --no-cache-dir --no-deps \
        --no-index /tmp/wheels/*.whl \
    && /opt/coworkbot/bin/pip check && rm -r /tmp/wheels
ENV PATH=/opt/coworkbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    COWORKBOT_DATABASE_URL=sqlite:////data/coworkbot.db \
    COWORKBOT_MATRIX_STORE_PATH=/data/matrix-store \
    COWORKBOT_HTTP_HOST=0.0.0.0
# The web application: health, metrics, calendar feeds, Telegram webhook, public page.
EXPOSE 8080
USER coworkbot
WORKDIR /data
VOLUME /data
# The running process's /readyz (a hung sync or a stuck outbox is unhealthy; a standby is fine);
# with COWORKBOT_HTTP_PORT=0, `coworkbot check`: settings, database and platform credentials.
HEALTHCHECK --interval=1m --timeout=30s --start-period=30s --retries=3 CMD ["coworkbot", "health"]
ENTRYPOINT ["coworkbot"]
CMD ["run"]
