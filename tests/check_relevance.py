#!/usr/bin/env python3
"""Checks tests/relevance.toml against the bundled data (standard library only).

    python3 tests/check_relevance.py

For every [[query]] it checks that:
  - q is a non-empty string, services holds 1 or 2 labels of the Service vocabulary
    (index/src/vocab_tables.rs), and there are no other keys than q, services, commune,
    departement and homonym;
  - at least one bundled place (data/lieux-pays-de-la-loire.csv) offers one of its services,
    and, with a département, one in that département;
  - a commune is an exact name of data/communes.csv (in the département, when one is
    given); homonym = true exactly when several communes bear the name; a postal code in q
    is the first postal code of the commune;
  - the comment "# no place within 10 km" is on the entry exactly when no bundled place of
    its services lies within 10 km of the commune's centre;
  - the query is under a "# family:" line, and the set has at least 110 queries.
It prints the counts per family, then how the thesaurus (data/thesaurus.toml) reads each
query: queries none of its expressions match (left to the text search), and queries whose
thesaurus services miss every expected service. It exits with status 1 on any error.
"""

import csv
import math
import pathlib
import re
import sys
import tomllib
from collections import Counter, defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "data"))
import french_words as fw  # noqa: E402

RELEVANCE = ROOT / "tests" / "relevance.toml"
VOCAB_RS = ROOT / "index" / "src" / "vocab_tables.rs"
PLACES = ROOT / "data" / "lieux-pays-de-la-loire.csv"
COMMUNES = ROOT / "data" / "communes.csv"
THESAURUS = ROOT / "data" / "thesaurus.toml"

MIN_QUERIES = 110
RADIUS_KM = 10.0
NO_PLACE = "no place within 10 km"
KEYS = {"q", "services", "commune", "departement", "homonym"}


def service_labels():
    text = VOCAB_RS.read_text(encoding="utf-8")
    m = re.search(r'\bService\s*,\s*"services"\s*,\s*u\d+\s*\{(.*?)\n\s*\}', text, re.S)
    if not m:
        sys.exit(f"no Service vocabulary in {VOCAB_RS}")
    return set(re.findall(r'=>\s*"((?:[^"\\]|\\.)*)"', m.group(1)))


