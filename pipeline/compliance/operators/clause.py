"""``clause``: an utterance matched by its parts - a verb and its object, near each other.

New wording of an old request ("麻烦把短信里那几位数字读给我", "read me the three little numbers
by the signature strip") falls under a rule that names the *parts* of a request, not its
phrasings: a request **verb** (念 / 报 / 告诉 / read / tell) and an **object** (验证码 / 那串数字 /
code / digits) within ``gap`` characters of each other in one segment, in either order. Then:

- **polarity** ``affirmative``: a pair whose verb or object is negated in its clause ("请勿透露
  验证码", "never share your code") is dropped (the negation cues of ``matchers``);
- **unless**: a term within ``reach`` characters of the pair clears it: a warning ("如果有人",
  "anyone"), or what makes the object harmless ("身份证后四位", "last four of your social");
- **mood** ``request``: a request cue (``cues``, by default ``REQUEST_CUES_ZH`` / ``_EN``) must
  lie within ``reach`` of the pair; ``statement``: none may (a promise, a status report).

Each part is a phrase list matched like ``phrase`` (exact, fuzzy or pinyin, through the load's
shared ``PhraseMatcher``s), so homophones such as 验证吗 still count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator

from pipeline.compliance.context import CallContext, Hit
from pipeline.compliance.matchers import PhraseMatcher, TextMatch
from pipeline.compliance.operators.base import Build, Kind, Node, Operator, Spec

DEFAULT_GAP_CHARS = 12  # verb to object, normalised characters (a short Chinese clause)
DEFAULT_REACH_CHARS = 10  # around the pair, for unless terms and mood cues
# words that make an utterance a request of the listener (mood: request)
REQUEST_CUES_ZH: tuple[str, ...] = (
    "请", "麻烦", "您", "你", "给我", "跟我", "一下", "吗", "呢", "多少", "把", "帮我", "需要",
)  # fmt: skip
REQUEST_CUES_EN: tuple[str, ...] = (
    "can you", "could you", "would you", "will you", "please", "me", "what", "whats", "i need",
    "need", "you", "your", "lets", "go ahead",
    # a purpose for the request: "the system needs the code from the text"
    "system needs", "system requires", "systems need",
)  # fmt: skip

Items = list[str | list[str]]


def _check_items(items: Items) -> Items:
    for item in items:
        alternatives = [item] if isinstance(item, str) else item
        if not alternatives or any(not a.strip() for a in alternatives):
            raise ValueError("clause: empty term in list")
    return items


class ClauseSpec(Spec):
    """A verb and its object within ``gap`` characters, filtered by polarity, unless, mood."""

    verb: Items = Field(min_length=1)  # request verbs, predicates ("念给我", "保证", "read")
    object: Items = Field(min_length=1)  # what is asked for or promised ("验证码", "digits")
    unless: Items | None = None  # a term within reach clears the pair
    mood: Literal["request", "statement", "any"] = "any"
    cues: Items | None = None  # request cues (None: REQUEST_CUES_ZH / _EN by language)
    polarity: Literal["affirmative", "any"] = "affirmative"  # affirmative: drop negated pairs
    gap: int = Field(DEFAULT_GAP_CHARS, ge=0)  # characters between verb and object, at most
    reach: int = Field(DEFAULT_REACH_CHARS, ge=0)  # characters around the pair for unless/cues
    match: Literal["exact", "fuzzy", "pinyin"] = "pinyin"  # objects and unless terms
    # verbs are short (报, read): as homophones they would match far too much (报 ~ 保本)
    verb_match: Literal["exact", "fuzzy", "pinyin"] = "exact"
    threshold: float = Field(0.85, gt=0.0, le=1.0)  # fuzzy similarity, 0..1

    @field_validator("verb", "object", "unless", "cues")
    @classmethod
    def _no_empty_term(cls, items: Items | None) -> Items | None:
        return items if items is None else _check_items(items)


@dataclass(frozen=True, eq=False)
class ClauseNode(Node):
    """Hits where a verb and an object meet in one segment and pass the clause's filters."""

    verbs: PhraseMatcher | None = None
    objects: PhraseMatcher | None = None
    unless: PhraseMatcher | None = None
    cues_zh: PhraseMatcher | None = None
    cues_en: PhraseMatcher | None = None
    mood: str = "any"
    affirmative: bool = True
    gap: int = DEFAULT_GAP_CHARS
    reach: int = DEFAULT_REACH_CHARS

    def raw_hits(self, ctx: CallContext) -> list[Hit]:
        assert self.verbs is not None and self.objects is not None
        segments = self.scope.segments(ctx)
        objects = _by_segment(ctx.text_matches(self.objects, segments))
        if not objects:
            return []
        verbs = _by_segment(ctx.text_matches(self.verbs, frozenset(objects)))
        hits = []
        for seg, verb_matches in verbs.items():
            for start, end in self._pairs(ctx, seg, verb_matches, objects[seg]):
                hits.append(ctx.segment_hit(seg, start, end))
        return hits

    def _pairs(
        self, ctx: CallContext, seg: int, verbs: list[TextMatch], objects: list[TextMatch]
    ) -> list[tuple[int, int]]:
        """(start, end) in the segment of every verb-object pair that passes the filters; a
        stretch already reported is not reported again."""
        index = ctx.text
        base = index.offsets[seg]
        length = index.lengths[seg]
        out: list[tuple[int, int]] = []
        for verb in verbs:
            for obj in objects:
                lo, hi = min(verb.start, obj.start), max(verb.end, obj.end)
                if max(verb.start, obj.start) - min(verb.end, obj.end) > self.gap:
                    continue
                if any(a <= lo and hi <= b for a, b in out):
                    continue
                if self.affirmative and (
                    index.negated(base + verb.start) or index.negated(base + obj.start)
                ):
                    continue
                near = (max(0, lo - self.reach), min(length, hi + self.reach))
                if self.unless is not None and _any_within(
                    _in_segment(ctx, self.unless, seg), near
                ):
                    continue
                if self.mood != "any":
                    cues = self.cues_zh if index.language == "zh" else self.cues_en
                    assert cues is not None
                    cued = _any_within(_in_segment(ctx, cues, seg), near)
                    if cued != (self.mood == "request"):
                        continue
                out.append((lo, hi))
        return out


