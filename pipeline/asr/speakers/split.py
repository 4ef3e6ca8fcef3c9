"""Mono speech split into two speakers with roles: turns, voices, change points, names.

1. Turns: the mono channel's segments cut at pauses between words (:mod:`.turns`).
2. Voices: a :class:`~pipeline.asr.speakers.base.SpeakerFeatures` vector per turn, two
   centroids by weighted 2-means (:mod:`.cluster`).
3. Change points: a long turn is cut at the word boundary where the voice before and the
   voice after sit clearly with different centroids (a speaker change without a pause).
4. Roles: which voice is the agent, from the phrases each says (:mod:`.roles`).
5. Confidence: per turn, how clearly it belongs to its voice and how clearly that voice's
   role was named, plus its own phrases; below ``min_confidence`` it stays ``unknown``, so
   speaker-scoped rules treat it as they treat any unattributed speech.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.asr.speakers.base import Span, SpeakerFeatures
from pipeline.asr.speakers.cluster import TwoSpeakers, two_speakers
from pipeline.asr.speakers.roles import PHRASE_LOG_ODDS, agent_log_odds, count_phrases
from pipeline.asr.speakers.turns import Turn, chunked, initial_turns, split_turn, to_segments
from pipeline.models import Segment, Speaker

DEFAULT_MIN_CONFIDENCE = 0.6  # turns less likely than this to have their role stay unknown
MARGIN_LOG_ODDS = 8.0  # log-odds per unit of cluster margin that a turn has its voice
CHANGE_MIN_TURN_S = 2.5  # turns shorter than this are not searched for a change of voice
CHANGE_SIDE_S = 0.8  # each side of a change point holds at least this much speech
CHANGE_WINDOW_S = 1.5  # seconds either side of a candidate change point that are compared
CHANGE_MIN_MARGIN = 0.15  # both sides must sit this clearly with different voices
MAX_CHANGES_PER_TURN = 4  # a turn is cut at most this often


@dataclass(frozen=True)
class TurnRole:
    """A turn of a mono call, its voice and its role."""

    turn: Turn
    voice: int  # 0 or 1
    margin: float  # 0..1, how clearly it sits with its voice's centroid
    agent_probability: float  # 0..1
    speaker: str  # agent, customer, or unknown when the role is not certain enough

    @property
    def confidence(self) -> float:
        """The probability of the role it was given (or would have been, for unknown)."""
        return max(self.agent_probability, 1.0 - self.agent_probability)


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p)))


def _change_point(
    turn: Turn,
    segment: Segment,
    samples: np.ndarray,
    model: TwoSpeakers,
    features: SpeakerFeatures,
) -> int | None:
    """The word index at which ``turn`` changes voice most clearly, or None."""
    if turn.duration < CHANGE_MIN_TURN_S or len(turn.words) < 2:
        return None
    cuts, spans = [], []
    for i in range(1, len(turn.words)):
        at = turn.words[i].start
        if at - turn.start < CHANGE_SIDE_S or turn.end - at < CHANGE_SIDE_S:
            continue
        cuts.append(i)
        spans.append(Span(max(turn.start, at - CHANGE_WINDOW_S), at))
        spans.append(Span(at, min(turn.end, at + CHANGE_WINDOW_S)))
    if not cuts:
        return None
    labels, margins = model.assign(features.embed(samples, spans))
    best, best_margin = None, CHANGE_MIN_MARGIN
    for k, cut in enumerate(cuts):
        left, right = 2 * k, 2 * k + 1
        clear = min(margins[left], margins[right])
        if labels[left] != labels[right] and clear >= best_margin:
            best, best_margin = cut, float(clear)
    return best


def refine(
    turns: Sequence[Turn],
    segments: Sequence[Segment],
    samples: np.ndarray,
    model: TwoSpeakers,
    features: SpeakerFeatures,
) -> list[Turn]:
    """``turns`` cut further wherever the voice changes inside one."""
    out: list[Turn] = []
    for turn in turns:
        pending: list[Turn] = [turn]
        done: list[Turn] = []
        while pending and len(done) + len(pending) <= MAX_CHANGES_PER_TURN:
            part = pending.pop(0)
            segment = segments[part.segment]
            cut = _change_point(part, segment, samples, model, features)
            if cut is None:
                done.append(part)
            else:
                pending[:0] = split_turn(part, segment, cut)
        out.extend(sorted(done + pending, key=lambda t: t.first))
    return out


def assign_roles(
    segments: Sequence[Segment],
    samples: np.ndarray,
    language: str,
    features: SpeakerFeatures,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> list[TurnRole]:
    """The turns of a mono channel's ``segments`` (16 kHz ``samples``), each with a voice and
    a role; a transcript heard as one turn is cut into chunks of about 3 s first, and one
    that still has fewer than two turns gives none (nothing to tell apart)."""
    turns = initial_turns(segments)
    if len(turns) < 2:
        turns = chunked(turns, segments)
    if len(turns) < 2:
        return []
    weights = np.array([t.duration for t in turns])
    model = two_speakers(features.embed(samples, [t.span for t in turns]), weights)
    turns = refine(turns, segments, samples, model, features)
    labels, margins = model.assign(features.embed(samples, [t.span for t in turns]))
    counts = count_phrases([t.text for t in turns], language)
    voice0_agent = _sigmoid(agent_log_odds(labels, counts.net, int(labels[0])))
    out = []
    for turn, label, margin, net in zip(turns, labels, margins, counts.net, strict=True):
        own_voice = _sigmoid(MARGIN_LOG_ODDS * float(margin))
        voice_agent = voice0_agent if label == 0 else 1.0 - voice0_agent
        p = own_voice * voice_agent + (1.0 - own_voice) * (1.0 - voice_agent)
        p = _sigmoid(_logit(p) + PHRASE_LOG_ODDS * float(net))
        role = Speaker.AGENT if p >= 0.5 else Speaker.CUSTOMER
        confident = max(p, 1.0 - p) >= min_confidence
        out.append(
            TurnRole(turn, int(label), float(margin), p, role if confident else Speaker.UNKNOWN)
        )
    return out


@dataclass(frozen=True)
class MonoSplitter:
    """Gives the segments of a mono call the speaker and role of each turn."""

    features: SpeakerFeatures
    min_confidence: float = DEFAULT_MIN_CONFIDENCE  # 0.5..1; below it a turn stays unknown

    def split(
        self, segments: Sequence[Segment], samples: np.ndarray, language: str
    ) -> tuple[Segment, ...]:
        """``segments`` of one mono channel with agent / customer / unknown speakers, split
        where the speaker changes inside one; unchanged when there are fewer than two turns."""
        roles = assign_roles(segments, samples, language, self.features, self.min_confidence)
        if not roles:
            return tuple(segments)
        return to_segments(segments, [r.turn for r in roles], [r.speaker for r in roles])
