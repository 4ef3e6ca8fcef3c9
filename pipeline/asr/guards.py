"""Guards against Whisper's known failure modes, as pure functions on decoded segments.

Policy: text that is pure hallucination (a repetition loop filling the segment, a known
"subtitle credit" phrase, a window Whisper itself judged to be no speech) is **dropped**;
doubtful text (a partial loop, a known phrase inside other text, high compression ratio, low
decoder confidence) is kept but flagged ``suspect`` with a reason, so no compliance rule fires on it
alone. Timestamps are clamped monotonic and inside the audio; Chinese becomes simplified.

The decoder prompt (``asr_prompt_zh``) is a known source of such text: on silence or unclear
audio Whisper may write its prompt back. The prompt and each of its clauses (split at
punctuation, :data:`PROMPT_CLAUSE_MIN_CHARS` characters or more) are treated like the known
phrases, under the reason "prompt text": dropped when they fill the segment, flagged when inside.
Simplified conversion stays the safety net whatever the prompt does.

A loop may also run over several segments, each one sentence long and none a loop by itself
(Whisper writes "请问您的卡号是多少？" five times, each a segment of its own): a segment whose
text repeats, or is contained in, the previous kept segment of its channel less than
:data:`REPEAT_WINDOW_S` before it is dropped as "repeated segment" (texts of
:data:`REPEAT_MIN_CHARS` normalised characters or more; short replies such as "好的" are said
twice in a row).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline.models import Segment, Word

# Raised whenever a guard changes what is kept: part of every stored result's key.
GUARDS_REVISION = 2  # 2: loops running over segments are dropped

# Whisper's own thresholds (openai-whisper transcribe() defaults).
COMPRESSION_RATIO_MAX = 2.4  # gzip ratio above this means repetitive text
LOGPROB_MIN = -1.0  # mean token log-probability below this means a doubtful decode
NO_SPEECH_PROB_MAX = 0.6  # the model's "no speech" probability above this means silence
# Repetition loops: a unit of n tokens (CJK characters or words) repeated back to back.
LOOP_MIN_REPEATS_SINGLE = 6  # one token repeated this often ("寒寒寒寒寒寒")
LOOP_MIN_REPEATS_PHRASE = 4  # a 2..LOOP_MAX_UNIT-token phrase repeated this often
LOOP_MAX_UNIT = 8  # longest phrase (tokens) looked for
LOOP_DROP_COVERAGE = 0.8  # a loop covering this share of the segment means pure hallucination
PHRASE_DROP_COVERAGE = 0.6  # a known phrase covering this share of the segment is dropped
# Loops over segments: one segment's text written again in the next ones.
REPEAT_MIN_CHARS = 6  # normalised characters; a shorter repeat ("好的", "yes") may be real
REPEAT_WINDOW_S = 30.0  # s between the starts of the two segments: one decoding window

# What Whisper writes on silence or music (subtitle credits from its training data).
HALLUCINATION_PHRASES: tuple[str, ...] = (
    "Thank you for watching",
    "Thanks for watching",
    "Please subscribe to my channel",
    "Subtitles by the Amara.org community",
    "字幕由Amara.org社区提供",
    "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
    "明镜与点点栏目",
    "点赞 订阅 转发 打赏",
    "谢谢观看",
    "感谢观看",
    "请订阅我的频道",
    "字幕志愿者",
    "中文字幕",
)

PROMPT_CLAUSE_MIN_CHARS = 6  # a prompt clause shorter than this (normalised) is not looked for
_CLAUSE_BREAK = re.compile(r"[\s,.;:!?，。；：！？、]+")

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class AsrSegment:
    """One Whisper segment of one channel, before guarding (times in original seconds)."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0  # mean token log-probability of the decode
    no_speech_prob: float = 0.0  # probability of "no speech" for its window
    compression_ratio: float | None = None  # Whisper's figure; computed from text when None


@dataclass(frozen=True)
class Verdict:
    """What the guards decided about one segment."""

    drop: bool
    reason: str | None = None  # why it was dropped or flagged; None when clean


