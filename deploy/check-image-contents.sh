#!/usr/bin/env bash
# Prove what the Dockerfile puts in the image, without a Docker engine: build the same wheel,
# export the same hashed requirements from uv.lock, install both into a clean virtual
# environment as the image does, then run its `trading-agents serve` and wait for /ready.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UV=${UV:-uv}
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cd "$ROOT"
$UV build --quiet --wheel --out-dir "$work/dist"
$UV export --quiet --frozen --no-dev --no-emit-project --format requirements-txt \
    --output-file "$work/dist/requirements.txt"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
    -r "$work/dist/requirements.txt"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$work"/dist/*.whl

# Run from an empty folder with the image's settings (but on loopback: no key is needed).
mkdir "$work/run"
cd "$work/run"
port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME="$work/run" LOG_FORMAT=json \
    TRADING_AGENTS_HOST=127.0.0.1 TRADING_AGENTS_PORT="$port" MARKET_DATA=replay \
    "$work/venv/bin/trading-agents" serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
    if "$work/venv/bin/python" - "$port" <<'PY'
import sys, urllib.request
try:
    sys.exit(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/ready", timeout=2).status != 200)
except Exception:
    sys.exit(1)
PY
    then
        echo "image contents: the wheel and uv.lock's requirements serve /ready in a clean venv"
        exit 0
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 1
done
echo "image contents: trading-agents serve did not become ready; its output:" >&2
tail -n 40 "$work/serve.log" >&2
exit 1
