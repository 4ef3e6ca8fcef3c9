"""Chinese personal names: jieba's ``nr`` tags plus surname and context rules.

jieba (without HMM, for speed) tags known names ``nr``/``nrfg``/``nrt`` and splits unknown ones
into single characters; a run of one to three single characters that starts with a common
surname is rebuilt into a name candidate. Context raises the score: 我叫/我是/名字/姓名 before,
先生/女士/小姐/本人 after. A bare surname before a title (张先生) is a PERSON as well.

An answer to a name question is a name however it was heard. When the other speaker's turn
before asks for the name (请提供您的姓名 / 请问您贵姓 / 怎么称呼), the first words of the answer,
up to a pause or the digits that follow ("赵绿娜，四四零三…"), are the name, even where the ASR
turned the surname into another character (郑海涛 -> 正海陶) and jieba sees no name at all.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫"
    "孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
    "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车"
    "项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛"
    "仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "令狐",
    "端木",
)
NAME_TAGS = ("nr", "nrfg", "nrt")
TITLES = ("先生", "女士", "小姐", "老师", "本人", "同志", "阿姨", "师傅")
# 先生 / 女士 as the ASR hears them (xian sheng, nü shi: 弦生, 鲜生, 女事): a title after a name
# all the same, and never part of the name
HEARD_TITLE_RE = re.compile(r"[先鲜仙弦显贤现线纤闲][生声升胜省]|女[士事是市示世式]")
INTRO_RE = re.compile(
    r"(?:我叫|我是|叫做|名字是|名字叫|姓名是|姓名|户名是|户名|持卡人是?|客户)\s*$"
)
SURNAME_INTRO_RE = re.compile(r"(?:我姓|免贵姓|姓)\s*$")
# characters that never belong to a name (function words, verbs that follow a name)
NOT_NAME_CHARS = set(
    "的了是在我你您他她它们这那和与就都也还吗呢吧啊呀嗯哦说要把被给对从到为有没不很请"
)
# personal pronouns: jieba tags 祝您 (in 祝您生活愉快) as a name; no name holds one
PRONOUNS = frozenset("我你您他她它")

NOT_NAME_WORDS = {
    "谢谢",
    "高兴",
    "方便",
    "明白",
    "安全",
    "周末",
    "马上",
    "常常",
    "平安",
    "华夏",
    "金额",
    "万元",
    "文件",
    "高速",
    "林业",
    "江苏",
    "黄金",
    "包括",
    "成功",
    "余额",
    "时间",
}
# between two speakers' turns: the engine's SPEAKER_CHANGE_JOINER (that module imports this one)
SPEAKER_CHANGE_JOINER = "\n\n"
# the other speaker's question for a name, in the turn before an answer
# (姓名 as the ASR hears it too: xing / xin + ming / min, 性命, 信名, 新民; a request to verify
# the caller's identity, 身份, is answered with the name first as well)
NAME_QUESTION_RE = re.compile(
    r"[姓性信星幸兴新心辛][名命明民敏铭]|名字|贵姓|怎么称呼|如何称呼|称呼您|叫什么|户名|身份"
)
# what an answer may open with before the name: acknowledgements and pauses
_ANSWER_LEAD = (
    r"(?:(?:好的|好|嗯|哦|噢|喔|对|是的|可以|行|啊|呃)[,，、。.﹐﹑\s]*)*"
    r"(?:我叫|我是|我姓|免贵姓|姓|叫)?"
)
_NAME_CHAR = r"(?![零〇一幺二两三四五六七八九十])[\u4e00-\u9fff]"
# the name: one to four characters, then a pause, digits or the turn's end; a numeral only
# first and before a character that is none (吴敏 heard as 五名), so no digit is taken
ANSWER_NAME_RE = re.compile(
    rf"{_ANSWER_LEAD}((?:{_NAME_CHAR}|[\u4e00-\u9fff](?={_NAME_CHAR})){_NAME_CHAR}{{0,3}})"
    r"(?=[,，、。.;；﹐﹑\s0-9]|$)"
)
# answers that are no name: a refusal, a question back, the ID number announced
NOT_ANSWER_WORDS = ("身份", "号码", "稍等", "等一下", "请问", "不是", "没有", "什么", "为什么",
                    "不用", "不方便", "不想", "谢谢", "我的", "就是", "这个", "那个")  # fmt: skip
PREVIOUS_QUESTION_CHARS = 240  # how much of the previous turn is searched for the question
CUED_ANSWER_SCORE = 0.6  # the first words of an answer to a name question
NR_SCORE = 0.45  # a jieba name tag alone
REBUILT_SCORE = 0.2  # a surname + single characters, needs context
CONTEXT_BOOST = 0.45


def _is_cjk(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


class ZhPersonRecognizer(EntityRecognizer):
    """PERSON in Chinese text from jieba tokens; context scored inside (no Presidio boost)."""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=["PERSON"], supported_language="zh", name="ZhPersonRecognizer"
        )

    def load(self) -> None:
        """Nothing to load (jieba runs in the NLP engine)."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):
        """Name candidates from the jieba tokens in ``nlp_artifacts``."""
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        tokens = [(t.idx, t.text, t.tag_) for t in nlp_artifacts.tokens]
        candidates: list[tuple[int, int, float]] = []
        i = 0
        while i < len(tokens):
            start, word, tag = tokens[i]
            if word in NOT_NAME_WORDS:
                i += 1
                continue
            if (
                tag in NAME_TAGS
                and 2 <= len(word) <= 4
                and _is_cjk(word)
                and not PRONOUNS.intersection(word)
            ):
                surname_first = word[0] in SURNAMES or word.startswith(COMPOUND_SURNAMES)
                candidates.append((start, start + len(word), NR_SCORE if surname_first else 0.1))
                i += 1
                continue
            if len(word) <= 2 and (word in SURNAMES or word in COMPOUND_SURNAMES):
                end = start + len(word)
                j = i + 1
                nxt = tokens[j] if j < len(tokens) else None
                if nxt and nxt[2] in NAME_TAGS and len(nxt[1]) == 2 and _is_cjk(nxt[1]):
                    candidates.append((start, nxt[0] + len(nxt[1]), NR_SCORE))
                    i = j + 1
                    continue
                while (
                    j < len(tokens)
                    and j - i <= 2
                    and len(tokens[j][1]) == 1
                    and _is_cjk(tokens[j][1])
                    and tokens[j][1] not in NOT_NAME_CHARS
                    and tokens[j][1] not in ("先", "女", "小")
                    and not HEARD_TITLE_RE.match(text, tokens[j][0])
                ):
                    end = tokens[j][0] + 1
                    j += 1
                if end - start >= 1:
                    candidates.append((start, end, REBUILT_SCORE))
                    i = j
                    continue
            i += 1
        candidates.extend(cued_answer_names(text))
        results = []
        for start, end, score in candidates:
            before = text[max(0, start - 8) : start]
            after = text[end : end + 3]
            name = text[start:end]
            boosted = score
            titled = after.startswith(TITLES) or HEARD_TITLE_RE.match(after) is not None
            if INTRO_RE.search(before) or titled:
                boosted = score + CONTEXT_BOOST
            elif SURNAME_INTRO_RE.search(before) and len(name) == 1:
                boosted = 0.6
            if (
                len(name) == 1
                and score != CUED_ANSWER_SCORE
                and not (titled or SURNAME_INTRO_RE.search(before))
            ):
                continue
            if boosted <= 0.0:
                continue
            result = RecognizerResult(
                "PERSON",
                start,
                end,
                min(boosted, 1.0),
                analysis_explanation=None,  # type: ignore[arg-type]  # optional in Presidio
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True,
                },
            )
            results.append(result)
        return results