def normalise_for_match(text: str) -> str:
    """Lower-case simplified text without punctuation, symbols or spaces (phrase matching)."""
    return "".join(
        ch
        for ch in unicodedata.normalize("NFKC", to_simplified(text)).lower()
        if unicodedata.category(ch)[0] not in "PZS" and not ch.isspace()
    )


def tokens(text: str) -> list[str]:
    """Tokens for loop detection: single CJK characters and lower-cased words."""
    return [t.lower() for t in _TOKEN.findall(text)]


def compression_ratio(text: str) -> float:
    """gzip compression ratio of the text, as Whisper computes it."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def longest_repetition(items: Sequence[str]) -> tuple[int, int]:
    """(unit length, repeats) of the back-to-back repetition that covers most tokens.

    Only repetitions reaching the loop thresholds count; (0, 0) when there is none.
    """
    best = (0, 0)
    n_items = len(items)
    for unit in range(1, LOOP_MAX_UNIT + 1):
        needed = LOOP_MIN_REPEATS_SINGLE if unit == 1 else LOOP_MIN_REPEATS_PHRASE
        i = 0
        while i + unit * needed <= n_items:
            repeats = 1
            while items[i + repeats * unit : i + (repeats + 1) * unit] == items[i : i + unit]:
                repeats += 1
            if repeats >= needed and unit * repeats > best[0] * best[1]:
                best = (unit, repeats)
            i += max(1, (repeats - 1) * unit) if repeats >= needed else 1
    return best


def repetition_coverage(text: str) -> float:
    """Share of the text's tokens taken by its longest repetition loop (0 when none)."""
    items = tokens(text)
    unit, repeats = longest_repetition(items)
    return unit * repeats / len(items) if items and repeats else 0.0


def hallucination_phrase_coverage(
    text: str, phrases: Sequence[str] = HALLUCINATION_PHRASES
) -> float:
    """Share of the normalised text taken by ``phrases`` (known hallucination phrases) (0..1)."""
    norm = normalise_for_match(text)
    if not norm:
        return 0.0
    covered = 0
    for phrase in sorted(phrases, key=len, reverse=True):
        key = normalise_for_match(phrase)
        if key and key in norm:
            covered += len(key) * norm.count(key)
            norm = norm.replace(key, "")
    return min(1.0, covered / (covered + len(norm)))


def prompt_phrases(prompt: str) -> tuple[str, ...]:
    """What a segment repeating the decoder ``prompt`` would hold: the whole prompt and each
    clause of :data:`PROMPT_CLAUSE_MIN_CHARS` normalised characters or more; () for none."""
    if not normalise_for_match(prompt):
        return ()
    clauses = [c for c in _CLAUSE_BREAK.split(prompt) if c]
    if len(clauses) > 1:  # "a, b" is also said "a b": the clauses alone, and joined
        clauses = [" ".join(clauses), *clauses]
    kept = [c for c in clauses if len(normalise_for_match(c)) >= PROMPT_CLAUSE_MIN_CHARS]
    return tuple(dict.fromkeys([prompt.strip(), *kept]))


def judge_segment(segment: AsrSegment, prompt: Sequence[str] = ()) -> Verdict:
    """Drop, flag or pass one segment (see the module policy); ``prompt`` holds the
    :func:`prompt_phrases` of the decoder prompt."""
    text = segment.text.strip()
    if not normalise_for_match(text):
        return Verdict(True, "empty text")
    prompt_share = hallucination_phrase_coverage(text, prompt) if prompt else 0.0
    if prompt_share >= PHRASE_DROP_COVERAGE:
        return Verdict(True, "prompt text")
    if hallucination_phrase_coverage(text) >= PHRASE_DROP_COVERAGE:
        return Verdict(True, "known hallucination phrase")
    loop = repetition_coverage(text)
    if loop >= LOOP_DROP_COVERAGE:
        return Verdict(True, "repetition loop")
    if segment.no_speech_prob > NO_SPEECH_PROB_MAX and segment.avg_logprob < LOGPROB_MIN:
        return Verdict(True, "no speech")
    if prompt_share > 0:
        return Verdict(False, "prompt text")
    if loop > 0:
        return Verdict(False, "repetition loop")
    if hallucination_phrase_coverage(text) > 0:
        return Verdict(False, "known hallucination phrase")
    ratio = segment.compression_ratio
    if ratio is None:
        ratio = compression_ratio(text)
    if ratio > COMPRESSION_RATIO_MAX:
        return Verdict(False, "high compression ratio")
    if segment.avg_logprob < LOGPROB_MIN:
        return Verdict(False, "low decoder confidence")
    return Verdict(False, None)


