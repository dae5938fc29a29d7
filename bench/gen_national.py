#!/usr/bin/env python3
"""Writes the paper-import CSV of one province's share of N random sipas-2017 responses
spread over all 3,321 communes of the 2025 unit list in 2025, for the national-scale
benchmark. Communes get their counts from a log-normal spread (seeded, so every province's
file agrees on the whole): big wards thousands, small communes tens.

    python3 bench/gen_national.py 10000000 79 > /tmp/national-79.csv
    python3 bench/gen_national.py 10000000 --counts    # communes per size band, no rows
"""
import csv
import math
import random
import sys
from pathlib import Path

total = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
province = sys.argv[2] if len(sys.argv) > 2 else "79"
root = Path(__file__).resolve().parent.parent
rows = list(csv.DictReader(open(root / "src/units/vn-admin-units-2025.csv", encoding="utf-8-sig")))
provinces = {r["code"] for r in rows if not r["parent_code"]}
communes = [r["code"] for r in rows if r["parent_code"] in provinces]

rng = random.Random(2025)
weights = [max(rng.lognormvariate(0.0, 1.4), 0.01) for _ in communes]
scale = total / sum(weights)
counts = {c: max(10, round(w * scale)) for c, w in zip(communes, weights)}
# Round so the whole country holds exactly `total`: the difference goes to the largest.
largest = max(counts, key=counts.get)
counts[largest] += total - sum(counts.values())

if province == "--counts":
    bands = [(10, 100), (100, 1_000), (1_000, 10_000), (10_000, 10**9)]
    for low, high in bands:
        n = sum(1 for v in counts.values() if low <= v < high)
        print(f"{low:>7,}–{high:<13,} answers: {n:>5} communes")
    print(f"communes {len(communes)}, answers {sum(counts.values()):,}, largest {counts[largest]:,}")
    sys.exit(0)

criteria = [f"e{e}.c{c}" for e, n in [(1, 4), (2, 5), (3, 6), (4, 3), (5, 4)] for c in range(1, n + 1)]
fields = ["Hộ tịch"] * 8 + ["Chứng thực"] * 5 + ["Đất đai"] * 2 + ["Bảo trợ xã hội", "Xây dựng",
          "Lao động - Thương binh và Xã hội", "Kinh doanh", "Nuôi con nuôi"] + [""] * 4
header = ["unit_code", "submitted_at", "procedure_code", "procedure_field", *criteria, "overall", "trips",
          "on_time", "harassment", "extra_money", "improve", "comment"]


def answers(q):
    """One response's answers (everything but unit and time) at quality q."""
    level = lambda: str(rng.choice((4, 5)) if rng.random() < q else rng.randint(1, 3))
    return ["1.005129", rng.choice(fields), *[level() for _ in criteria], level(),
            rng.choice(("1", "1", "1", "2", "3+")), rng.choice(("early", "on_time", "on_time", "late")),
            "none" if rng.random() < q else rng.choice(("some", "many")),
            "no" if rng.random() < 0.97 else "yes",
            ";".join(rng.sample(("attitude", "competence", "transparency", "procedures", "time", "fees"),
                                rng.randint(0, 2))),
            "Cán bộ nhiệt tình." if rng.random() < 0.05 else ""]


# Drawing ~35 random numbers per row for ten million rows would take Python an hour:
# each quality decile draws 2,000 answer sets once, and rows pick from them.
rng.seed(f"answers-{province}")
pools = {d: [answers(0.55 + d * 0.04) for _ in range(2_000)] for d in range(11)}
days = [f"2025-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(header)
mine = [r["code"] for r in rows if r["parent_code"] == province]
for commune in mine:
    pool = pools[rng.randrange(11)]
    for _ in range(counts.get(commune, 0)):
        at = f"{rng.choice(days)} {rng.randint(7, 16):02d}:{rng.randint(0, 59):02d}"
        out.writerow([commune, at, *rng.choice(pool)])
