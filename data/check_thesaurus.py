#!/usr/bin/env python3
"""Checks data/thesaurus.toml (and, given as arguments, a hub's thesaurus files).

    python3 data/check_thesaurus.py [EXTRA.toml ...]

Standard library only. It checks that:
  - the TOML parses and has only [[need]] and [[synonyms]] tables, with known keys;
  - every value is a label of index/src/vocab_tables.rs for its vocabulary, verbatim;
  - every need has expressions and at least one value;
  - no expression is listed twice, as read by the engine: words split at non-letters,
    case and accents folded, elisions dropped, Snowball stems, synonyms applied
    (data/french_words.py); nor twice once stop words are dropped as well (a warning:
    only an engine that drops them when matching would confuse the two);
  - no expression is a lone generic word ("aide", "numérique"…), or nothing but stop words;
  - synonym groups hold two or more single words, and no word is in two groups;
  - the bundled file has at least 150 expressions and 20 to 40 synonym groups.
It prints a summary: expressions per vocabulary value, needs and how many bundled places
offer their services, and expressions that a shorter one of the same need already covers.
It exits with status 1 on any error.
"""

import csv
import pathlib
import re
import sys
import tomllib
from collections import Counter, defaultdict

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import french_words as fw  # noqa: E402

BUNDLED = HERE / "thesaurus.toml"
VOCAB_RS = ROOT / "index" / "src" / "vocab_tables.rs"
PLACES = HERE / "lieux-pays-de-la-loire.csv"

# thesaurus key -> (vocabulary column in vocab_tables.rs, column of the places CSV)
KEYS = {
    "services": "services",
    "publics": "publics_specifiquement_adresses",
    "prise_en_charge": "prise_en_charge_specifique",
    "frais": "frais_a_charge",
    "dispositifs": "dispositif_programmes_nationaux",
    "modalites_accompagnement": "modalites_accompagnement",
    "modalites_acces": "modalites_acces",
    "typologies": "typologie",
}

# Words that must not be an expression on their own.
GENERIC = {
    "aide", "aider", "besoin", "numerique", "informatique", "internet", "dossier", "probleme",
    "question", "info", "information", "service", "services", "lieu", "place", "faire",
    "accompagnement", "ligne", "compte", "document", "outil", "demande", "comment", "ou",
    "quoi", "urgent", "gens", "personne", "moi", "site",
}

MIN_EXPRESSIONS = 150
SYNONYM_GROUPS = (20, 40)


def vocabularies():
    """{column: set of labels} parsed from vocab_tables.rs."""
    text = VOCAB_RS.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(
        r'vocabulary!\s*\{.*?\b\w+\s*,\s*"([a-z_]+)"\s*,\s*u\d+\s*\{(.*?)\n\s*\}\s*\n\}',
        text,
        re.S,
    ):
        column, body = m.group(1), m.group(2)
        out[column] = set(re.findall(r'=>\s*"((?:[^"\\]|\\.)*)"', body))
    return out


def places():
    with PLACES.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Checker:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    def warn(self, where, message):
        self.warnings.append(f"{where}: {message}")


def load(path, checker):
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        checker.error(path, f"does not parse: {e}")
        return [], []
    for k in doc:
        if k not in ("need", "synonyms"):
            checker.error(path, f"unknown table [{k}] (only [[need]] and [[synonyms]])")
    needs = doc.get("need", [])
    groups = doc.get("synonyms", [])
    if not isinstance(needs, list) or not isinstance(groups, list):
        checker.error(path, "need and synonyms must be arrays of tables ([[need]], [[synonyms]])")
        return [], []
    return needs, groups


