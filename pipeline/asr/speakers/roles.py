"""Naming the two voices of a mono call from what they say.

The agent greets, names the bank and themself, gives an agent number, announces the
recording, verifies identity, discloses risks and closes; the customer asks for things about
*their* card, account or money. A small lexicon per language counts such phrases per turn,
with the rule packs' phrase matcher (normalised text; for Mandarin, homophones through
pinyin, so 理财 heard as 礼财 still counts). The voice whose turns say more of the agent's
phrases, net of the customer's, is the agent; with no evidence either way, the voice that
speaks first (agents open calls).

One kind of phrase weighs far more in its own turn: a self-identification, an agent number
said as one (工号 and the numbers after it, "agent two five eight") or the bank's own greeting
("这里是华信银行…", "欢迎致电…中心"). A customer does not give an agent number or greet as
the bank, so a turn that does is named the agent's even where its voice is unclear: a
compliance reviewer would rather accept a self-identification by the voice that greets as the
bank than report that the agent never identified. The ASR hears 工号 as its homophones (公号,
共后, 孤号, 国号): the agent-number pattern takes the family of syllables gong / gu / guo +
hao / hou before a number, not one spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline.compliance.matchers import PhraseMatcher, TextIndex
from pipeline.models import Segment, Speaker, Transcript

# fmt: off
# Phrases an agent says and a customer hardly does, per language.
AGENT_PHRASES: dict[str, tuple[str, ...]] = {
    "zh": (
        "您好", "这里是", "客服", "工号", "专员", "本次通话", "录音", "请问有什么",
        "帮您", "为您", "您要办理", "核实", "验证您的", "您的身份", "请提供",
        "请您提供", "请您报", "请告诉我", "验证通过", "您的账户", "您的卡", "风险",
        "谨慎", "非存款", "业绩比较基准", "感谢您的来电", "感谢来电", "稍等",
        "请问您", "先生", "女士", "还有其他", "我们有一款",
    ),
    "en": (
        "for calling", "recorded", "agent id", "card services", "how can i help", "how may i help",
        "what can i do for you", "verify your identity", "you are verified", "is verified",
        "please tell me", "please confirm", "your date of birth", "your card", "your account",
        "your balance", "your identity", "i have blocked", "let me repeat", "let me check",
        "we have a new", "anything else", "risk", "past performance", "sir", "madam",
    ),
}
# Phrases a customer says and an agent hardly does.
CUSTOMER_PHRASES: dict[str, tuple[str, ...]] = {
    "zh": (
        "我想", "我要", "我的", "帮我", "我丢了", "我忘了", "我考虑", "真的吗",
        "为什么", "我不", "发短信到我",
    ),
    "en": (
        "i lost", "my credit card", "my card", "my account", "my savings", "i want to",
        "i would like", "i'd like", "can you", "call me", "text me", "the pin is", "the code is",
        "why",
    ),
}
# Characters the ASR writes for the syllables of 工号 (gong / gu / guo, then hao / hou).
_GONG_ZH = "工公功宫攻供共贡恭龚弓躬拱孤姑古谷故顾固股骨估鼓国果过锅郭"
_HAO_ZH = "号后好毫豪浩耗候厚"
# A digit said or written, and the homophones the ASR writes for 幺 / 零 / 八 / 九.
_DIGIT_ZH = "0-9零〇一幺妖腰二两三四五六七八九铃玲灵巴酒久"
_NUMBER_EN = r"(?:\d{2,}|(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b[\s,-]*){2,})"
# Self-identifications: an agent number said as one, the bank's own greeting.
SELF_IDENTIFICATION: dict[str, tuple[re.Pattern[str], ...]] = {
    "zh": (
        re.compile(rf"[{_GONG_ZH}][{_HAO_ZH}](?:是)?[\s,，、]*(?:[{_DIGIT_ZH}][\s,，、]*){{3,}}"),
        re.compile(r"(?:这里是|这边是|欢迎致电|欢迎来电)[^，。,.?？!！|]{0,12}(?:银行|中心)"),
    ),
    "en": (
        re.compile(rf"\bagent(?: id| number)?[\s,#]*{_NUMBER_EN}", re.I),
        re.compile(r"\b(?:thank you for calling|this is|welcome to) [\w ]{0,24}\bbank\b", re.I),
    ),
}
# fmt: on
FIRST_SPEAKER_AGENT = 0.7  # how likely the voice that opens the call is the agent's
PHRASE_LOG_ODDS = 1.0  # log-odds one net agent phrase adds for a voice being the agent
SELF_IDENTIFICATION_PHRASES = 4.0  # agent phrases a self-identification adds to its own turn


@dataclass(frozen=True)
class PhraseCounts:
    """Agent and customer phrases found in each turn."""

    agent: np.ndarray  # int per turn
    customer: np.ndarray  # int per turn
    self_identifying: np.ndarray  # int per turn: agent numbers said, the bank's greetings

    @property
    def net(self) -> np.ndarray:
        """Agent phrases minus customer phrases, per turn: the evidence for a voice."""
        return self.agent - self.customer

    @property
    def turn_net(self) -> np.ndarray:
        """``net`` with a self-identification counting as :data:`SELF_IDENTIFICATION_PHRASES`
        agent phrases more: the evidence for the turn itself, whichever voice it sits with
        (a turn misheard into the wrong voice does not carry the voice's role with it)."""
        return self.net + SELF_IDENTIFICATION_PHRASES * self.self_identifying


@lru_cache(maxsize=4)
def _matchers(language: str) -> tuple[PhraseMatcher, PhraseMatcher]:
    lang = language if language in AGENT_PHRASES else "en"
    mode = "pinyin" if lang == "zh" else "exact"
    return tuple(  # type: ignore[return-value]
        PhraseMatcher(tuple((p,) for p in phrases[lang]), mode, 1.0, negation=False)
        for phrases in (AGENT_PHRASES, CUSTOMER_PHRASES)
    )


def count_self_identifications(text: str, language: str) -> int:
    """How many self-identifications (agent number, the bank's greeting) ``text`` holds."""
    folded = unicodedata.normalize("NFKC", text)
    patterns = SELF_IDENTIFICATION.get(language, SELF_IDENTIFICATION["en"])
    return sum(len(p.findall(folded)) for p in patterns)


def count_phrases(texts: Sequence[str], language: str) -> PhraseCounts:
    """How many agent and customer phrases, and self-identifications, each of ``texts`` holds
    (zh or en lexicon)."""
    transcript = Transcript(
        call_id="mono-roles",
        language=language,
        duration=0.0,
        segments=tuple(Segment(Speaker.UNKNOWN, 0.0, 0.0, t) for t in texts),
    )
    index = TextIndex.build(transcript)
    counts = []
    for matcher in _matchers(language):
        per_turn = np.zeros(len(texts), np.int64)
        for match in matcher.find(index):
            per_turn[match.segment_index] += 1
        counts.append(per_turn)
    identifying = np.array([count_self_identifications(t, language) for t in texts], np.int64)
    return PhraseCounts(agent=counts[0], customer=counts[1], self_identifying=identifying)


def agent_log_odds(labels: np.ndarray, net: np.ndarray, first_label: int) -> float:
    """Log-odds that voice 0 is the agent: the net agent phrases of voice 0's turns against
    voice 1's, or the first-speaker prior when they are level."""
    gap = float(net[labels == 0].sum() - net[labels == 1].sum())
    if gap:
        return PHRASE_LOG_ODDS * gap
    prior = float(np.log(FIRST_SPEAKER_AGENT / (1 - FIRST_SPEAKER_AGENT)))
    return prior if first_label == 0 else -prior