def km(lat1, lon1, lat2, lon2):
    p = math.radians
    a = (math.sin(p(lat2 - lat1) / 2) ** 2
         + math.cos(p(lat1)) * math.cos(p(lat2)) * math.sin(p(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def departement_of(place):
    """The département code of a bundled place: from its INSEE code, else its postal code."""
    code = place.get("code_insee") or ""
    if len(code) == 5:
        return code[:3] if code.startswith("97") else code[:2]
    cp = place.get("code_postal") or ""
    return cp[:3] if cp.startswith("97") else cp[:2]


def chunks(text):
    """The raw text of each [[query]] entry, and the family it is under."""
    family = None
    out = []
    current = None
    for line in text.splitlines():
        m = re.match(r"#\s*family:\s*([a-z_-]+)", line)
        if m:
            family = m.group(1)
            current = None
            continue
        if line.strip() == "[[query]]":
            current = [family, []]
            out.append(current)
            continue
        if current is not None:
            current[1].append(line)
    return [(f, "\n".join(lines)) for f, lines in out]


# ---------------------------------------------------------------- thesaurus reading

def load_thesaurus():
    with THESAURUS.open("rb") as f:
        doc = tomllib.load(f)
    canon = {}
    for g in doc.get("synonyms", []):
        stems = [fw.key(w)[0] for w in g["words"]]
        for s in stems:
            canon[s] = stems[0]
    table = {}
    for need in doc.get("need", []):
        for e in need["expressions"]:
            k = tuple(canon.get(s, s) for s in fw.key(e))
            table[k] = need
    longest = max(len(k) for k in table)
    return canon, table, longest


def thesaurus_needs(q, canon, table, longest):
    """The needs the thesaurus finds in q: longest expression first, left to right."""
    ws = tuple(canon.get(s, s) for s in fw.key(q))
    found = []
    i = 0
    while i < len(ws):
        for n in range(min(longest, len(ws) - i), 0, -1):
            need = table.get(ws[i:i + n])
            if need is not None:
                found.append((ws[i:i + n], need))
                i += n
                break
        else:
            i += 1
    return found


def main():
    errors = []
    labels = service_labels()
    with PLACES.open(encoding="utf-8", newline="") as f:
        places = list(csv.DictReader(f))
    for p in places:
        p["_services"] = set(filter(None, p["services"].split("|")))
        p["_lat"], p["_lon"] = float(p["latitude"]), float(p["longitude"])
        p["_dep"] = departement_of(p)
    with COMMUNES.open(encoding="utf-8", newline="") as f:
        communes = list(csv.DictReader(f))
    by_name = defaultdict(list)
    for c in communes:
        by_name[c["nom"]].append(c)
    departements = {c["departement"] for c in communes}

    text = RELEVANCE.read_text(encoding="utf-8")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        print(f"ERROR: {RELEVANCE.name} does not parse: {e}")
        return 1
    if set(doc) - {"query"}:
        errors.append(f"unknown tables {sorted(set(doc) - {'query'})}")
    queries = doc.get("query", [])
    raw = chunks(text)
    if len(raw) != len(queries):
        errors.append(f"{len(raw)} [[query]] lines but {len(queries)} queries parsed")
        raw = [(None, "")] * len(queries)

    families = Counter()
    with_place = Counter()
    homonyms = []
    far = []
    seen_q = {}
    canon, table, longest = load_thesaurus()
    untouched, mismatched = [], []
    for i, (query, (family, chunk)) in enumerate(zip(queries, raw), 1):
        q = query.get("q")
        where = f"query #{i} ({q!r})"
        if set(query) - KEYS:
            errors.append(f"{where}: unknown keys {sorted(set(query) - KEYS)}")
        if not isinstance(q, str) or not q.strip():
            errors.append(f"{where}: q must be a non-empty string")
            continue
        folded = " ".join(fw.fold(w) for w in fw.words(q))
        if folded in seen_q:
            errors.append(f"{where}: same query as #{seen_q[folded]}")
        seen_q[folded] = i
        if family is None:
            errors.append(f"{where}: not under a '# family:' line")
        families[family] += 1
        services = query.get("services")
        if (not isinstance(services, list) or not 1 <= len(services) <= 2
                or not all(isinstance(s, str) for s in services)):
            errors.append(f"{where}: services must list 1 or 2 labels")
            continue
        if len(set(services)) != len(services):
            errors.append(f"{where}: a service is listed twice")
        for s in services:
            if s not in labels:
                errors.append(f"{where}: {s!r} is not a label of the Service vocabulary")
        offering = [p for p in places if p["_services"] & set(services)]
        if not offering:
            errors.append(f"{where}: no bundled place offers {services}")

        dep = query.get("departement")
        if dep is not None:
            with_place["departement"] += 1
            if not isinstance(dep, str) or dep not in departements:
                errors.append(f"{where}: departement {dep!r} is not a département code")
            elif not any(p["_dep"] == dep for p in offering):
                errors.append(f"{where}: no bundled place in {dep} offers {services}")

        name = query.get("commune")
        homonym = query.get("homonym", False)
        if not isinstance(homonym, bool):
            errors.append(f"{where}: homonym must be true or false")
        if name is None:
            if homonym:
                errors.append(f"{where}: homonym without a commune")
            if NO_PLACE in chunk:
                errors.append(f"{where}: '{NO_PLACE}' without a commune")
            continue
        with_place["commune"] += 1
        candidates = by_name.get(name, [])
        if not candidates:
            errors.append(f"{where}: commune {name!r} is not a name of data/communes.csv")
            continue
        if len(candidates) > 1 and not homonym:
            errors.append(f"{where}: {len(candidates)} communes are named {name!r}: homonym = true")
        if len(candidates) == 1 and homonym:
            errors.append(f"{where}: only one commune is named {name!r}: not a homonym")
        if len(candidates) > 1:
            homonyms.append(f"{name} ({', '.join(c['departement'] + ' ' + c['code_insee'] for c in candidates)})"
                            + (f", read in {dep}" if dep else ""))
        if dep is not None:
            candidates = [c for c in candidates if c["departement"] == dep]
            if not candidates:
                errors.append(f"{where}: no commune {name!r} in {dep}")
                continue
        # without a département, a homonym is read as the one with the most bundled places
        # near it (the comment on the entry says which and why)
        best = None
        for c in candidates:
            lat, lon = float(c["latitude"]), float(c["longitude"])
            near = sum(1 for p in offering if km(lat, lon, p["_lat"], p["_lon"]) <= RADIUS_KM)
            nearest = min((km(lat, lon, p["_lat"], p["_lon"]) for p in offering), default=None)
            if best is None or near > best[1]:
                best = (c, near, nearest)
        c, near, nearest = best
        if homonym and c["code_insee"] not in chunk:
            errors.append(f"{where}: say in a comment which {name} is meant ({c['code_insee']}?)")
        for code in re.findall(r"\b\d{5}\b", q):
            if code != c["code_postal"]:
                errors.append(f"{where}: {code} is not the postal code of {name} ({c['code_postal']})")
        marked = NO_PLACE in chunk
        if near == 0 and not marked:
            errors.append(f"{where}: no place of {services} within 10 km of {name}: "
                          f"say '# {NO_PLACE}' (nearest {nearest:.1f} km)")
        if near and marked:
            errors.append(f"{where}: '{NO_PLACE}' but {near} places are")
        if near == 0:
            far.append(f"{name} ({c['code_insee']}): nearest place of {services} at {nearest:.1f} km")

    for i, query in enumerate(queries, 1):
        q = query.get("q")
        if not isinstance(q, str):
            continue
        found = thesaurus_needs(q, canon, table, longest)
        svc = {s for _, need in found for s in need.get("services", [])}
        if not found:
            untouched.append(q)
        elif not svc & set(query.get("services") or []):
            mismatched.append(f"{q!r}: thesaurus {sorted(svc) or 'no service'}, expected {query.get('services')}")

    if len(queries) < MIN_QUERIES:
        errors.append(f"{len(queries)} queries, fewer than {MIN_QUERIES}")

    print(f"{RELEVANCE}: {len(queries)} queries")
    print("per family:")
    for fam, n in families.items():
        print(f"  {fam or '(none)':12} {n:4}")
    print(f"naming a commune: {with_place['commune']}, a département: {with_place['departement']}")
    per_service = Counter(s for q in queries for s in q.get("services") or [])
    print("per expected service:")
    for s, n in per_service.most_common():
        print(f"  {n:4}  {s}")
    print(f"homonyms ({len(homonyms)}):")
    for h in homonyms:
        print(f"  {h}")
    print(f"communes with no place of the services within 10 km ({len(far)}):")
    for x in far:
        print(f"  {x}")
    print(f"queries no thesaurus expression matches ({len(untouched)}; left to the text search):")
    for x in untouched:
        print(f"  {x!r}")
    print(f"queries whose thesaurus services miss the expected ones ({len(mismatched)}):")
    for x in mismatched:
        print(f"  {x}")
    for e in errors:
        print(f"ERROR: {e}")
    if errors:
        print(f"\n{len(errors)} errors")
        return 1
    print(f"\nOK: {len(queries)} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
