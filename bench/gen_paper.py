#!/usr/bin/env python3
"""Writes a paper-import CSV of N random sipas-2017 responses for the communes of one
province (from the shipped 2025 unit list), for the import and report benchmarks.

    python3 bench/gen_paper.py 1000000 79 > /tmp/paper-1m.csv
"""
import csv
import random
import sys
from pathlib import Path

count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
province = sys.argv[2] if len(sys.argv) > 2 else "79"
root = Path(__file__).resolve().parent.parent
units = [
    row["code"]
    for row in csv.DictReader(open(root / "src/units/vn-admin-units-2025.csv", encoding="utf-8-sig"))
    if row["parent_code"] == province
]
criteria = [f"e{e}.c{c}" for e, n in [(1, 4), (2, 5), (3, 6), (4, 3), (5, 4)] for c in range(1, n + 1)]
# Procedure fields (lĩnh vực) a commune's one-stop desk handles, by how often; one
# response in five names none (a desk's poster rather than a ticket).
fields = ["Hộ tịch"] * 8 + ["Chứng thực"] * 5 + ["Đất đai"] * 2 + ["Bảo trợ xã hội", "Xây dựng",
          "Lao động - Thương binh và Xã hội", "Kinh doanh", "Nuôi con nuôi"] + [""] * 4
header = ["unit_code", "submitted_at", "procedure_code", "procedure_field", *criteria, "overall", "trips", "on_time",
          "harassment", "extra_money", "improve", "comment"]
random.seed(2025)
quality = {u: random.uniform(0.55, 0.95) for u in units}
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(header)
for i in range(count):
    unit = units[i % len(units)]
    q = quality[unit]
    level = lambda: str(random.choice((4, 5)) if random.random() < q else random.randint(1, 3))
    day = f"2025-{random.randint(1, 12):02d}-{random.randint(1, 28):02d} {random.randint(7, 16):02d}:{random.randint(0, 59):02d}"
    out.writerow([
        unit, day, "1.005129", random.choice(fields), *[level() for _ in criteria], level(),
        random.choice(("1", "1", "1", "2", "3+")), random.choice(("early", "on_time", "on_time", "late")),
        "none" if random.random() < q else random.choice(("some", "many")),
        "no" if random.random() < 0.97 else "yes",
        ";".join(random.sample(("attitude", "competence", "transparency", "procedures", "time", "fees"), random.randint(0, 2))),
        "Cán bộ nhiệt tình." if random.random() < 0.05 else "",
    ])
