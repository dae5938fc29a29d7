#!/usr/bin/env bash
# Submission load on a release build: complete sipas-2017 answers posted through a desk
# code from many connections for SECONDS (default 30), on SQLite or on the PostgreSQL URL
# given. Prints answers stored per second, post latency p50/p99, the server's peak memory,
# and the citizen page's weight; then the same load on a bare baseline server
# (bench/baseline.rs). Asserts nothing. The client (bench/submit_load.py) runs on the same
# machine and takes its share of the cores.
# Usage: bash bench/submissions.sh [SECONDS] [postgres://…]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sipas-target}"
cargo build --release --quiet --bin sipas --example baseline
sipas="$CARGO_TARGET_DIR/release/sipas"
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
db="${2:-$work/load.sqlite3}"
common=(--data-dir "$work" --database "$db")
export SIPAS_SUBMISSION_LIMIT_PER_IP=0 SIPAS_SUBMISSION_LIMIT_PER_DESK=0 SIPAS_LOG_LEVEL=warn

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(date -u +%F), database: ${2:-SQLite}"
"$sipas" "${common[@]}" units import src/units/vn-admin-units-2025.csv > /dev/null
commune=$(tr -d '\r' < src/units/vn-admin-units-2025.csv | awk -F, '$4 == "79" {print $1; exit}')
code=$("$sipas" "${common[@]}" desks add --unit "$commune" --name "Một cửa" --format json 2>/dev/null \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["code"])')

"$sipas" "${common[@]}" --bind 127.0.0.1:18282 serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18282/healthz > /dev/null && break; sleep 0.2; done
echo "server memory idle: $(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$server/status) MB"
bytes=$(curl -fs --compressed -H 'Accept-Encoding: br, gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:18282/s/$code")
requests=$(curl -fs "http://127.0.0.1:18282/s/$code" | { grep -Eo '<(link|script|img)[^>]+(href|src)=' || true; } | wc -l)
echo "citizen page: $bytes bytes compressed, 1 request + $requests more"
echo -n "sipas: "
python3 bench/submit_load.py http://127.0.0.1:18282 "$code" "$seconds" 16
echo "server peak memory: $(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$server/status) MB"
kill "$server"; wait "$server" 2>/dev/null || true

# The same load on the bare baseline (bench/baseline.rs): one row per answer, one durable
# SQLite transaction each — what this machine allows without sipas's work or group commit.
"$CARGO_TARGET_DIR/release/examples/baseline" 127.0.0.1:18283 "$work/baseline.sqlite3" > /dev/null 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:18283/s/x && break; sleep 0.2; done
echo -n "baseline: "
python3 bench/submit_load.py http://127.0.0.1:18283 x "$seconds" 16
