#!/usr/bin/env bash
# National scale on a release build: 10,000,000 sipas-2017 answers over 2025 across all
# 34 provinces and 3,321 communes (bench/gen_national.py: big wards thousands, small
# communes tens), imported province by province as the provinces would; then the national
# report (all provinces, under a root unit VN), a province, a commune, a ragged range, the
# dashboard, an export of one province, and the database's size. Prints figures; asserts
# nothing. Budgets (DESIGN.md §7): national report < 100 ms, province < 50 ms, dashboard
# < 100 ms, import of the 10M < 10 min, on both backends.
# Usage: bash bench/national.sh [N] [postgres://… (an empty database; default: a new SQLite file)]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sipas-target}"
cargo build --release --quiet
sipas="$CARGO_TARGET_DIR/release/sipas"
work=$(mktemp -d)
# KEEP=1 keeps the database afterwards.
trap 'kill "${server:-0}" 2>/dev/null || true; [ -n "${KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"' EXIT
db="${2:-$work/national.sqlite3}"
common=(--data-dir "$work" --database "$db")
now() { python3 -c "import time; print(time.monotonic())"; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%F)"
echo "database: ${2:-SQLite}; answers: $n"
python3 bench/gen_national.py "$n" --counts

# The 2025 list under one root, so that "the country" is a unit with a report.
{
  echo "code,name,kind,parent_code"
  echo "VN,Việt Nam,quốc gia,"
  tr -d '\r' < src/units/vn-admin-units-2025.csv | tail -n +2 | awk -F, 'BEGIN {OFS=","} $4 == "" {$4 = "VN"} {print}'
} > "$work/units.csv"
"$sipas" "${common[@]}" units import "$work/units.csv" > /dev/null
provinces=$(awk -F, '$4 == "VN" {print $1}' "$work/units.csv")

# Files are made before the clock starts; each province is one import (one transaction).
for p in $provinces; do python3 bench/gen_national.py "$n" "$p" > "$work/paper-$p.csv"; done
start=$(now)
peak=0
for p in $provinces; do
  /usr/bin/time -f "%M" -o "$work/time" "$sipas" "${common[@]}" responses import --form sipas-2017 "$work/paper-$p.csv" > /dev/null
  kb=$(cat "$work/time"); [ "$kb" -gt "$peak" ] && peak=$kb
done
python3 -c "import time; e = time.monotonic() - $start; print(f'import: $n answers in {e:.0f} s ({$n / e:,.0f} rows/s) over 34 files, peak memory {$peak // 1024} MB')"
rm -f "$work"/paper-*.csv

"$sipas" "${common[@]}" --bind 127.0.0.1:18182 serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -fs http://127.0.0.1:18182/healthz > /dev/null && break; sleep 0.2; done
token=$("$sipas" "${common[@]}" tokens create --name bench --role official --unit VN 2> /dev/null)
commune=$(awk -F, '$4 == "79" {print $1; exit}' "$work/units.csv")
# Median and best of 11 requests after a warm-up: timed WHAT URL LABEL.
timed() {
  curl -fs -o /dev/null -H "Authorization: Bearer $token" "$2"
  for _ in $(seq 1 11); do
    curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$2"
  done | sort -n | awk -v what="$1" -v q="$3" '{a[NR]=$1} END {printf "%-9s %-40s median %7.1f ms, best %7.1f ms\n", what, q, a[6]*1000, a[1]*1000}'
}
for query in "VN period=2025" "VN period=2025Q3" "VN from=2025-01-15&to=2025-11-20" "79 period=2025" \
  "79 from=2025-06-18&to=2025-11-12" "01 period=2025" "$commune period=2025"; do
  read -r unit params <<< "$query"
  timed "report" "http://127.0.0.1:18182/api/v1/units/$unit/report?$params" "$unit $params"
done
curl -fs -o /dev/null -w 'dashboard first view VN period=2025: %{time_total} s\n' -H "Authorization: Bearer $token" \
  "http://127.0.0.1:18182/units/VN?period=2025"
timed "dashboard" "http://127.0.0.1:18182/units/VN?period=2025" "VN period=2025"
timed "dashboard" "http://127.0.0.1:18182/units/79?period=2025" "79 period=2025"
kill "$server"; wait "$server" 2> /dev/null || true

/usr/bin/time -f "%M %e" -o "$work/time" "$sipas" "${common[@]}" responses export --form sipas-2017 \
  --unit 79 --period 2025 --format csv -o "$work/79.csv" 2> /dev/null
read -r kb elapsed < "$work/time"
echo "export of province 79 (CSV): $(wc -l < "$work/79.csv") rows, $(du -h "$work/79.csv" | cut -f1) in ${elapsed} s, peak memory $((kb / 1024)) MB"
if [ -n "${2:-}" ]; then
  psql "$db" -Atc "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))"
else
  echo "database size: $(du -ch "$db"* | tail -1 | cut -f1) (with -wal/-shm)"
fi
