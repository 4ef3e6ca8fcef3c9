"""Required literals of a regular expression: a cheap, exact prefilter for regex conditions.

``required_literals(pattern)`` returns a set of strings such that every match of the pattern
contains at least one of them (or None when no such set is known). A segment holding none of
them cannot match, so the regex only runs on the few segments that hold one; the matches found
are exactly those of a scan over every segment.

The set is read off the parsed pattern: a run of literal characters is a factor; a group or a
repeat (at least once) passes on its child's factor; an alternation's factor is the union of its
branches' (each branch must have one); a small character class is the set of its characters.
Of the factors of a sequence the most selective is kept (longest shortest string, then fewest
strings). Anything unusual (conditional groups, back references inside a factor, unknown
constructs) simply contributes no factor, which only weakens the filter, never breaks it.

Case: the text the rules see is lower case (``matchers.normalise``), so literals are lower-cased
(an upper-case literal of a case-sensitive pattern cannot match there anyway: the filter only
gets more permissive). ``safe_for_text`` says whether case folding could let a literal match
something other than itself in a given text (only non-ASCII cased letters can).
"""

from __future__ import annotations

from typing import Any

MAX_CLASS_CHARS = 16  # a character class of at most this many characters is a factor
MAX_FACTOR_STRINGS = 64  # an alternation with more strings than this is no factor
MAX_FACTORS = 4  # factors kept per pattern (the most selective)

_Factor = frozenset[str]


def required_factors(pattern: str, flags: int = 0) -> tuple[frozenset[str], ...]:
    """Factors of ``pattern``: sets of strings such that every match contains a string of
    each set; the most selective first, at most ``MAX_FACTORS``; empty when none is known.
    Literals are lower case (see the module docstring)."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
    except Exception:
        return ()
    factors = {f for f in _factors(list(parsed), c) if all(f)}
    return tuple(sorted(factors, key=_selectivity, reverse=True)[:MAX_FACTORS])


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """The most selective factor of ``pattern`` (``required_factors``), or None."""
    factors = required_factors(pattern, flags)
    return factors[0] if factors else None


def safe_for_text(literals: frozenset[str], text_is_ascii: bool) -> bool:
    """Whether a plain substring search for ``literals`` finds every place the pattern could
    match, assuming case folding may apply: a cased letter can fold to another character (the
    Kelvin sign to k, long s to s), so only ASCII letters in ASCII text are safe; characters
    without case (CJK, digits, punctuation) always are."""
    return all(
        ch.lower() == ch.upper() or (text_is_ascii and ch.isascii())
        for literal in literals
        for ch in literal
    )


def _factors(items: list[tuple[Any, Any]], c: Any) -> list[_Factor]:
    """Every factor of a sequence of parsed items (consecutive literals joined): each one
    must be matched, so each is necessary."""
    factors: list[_Factor] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            factors.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av).lower())  # the text is lower case: see the module docstring
            continue
        if op is c.AT:  # anchors and \b take no room: a literal run goes on across them
            continue
        close_run()
        factors.extend(_item(op, av, c))
    close_run()
    return factors


def _selectivity(factor: _Factor) -> tuple[int, int]:
    return min(len(s) for s in factor), -len(factor)


def _item(op: Any, av: Any, c: Any) -> list[_Factor]:
    if op is c.SUBPATTERN:
        return _factors(list(av[3]), c)  # (group, add flags, del flags, body)
    if op is c.ATOMIC_GROUP:
        return _factors(list(av), c)
    if op is c.BRANCH:  # one string of the best factor of each branch
        union: set[str] = set()
        for branch in av[1]:
            factors = [f for f in _factors(list(branch), c) if all(f)]
            if not factors:
                return []
            best: _Factor = max(factors, key=_selectivity)
            union |= best
            if len(union) > MAX_FACTOR_STRINGS:
                return []
        return [frozenset(union)]
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, body = av
        return _factors(list(body), c) if low >= 1 else []
    if op is c.IN:
        chars = _class(av, c)
        return [chars] if chars else []
    return []  # ANY, NOT_LITERAL, lookarounds, back references, ...: no factor


def _class(items: Any, c: Any) -> _Factor | None:
    chars: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            chars.add(chr(av))
        elif op is c.RANGE:
            low, high = av
            if high - low + 1 > MAX_CLASS_CHARS:
                return None
            chars.update(chr(code) for code in range(low, high + 1))
        else:  # NEGATE, CATEGORY (\d, \w, ...): not a small known set
            return None
        if len(chars) > MAX_CLASS_CHARS:
            return None
    return frozenset(ch.lower() for ch in chars) or None