def check_synonyms(files, checker):
    """Returns ({stem: canonical stem} over every group of every file, groups per file).

    Within a file a word is in one group only; a word in a group of two files joins the
    two groups, as the engine does with a hub's file."""
    parent = {}

    def find(s):
        while parent.setdefault(s, s) != s:
            s = parent[s]
        return s

    owner = {}
    n_groups = Counter()
    for path, _, groups in files:
        for i, g in enumerate(groups, 1):
            where = f"{path.name} synonyms #{i}"
            n_groups[path] += 1
            if set(g) - {"words"}:
                checker.error(where, f"unknown keys {sorted(set(g) - {'words'})}")
            ws = g.get("words")
            if not isinstance(ws, list) or len(ws) < 2 or not all(isinstance(w, str) for w in ws):
                checker.error(where, "words must be a list of two or more strings")
                continue
            stems = []
            for w in ws:
                parts = fw.words(w)
                if len(parts) != 1 or parts[0] != w.lower() or w != w.strip():
                    checker.error(where, f"{w!r} is not a single word")
                    continue
                if w in fw.STOP_WORDS:
                    checker.error(where, f"{w!r} is a stop word")
                stems.append(fw.key(w)[0])
            if len(set(stems)) < len(stems):
                checker.error(where, f"two words of {ws} have the same stem: one is enough")
            for s in stems:
                if (path, s) in owner and owner[(path, s)] != where:
                    checker.error(where, f"stem {s!r} is also in {owner[(path, s)]}")
                owner[(path, s)] = where
            for s in stems[1:]:
                parent[find(s)] = find(stems[0])
    return {s: find(s) for s in list(parent)}, n_groups


def expression_key(text, canon, keep_stop_words=True):
    return tuple(canon.get(s, s) for s in fw.key(text, keep_stop_words))


