# syntax=docker/dockerfile:1
# The service's image: the wheel built from this tree and exactly the dependencies uv.lock
# pins (hashes checked), run as a user of its own. `.ci/run` lints this file and proves its
# contents: the same wheel and requirements installed in a clean virtual environment, whose
# `trading-agents` entry point must serve.

FROM python:3.11-slim-bookworm AS build
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY src ./src
RUN uv build --wheel --out-dir /dist \
    && uv export --frozen --no-dev --no-emit-project --format requirements-txt \
        --output-file /dist/requirements.txt

FROM python:3.11-slim-bookworm
# var/ made here, owned by the user: a named volume mounted on it takes this ownership.
RUN groupadd --system --gid 10001 trading \
    && useradd --system --uid 10001 --gid trading --home-dir /srv/trading --create-home trading \
    && install -d -o trading -g trading /srv/trading/var
COPY --from=build /dist /tmp/dist
RUN python -m venv /opt/trading-agents \
    && /opt/trading-agents/bin/pip install --no-cache-dir --require-hashes \
        -r /tmp/dist/requirements.txt \
    && /opt/trading-agents/bin/pip install --no-cache-dir --no-deps /tmp/dist/*.whl \
    && rm -rf /tmp/dist
ENV PATH=/opt/trading-agents/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TRADING_AGENTS_HOST=0.0.0.0 \
    TRADING_AGENTS_PORT=8003 \
    LOG_FORMAT=json
USER 10001:10001
WORKDIR /srv/trading
EXPOSE 8003
# Ready: the journal, market data and the venues work (503 says which does not).
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8003/ready', timeout=4).status != 200)"]
# Listening beyond loopback, the service refuses to start without TRADING_AGENTS_API_KEY.
CMD ["trading-agents", "serve"]
