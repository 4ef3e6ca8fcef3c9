"""Mono speech split into two speakers with roles: pieces, voices, change points, names.

1. Pieces: the stretches of speech between the audio's pauses, inside the transcript's
   segments (:mod:`.pieces`); Whisper's segment and word times are not trusted for this.
2. Voices: a :class:`~pipeline.asr.speakers.base.SpeakerFeatures` vector per piece, two
   centroids by weighted 2-means (:mod:`.cluster`).
3. Change points: a long piece is cut where the voice before and the voice after sit clearly
   with different centroids (a speaker change without a pause); the voices are fitted again
   on the cut pieces.
4. Turns: each segment is cut between the words where the voice of the audio under them
   changes (:func:`~pipeline.asr.speakers.turns.voiced_turns`), so a Whisper segment that
   runs over both speakers is not given to one of them whole.
5. Roles: which voice is the agent, from the phrases each says (:mod:`.roles`).
6. Confidence: per turn, how clearly its audio belongs to its voice and how clearly that
   voice's role was named, plus its own phrases (a self-identification, such as an agent
   number, weighing most); below ``min_confidence`` it stays
   ``unknown``, so speaker-scoped rules treat it as they treat any unattributed speech.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.asr.speakers.base import Span, SpeakerFeatures
from pipeline.asr.speakers.cluster import TwoSpeakers, two_speakers
from pipeline.asr.speakers.pieces import chunk_pieces, speech_pieces
from pipeline.asr.speakers.roles import PHRASE_LOG_ODDS, agent_log_odds, count_phrases
from pipeline.asr.speakers.turns import Turn, to_segments, voiced_turns
from pipeline.models import Segment, Speaker

DEFAULT_MIN_CONFIDENCE = 0.6  # turns less likely than this to have their role stay unknown
MARGIN_LOG_ODDS = 8.0  # log-odds per unit of cluster margin that a turn has its voice
CHANGE_MIN_TURN_S = 2.5  # pieces shorter than this are not searched for a change of voice
CHANGE_SIDE_S = 0.8  # each side of a change point holds at least this much speech
CHANGE_WINDOW_S = 1.5  # seconds either side of a candidate change point that are compared
CHANGE_MIN_MARGIN = 0.15  # both sides must sit this clearly with different voices
MAX_CHANGES_PER_TURN = 4  # a piece is cut at most this often
CHANGE_STEP_S = 0.1  # candidate change points inside a piece, this far apart


@dataclass(frozen=True)
class TurnRole:
    """A turn of a mono call, its voice and its role."""

    turn: Turn
    voice: int  # 0 or 1
    margin: float  # 0..1, how clearly its audio sits with its voice's centroid
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


def _change_time(
    piece: Span, samples: np.ndarray, model: TwoSpeakers, features: SpeakerFeatures
) -> float | None:
    """The time at which ``piece`` changes voice most clearly, or None."""
    if piece.duration < CHANGE_MIN_TURN_S:
        return None
    times = np.arange(piece.start + CHANGE_SIDE_S, piece.end - CHANGE_SIDE_S + 1e-9, CHANGE_STEP_S)
    if not len(times):
        return None
    spans = []
    for at in times:
        spans.append(Span(max(piece.start, at - CHANGE_WINDOW_S), float(at)))
        spans.append(Span(float(at), min(piece.end, at + CHANGE_WINDOW_S)))
    labels, margins = model.assign(features.embed(samples, spans))
    best, best_margin = None, CHANGE_MIN_MARGIN
    for k, at in enumerate(times):
        left, right = 2 * k, 2 * k + 1
        clear = min(margins[left], margins[right])
        if labels[left] != labels[right] and clear >= best_margin:
            best, best_margin = float(at), float(clear)
    return best


def refine_pieces(
    pieces: Sequence[Span], samples: np.ndarray, model: TwoSpeakers, features: SpeakerFeatures
) -> list[Span]:
    """``pieces`` cut further wherever the voice changes inside one without a pause."""
    out: list[Span] = []
    for piece in pieces:
        pending: list[Span] = [piece]
        done: list[Span] = []
        while pending and len(done) + len(pending) <= MAX_CHANGES_PER_TURN:
            part = pending.pop(0)
            at = _change_time(part, samples, model, features)
            if at is None:
                done.append(part)
            else:
                pending[:0] = [Span(part.start, at), Span(at, part.end)]
        out.extend(sorted(done + pending, key=lambda p: p.start))
    return out


def _fit(pieces: Sequence[Span], samples: np.ndarray, features: SpeakerFeatures) -> TwoSpeakers:
    weights = np.array([p.duration for p in pieces])
    return two_speakers(features.embed(samples, pieces), weights, features.emphasis)


def _turn_margin(
    turn: Turn, voice: int, pieces: Sequence[Span], labels: np.ndarray, margins: np.ndarray
) -> float:
    """How clearly the audio under ``turn`` sits with ``voice``: the pieces' margins weighted
    by their overlap with it, counted against where a piece has the other voice."""
    total = agree = 0.0
    for piece, label, margin in zip(pieces, labels, margins, strict=True):
        w = max(0.0, min(piece.end, turn.end) - max(piece.start, turn.start))
        total += w
        agree += w * float(margin) * (1.0 if label == voice else -1.0)
    if total <= 0:
        middle = (turn.start + turn.end) / 2
        nearest = int(np.argmin([min(abs(p.start - middle), abs(p.end - middle)) for p in pieces]))
        return float(margins[nearest]) if labels[nearest] == voice else 0.0
    return max(0.0, agree / total)


def assign_roles(
    segments: Sequence[Segment],
    samples: np.ndarray,
    language: str,
    features: SpeakerFeatures,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> list[TurnRole]:
    """The turns of a mono channel's ``segments`` (16 kHz ``samples``), each with a voice and
    a role. The voices are found on the audio's pieces of speech (:mod:`.pieces`), cut where
    the voice changes without a pause; each segment is then cut between the words where the
    voice under them changes. A call with fewer than two pieces, even after a call spoken
    without a pause is cut into chunks, gives none (nothing to tell apart)."""
    pieces = speech_pieces(samples, segments)
    if len(pieces) < 2:
        pieces = chunk_pieces(pieces)
    if len(pieces) < 2:
        return []
    model = _fit(pieces, samples, features)
    pieces = refine_pieces(pieces, samples, model, features)
    model = _fit(pieces, samples, features)
    labels, margins = model.assign(features.embed(samples, pieces))
    voiced = voiced_turns(segments, pieces, [int(v) for v in labels])
    turns = [t for t, _ in voiced]
    voices = np.array([v for _, v in voiced])
    counts = count_phrases([t.text for t in turns], language)
    voice0_agent = _sigmoid(agent_log_odds(voices, counts.net, int(voices[0])))
    out = []
    for (turn, voice), net in zip(voiced, counts.turn_net, strict=True):
        margin = _turn_margin(turn, voice, pieces, labels, margins)
        own_voice = _sigmoid(MARGIN_LOG_ODDS * margin)
        voice_agent = voice0_agent if voice == 0 else 1.0 - voice0_agent
        p = own_voice * voice_agent + (1.0 - own_voice) * (1.0 - voice_agent)
        p = _sigmoid(_logit(p) + PHRASE_LOG_ODDS * float(net))
        role = Speaker.AGENT if p >= 0.5 else Speaker.CUSTOMER
        confident = max(p, 1.0 - p) >= min_confidence
        out.append(TurnRole(turn, voice, margin, p, role if confident else Speaker.UNKNOWN))
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
