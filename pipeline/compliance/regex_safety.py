"""Refuse rule regexes that can backtrack catastrophically.

Python's ``re`` backtracks: a pattern such as ``(a+)+$`` takes time exponential in the length
of a text that almost matches, so one rule could stall a whole night's batch. The packs need
``re`` (they use look-around), so instead of another engine the shapes that cause it are
refused when a pack is loaded (``rules lint`` names the rule and its line):

- a quantified group that may repeat without bound (or more than
  :data:`MAX_SAFE_OUTER_REPEAT` times) and holds another quantifier that may repeat: ``(a+)+``,
  ``(\\w+\\s?)*``, ``(?:x*y*)+``;
- a quantified group whose alternatives can match the same character: ``(a|a)*``,
  ``(\\d|[0-9])+``.

Bounded repetitions of fixed pieces, as the packs use them (``(?:[0-9][ ,]?){15,19}``), pass.
"""

from __future__ import annotations

import re
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _sre_parse  # type: ignore[attr-defined]
from typing import Any

MAX_SAFE_OUTER_REPEAT = 20  # an outer repeat bounded at or below this cannot explode in practice
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
_ANY_CHAR = "any"


def _children(op: Any, av: Any) -> list[Any]:
    """The sub-patterns of one parsed item."""
    if op in _REPEATS:
        return [av[2]]
    if op is _c.SUBPATTERN:
        return [av[3]]
    if op is _c.BRANCH:
        return list(av[1])
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [av[1]]
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return [av]
    if op is _c.GROUPREF_EXISTS:
        return [b for b in av[1:] if b is not None]
    return []


def _chars_of_item(op: Any, av: Any) -> set[Any]:
    """Every character one parsed item can match (``any`` for classes and wide ranges)."""
    if op is _c.LITERAL:
        return {chr(av).lower()}
    if op is _c.IN:
        chars: set[Any] = set()
        for sub_op, sub_av in av:
            if sub_op is _c.LITERAL:
                chars.add(chr(sub_av).lower())
            elif sub_op is _c.RANGE and sub_av[1] - sub_av[0] < 256:
                chars.update(chr(c).lower() for c in range(sub_av[0], sub_av[1] + 1))
            elif sub_op is not _c.NEGATE:
                chars.add(_ANY_CHAR)
            else:
                return {_ANY_CHAR}
        return chars
    if op in (_c.ANY, _c.NOT_LITERAL, _c.CATEGORY):
        return {_ANY_CHAR}
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return set()
    found: set[Any] = set()
    for child in _children(op, av):
        found |= _all_chars(child)
    return found


def _all_chars(items: Any) -> set[Any]:
    """Every character a sub-pattern can match."""
    found: set[Any] = set()
    for op, av in items:
        found |= _chars_of_item(op, av)
    return found


def _nullable(op: Any, av: Any) -> bool:
    if op in _REPEATS:
        return av[0] == 0 or all(_nullable(o, a) for o, a in av[2])
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return True
    if op is _c.SUBPATTERN:
        return all(_nullable(o, a) for o, a in av[3])
    if op is _c.BRANCH:
        return any(all(_nullable(o, a) for o, a in b) for b in av[1])
    return False


def _first_chars(items: Any) -> set[Any]:
    """The characters a sub-pattern's match can start with."""
    found: set[Any] = set()
    for op, av in items:
        if op in _REPEATS:
            found |= _first_chars(av[2])
        elif op is _c.SUBPATTERN:
            found |= _first_chars(av[3])
        elif op is _c.BRANCH:
            for branch in av[1]:
                found |= _first_chars(branch)
        else:
            found |= _chars_of_item(op, av)
        if not _nullable(op, av):
            break
    return found


def _overlap(a: set[Any], b: set[Any]) -> bool:
    return bool(a & b) or (bool(a) and _ANY_CHAR in b) or (bool(b) and _ANY_CHAR in a)


def _literal_text(branch: Any) -> str | None:
    """The text of a branch made only of literal characters, else None."""
    chars = []
    for op, av in branch:
        if op is not _c.LITERAL:
            return None
        chars.append(chr(av).lower())
    return "".join(chars)


def _prefix_ambiguous(branches: Any) -> bool:
    """Whether alternatives can match the same text in different lengths: literal words only
    when one is a prefix of another (``a|aa``, not ``zero|one``); otherwise differing widths."""
    texts = [_literal_text(b) for b in branches]
    if all(t is not None for t in texts):
        words = [t for t in texts if t is not None]
        return any(a != b and b.startswith(a) for a in words for b in words)
    return len({b.getwidth() for b in branches}) > 1


def _inner_repeats(items: Any) -> list[Any]:
    """The variable parts inside a sub-pattern: quantified bodies that may match more or fewer
    times (``a+``, ``a?``) and alternations whose branches differ in width (``a|aa``, which
    the parser turns into ``a(?:|a)``)."""
    found = []
    for op, av in items:
        if op in _REPEATS and av[1] > av[0]:
            found.append(av[2])
        if op is _c.BRANCH and _prefix_ambiguous(av[1]):
            found.extend(av[1])
        for child in _children(op, av):
            found.extend(_inner_repeats(child))
    return found


def _ambiguous_branches(items: Any) -> bool:
    """An alternation whose branches can start alike and differ in length ((a|aa))."""
    items = list(items)
    while len(items) == 1 and items[0][0] is _c.SUBPATTERN:
        items = list(items[0][1][3])
    if len(items) != 1 or items[0][0] is not _c.BRANCH:
        return False
    branches = list(items[0][1][1])
    for i, a in enumerate(branches):
        for b in branches[i + 1 :]:
            widths_differ = a.getwidth() != b.getwidth() or a.getwidth()[0] != a.getwidth()[1]
            if widths_differ and _overlap(_first_chars(a), _first_chars(b)):
                return True
    return False


def _risk(items: Any) -> str | None:
    for op, av in items:
        if op in _REPEATS and av[1] > MAX_SAFE_OUTER_REPEAT:
            body = av[2]
            starts = _first_chars(body)
            if any(_overlap(_all_chars(inner), starts) for inner in _inner_repeats(body)):
                return "a repeated group holds a repeat that can match its own start (as in (a+)+)"
            if _ambiguous_branches(body):
                return "a repeated group's alternatives can match alike (as in (a|aa)*)"
        for child in _children(op, av):
            found = _risk(child)
            if found:
                return found
    return None


def backtracking_risk(pattern: str, flags: int = 0) -> str | None:
    """Why ``pattern`` can take exponential time, or None when it is safe (re.error if it
    does not parse)."""
    try:
        parsed = _sre_parse.parse(pattern, flags)
    except re.error:
        raise
    found = _risk(parsed)
    return None if found is None else f"{found}: it can take exponential time; rewrite it"
