# The one image behind every service of docker-compose.yml (web, worker, beat, migrate).

# -- front-end packages (bpmn-js, dmn-js, Chart.js): the same `make assets` a developer runs --
FROM node:22-bookworm-slim AS assets
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json Makefile ./
RUN make assets

# -- the application --
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    IPD_INSTANCE_PATH=/var/lib/ipd

RUN groupadd --system ipd \
    && useradd --system --gid ipd --home-dir /app --no-create-home --shell /usr/sbin/nologin ipd

# Pango and fonts with Cyrillic and Arabic glyphs for WeasyPrint's PDFs (printable plans, subject-access summaries).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Exactly the locked versions, each checked against its hash (make lock regenerates the file).
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# Installed in editable mode on purpose: migrations/ and processes/ are read from this source tree.
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY engine ./engine
COPY forms ./forms
COPY web ./web
COPY migrations ./migrations
COPY processes ./processes
COPY --from=assets /build/web/static/vendor ./web/static/vendor
RUN pip install --no-deps --no-build-isolation -e . \
    && pybabel compile -d web/translations \
    && mkdir -p /var/lib/ipd /var/lib/ipd-documents \
    && chown ipd:ipd /var/lib/ipd /var/lib/ipd-documents \
    && chmod 0700 /var/lib/ipd /var/lib/ipd-documents

USER ipd
EXPOSE 8000

# 503 (database down) makes urlopen raise, so the container turns unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENV PROMETHEUS_MULTIPROC_DIR=/tmp/ipd-metrics
CMD ["gunicorn", "--config", "python:web.gunicorn_conf", "web:create_app()"]