SPLIT_GAP_S = 1.0  # a pause between two words this long starts a new segment


def split_on_pauses(segment: AsrSegment, max_gap: float = SPLIT_GAP_S) -> list[AsrSegment]:
    """Split a segment where its words are ``max_gap`` seconds or more apart.

    Whisper sometimes joins two turns of one speaker into one segment (more so once pauses
    are cut out of its audio); word times show where the pause was. Text is rebuilt from the
    words of each part.
    """
    words = segment.words
    cuts = [i for i in range(1, len(words)) if words[i].start - words[i - 1].end >= max_gap]
    if not cuts:
        return [segment]
    parts = []
    for a, b in zip([0, *cuts], [*cuts, len(words)], strict=True):
        chunk = words[a:b]
        parts.append(
            replace(
                segment,
                start=segment.start if a == 0 else chunk[0].start,
                end=segment.end if b == len(words) else chunk[-1].end,
                text="".join(w.text for w in chunk).strip(),
                words=chunk,
                compression_ratio=None,
            )
        )
    return parts


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def to_simplified(text: str) -> str:
    """Traditional Chinese characters converted to simplified; other text unchanged."""
    return _t2s().convert(text) if _CJK.search(text) else text


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def clamp_words(words: Iterable[Word], start: float, end: float) -> tuple[Word, ...]:
    """Words inside [start, end], each start <= end, starts never going backwards."""
    out: list[Word] = []
    cursor = start
    for word in words:
        w_start = _clamp(max(word.start, cursor), start, end)
        w_end = _clamp(max(word.end, w_start), w_start, end)
        out.append(replace(word, start=w_start, end=w_end))
        cursor = w_start
    return tuple(out)


def clamp_segments(segments: Sequence[AsrSegment], duration: float) -> list[AsrSegment]:
    """One channel's segments sorted, within [0, duration], not overlapping each other."""
    out: list[AsrSegment] = []
    cursor = 0.0
    for seg in sorted(segments, key=lambda s: (s.start, s.end)):
        start = _clamp(max(seg.start, cursor), 0.0, duration)
        end = _clamp(max(seg.end, start), start, duration)
        out.append(replace(seg, start=start, end=end, words=clamp_words(seg.words, start, end)))
        cursor = end
    return out


def repeats_previous(text: str, start: float, previous: Segment | None) -> bool:
    """Whether a segment of ``text`` starting at ``start`` writes the ``previous`` kept segment
    of its channel again (see the module docstring); False for short texts."""
    if previous is None or start - previous.start >= REPEAT_WINDOW_S:
        return False
    norm = normalise_for_match(text)
    return len(norm) >= REPEAT_MIN_CHARS and norm in normalise_for_match(previous.text)


def guard_channel(
    segments: Sequence[AsrSegment], speaker: str, duration: float, prompt: str = ""
) -> tuple[Segment, ...]:
    """Apply every guard to one channel's segments and return the kept ones as ``Segment``;
    ``prompt`` is the decoder prompt they were decoded with ("" for none)."""
    kept: list[Segment] = []
    phrases = prompt_phrases(to_simplified(prompt))
    for seg in clamp_segments(segments, duration):
        text = to_simplified(seg.text.strip())
        words = tuple(
            replace(w, text=to_simplified(w.text.strip())) for w in seg.words if w.text.strip()
        )
        verdict = judge_segment(replace(seg, text=text), phrases)
        if verdict.drop or repeats_previous(text, seg.start, kept[-1] if kept else None):
            continue
        kept.append(
            Segment(
                speaker=speaker,
                start=seg.start,
                end=seg.end,
                text=text,
                words=words,
                suspect=verdict.reason is not None,
                suspect_reason=verdict.reason,
            )
        )
    return tuple(kept)
