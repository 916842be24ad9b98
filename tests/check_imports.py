#!/usr/bin/env python3
"""Checks the import rules of ARCHITECTURE.md ("Checking the imports") by reading the sources.

- In `src/`, and among the modules and wings of `index/src/`, siblings import each other one
  way: the graph of `use`s between the modules of one folder has no cycle. A module may use
  its parent (a folder's `mod.rs`, the facade of the wing); the parent composes its children.
- The wings of `lieux-index` use only the model and the wings below them.
- Only `serve/` uses `lieux-tiles`, but for the geometry types and the errors it wraps.

Reads `use` declarations and `crate::`/`super::` paths outside comments and `#[cfg(test)]`
modules. Prints the graph it found with `-v`; exits 1 and says what is wrong otherwise.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The model of `lieux-index`, then its wings, lowest first: a wing may use those before it.
INDEX_LAYERS = [
    {"error", "place", "vocab", "filter", "geo", "fold"},
    {"store"},
    {"ingest"},
    {"search"},
    {"changes"},
    {"serve"},
]
# What the other wings and the model may use of `lieux-tiles`.
TILES_ALLOWED = {"LngLatBbox", "mercator", "ClusterError", "EncodeError", "PmtilesError"}


def code_of(path):
    """The text of a file without comments and without its test module."""
    text = path.read_text()
    test = re.search(r"^#\[cfg\(test\)\]\s*\nmod tests", text, re.M)
    if test:
        text = text[: test.start()]
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//")[0] if "//" in line and not '"' in line.split("//")[0] else line
                     for line in text.splitlines() if not line.lstrip().startswith("//"))


def module_path(crate_src, path):
    """`['search', 'need']` for `index/src/search/need.rs`, `[]` for `lib.rs`."""
    parts = list(path.relative_to(crate_src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return parts


def expand(prefix, group):
    """The first segments of each path in a `use` group: `a::{b, c::d}` → `a::b`, `a::c`."""
    out, depth, item = [], 0, ""
    for ch in group + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            item = item.strip()
            if item:
                head = item.split("::")[0].strip("{} ")
                if head.startswith("{"):
                    head = head[1:]
                out.append(prefix + [head] if head not in ("self", "") else prefix)
            item = ""
        else:
            item += ch
    return out


def references(code, here):
    """Absolute module paths that `code` (of the module `here`) names."""
    found = []
    for m in re.finditer(r"\b(crate|super|self)((?:::\w+)*)::(\{[^;]*\}|\w+)", code):
        base, middle, last = m.group(1), m.group(2), m.group(3)
        if base == "crate":
            start = []
        elif base == "super":
            start = here[:-1]
        else:
            start = list(here)
        segments = start + [s for s in middle.split("::") if s]
        if last.startswith("{"):
            found.extend(expand(segments, last[1:-1]))
        else:
            found.append(segments + [last])
    return found


def graph(crate_src, known):
    """Edges between modules of one crate, as (from, to) absolute module paths."""
    edges = set()
    for path in sorted(crate_src.rglob("*.rs")):
        here = module_path(crate_src, path)
        if path.name == "vocab_tables.rs":
            continue
        for target in references(code_of(path), here):
            # The longest known module that the path starts with.
            best = None
            for n in range(len(target), 0, -1):
                if tuple(target[:n]) in known:
                    best = target[:n]
                    break
            if best is not None and best != here:
                edges.add((tuple(here), tuple(best)))
    return edges


def modules_of(crate_src):
    return {tuple(module_path(crate_src, p)) for p in crate_src.rglob("*.rs")
            if p.name != "vocab_tables.rs"}


def cycles(nodes, edges):
    """A cycle among `nodes` through `edges`, or None."""
    adjacent = {n: sorted(b for a, b in edges if a == n and b in nodes) for n in nodes}
    state = {}

    def visit(n, trail):
        state[n] = "open"
        for m in adjacent[n]:
            if state.get(m) == "open":
                return trail[trail.index(m):] + [m]
            if m not in state:
                found = visit(m, trail + [m])
                if found:
                    return found
        state[n] = "done"
        return None

    for n in sorted(nodes):
        if n not in state:
            found = visit(n, [n])
            if found:
                return found
    return None


def check_siblings(name, modules, edges, problems):
    """No cycle among the children of any folder."""
    parents = {m[:-1] for m in modules if m}
    for parent in sorted(parents):
        children = {m for m in modules if len(m) == len(parent) + 1 and m[: len(parent)] == parent}
        # An edge into a child's own descendants counts as one into the child.
        lifted = set()
        for a, b in edges:
            if len(a) > len(parent) and len(b) > len(parent) and a[: len(parent)] == parent == b[: len(parent)]:
                lifted.add((a[: len(parent) + 1], b[: len(parent) + 1]))
        lifted = {(a, b) for a, b in lifted if a != b}
        found = cycles(children, lifted)
        if found:
            problems.append(f"{name}: an import circle in {'/'.join(parent) or 'the crate root'}: "
                            + " → ".join("::".join(m) for m in found))


def main():
    verbose = "-v" in sys.argv
    problems = []
    for name, src in (("lieux", ROOT / "src"), ("lieux-index", ROOT / "index/src"),
                      ("lieux-tiles", ROOT / "tiles/src")):
        modules = modules_of(src)
        edges = graph(src, modules)
        if verbose:
            for a, b in sorted(edges):
                print(f"{name}: {'::'.join(a) or 'crate'} → {'::'.join(b)}")
        check_siblings(name, modules, edges, problems)
        if name == "lieux-index":
            layer = {m: i for i, names in enumerate(INDEX_LAYERS) for m in names}
            for a, b in sorted(edges):
                if a and b and a[0] in layer and b[0] in layer and layer[b[0]] > layer[a[0]]:
                    problems.append(f"lieux-index: {'::'.join(a)} uses {'::'.join(b)}, a wing above it")
            for path in sorted(src.rglob("*.rs")):
                here = module_path(src, path)
                if here and here[0] == "serve":
                    continue
                for m in re.finditer(r"lieux_tiles::(\{[^;]*\}|\w+)", code_of(path)):
                    used = re.sub(r"\s", "", m.group(1)).strip("{}").split(",")
                    heads = {u.split("::")[0] for u in used if u}
                    if heads - TILES_ALLOWED:
                        problems.append(f"lieux-index: {path.relative_to(ROOT)} uses lieux_tiles::"
                                        f"{', '.join(sorted(heads - TILES_ALLOWED))}, which only serve/ may")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print("imports: no circle among siblings, wings one way, lieux-tiles only in serve/")


if __name__ == "__main__":
    main()