def _by_segment(matches: list[TextMatch]) -> dict[int, list[TextMatch]]:
    grouped: dict[int, list[TextMatch]] = {}
    for m in matches:
        grouped.setdefault(m.segment_index, []).append(m)
    return grouped


def _in_segment(ctx: CallContext, matcher: PhraseMatcher, seg: int) -> list[TextMatch]:
    """The matcher's matches in one segment, taken from its whole-call matches (found once per
    call and shared by every clause using the matcher; pairs are few, the scan is short)."""
    return [m for m in ctx.text_matches(matcher, None) if m.segment_index == seg]


def _any_within(matches: list[TextMatch], span: tuple[int, int]) -> bool:
    """Whether a match lies inside ``span`` (character offsets in its segment)."""
    lo, hi = span
    return any(lo <= m.start and m.end <= hi for m in matches)


def _terms(raw: Items) -> tuple[tuple[str, ...], ...]:
    return tuple((item,) if isinstance(item, str) else tuple(item) for item in raw)


def compile_clause(spec: ClauseSpec, build: Build) -> ClauseNode:
    """A clause condition; each part's matcher shared through the load's pool (negation is
    the clause's own check, so the parts are matched without it)."""

    def matcher(items: Items, mode: str = spec.match) -> PhraseMatcher:
        return build.pool.phrase(_terms(items), mode, spec.threshold, False)

    cues_zh = matcher(spec.cues or list(REQUEST_CUES_ZH), "exact")
    cues_en = matcher(spec.cues or list(REQUEST_CUES_EN), "exact")
    return ClauseNode(
        build.scope,
        verbs=matcher(spec.verb, spec.verb_match),
        objects=matcher(spec.object),
        unless=matcher(spec.unless) if spec.unless else None,
        cues_zh=cues_zh,
        cues_en=cues_en,
        mood=spec.mood,
        affirmative=spec.polarity == "affirmative",
        gap=spec.gap,
        reach=spec.reach,
    )


OPERATOR = Operator(
    key="clause",
    kind=Kind.TEXT,
    spec=ClauseSpec,
    compile=compile_clause,
    doc="a verb and its object near each other; polarity, unless terms and mood filter it",
    example=(
        "{clause: {verb: [告诉我, 报一下, 念给我], object: [验证码, 密码], unless: [不要],"
        " mood: request}, speaker: agent}"
    ),
)
