"""Is a thousands-grouped number ("1,984", "536,228,741") an amount or dictated digits?

Whisper writes a number dictated digit by digit in thousands style: "the PIN is 1,984", "the
code is 773,210", "It is 536,228,741." The same shape is how it writes an amount ("a balance
of 12,000"), so the shape alone does not say which it is; the words around it do.
:func:`is_dictated_thousands` decides, in this order:

1. money right next to it (a currency sign or code before, a currency or unit word after:
   $ ¥ € £ USD RMB / dollars 元 块 万): an amount;
2. a quantity: a hedge right before ("about 2,500", 大约), a plural noun right after
   ("2,500 customers"), or a year after "in" / "since" ("in 2,024"): not PII;
3. the nearest context word before it: an amount word within :data:`AMOUNT_CONTEXT_CHARS`
   (balance, pay, fee, limit, transfer, 余额, 额度, 转账, ...) makes it an amount; a sensitive
   word within :data:`SENSITIVE_CONTEXT_CHARS` (PIN, code, social, account, card, 密码, 验证码,
   卡号, 账号, ...) makes it dictated digits. When both occur the closer one wins ("my card
   limit is 5,000" is an amount, "I paid the fee, the code is 773,210" a code);
4. no context: dictated digits when it holds :data:`DICTATED_MIN_DIGITS` or more digits (an
   SSN, an account number), an amount otherwise.
"""

from __future__ import annotations

import re

AMOUNT_CONTEXT_CHARS = 30  # how far back an amount word makes the number an amount
SENSITIVE_CONTEXT_CHARS = 40  # how far back a sensitive word makes it dictated digits
DICTATED_MIN_DIGITS = 9  # with no context, a grouped number this long is dictated digits

THOUSANDS_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")  # the shape (no decimals: "12,500.00")

_NOT_LETTER_BEFORE = r"(?<![A-Za-z])"
_NOT_LETTER_AFTER = r"(?![A-Za-z])"
_CURRENCY_CODES = r"USD|RMB|CNY|EUR|GBP|HKD|JPY"
_MONEY_BEFORE_RE = re.compile(
    rf"(?:[$¥￥€£]|{_NOT_LETTER_BEFORE}(?:{_CURRENCY_CODES}|US\$|HK\$))[ \t]?$", re.IGNORECASE
)
_MONEY_AFTER_RE = re.compile(
    r"[ \t]?(?:元|块|万|千|亿|美元|美金|港币|欧元|英镑|人民币|%|％"
    rf"|(?:{_CURRENCY_CODES}|dollars?|bucks|euros?|pounds?|yuan|cents?|percent|k){_NOT_LETTER_AFTER})",
    re.IGNORECASE,
)
_HEDGE_BEFORE_RE = re.compile(
    rf"(?:{_NOT_LETTER_BEFORE}(?:about|around|approximately|roughly|nearly|almost|over|under"
    r"|some|more than|less than|fewer than|up to|at least|at most)[ \t]+"
    r"|约|大约|大概|将近|接近|超过|不到)$",
    re.IGNORECASE,
)
# "2,500 customers": a plural word after it (not "is", "thanks", "this", ...) counts things
_PLURAL_AFTER_RE = re.compile(
    r"[ \t]+(?!(?:has|was|does|goes|thanks|yes|its|as|plus|perhaps|always|sometimes|towards"
    r"|afterwards|besides|unless|whereas|hers|ours|yours|theirs|please)(?![A-Za-z]))"
    r"[A-Za-z]*[a-hj-rtv-zA-HJ-RTV-Z]s(?![A-Za-z'])"
)
_YEAR_BEFORE_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?:in|since|by|until|till|before|after|from|year)[ \t]+$",
    re.IGNORECASE,
)
_YEAR_DIGITS_RE = re.compile(r"(?:19|20)[0-9]{2}")
_AMOUNT_WORDS_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?:balance|amount|pay|paid|payment|cost|price|limit|fee|transfer"
    r"|deposit|withdraw|withdrawal|loan|refund|charge|spent|spend|owe|worth|salary|income"
    rf"|total|sum|bill|interest)(?:s|es|ed|ing)?{_NOT_LETTER_AFTER}"
    r"|余额|金额|额度|还款|转账|收益|存款|贷款|利息|费用|手续费|消费|工资|价格|付款|汇款|共计|总共",
    re.IGNORECASE,
)
_SENSITIVE_WORDS_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?:pin|code|passcode|password|social|ssn|security number|account"
    rf"|acct|card|otp|verification)s?{_NOT_LETTER_AFTER}"
    r"|密码|验证码|校验码|动态码|安全码|口令|卡号|账号|帐号|账户|帐户|身份证",
    re.IGNORECASE,
)


def _last_match_end(pattern: re.Pattern[str], text: str, start: int, end: int) -> int:
    """End offset of the last match of ``pattern`` in ``text[start:end]``, or -1."""
    last = -1
    for match in pattern.finditer(text, start, end):
        last = match.end()
    return last


def is_dictated_thousands(text: str, start: int, end: int) -> bool:
    """Whether the thousands-grouped number ``text[start:end]`` is digits dictated one by one
    (to be joined for the recognizers) rather than an amount or a quantity (see module doc)."""
    n_digits = sum(ch.isdigit() for ch in text[start:end])
    before = max(0, start - SENSITIVE_CONTEXT_CHARS)
    if _MONEY_BEFORE_RE.search(text, max(0, start - 4), start):
        return False
    if _MONEY_AFTER_RE.match(text, end):
        return False
    if _HEDGE_BEFORE_RE.search(text, max(0, start - 12), start):
        return False
    if _PLURAL_AFTER_RE.match(text, end):
        return False
    digits = text[start:end].replace(",", "")
    if _YEAR_DIGITS_RE.fullmatch(digits) and _YEAR_BEFORE_RE.search(text, before, start):
        return False
    amount_end = _last_match_end(
        _AMOUNT_WORDS_RE, text, max(0, start - AMOUNT_CONTEXT_CHARS), start
    )
    sensitive_end = _last_match_end(_SENSITIVE_WORDS_RE, text, before, start)
    if amount_end >= 0 or sensitive_end >= 0:
        return sensitive_end > amount_end
    return n_digits >= DICTATED_MIN_DIGITS
