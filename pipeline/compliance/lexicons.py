"""Pack-level lexicons: named word lists that the rules of a pack refer to as ``"@name"``.

A pack may declare::

    lexicons:
      secret_zh: [密码, 验证码, [安全码, cvv]]     # an entry: a term, or a list of synonyms
      request_zh: [告诉我, 报给我, "@polite_zh"]    # a lexicon may use another

and a rule writes ``object: ["@secret_zh", 短信码]``. Wherever a list in a rule (or in a
lexicon) holds the string ``"@name"``, the lexicon's entries take its place: in a list of
items, each entry becomes an item; inside a list of synonyms (a list nested in a list), the
entries' terms join the synonyms. One word list then serves every rule that needs it, and a
new word reaches all of them. An unknown name, or a lexicon that refers to itself, is an error
naming the lexicon.
"""

from __future__ import annotations

from typing import Any

LEXICON_PREFIX = "@"
MAX_LEXICON_DEPTH = 8  # lexicons referring to lexicons, at most this deep

Entries = list[str | list[str]]


class LexiconError(ValueError):
    """A reference to an unknown lexicon, or lexicons referring to each other in a cycle."""


def resolve_lexicons(raw: dict[str, Entries]) -> dict[str, Entries]:
    """Every lexicon with its own references expanded."""
    resolved: dict[str, Entries] = {}

    def resolve(name: str, trail: tuple[str, ...]) -> Entries:
        if name in resolved:
            return resolved[name]
        if name not in raw:
            raise LexiconError(f"unknown lexicon {LEXICON_PREFIX}{name}")
        if name in trail or len(trail) >= MAX_LEXICON_DEPTH:
            chain = " -> ".join(f"{LEXICON_PREFIX}{n}" for n in (*trail, name))
            raise LexiconError(f"lexicons refer to each other: {chain}")
        out = _expand_list(raw[name], lambda ref: resolve(ref, (*trail, name)), nested=False)
        resolved[name] = out
        return out

    for name in raw:
        resolve(name, ())
    return resolved


def expand_references(data: Any, lexicons: dict[str, Entries]) -> Any:
    """``data`` (a rule as parsed YAML) with every ``"@name"`` in its lists replaced by the
    entries of lexicon ``name`` (``lexicons`` already resolved)."""

    def lookup(name: str) -> Entries:
        if name not in lexicons:
            known = ", ".join(sorted(lexicons)) or "none"
            raise LexiconError(f"unknown lexicon {LEXICON_PREFIX}{name} (the pack has: {known})")
        return lexicons[name]

    def walk(value: Any, nested: bool) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, False) for k, v in value.items()}
        if isinstance(value, list):
            expanded = _expand_list(value, lookup, nested)
            return [walk(v, True) if isinstance(v, list) else walk(v, False) for v in expanded]
        return value

    return walk(data, False)


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(LEXICON_PREFIX) and len(value) > 1


def _expand_list(items: list, lookup: Any, nested: bool) -> list:
    """``items`` with each reference replaced by its entries (flattened into one list of
    synonyms when ``nested``)."""
    out: list = []
    for item in items:
        if _is_reference(item):
            entries = lookup(item[len(LEXICON_PREFIX) :])
            if nested:
                out.extend(t for e in entries for t in ([e] if isinstance(e, str) else e))
            else:
                out.extend(entries)
        elif isinstance(item, list) and not nested:
            out.append(_expand_list(item, lookup, nested=True))
        else:
            out.append(item)
    return out