def main(argv):
    checker = Checker()
    vocab = vocabularies()
    for column in KEYS.values():
        if column not in vocab or not vocab[column]:
            checker.error(VOCAB_RS.name, f"no vocabulary {column!r} found: has the file changed?")
    paths = [BUNDLED] + [pathlib.Path(a) for a in argv]
    files = []
    for path in paths:
        needs, groups = load(path, checker)
        files.append((path, needs, groups))
    canon, n_groups = check_synonyms(files, checker)

    seen = {}          # (file, key with stop words) -> where
    seen_any = {}      # key with stop words -> where, over all files
    seen_loose = {}    # key without stop words -> where
    per_value = defaultdict(int)
    expressions = []   # (path, need index, text, key)
    n_expr = Counter()
    for path, needs, _ in files:
        for i, need in enumerate(needs, 1):
            exprs = need.get("expressions")
            label = f"{path.name} need #{i}"
            if isinstance(exprs, list) and exprs and isinstance(exprs[0], str):
                label += f" ({exprs[0]!r})"
            unknown = set(need) - set(KEYS) - {"expressions"}
            if unknown:
                checker.error(label, f"unknown keys {sorted(unknown)}")
            values = 0
            for key, column in KEYS.items():
                if key not in need:
                    continue
                vals = need[key]
                if not isinstance(vals, list) or not vals or not all(isinstance(v, str) for v in vals):
                    checker.error(label, f"{key} must be a non-empty list of strings")
                    continue
                if len(set(vals)) < len(vals):
                    checker.error(label, f"{key} lists a value twice")
                for v in vals:
                    if v not in vocab.get(column, ()):
                        near = [x for x in vocab.get(column, ()) if fw.fold(x) == fw.fold(v)]
                        hint = f" (did you mean {near[0]!r}?)" if near else ""
                        checker.error(label, f"{key}: {v!r} is not a label of {column}{hint}")
                    else:
                        values += 1
                        per_value[(key, v)] += len(exprs) if isinstance(exprs, list) else 0
            if not values:
                checker.error(label, "maps to no value")
            if not isinstance(exprs, list) or not exprs:
                checker.error(label, "has no expressions")
                continue
            for e in exprs:
                if not isinstance(e, str) or not e.strip():
                    checker.error(label, f"expression {e!r} is not a non-empty string")
                    continue
                where = f"{label} {e!r}"
                if e != e.strip() or "  " in e:
                    checker.error(where, "has stray spaces")
                if e != e.lower():
                    checker.error(where, "is not in lower case")
                k = expression_key(e, canon)
                loose = expression_key(e, canon, keep_stop_words=False)
                content = [fw.fold(w) for w in fw.words(e) if w not in fw.STOP_WORDS]
                if not k:
                    checker.error(where, "has no words")
                    continue
                if not content:
                    checker.error(where, "is nothing but stop words")
                elif len(content) == 1 and content[0] in GENERIC:
                    checker.error(where, f"is the generic word {content[0]!r} alone")
                if (path, k) in seen:
                    first = seen[(path, k)]
                    checker.error(where, f"is read as {first[1]!r} ({first[0]}): listed twice")
                elif k in seen_any:
                    print(f"note: {where} is also in {seen_any[k][0]}: their values add up")
                else:
                    seen[(path, k)] = (label, e)
                    seen_any[k] = (label, e)
                    if loose in seen_loose and seen_loose[loose][1] != e:
                        checker.warn(
                            where,
                            f"without stop words it reads as {seen_loose[loose][1]!r} "
                            "(fine as long as expressions keep their stop words)",
                        )
                    seen_loose.setdefault(loose, (label, e))
                expressions.append((path, i, e, k))
                n_expr[path] += 1

    # Expressions a shorter one of the same need already covers, with no other need's
    # expression inside them to override: harmless, listed for information.
    covered = []
    for path, i, e, k in expressions:
        inside = []
        for path2, j, e2, k2 in expressions:
            if k2 == k or len(k2) >= len(k):
                continue
            if any(k[s:s + len(k2)] == k2 for s in range(len(k) - len(k2) + 1)):
                inside.append((path2, j, e2))
        if inside and all((p, j) == (path, i) for p, j, _ in inside):
            covered.append(f"{e!r} (by {', '.join(repr(x[2]) for x in inside)})")

    if n_expr[BUNDLED] < MIN_EXPRESSIONS:
        checker.error(BUNDLED.name, f"{n_expr[BUNDLED]} expressions, fewer than {MIN_EXPRESSIONS}")
    lo, hi = SYNONYM_GROUPS
    if not lo <= n_groups[BUNDLED] <= hi:
        checker.error(BUNDLED.name, f"{n_groups[BUNDLED]} synonym groups, not {lo} to {hi}")

    # Summary.
    rows = places()
    offered = Counter()
    for r in rows:
        for col in set(KEYS.values()):
            for v in (r.get(col) or "").split("|"):
                if v:
                    offered[(col, v)] += 1
    for path, needs, groups in files:
        print(f"{path}: {len(needs)} needs, {n_expr[path]} expressions, {len(groups)} synonym groups")
    print(f"\nexpressions per value (bundled places that have the value, of {len(rows)}):")
    for key, column in KEYS.items():
        for v in sorted(vocab.get(column, ())):
            if per_value[(key, v)]:
                print(f"  {key:25} {v:58} {per_value[(key, v)]:4}   places {offered[(column, v)]}")
    missing = sorted(v for v in vocab.get("services", ()) if not per_value[("services", v)])
    if missing:
        checker.error(BUNDLED.name, f"no expression for the services {missing}")
    print("\nneeds whose services no bundled place offers:")
    for path, needs, _ in files:
        for i, need in enumerate(needs, 1):
            svc = need.get("services") or []
            if svc and not any(offered[("services", s)] for s in svc):
                print(f"  {path.name} need #{i} ({need['expressions'][0]!r}): {svc}")
    if covered:
        print(f"\n{len(covered)} expressions already covered by a shorter one of their need "
              "(harmless; kept as people type them):")
        for c in covered:
            print(f"  {c}")
    for w in checker.warnings:
        print(f"warning: {w}")
    for e in checker.errors:
        print(f"ERROR: {e}")
    if checker.errors:
        print(f"\n{len(checker.errors)} errors")
        return 1
    print(f"\nOK: {n_expr[BUNDLED]} expressions, {n_groups[BUNDLED]} synonym groups")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
