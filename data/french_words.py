"""How the search reads French words, for the checks of data/thesaurus.toml and
tests/relevance.toml (standard library only).

It follows index/src/store/analysis.rs: words are split on anything that is not a letter or a
digit (so apostrophes and hyphens separate words), lower-cased, French stop words are
dropped (tantivy's list, which has accents, so before folding), accents are folded, and
each word is reduced to its Snowball French stem, as rust-stemmers 1.2.0 computes it.
On top of that, the thesaurus drops elisions (l', d', j', qu'…): they are stop words.
"""

import re
import unicodedata

# tantivy 0.25's French stop words (src/tokenizer/stop_word_filter/stopwords.rs).
STOP_WORDS = frozenset("""
au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me même mes
moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses sur ta te tes toi ton tu
un une vos votre vous c d j l à m n s t y étée étées étant suis es êtes sont serai seras
sera serons serez seront serais serait serions seriez seraient étais était étions étiez
étaient fus fut fûmes fûtes furent sois soit soyons soyez soient fusse fusses fussions
fussiez fussent ayant eu eue eues eus ai avons avez ont aurai aurons aurez auront aurais
aurait aurions auriez auraient avais avait aviez avaient eut eûmes eûtes eurent aie aies
ait ayons ayez aient eusse eusses eût eussions eussiez eussent ceci cela celà cet cette
ici ils les leurs quel quels quelle quelles sans soi
""".split())

ELISIONS = frozenset("l d j qu n s m t c".split())


