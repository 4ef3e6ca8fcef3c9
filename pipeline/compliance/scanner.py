"""Every literal phrase of a rulebook found in one pass over a call (Aho-Corasick, through
``ahocorasick_rs``, the Rust ``aho-corasick`` crate).

A rulebook holds thousands of phrase alternatives; looking for each one with ``str.find``
costs a pass over the call per alternative. A ``KeyScanner`` collects the keys of all the
phrase conditions compiled together (``loader.MatcherPool``) into one automaton and reports,
per call, where each key occurs, overlapping occurrences included: the same positions
``str.find`` would give, found in one pass whatever the number of rules.

A call is scanned in three forms (``CHANNELS``), so there is one scanner per form: the
normalised text, the text without spaces (Latin phrases: "pass code" for "passcode") and the
pinyin codes (homophones).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

CHANNELS = ("norm", "despaced", "pinyin")


class KeyScanner:
    """A growing set of keys, searched for together in one kind of text (``channel``)."""

    def __init__(self, channel: str) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
        self.channel = channel
        self._keys: set[str] = set()
        self._automaton: tuple[Any, tuple[str, ...]] | None = None  # built when first used
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, keys: Iterable[str]) -> None:
        """Register more keys (empty ones are ignored: they would match everywhere)."""
        new = {key for key in keys if key} - self._keys
        if new:
            with self._lock:
                self._keys |= new
                self._automaton = None

    def occurrences(self, text: str) -> dict[str, list[int]]:
        """Start offsets (characters) of every key found in ``text``, ascending, overlapping
        ones included; keys that do not occur are absent."""
        if not self._keys:
            return {}
        automaton, keys = self._automaton or self._build()
        found: dict[str, list[int]] = {}
        for number, start, _end in automaton.find_matches_as_indexes(text, overlapping=True):
            key = keys[number]
            positions = found.get(key)
            if positions is None:
                found[key] = [start]
            else:
                positions.append(start)
        return found

    def _build(self) -> tuple[Any, tuple[str, ...]]:
        """The automaton over the keys (and the keys in its pattern order)."""
        import ahocorasick_rs

        with self._lock:
            if self._automaton is None:
                keys = tuple(sorted(self._keys))
                automaton = ahocorasick_rs.AhoCorasick(
                    keys, matchkind=ahocorasick_rs.MatchKind.Standard
                )
                self._automaton = (automaton, keys)
            return self._automaton


class ScannerSet:
    """One ``KeyScanner`` per channel, shared by the phrase matchers compiled together."""

    def __init__(self) -> None:
        self.norm = KeyScanner("norm")
        self.despaced = KeyScanner("despaced")
        self.pinyin = KeyScanner("pinyin")
