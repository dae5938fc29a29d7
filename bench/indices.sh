#!/usr/bin/env bash
# Indices benchmarks on a release build: paper import rate, report latency and export peak
# memory on a database of N responses (default 1,000,000) for one province. Prints figures;
# asserts nothing. Usage: bash bench/indices.sh [N] [postgres://…]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sipas-target}"
cargo build --release --quiet
sipas="$CARGO_TARGET_DIR/release/sipas"
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
db="${2:-$work/bench.sqlite3}"
common=(--data-dir "$work" --database "$db")

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; $(date -u +%F)"
python3 bench/gen_paper.py "$n" 46 > "$work/paper.csv"
"$sipas" "${common[@]}" units import src/units/vn-admin-units-2025.csv > /dev/null

start=$(date +%s.%N)
"$sipas" "${common[@]}" responses import --form sipas-2017 "$work/paper.csv" > /dev/null
end=$(date +%s.%N)
echo "paper import: $n rows in $(echo "$end - $start" | bc) s ($(echo "$n / ($end - $start)" | bc) rows/s)"

"$sipas" "${common[@]}" --bind 127.0.0.1:18181 serve > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:18181/healthz > /dev/null && break; sleep 0.2; done
token=$("$sipas" "${common[@]}" tokens create --name bench --role official --unit 46)
url="http://127.0.0.1:18181/api/v1/units/46/report?period=2025"
curl -fs -H "Authorization: Bearer $token" "$url" > /dev/null   # warm up
for _ in 1 2 3 4 5; do
  curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
done | sort -n | awk '{a[NR]=$1} END {printf "report (province 46, year, %s responses): median %.1f ms, best %.1f ms\n", "'"$n"'", a[3]*1000, a[1]*1000}'

for format in csv parquet; do
  /usr/bin/time -f "%M %e" -o "$work/time" "$sipas" "${common[@]}" responses export --form sipas-2017 --period 2025 \
    --format "$format" -o "$work/out.$format" 2> /dev/null
  read -r kb seconds < "$work/time"
  echo "export $format: $(du -h "$work/out.$format" | cut -f1) in ${seconds} s, peak memory $((kb / 1024)) MB"
done