def fold(text):
    """Lower case, no accents (œ and æ spelt out, as tantivy's ASCII folding does)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
    )


def words(text):
    """The words of `text`, lower-cased, accents kept, elisions dropped."""
    out = []
    for word in re.findall(r"[^\W_]+", text.lower()):
        if word in ELISIONS:
            continue
        out.append(word)
    return out


# ---------------------------------------------------------------- Snowball French

_V = set("aeiouyâàëéêèïîôûù")
_KEEP_WITH_S = set("aiouès")


def _prelude(w):
    w = list(w)
    p = 0
    while p < len(w):
        nxt = w[p + 1] if p + 1 < len(w) else ""
        nxt2 = w[p + 2] if p + 2 < len(w) else ""
        if w[p] in _V and nxt == "u" and nxt2 in _V and nxt2:
            w[p + 1] = "U"
        elif w[p] in _V and nxt == "i" and nxt2 in _V and nxt2:
            w[p + 1] = "I"
        elif w[p] in _V and nxt == "y":
            w[p + 1] = "Y"
        elif w[p] == "y" and nxt in _V and nxt:
            w[p] = "Y"
        elif w[p] == "q" and nxt == "u":
            w[p + 1] = "U"
        else:
            p += 1
            continue
        # the same position is looked at again, as Snowball's `repeat goto` does
    return "".join(w)


def _regions(w):
    n = len(w)
    pv = n
    if n >= 2 and w[0] in _V and w[1] in _V:
        pv = 3 if n >= 3 else n
    elif w[:3] in ("par", "col", "tap"):
        pv = 3
    else:
        for i in range(1, n):
            if w[i] in _V:
                pv = i + 1
                break

    def after(start):
        i = start
        while i < n and w[i] not in _V:
            i += 1
        if i >= n:
            return n
        while i < n and w[i] in _V:
            i += 1
        if i >= n:
            return n
        return i + 1

    p1 = after(0)
    p2 = after(p1) if p1 < n else n
    return pv, p1, p2


def _longest(w, suffixes, lo=0):
    best = None
    for s in suffixes:
        if w.endswith(s) and len(w) - len(s) >= lo and (best is None or len(s) > len(best)):
            best = s
    return best


_STD = {
    1: ["ance", "iqUe", "isme", "able", "iste", "eux", "ances", "iqUes", "ismes", "ables",
        "istes"],
    2: ["atrice", "ateur", "ation", "atrices", "ateurs", "ations"],
    3: ["logie", "logies"],
    4: ["usion", "ution", "usions", "utions"],
    5: ["ence", "ences"],
    6: ["ement", "ements"],
    7: ["ité", "ités"],
    8: ["if", "ive", "ifs", "ives"],
    9: ["eaux"],
    10: ["aux"],
    11: ["euse", "euses"],
    12: ["issement", "issements"],
    13: ["amment"],
    14: ["emment"],
    15: ["ment", "ments"],
}
_STD_OF = {s: k for k, ss in _STD.items() for s in ss}

_I_VERB = ["îmes", "ît", "îtes", "i", "ie", "ies", "ir", "ira", "irai", "iraIent", "irais",
           "irait", "iras", "irent", "irez", "iriez", "irions", "irons", "iront", "is",
           "issaIent", "issais", "issait", "issant", "issante", "issantes", "issants",
           "isse", "issent", "isses", "issez", "issiez", "issions", "issons", "it"]
_VERB = {
    1: ["ions"],
    2: ["é", "ée", "ées", "és", "èrent", "er", "era", "erai", "eraIent", "erais", "erait",
        "eras", "erez", "eriez", "erions", "erons", "eront", "ez", "iez"],
    3: ["âmes", "ât", "âtes", "a", "ai", "aIent", "ais", "ait", "ant", "ante", "antes",
        "ants", "as", "asse", "assent", "asses", "assiez", "assions"],
}
_VERB_OF = {s: k for k, ss in _VERB.items() for s in ss}


def _standard_suffix(w, pv, p1, p2):
    """Returns (word, succeeded)."""
    s = _longest(w, _STD_OF)
    if s is None:
        return w, False
    k = _STD_OF[s]
    b = len(w) - len(s)  # start of the suffix
    if k == 1:
        if b < p2:
            return w, False
        return w[:b], True
    if k == 2:
        if b < p2:
            return w, False
        w = w[:b]
        if w.endswith("ic"):
            w = w[:-2] if len(w) - 2 >= p2 else w[:-2] + "iqU"
        return w, True
    if k == 3:
        if b < p2:
            return w, False
        return w[:b] + "log", True
    if k == 4:
        if b < p2:
            return w, False
        return w[:b] + "u", True
    if k == 5:
        if b < p2:
            return w, False
        return w[:b] + "ent", True
    if k == 6:
        if b < pv:
            return w, False
        w = w[:b]
        t = _longest(w, ["iv", "eus", "abl", "iqU", "ièr", "Ièr"])
        if t is not None:
            c = len(w) - len(t)
            if t == "iv":
                if c >= p2:
                    w = w[:c]
                    if w.endswith("at") and len(w) - 2 >= p2:
                        w = w[:-2]
            elif t == "eus":
                if c >= p2:
                    w = w[:c]
                elif c >= p1:
                    w = w[:c] + "eux"
            elif t in ("abl", "iqU"):
                if c >= p2:
                    w = w[:c]
            else:
                if c >= pv:
                    w = w[:c] + "i"
        return w, True
    if k == 7:
        if b < p2:
            return w, False
        w = w[:b]
        t = _longest(w, ["abil", "ic", "iv"])
        if t is not None:
            c = len(w) - len(t)
            if t == "abil":
                w = w[:c] if c >= p2 else w[:c] + "abl"
            elif t == "ic":
                w = w[:c] if c >= p2 else w[:c] + "iqU"
            elif c >= p2:
                w = w[:c]
        return w, True
    if k == 8:
        if b < p2:
            return w, False
        w = w[:b]
        if w.endswith("at") and len(w) - 2 >= p2:
            w = w[:-2]
            if w.endswith("ic"):
                w = w[:-2] if len(w) - 2 >= p2 else w[:-2] + "iqU"
        return w, True
    if k == 9:
        return w[:b] + "eau", True
    if k == 10:
        if b < p1:
            return w, False
        return w[:b] + "al", True
    if k == 11:
        if b >= p2:
            return w[:b], True
        if b >= p1:
            return w[:b] + "eux", True
        return w, False
    if k == 12:
        if b < p1 or b == 0 or w[b - 1] in _V:
            return w, False
        return w[:b], True
    if k == 13:
        if b < pv:
            return w, False
        return w[:b] + "ant", False
    if k == 14:
        if b < pv:
            return w, False
        return w[:b] + "ent", False
    # k == 15: a vowel before, itself in RV
    if b == 0 or w[b - 1] not in _V or b - 1 < pv:
        return w, False
    return w[:b], False


def _i_verb_suffix(w, pv):
    s = _longest(w, _I_VERB, lo=pv)
    if s is None:
        return w, False
    b = len(w) - len(s)
    if b - 1 < pv or w[b - 1] in _V:
        return w, False
    return w[:b], True


def _verb_suffix(w, pv, p2):
    s = _longest(w, _VERB_OF, lo=pv)
    if s is None:
        return w, False
    k = _VERB_OF[s]
    b = len(w) - len(s)
    if k == 1:
        if b < p2:
            return w, False
        return w[:b], True
    if k == 2:
        return w[:b], True
    w = w[:b]
    if w.endswith("e") and len(w) - 1 >= pv:
        w = w[:-1]
    return w, True


def _residual_suffix(w, pv, p2):
    if w.endswith("s") and len(w) >= 2 and w[-2] not in _KEEP_WITH_S:
        w = w[:-1]
    s = _longest(w, ["ion", "ier", "ière", "Ier", "Ière", "e", "ë"], lo=pv)
    if s is None:
        return w
    b = len(w) - len(s)
    if s == "ion":
        if b >= p2 and b - 1 >= pv and w[b - 1] in "st":
            return w[:b]
        return w
    if s in ("ier", "ière", "Ier", "Ière"):
        return w[:b] + "i"
    if s == "e":
        return w[:b]
    if w[:b].endswith("gu") and b - 2 >= pv:
        return w[:b]
    return w


def stem(word):
    """The Snowball French stem of one lower-case word."""
    w = _prelude(word)
    pv, p1, p2 = _regions(w)
    changed = False
    w, ok = _standard_suffix(w, pv, p1, p2)
    if not ok:
        w, ok = _i_verb_suffix(w, pv)
    if not ok:
        w, ok = _verb_suffix(w, pv, p2)
    if ok:
        changed = True
    if changed:
        if w.endswith("Y"):
            w = w[:-1] + "i"
        elif w.endswith("ç"):
            w = w[:-1] + "c"
    else:
        w = _residual_suffix(w, pv, p2)
    for d in ("enn", "onn", "ett", "ell", "eill"):
        if w.endswith(d):
            w = w[:-1]
            break
    # un_accent: é or è followed by at least one non-vowel at the end
    m = re.search(r"[éè]([^aeiouyâàëéêèïîôûù]+)$", w)
    if m:
        i = m.start()
        w = w[:i] + "e" + w[i + 1:]
    return w.replace("I", "i").replace("U", "u").replace("Y", "y")


def analysed(text):
    """The terms the index holds for `text`: stop words out, accents folded, stems."""
    return [stem(fold(word)) for word in words(text) if word not in STOP_WORDS]


def key(text, keep_stop_words=True):
    """The stems of `text`, stop words kept or not (accents folded)."""
    return tuple(
        stem(fold(word)) for word in words(text) if keep_stop_words or word not in STOP_WORDS
    )
