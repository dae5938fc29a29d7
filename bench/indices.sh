#!/usr/bin/env bash
# Indices benchmarks on a release build: paper import rate, report latency and export peak
# memory on a database of N responses (default 1,000,000) over the 168 communes of
# Hồ Chí Minh City (79) in 2025. Prints figures; asserts nothing.
# Usage: bash bench/indices.sh [N] [postgres://… (default: a new SQLite file)]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sipas-target}"
cargo build --release --quiet
sipas="$CARGO_TARGET_DIR/release/sipas"
work=$(mktemp -d)
# KEEP=1 keeps the database (and the generated file) for a look afterwards.
trap 'kill "${server:-0}" 2>/dev/null || true; [ -n "${KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"' EXIT
db="${2:-$work/bench.sqlite3}"
common=(--data-dir "$work" --database "$db")
seconds() { python3 -c "import time; print(time.monotonic())"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(date -u +%F), database: ${2:-SQLite}"
python3 bench/gen_paper.py "$n" 79 > "$work/paper.csv"
"$sipas" "${common[@]}" units import src/units/vn-admin-units-2025.csv > /dev/null

/usr/bin/time -f "%M %e" -o "$work/time" "$sipas" "${common[@]}" responses import --form sipas-2017 "$work/paper.csv" > /dev/null
read -r kb elapsed < "$work/time"
python3 -c "print(f'paper import: $n rows in $elapsed s ({$n / $elapsed:,.0f} rows/s), peak memory {$kb // 1024} MB')"

"$sipas" "${common[@]}" --bind 127.0.0.1:18181 serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18181/healthz > /dev/null && break; sleep 0.2; done
token=$("$sipas" "${common[@]}" tokens create --name bench --role official --unit 79 2> /dev/null)
commune=$(tr -d '\r' < src/units/vn-admin-units-2025.csv | awk -F, '$4 == "79" {print $1; exit}')
# Median and best of 11 requests after a warm-up: timed WHAT URL LABEL.
timed() {
  curl -fs -o /dev/null -H "Authorization: Bearer $token" "$2"   # warm up
  for _ in $(seq 1 11); do
    curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$2"
  done | sort -n | awk -v what="$1" -v q="$3" '{a[NR]=$1} END {printf "%-9s %-45s median %6.1f ms, best %6.1f ms\n", what, q, a[6]*1000, a[1]*1000}'
}
for query in "79 period=2025" "79 period=2025Q3" "79 period=2025-07" "79 from=2025-01-15&to=2025-11-20" \
  "79 from=2025-06-18&to=2025-11-12" \
  "79 period=2025&rollup=mean_of_children" "79 period=2025&field=%C4%90%E1%BA%A5t%20%C4%91ai" "$commune period=2025"; do
  read -r unit params <<< "$query"
  timed "report" "http://127.0.0.1:18181/api/v1/units/$unit/report?$params" "$unit $params"
done
# The officials' dashboard: the report, the 12-month trend and the comments of the period;
# first its first view after the start (no month of the trend read yet).
curl -fs -o /dev/null -w 'dashboard first view 79 period=2025: %{time_total} s\n' -H "Authorization: Bearer $token" \
  "http://127.0.0.1:18181/units/79?period=2025"
timed "dashboard" "http://127.0.0.1:18181/units/79?period=2025" "79 period=2025"
timed "dashboard" "http://127.0.0.1:18181/units/$commune?period=2025" "$commune period=2025"
# The official report files («Tải báo cáo»): the province's ranks its 168 communes; a
# commune's also builds its province's report (where it stands). Then satisfaction by
# respondent, which reads the period's responses themselves.
for file in pdf xlsx; do
  timed "report.$file" "http://127.0.0.1:18181/units/79/report.$file?period=2025" "79 period=2025"
  timed "report.$file" "http://127.0.0.1:18181/units/$commune/report.$file?period=2025" "$commune period=2025"
done
timed "breakdowns" "http://127.0.0.1:18181/units/79/breakdowns?period=2025-07" "79 period=2025-07"
timed "breakdowns" "http://127.0.0.1:18181/units/$commune/breakdowns?period=2025" "$commune period=2025"

for format in csv parquet xlsx; do
  /usr/bin/time -f "%M %e" -o "$work/time" "$sipas" "${common[@]}" responses export --form sipas-2017 \
    --unit 79 --period 2025 --format "$format" -o "$work/out.$format" 2> /dev/null
  read -r kb elapsed < "$work/time"
  echo "export $format: $(du -h "$work/out.$format" | cut -f1) in ${elapsed} s, peak memory $((kb / 1024)) MB"
done
