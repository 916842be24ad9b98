#!/usr/bin/env python3
"""How much of each real source's hours and update dates `lieux import` reads.

Usage: python3 data/measure_french_data.py LIEUX_BINARY RAW_DIR
       python3 data/measure_french_data.py --bundled CSV REPORT RAW_DIR

Imports each file of RAW_DIR (../shared/data/raw/lieux) on its own with LIEUX_BINARY
(`lieux import FILE --no-merge`), then reads the import report and the CSV it wrote:

- hours texts: records whose source gives hours (France Services: any h_* day that is not
  blank or a dash; conseillers numériques: `horaires`; Angers: `HORAIRE`, which the mapping
  puts in the description); read: those accepted whose place has `horaires` and no report
  line saying an hours text was not in a recognised form;
- date texts: records whose source gives `date_maj`; read: those with no "not a date" report
  line; approximate: read to the month or year only; unknown: places whose date is a
  stand-in (missing or unreadable date; before, the import day).

Prints one Markdown table row per source.

With --bundled, counts the places of a data set that `lieux import` wrote (CSV) with its
report: how many have `horaires`, and how many have a real update date, that is a date that
one of their records (the merged ones included) gave, not a stand-in.
"""

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# file, id template column, id prefix, hours of a raw record, date of a raw record
SOURCES = [
    (
        "france-services_liste-fs-20221201.csv",
        "id_fs",
        "france-services-",
        lambda r: any(
            (r.get(d) or "").strip().strip("-–—").strip()
            for d in ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")
        ),
        lambda r: "",
    ),
    (
        "cnfs_lieux-conseillers-numeriques_2022-12-02.json",
        "id",
        "conseillers-numeriques-",
        lambda r: bool(str(r.get("horaires") or "").strip()),
        lambda r: str(r.get("date_maj") or "").strip(),
    ),
    (
        "maine-et-loire_lieux-mediation-numerique.json",
        "ID_LieuMed",
        "maine-et-loire-",
        lambda r: False,
        lambda r: str(r.get("DAT_MaJ") or "").strip(),
    ),
    (
        "angers_guide-services-numeriques.json",
        "TYPO_UID",
        "angers-",
        lambda r: bool(str(r.get("HORAIRE") or "").strip()),
        lambda r: str(r.get("DATE_MAJ") or "").strip(),
    ),
]


def raw_records(path):
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    return json.loads(path.read_text(encoding="utf-8"))


def measure(lieux, raw_dir, name, id_column, prefix, hours_of, date_of):
    path = Path(raw_dir) / name
    records = raw_records(path)
    with tempfile.TemporaryDirectory() as work:
        out, report = Path(work) / "out.csv", Path(work) / "report.jsonl"
        subprocess.run(
            [lieux, "import", str(path), "--no-merge", "--out", str(out), "--report", str(report)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with open(out, encoding="utf-8", newline="") as f:
            horaires = {row["id"]: row["horaires"] for row in csv.DictReader(f)}
        problems = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    problems = [p for p in problems if p.get("kind") == "problem"]
    rejected = {p["row"] for p in problems if p["severity"] == "rejected"}
    hours_failed = {
        p["row"]
        for p in problems
        if p.get("field") == "horaires" and "not in a recognised form" in p["reason"]
    }
    date_problems = [p for p in problems if p.get("field") == "date_maj"]
    not_a_date = {p["row"] for p in date_problems if p["reason"].startswith("not a date")}
    approximate = {p["row"] for p in date_problems if "(approximate)" in p["reason"]}
    stand_in = {
        p["row"]
        for p in date_problems
        if "import date" in p["reason"] or "marked unknown" in p["reason"]
    }
    hours_texts = hours_read = date_texts = dates_read = dates_approx = unknown = accepted = 0
    for row, record in enumerate(records, start=1):
        if row in rejected:
            continue
        accepted += 1
        if hours_of(record):
            hours_texts += 1
            place_id = f"{prefix}{record.get(id_column)}"
            if horaires.get(place_id) and row not in hours_failed:
                hours_read += 1
        if date_of(record):
            date_texts += 1
            if row not in not_a_date:
                dates_read += 1
                dates_approx += row in approximate
        unknown += row in stand_in
    return accepted, hours_texts, hours_read, date_texts, dates_read, dates_approx, unknown


def share(part, whole):
    return f"{part}/{whole} ({100 * part / whole:.1f} %)" if whole else "—"


def bundled(csv_path, report_path, raw_dir):
    """Places with hours and places with a real date in an imported data set."""
    record_of = {}
    for name, id_column, prefix, _, _ in SOURCES:
        for row, record in enumerate(raw_records(Path(raw_dir) / name), start=1):
            record_of[f"{prefix}{record.get(id_column)}"] = (name, row)
    lines = [json.loads(line) for line in Path(report_path).read_text(encoding="utf-8").splitlines()]
    stand_in = {
        (Path(p["file"]).name, p["row"])
        for p in lines
        if p.get("kind") == "problem"
        and p.get("field") == "date_maj"
        and ("import date" in p["reason"] or "marked unknown" in p["reason"])
    }
    group = {}
    for merge in (p for p in lines if p.get("kind") == "merge"):
        group[merge["kept"]] = [merge["kept"], *merge["merged"]]
    with open(csv_path, encoding="utf-8", newline="") as f:
        places = list(csv.DictReader(f))
    with_hours = sum(1 for p in places if p["horaires"])
    real_date = sum(
        1
        for p in places
        if any(record_of.get(i) not in stand_in for i in group.get(p["id"], [p["id"]]))
    )
    print(f"{len(places)} places, {with_hours} with horaires, {real_date} with a real update date")


def main():
    if sys.argv[1] == "--bundled":
        bundled(*sys.argv[2:5])
        return
    lieux, raw_dir = sys.argv[1], sys.argv[2]
    print("| source | accepted | hours read | dates read | of which approximate | unknown dates |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, *how in SOURCES:
        accepted, ht, hr, dt, dr, da, unknown = measure(lieux, raw_dir, name, *how)
        print(f"| `{name}` | {accepted} | {share(hr, ht)} | {share(dr, dt)} | {da} | {unknown} |")


if __name__ == "__main__":
    main()