def cued_answer_names(text: str) -> list[tuple[int, int, float]]:
    """(start, end, score) of the name that opens each turn of ``text`` (turns joined by the
    engine's speaker-change joiner) answering a name question in the turn before it."""
    out: list[tuple[int, int, float]] = []
    turn_start = text.find(SPEAKER_CHANGE_JOINER)
    while turn_start >= 0:
        previous_start = text.rfind(SPEAKER_CHANGE_JOINER, 0, turn_start)
        previous_start = 0 if previous_start < 0 else previous_start + len(SPEAKER_CHANGE_JOINER)
        question = text[max(previous_start, turn_start - PREVIOUS_QUESTION_CHARS) : turn_start]
        answer_start = turn_start + len(SPEAKER_CHANGE_JOINER)
        if NAME_QUESTION_RE.search(question):
            match = ANSWER_NAME_RE.match(text, answer_start)
            if match and _may_be_name(match.group(1)):
                out.append((match.start(1), match.end(1), CUED_ANSWER_SCORE))
        turn_start = text.find(SPEAKER_CHANGE_JOINER, answer_start)
    return out


def _may_be_name(words: str) -> bool:
    """Whether the opening ``words`` of an answer can be a name (a lone character only when
    it is a surname; never a pronoun or a word that answers otherwise)."""
    if PRONOUNS.intersection(words) or words in NOT_NAME_WORDS:
        return False
    if any(word in words for word in NOT_ANSWER_WORDS):
        return False
    return len(words) > 1 or words in SURNAMES
