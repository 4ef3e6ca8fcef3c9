"""Generate the labelled PII evaluation set (deterministic seed) -> pii_eval.jsonl.

Each line: {"id", "lang", "text", "spans": [{"entity_type", "start", "end"}],
"negatives": [{"kind", "start", "end"}]}. Values are synthetic (valid checksums, fake names).
Forms vary on purpose: digits, spaced / dashed / Whisper comma groups, spoken Chinese digits
(with 幺 and 两), English digit words ("oh", "double"), digits glued to Chinese, fillers and
missing punctuation as ASR writes them, and context that sits in the previous sentence.
Negatives are numbers that must stay: amounts, rates, dates, hotlines, quantities, times.

An "ASR-formatted" slice (ids ``asr-...``, its own seed so the main records do not change) holds
numbers as Whisper really writes dictated digits: groups joined by ", " / "." / "-" / " " /
"，" / "、" / "·", irregular comma grouping ("4,716,2034,812,59599"), a "1" written "I"
("1.I.84"), homophones ("ate", "won") among digit words, card numbers whose Luhn check an ASR
slip broke (still BANK_CARD in card context), context asked in the previous sentence, and
negatives in the same styles (dates after month names, amounts, decimals, hotlines, lists).

A "dense" slice (ids ``dense-...``, its own seed again) holds what the digit-density safety net
is for: numbers dictated with mixed separators ("4-9-1-6, 0-3-7-7, 8-2-1-5, 2-0-4-2", "-"
inside groups and ", " / ". " / "，" / "、" between them), with misheard two-digit groups (a 7
written "10" as in "0-3-10-10-8"), read back by the agent ("Let me repeat that, ...",
跟您核对一下) or read back with the card context sentences earlier; gold type BANK_CARD, or
NUMBER where nothing says what the number is (not starting with 1: that may be a mobile).
Negatives: lists mixing amounts, decimals, dates, hotlines, month terms and amount ranges with
the same separators.

A "thousands-style dictation" slice (ids ``thousands-...``, its own seed) holds digits dictated
as Whisper writes them in thousands style: a PIN "1,984", a code "773,210", an SSN "536,228,741",
an account number "12,345,678,901" after their context word (or the agent's question before the
customer's answer), a 9+ digit number with no context (NUMBER), and negatives in the same
thousands style that must stay amounts or quantities: "$5,000", "12,000 dollars", "a balance of
12,000", "5,000元", "余额12,000", "1,000-5,000", "about 2,500 customers", "in 2,024", rates.

Run: .venv/bin/python eval/pii/make_dataset.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 20240315
N_ZH, N_EN = 260, 180  # records
ASR_SEED = 20240602
N_ASR_EN, N_ASR_ZH = 70, 50  # records in the ASR-formatted slice
DENSE_SEED = 20250101
N_DENSE_EN, N_DENSE_ZH = 40, 30  # records in the mixed-separator (digit-density) slice
THOUSANDS_SEED = 20250301
N_THOUSANDS_EN, N_THOUSANDS_ZH = 50, 30  # records in the thousands-style dictation slice
MISHEARD_GROUPS = ["10", "11", "12", "20", "70"]  # "seven" heard "ten", "two" heard "twenty"
EN_GROUP_SEPARATORS = [", ", ".", "-", " ", ","]
ZH_GROUP_SEPARATORS = ["，", "、", " ", "·", "."]
OUT = Path(__file__).with_name("pii_eval.jsonl")

ZH_DIGIT = "零一二三四五六七八九"
EN_DIGIT = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩然晨阳欣怡子涵梓轩"
FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Thomas",
    "Sarah",
    "Daniel",
    "Karen",
    "Emily",
    "Kevin",
    "Laura",
    "Brian",
    "Amanda",
    "Jason",
    "Olivia",
    "Ethan",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
]
PROVINCES = [
    ("广东省", ["深圳市", "广州市"]),
    ("浙江省", ["杭州市", "宁波市"]),
    ("江苏省", ["南京市", "苏州市"]),
    ("", ["北京市", "上海市"]),
    ("四川省", ["成都市"]),
    ("湖北省", ["武汉市"]),
    ("山东省", ["青岛市", "济南市"]),
]
DISTRICTS = [
    "南山区",
    "福田区",
    "西湖区",
    "鼓楼区",
    "朝阳区",
    "浦东新区",
    "武侯区",
    "江汉区",
    "市南区",
    "海淀区",
]
ROADS = [
    "科技园路",
    "建国路",
    "文三路",
    "中山北路",
    "人民大道",
    "解放路",
    "长江路",
    "天府大道",
    "香港中路",
    "学院路",
]
ESTATES = ["阳光花园", "锦绣小区", "世纪大厦", "翠苑"]
STREETS = ["Oak", "Maple", "Main", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Sunset"]
SUFFIX = ["Street", "Avenue", "Road", "Drive", "Lane", "Boulevard", "St", "Ave"]
CITIES = [
    ("Springfield", "IL"),
    ("Austin", "TX"),
    ("Denver", "CO"),
    ("Portland", "OR"),
    ("Columbus", "OH"),
]
DOMAINS = [
    "gmail.com",
    "qq.com",
    "163.com",
    "outlook.com",
    "yahoo.com",
    "example.cn",
    "bank.com.cn",
]
REGIONS = ["110105", "310104", "440305", "330106", "510107", "420103", "370202", "320106"]


# The generators compute their own check digits on purpose, not with pipeline/pii/checksums.py:
# the evaluation set comes from an implementation independent of the one it evaluates.
def luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def id_number(rng: random.Random) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    body = (
        rng.choice(REGIONS)
        + str(rng.randint(1950, 2004))
        + f"{rng.randint(1, 12):02d}"
        + f"{rng.randint(1, 28):02d}"
        + f"{rng.randint(0, 999):03d}"
    )
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def card_number(rng: random.Random) -> str:
    kind = rng.choice(["up16", "up19", "visa", "mc", "amex"])
    prefix, length = {
        "up16": ("62", 16),
        "up19": ("62", 19),
        "visa": ("4", 16),
        "mc": (rng.choice(["51", "53", "55"]), 16),
        "amex": (rng.choice(["34", "37"]), 15),
    }[kind]
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return luhn_complete(body)


def mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def digits(rng: random.Random, n: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def zh_spoken(number: str, rng: random.Random, group: int = 0) -> str:
    out = []
    for i, d in enumerate(number):
        ch = ZH_DIGIT[int(d)] if d.isdigit() else ("叉" if d in "Xx" else d)
        if d == "1" and rng.random() < 0.5:
            ch = "幺"
        if d == "0" and rng.random() < 0.2:
            ch = "〇"
        if group and i and i % group == 0:
            out.append(rng.choice([" ", "，", " "]))
        out.append(ch)
    return "".join(out)


def en_spoken(number: str, rng: random.Random) -> str:
    words: list[str] = []
    i = 0
    while i < len(number):
        d = number[i]
        if i + 1 < len(number) and number[i + 1] == d and rng.random() < 0.4:
            words.append("double " + EN_DIGIT[int(d)])
            i += 2
            continue
        words.append("oh" if d == "0" and rng.random() < 0.5 else EN_DIGIT[int(d)])
        i += 1
    return " ".join(words)


def grouped(number: str, sizes: list[int], sep: str) -> str:
    parts, i = [], 0
    for size in sizes:
        parts.append(number[i : i + size])
        i += size
    if i < len(number):
        parts.append(number[i:])
    return sep.join(p for p in parts if p)


def whisper_commas(number: str) -> str:
    head = len(number) % 3 or 3
    return ",".join([number[:head]] + [number[i : i + 3] for i in range(head, len(number), 3)])


class Builder:
    """Accumulates text pieces with labelled spans."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: list[dict] = []
        self.negatives: list[dict] = []

    def add(self, piece: str) -> None:
        self.text += piece

    def pii(self, entity: str, value: str) -> None:
        self.spans.append(
            {"entity_type": entity, "start": len(self.text), "end": len(self.text) + len(value)}
        )
        self.text += value

    def neg(self, kind: str, value: str) -> None:
        self.negatives.append(
            {"kind": kind, "start": len(self.text), "end": len(self.text) + len(value)}
        )
        self.text += value


def zh_form(number: str, rng: random.Random, group: int) -> str:
    form = rng.random()
    if form < 0.35:
        return number
    if form < 0.55:
        return grouped(number, [group] * 6, " ")
    return zh_spoken(number, rng, group if rng.random() < 0.5 else 0)


def zh_piece(b: Builder, rng: random.Random) -> None:
    kind = rng.choice(
        [
            "ID_CARD",
            "BANK_CARD",
            "PHONE",
            "PHONE",
            "PERSON",
            "PERSON",
            "ADDRESS",
            "BANK_ACCOUNT",
            "VERIFICATION_CODE",
            "PIN",
            "CVV",
            "CARD_EXPIRY",
            "EMAIL",
            "PASSWORD",
            "BANK_CARD",
        ]
    )
    filler = rng.choice(["", "嗯，", "那个", "呃 ", "好的，"])
    if kind == "ID_CARD":
        number = id_number(rng)
        value = (
            number
            if rng.random() < 0.4
            else (grouped(number, [6, 8, 4], " ") if rng.random() < 0.3 else zh_spoken(number, rng))
        )
        b.add(
            rng.choice(["我的身份证号码是", "身份证号", "请您报一下证件号码。", "证件号码"])
            + filler
        )
        b.pii("ID_CARD", value)
    elif kind == "BANK_CARD":
        number = card_number(rng)
        b.add(
            rng.choice(
                ["我的卡号是", "卡号", "银行卡号码", "您说的这张信用卡是", "好的 我念一下卡号 "]
            )
            + filler
        )
        b.pii("BANK_CARD", zh_form(number, rng, 4))
    elif kind == "PHONE":
        if rng.random() < 0.75:
            number = mobile(rng)
            value = zh_form(number, rng, 4) if rng.random() < 0.8 else "+86 " + number
            if rng.random() < 0.3 and value == number:
                value = grouped(number, [3, 4, 4], rng.choice([" ", "-"]))
        else:
            value = rng.choice(["010-", "021-", "0755-", "028 "]) + digits(rng, 8, "2345678")
        b.add(
            rng.choice(["我的手机号是", "联系电话", "您可以打这个号码", "手机", "留个电话吧，"])
            + filler
        )
        b.pii("PHONE", value)
    elif kind == "PERSON":
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
        template = rng.randrange(4)
        if template == 0:
            b.add(rng.choice(["我叫", "我是", "我的名字叫"]))
            b.pii("PERSON", name)
        elif template == 1:
            b.add("您好，")
            b.pii("PERSON", name)
            b.add(rng.choice(["先生", "女士"]))
        elif template == 2:
            b.add("持卡人姓名")
            b.pii("PERSON", name)
        else:
            b.add("请问是")
            b.pii("PERSON", name)
            b.add("本人吗")
    elif kind == "ADDRESS":
        province, cities = rng.choice(PROVINCES)
        parts = [
            province if rng.random() < 0.6 else "",
            rng.choice(cities),
            rng.choice(DISTRICTS),
            rng.choice(ROADS),
            f"{rng.randint(1, 300)}号",
        ]
        if rng.random() < 0.4:
            parts.append(rng.choice(ESTATES) + f"{rng.randint(1, 20)}栋{rng.randint(101, 2505)}室")
        b.add(rng.choice(["我住在", "地址是", "寄到", "家庭住址"]))
        b.pii("ADDRESS", "".join(parts))
    elif kind == "BANK_ACCOUNT":
        b.add(rng.choice(["对公账号是", "收款账号", "账户号码是"]) + filler)
        b.pii("BANK_ACCOUNT", zh_form(digits(rng, rng.choice([12, 14, 17, 20]), "1"), rng, 4))
    elif kind == "VERIFICATION_CODE":
        code = digits(rng, rng.choice([4, 6]))
        b.add(
            rng.choice(["短信验证码是", "请告诉我您收到的验证码。", "验证码", "动态码是"]) + filler
        )
        b.pii("VERIFICATION_CODE", code if rng.random() < 0.5 else zh_spoken(code, rng))
    elif kind == "PIN":
        code = digits(rng, 6)
        b.add(rng.choice(["我的取款密码是", "密码", "交易密码是"]) + filler)
        b.pii("PIN", code if rng.random() < 0.5 else zh_spoken(code, rng))
    elif kind == "CVV":
        code = digits(rng, 3)
        b.add(rng.choice(["卡背面三位安全码是", "安全码", "背面的三位数是"]) + filler)
        b.pii("CVV", code if rng.random() < 0.5 else zh_spoken(code, rng))
    elif kind == "CARD_EXPIRY":
        month, year = rng.randint(1, 12), rng.randint(25, 31)
        value = rng.choice(
            [f"{month:02d}/{year}", f"20{year}年{month}月", zh_spoken(f"{month:02d}{year}", rng)]
        )
        b.add(rng.choice(["有效期是", "卡片有效期", "有效期到"]))
        b.pii("CARD_EXPIRY", value)
    elif kind == "EMAIL":
        user = rng.choice(["zhang.wei", "li_na88", "wangfang", "chen2020", "liu.yang"])
        b.add(rng.choice(["邮箱是", "电子邮件发到", "我的邮箱"]))
        b.pii("EMAIL", f"{user}@{rng.choice(DOMAINS)}")
    elif kind == "PASSWORD":
        pw = rng.choice(["abc", "Wang", "qwe", "Li", "pass"]) + digits(rng, rng.choice([3, 4, 6]))
        b.add(rng.choice(["网银登录密码是", "我的密码是"]))
        b.pii("PASSWORD", pw)


def zh_negative(b: Builder, rng: random.Random) -> None:
    kind = rng.randrange(9)
    if kind == 0:
        b.add("这款产品年化收益率")
        b.neg("rate", f"{rng.randint(1, 5)}.{rng.randint(10, 99)}%")
    elif kind == 1:
        b.add("您本次转账")
        b.neg("amount", f"{rng.choice([500, 5000, 12000, 200000])}元")
    elif kind == 2:
        b.add("还款日是")
        b.neg("date", f"{rng.randint(2023, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")
    elif kind == 3:
        b.add("如有疑问请拨打客服热线")
        b.neg(
            "hotline",
            rng.choice(["95555", "95588", "95533", "400-820-8820", "4006695599", "800-820-5555"]),
        )
    elif kind == 4:
        b.add("大概")
        b.neg("amount", rng.choice(["三千块", "两万元", "五百块钱", "一千二百元"]))
    elif kind == 5:
        b.add("分")
        b.neg("quantity", f"{rng.choice([3, 6, 12, 24])}期")
        b.add("还款")
    elif kind == 6:
        b.add("起购金额")
        b.neg("amount", f"{rng.choice([1, 5, 10])}万元")
    elif kind == 7:
        b.add("会议在")
        b.neg("time", f"{rng.randint(8, 17)}:{rng.choice(['00', '30'])}")
    else:
        b.add("额度提升到")
        b.neg("amount", f"{rng.choice([20000, 50000, 80000])}")
        b.add("元")


EN_INTROS = {
    "BANK_CARD": ["my card number is ", "the card is ", "Card number: ", "sure, it's "],
    "PHONE": ["you can reach me at ", "my phone number is ", "call me back on ", "my cell is "],
    "SSN": ["my social security number is ", "SSN ", "the last one, social is "],
    "VERIFICATION_CODE": [
        "the verification code is ",
        "I got the one-time passcode, it's ",
        "the code you texted me, the verification code, is ",
    ],
    "PIN": ["my PIN is ", "the pin number is "],
    "CVV": [
        "the security code on the back is ",
        "CVV ",
        "the three digit code on the back of the card is ",
    ],
    "BANK_ACCOUNT": ["my account number is ", "the checking account number is "],
}


def en_piece(b: Builder, rng: random.Random) -> None:
    kind = rng.choice(
        [
            "BANK_CARD",
            "BANK_CARD",
            "PHONE",
            "PHONE",
            "PERSON",
            "PERSON",
            "ADDRESS",
            "SSN",
            "VERIFICATION_CODE",
            "PIN",
            "CVV",
            "EMAIL",
            "BANK_ACCOUNT",
            "CARD_EXPIRY",
            "PASSWORD",
        ]
    )
    filler = rng.choice(["", "um ", "uh, ", "okay so "])
    if kind in EN_INTROS:
        b.add(rng.choice(EN_INTROS[kind]) + filler)
    if kind == "BANK_CARD":
        number = card_number(rng)
        form = rng.randrange(4)
        value = [
            number,
            grouped(number, [4, 4, 4, 4], rng.choice([" ", "-"])),
            whisper_commas(number),
            en_spoken(number, rng),
        ][form]
        b.pii("BANK_CARD", value)
    elif kind == "PHONE":
        area, mid, last = digits(rng, 3, "2356789"), digits(rng, 3, "23456789"), digits(rng, 4)
        value = rng.choice(
            [
                f"({area}) {mid}-{last}",
                f"{area}-{mid}-{last}",
                f"+1 {area} {mid} {last}",
                en_spoken(area + mid + last, rng),
            ]
        )
        b.pii("PHONE", value)
    elif kind == "PERSON":
        name = rng.choice(FIRST) + " " + rng.choice(LAST)
        template = rng.randrange(4)
        b.add(["my name is ", "Hi, this is ", "I'm calling for ", "Good morning Mr. "][template])
        b.pii("PERSON", name if template != 3 else name.split()[1])
    elif kind == "ADDRESS":
        city, state = rng.choice(CITIES)
        value = f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIX)}"
        if rng.random() < 0.6:
            value += f", {city}, {state} {rng.randint(10000, 99999)}"
        b.add(rng.choice(["I live at ", "send it to ", "my address is "]))
        b.pii("ADDRESS", value)
    elif kind == "SSN":
        number = f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
        b.pii(
            "SSN", rng.choice([f"{number[:3]}-{number[3:5]}-{number[5:]}", en_spoken(number, rng)])
        )
    elif kind in ("VERIFICATION_CODE", "PIN", "CVV"):
        code = digits(rng, {"VERIFICATION_CODE": 6, "PIN": 4, "CVV": 3}[kind])
        b.pii(kind, code if rng.random() < 0.5 else en_spoken(code, rng))
    elif kind == "EMAIL":
        user = rng.choice(FIRST).lower() + rng.choice([".", "_", ""]) + rng.choice(LAST).lower()
        domain = rng.choice(DOMAINS)
        b.add("my email is ")
        b.pii(
            "EMAIL",
            f"{user}@{domain}"
            if rng.random() < 0.7
            else f"{user.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}",
        )
    elif kind == "BANK_ACCOUNT":
        b.pii("BANK_ACCOUNT", digits(rng, rng.choice([10, 12]), "1"))
    elif kind == "CARD_EXPIRY":
        b.add(rng.choice(["it expires ", "expiration date is ", "valid thru "]))
        b.pii("CARD_EXPIRY", f"{rng.randint(1, 12):02d}/{rng.randint(25, 31)}")
    elif kind == "PASSWORD":
        b.add("my online banking password is ")
        b.pii(
            "PASSWORD", rng.choice(["sunshine", "Tiger", "blue"]) + digits(rng, rng.choice([2, 4]))
        )


def en_negative(b: Builder, rng: random.Random) -> None:
    kind = rng.randrange(7)
    if kind == 0:
        b.add("the transfer of ")
        b.neg("amount", rng.choice(["$5,000", "$250", "$12,500.00", "$1,000,000"]))
    elif kind == 1:
        b.add("at an annual rate of ")
        b.neg("rate", f"{rng.randint(1, 9)}.{rng.randint(10, 99)}%")
    elif kind == 2:
        b.add("your payment is due on ")
        b.neg("date", rng.choice(["March 15, 2024", "04/30/2025", "2024-03-15", "the 15th"]))
    elif kind == 3:
        b.add("our toll-free line is ")
        b.neg("hotline", rng.choice(["1-800-555-0199", "800-432-1000", "(888) 555-0123"]))
    elif kind == 4:
        b.add("that's a ")
        b.neg("quantity", rng.choice(["12 month", "30 day", "24-month"]))
        b.add(" term")
    elif kind == 5:
        b.add("we close at ")
        b.neg("time", rng.choice(["5:30", "10:00", "9 pm"]))
    else:
        b.add("it takes ")
        b.neg("quantity", rng.choice(["3 to 5", "two or three", "7"]))
        b.add(" business days")


def make_record(index: int, lang: str, rng: random.Random) -> dict:
    b = Builder()
    piece, negative = (zh_piece, zh_negative) if lang == "zh" else (en_piece, en_negative)
    sep = ["，", "。", " ", ""] if lang == "zh" else [", ", ". ", " ", " and "]
    items = ["pii"] * rng.randint(1, 3) + ["neg"] * rng.randint(0, 2)
    rng.shuffle(items)
    for i, item in enumerate(items):
        if i:
            b.add(rng.choice(sep))
        (piece if item == "pii" else negative)(b, rng)
    b.add(rng.choice(["。", "", "谢谢"] if lang == "zh" else [".", "", " thanks"]))
    return {
        "id": f"{lang}-{index:04d}",
        "lang": lang,
        "text": b.text,
        "spans": b.spans,
        "negatives": b.negatives,
    }


def break_luhn(number: str, rng: random.Random) -> str:
    """The number with one digit misheard (a changed digit always breaks the Luhn check)."""
    i = rng.randrange(2, len(number) - 1)
    wrong = rng.choice([d for d in "0123456789" if d != number[i]])
    return number[:i] + wrong + number[i + 1 :]


def irregular_groups(number: str, rng: random.Random, sep: str) -> str:
    """Groups of 1 to 5 digits, as Whisper splits a number read out in uneven bursts."""
    parts, i = [], 0
    while i < len(number):
        size = rng.choice([1, 3, 3, 4, 4, 5])
        parts.append(number[i : i + size])
        i += size
    return sep.join(parts)


def asr_groups(number: str, rng: random.Random, seps: list[str], size: int = 4) -> str:
    if rng.random() < 0.3:
        return irregular_groups(number, rng, rng.choice(seps))
    return grouped(number, [size] * 8, rng.choice(seps))


def en_slips(number: str, rng: random.Random) -> str:
    """Digit words with an ASR homophone for a 1 or an 8 where there is one."""
    words = [EN_DIGIT[int(d)] for d in number]
    for i, d in enumerate(number):
        if 0 < i < len(number) - 1 and d in "18" and rng.random() < 0.7:
            words[i] = "won" if d == "1" else "ate"
            break
    return " ".join(words)


def letter_slip(number: str, rng: random.Random) -> str:
    """ "1.I.84": a 1 between dotted digit groups written as the letter I or l."""
    parts = [number[0], rng.choice("Il"), number[1:]] if len(number) > 2 else [number]
    return ".".join(parts)


def asr_en_piece(b: Builder, rng: random.Random) -> None:
    kind = rng.choice(["BANK_CARD", "BANK_CARD", "SSN", "VERIFICATION_CODE", "PIN", "PHONE"])
    if kind == "BANK_CARD":
        number = card_number(rng)
        if rng.random() < 0.5:
            number = break_luhn(number, rng)
        b.add(
            rng.choice(
                [
                    "I will link the fund to your card number ",
                    "the card number is ",
                    "okay, my credit card is ",
                    "the card ending ",
                ]
            )
        )
        b.pii("BANK_CARD", asr_groups(number, rng, EN_GROUP_SEPARATORS))
    elif kind == "SSN":
        number = f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"
        b.add(
            rng.choice(
                [
                    "And your social security number, please. It is ",
                    "my social security number is ",
                    "SSN, sure, ",
                ]
            )
        )
        b.pii("SSN", grouped(number, [3, 3, 3], rng.choice([".", " ", ", "])))
    elif kind in ("VERIFICATION_CODE", "PIN"):
        code = digits(rng, 6 if kind == "VERIFICATION_CODE" else 4)
        b.add(
            rng.choice(["the code is ", "Can I have the code we texted you? Sure, "])
            if kind == "VERIFICATION_CODE"
            else rng.choice(["Okay, the PIN is ", "my PIN is "])
        )
        form = rng.randrange(4)
        if form == 0:  # "773.210" / "773 210"; a PIN "19 84" / "19-84"
            value = (
                grouped(code, [3, 3], rng.choice([".", " ", "-"]))
                if kind == "VERIFICATION_CODE"
                else grouped(code, [2, 2], rng.choice([" ", "-"]))
            )
        elif form == 1:
            value = letter_slip(code, rng) if "1" in code[1:2] or kind == "PIN" else code
        elif form == 2:
            value = en_slips(code, rng)
        else:
            value = ", ".join(code)
        b.pii(kind, value)
    else:
        number = digits(rng, 3, "2356789") + digits(rng, 3, "23456789") + digits(rng, 4)
        b.add(rng.choice(["my phone number is ", "you can reach me at "]))
        b.pii("PHONE", grouped(number, [3, 3, 4], rng.choice([".", " ", "-"])))


def asr_en_negative(b: Builder, rng: random.Random) -> None:
    kind = rng.randrange(7)
    if kind == 0:
        b.add("I was born on ")
        month, day = rng.choice(["June", "March", "Dec."]), rng.randint(1, 28)
        b.neg("date", f"{month} {day}, {rng.randint(1950, 1999)}")
    elif kind == 1:
        b.add("the balance is ")
        b.neg("amount", rng.choice(["$5,000", "12,000 dollars", "$1,250.50", "3,500 dollars"]))
    elif kind == 2:
        b.add("the rate is ")
        b.neg("rate", f"{rng.randint(1, 9)}.{rng.randint(10, 99)}%")
    elif kind == 3:
        b.add("call us on ")
        b.neg("hotline", rng.choice(["1-800-555-0199", "800.432.1000", "1 800 555 0123"]))
    elif kind == 4:
        b.add("we have branches on floors ")
        b.neg("list", rng.choice(["10, 11, 12", "12, 14 and 16", "20, 21"]))
    elif kind == 5:
        b.add("it's due ")
        b.neg("date", rng.choice(["04/30/2025", "2025-03-15", "3/15"]))
    else:
        b.add("we open at ")
        b.neg("time", rng.choice(["9.30", "10:30", "8:00"]))


def asr_zh_piece(b: Builder, rng: random.Random) -> None:
    kind = rng.choice(["BANK_CARD", "BANK_CARD", "PHONE", "VERIFICATION_CODE"])
    if kind == "BANK_CARD":
        number = card_number(rng)
        if rng.random() < 0.5:
            number = break_luhn(number, rng)
        b.add(rng.choice(["卡号是", "请问您的卡号是多少？", "银行卡 ", "我的信用卡号码是"]))
        value = asr_groups(number, rng, ZH_GROUP_SEPARATORS)
        b.pii("BANK_CARD", zh_spoken(value, rng) if rng.random() < 0.5 else value)
    elif kind == "PHONE":
        number = mobile(rng)
        b.add(rng.choice(["手机号", "我的手机是"]))
        parts = [number[:3], number[3:7], number[7:]]
        forms = [zh_spoken(parts[0], rng), parts[1], zh_spoken(parts[2], rng)]
        b.pii("PHONE", rng.choice([" ", "，"]).join(forms if rng.random() < 0.5 else parts))
    else:
        code = digits(rng, 6)
        b.add(rng.choice(["验证码是 ", "短信验证码"]))
        value = grouped(code, [3, 3], rng.choice(ZH_GROUP_SEPARATORS))
        b.pii("VERIFICATION_CODE", zh_spoken(value, rng) if rng.random() < 0.5 else value)


def asr_zh_negative(b: Builder, rng: random.Random) -> None:
    kind = rng.randrange(5)
    if kind == 0:
        b.add("年化收益率")
        b.neg("rate", f"{rng.randint(1, 5)}.{rng.randint(10, 99)}%")
    elif kind == 1:
        b.add("还款日是")
        b.neg("date", f"{rng.randint(2023, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")
    elif kind == 2:
        b.add("转账")
        b.neg("amount", rng.choice(["5000元", "12,000元", "3.5万元"]))
    elif kind == 3:
        b.add("请看第")
        b.neg("list", rng.choice(["1、2、3", "10、11"]))
        b.add("条")
    else:
        b.add("客服热线")
        b.neg("hotline", rng.choice(["400-820-8820", "95555", "800-820-5555"]))


def make_asr_record(index: int, lang: str, rng: random.Random) -> dict:
    b = Builder()
    piece, negative = (
        (asr_zh_piece, asr_zh_negative) if lang == "zh" else (asr_en_piece, asr_en_negative)
    )
    sep = ["。", "，"] if lang == "zh" else [". ", ", and "]
    items = ["pii"] * rng.randint(1, 2) + ["neg"] * rng.randint(0, 2)
    rng.shuffle(items)
    for i, item in enumerate(items):
        if i:
            b.add(rng.choice(sep))
        (piece if item == "pii" else negative)(b, rng)
    b.add(rng.choice(["。", "？"] if lang == "zh" else [".", ". Is that right?"]))
    return {
        "id": f"asr-{lang}-{index:04d}",
        "lang": lang,
        "text": b.text,
        "spans": b.spans,
        "negatives": b.negatives,
    }


def dictated_mixed(number: str, rng: random.Random, between: list[str]) -> str:
    """Groups of 3 to 5 digits, "-" (or nothing) inside a group, a pause mark between groups;
    with one or two digits misheard as a two-digit group ("0-3-10-10-8")."""
    out = list(number)
    inner, pause = rng.choice(["-", "-", "", " "]), rng.choice(between)
    for _ in range(rng.choice([0, 1, 2]) if inner else 0):  # "0-3-10", never "0310" for "037"
        if len(out) < 17:
            out[rng.randrange(2, len(out) - 2)] = rng.choice(MISHEARD_GROUPS)
    groups, i = [], 0
    while i < len(out):
        size = rng.choice([4, 4, 4, 3, 5])
        groups.append(inner.join(out[i : i + size]))
        i += size
    return pause.join(groups)


DENSE_EN_READBACK = ["Let me repeat that, ", "Okay, let me read it back: ", "Just to confirm, "]
DENSE_EN_LATER = [
    "Thank you. One moment while I pull up your details, it is loading. Okay, I have ",
    "Thanks. What is your date of birth? Okay. And the number again? ",
]


def dense_en_piece(b: Builder, rng: random.Random) -> None:
    number = card_number(rng)
    written = dictated_mixed(number, rng, [", ", ", ", ". ", " / ", " "])
    form = rng.randrange(4)
    if form == 0:  # the customer gives it, the agent reads it back
        b.add("my card number is ")
        b.pii("BANK_CARD", grouped(number, [4] * 5, " "))
        b.add(". " + rng.choice(DENSE_EN_READBACK))
        b.pii("BANK_CARD", written)
    elif form == 1:  # card context sentences before the read-back, no read-back phrase
        b.add(rng.choice(["My card is ", "I want to update my card. It is "]))
        b.pii("BANK_CARD", en_spoken(number, rng))
        b.add(". " + rng.choice(DENSE_EN_LATER))
        b.pii("BANK_CARD", written)
    elif form == 2:
        b.add(rng.choice(DENSE_EN_READBACK))
        b.pii("BANK_CARD", written)
    else:  # nothing says what it is: the safety net's NUMBER
        b.add(rng.choice(["the reference is ", "okay, ", "write this down: "]))
        number = digits(rng, rng.randint(9, 12), "23456789")
        b.pii("NUMBER", dictated_mixed(number, rng, [", ", ". "]))


def dense_en_negative(b: Builder, rng: random.Random) -> None:
    kind = rng.randrange(6)
    if kind == 0:
        b.add("the balance is ")
        b.neg("amount", rng.choice(["$12,500.00", "12,500.00", "$1,250.50"]))
        b.add(", ")
        b.neg("rate", f"{rng.randint(1, 9)}.{rng.randint(10, 99)}%")
    elif kind == 1:
        b.add("due ")
        b.neg("date", rng.choice(["04/30/2025", "2025-03-15"]))
        b.add(", ")
        b.neg("date", rng.choice(["2025-04-15", "05/30/2025"]))
    elif kind == 2:
        b.add("call ")
        b.neg("hotline", rng.choice(["1-800-555-0199", "800-432-1000"]))
        b.add(", or ")
        b.neg("hotline", rng.choice(["800.432.1000", "1 800 555 0123"]))
    elif kind == 3:
        b.add("terms of ")
        b.neg("list", rng.choice(["12, 24, 36, 48", "6, 12, 18-24, 36"]))
        b.add(" months")
    elif kind == 4:
        b.add("transfers of ")
        b.neg("amount", rng.choice(["$5,000, 12,000", "1,000-5,000, 5,000-10,000"]))
        b.add(" dollars")
    else:
        b.add("we open at ")
        b.neg("time", rng.choice(["9.30", "10:30"]))
        b.add(", floors ")
        b.neg("list", rng.choice(["10, 11, 12", "2-3, 5"]))


def dense_zh_piece(b: Builder, rng: random.Random) -> None:
    number = card_number(rng)
    written = dictated_mixed(number, rng, ["，", "、", ", ", " "])
    form = rng.randrange(3)
    if form == 0:
        b.add("我的卡号是")
        b.pii("BANK_CARD", zh_spoken(number, rng, 4))
        b.add("。" + rng.choice(["好的，跟您核对一下，", "我重复一下，", "好的，"]))
        b.pii("BANK_CARD", written)
    elif form == 1:
        b.add(rng.choice(["跟您核对一下，", "您的卡号是"]))
        b.pii("BANK_CARD", written)
    else:
        b.add(rng.choice(["编号是", "好的，"]))
        number = digits(rng, rng.randint(9, 12), "23456789")
        b.pii("NUMBER", dictated_mixed(number, rng, ["，", "、"]))


def dense_zh_negative(b: Builder, rng: random.Random) -> None:
    kind = rng.randrange(4)
    if kind == 0:
        b.add("转账")
        b.neg("amount", rng.choice(["5,000元、12,000", "12,000.00，3,500"]))
        b.add("元")
    elif kind == 1:
        b.add("日期是")
        b.neg("date", "2024-03-15、2024-04-15")
    elif kind == 2:
        b.add("年化收益率")
        b.neg("rate", f"{rng.randint(1, 5)}.{rng.randint(10, 99)}%，3.85%")
    else:
        b.add("热线")
        b.neg("hotline", "400-820-8820、95555")


def make_dense_record(index: int, lang: str, rng: random.Random) -> dict:
    b = Builder()
    piece, negative = (
        (dense_zh_piece, dense_zh_negative) if lang == "zh" else (dense_en_piece, dense_en_negative)
    )
    items = ["pii"] + ["neg"] * rng.randint(0, 2)
    rng.shuffle(items)
    for i, item in enumerate(items):
        if i:
            b.add("。" if lang == "zh" else ". ")
        (piece if item == "pii" else negative)(b, rng)
    b.add("。" if lang == "zh" else rng.choice([".", ". Is that right?"]))
    return {
        "id": f"dense-{lang}-{index:04d}",
        "lang": lang,
        "text": b.text,
        "spans": b.spans,
        "negatives": b.negatives,
    }


def ssn_number(rng: random.Random) -> str:
    return f"{rng.randint(100, 665)}{rng.randint(10, 99)}{rng.randint(1000, 9999)}"


def thousands_en_piece(b: Builder, rng: random.Random) -> None:
    kind = rng.choice(["PIN", "VERIFICATION_CODE", "SSN", "SSN", "BANK_ACCOUNT", "NUMBER"])
    if kind == "PIN":
        b.add(rng.choice(["Okay, the PIN is ", "my PIN is ", "the PIN number is ", "PIN: "]))
        b.pii("PIN", whisper_commas(digits(rng, rng.choice([4, 4, 6]), "123456789")))
    elif kind == "VERIFICATION_CODE":
        b.add(
            rng.choice(
                [
                    "the code is ",
                    "the one-time passcode is ",
                    "Can I have the code we texted you? Sure, it's ",
                ]
            )
        )
        b.pii("VERIFICATION_CODE", whisper_commas(digits(rng, 6, "123456789")))
    elif kind == "SSN":
        b.add(
            rng.choice(
                [
                    "And your social security number, please. It is ",
                    "My Social is ",
                    "my SSN is ",
                    "the security number is ",
                ]
            )
        )
        b.pii("SSN", whisper_commas(ssn_number(rng)))
    elif kind == "BANK_ACCOUNT":
        b.add(rng.choice(["my account number is ", "the account is "]))
        b.pii("BANK_ACCOUNT", whisper_commas(digits(rng, rng.randint(10, 12), "123456789")))
    else:  # nothing says what it is: 9+ digits are a number, not an amount
        b.add(rng.choice(["okay, it's ", "write this down: ", "the reference is "]))
        b.pii("NUMBER", whisper_commas(digits(rng, rng.randint(9, 11), "23456789")))


def thousands_en_negative(b: Builder, rng: random.Random) -> None:
    kind = rng.randrange(9)
    if kind == 0:
        b.add("you can withdraw up to ")
        b.neg("amount", rng.choice(["$5,000", "$12,500", "€3,000", "$536,228,741"]))
    elif kind == 1:
        b.add("I sent ")
        b.neg("amount", f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}")
        b.add(rng.choice([" dollars", " USD", " bucks"]))
    elif kind == 2:
        b.add(rng.choice(["you have a balance of ", "the amount is ", "your card limit is "]))
        b.neg("amount", f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}")
    elif kind == 3:
        b.add(rng.choice(["the fee is ", "I paid ", "the transfer was "]))
        b.neg("amount", f"{rng.randint(1, 9)},{rng.randint(0, 999):03d}")
    elif kind == 4:
        b.add("transfers of ")
        b.neg("amount", "1,000-5,000")
    elif kind == 5:
        b.add(rng.choice(["about ", "we have ", "over "]))
        b.neg("quantity", f"{rng.randint(1, 9)},{rng.randint(0, 999):03d}")
        b.add(rng.choice([" customers", " branches", " people"]))
    elif kind == 6:
        b.add(rng.choice(["it started in ", "since "]))
        b.neg("year", rng.choice(["2,024", "1,998", "2,019"]))
    elif kind == 7:
        b.add("the bank serves ")
        b.neg("quantity", "123,456,789")
        b.add(" customers")
    else:
        b.add("the rate is ")
        b.neg("rate", f"{rng.randint(1, 9)}.{rng.randint(10, 99)}%")


def thousands_zh_piece(b: Builder, rng: random.Random) -> None:
    kind = rng.choice(["VERIFICATION_CODE", "PIN", "BANK_ACCOUNT"])
    if kind == "VERIFICATION_CODE":
        b.add(rng.choice(["验证码是", "短信验证码 ", "您收到的验证码是多少？"]))
        b.pii("VERIFICATION_CODE", whisper_commas(digits(rng, 6, "123456789")))
    elif kind == "PIN":
        b.add(rng.choice(["取款密码是", "密码", "交易密码是"]))
        b.pii("PIN", whisper_commas(digits(rng, 6, "123456789")))
    else:
        b.add(rng.choice(["账号是", "我的账户是"]))
        b.pii("BANK_ACCOUNT", whisper_commas(digits(rng, rng.randint(12, 16), "123456789")))


def thousands_zh_negative(b: Builder, rng: random.Random) -> None:
    kind = rng.randrange(6)
    amount = f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}"
    if kind == 0:
        b.add("年化收益率")
        b.neg("rate", f"{rng.randint(1, 5)}.{rng.randint(10, 99)}%")
    elif kind == 1:
        b.add("转账")
        b.neg("amount", amount)
        b.add(rng.choice(["元", "块", "美元"]))
    elif kind == 2:
        b.add(rng.choice(["余额", "您的额度是", "本期还款金额", "收益"]))
        b.neg("amount", amount)
    elif kind == 3:
        b.add("转账范围")
        b.neg("amount", "1,000-5,000")
        b.add("元")
    elif kind == 4:
        b.add(rng.choice(["¥", "￥"]))
        b.neg("amount", amount)
    else:
        b.add("本行有")
        b.neg("quantity", amount)
        b.add(rng.choice(["个网点", "位客户"]))


def make_thousands_record(index: int, lang: str, rng: random.Random) -> dict:
    b = Builder()
    piece, negative = (
        (thousands_zh_piece, thousands_zh_negative)
        if lang == "zh"
        else (thousands_en_piece, thousands_en_negative)
    )
    items = (["pii"] if rng.random() < 0.8 else []) + ["neg"] * rng.randint(1, 2)
    rng.shuffle(items)
    for i, item in enumerate(items):
        if i:
            b.add("。" if lang == "zh" else ". ")
        (piece if item == "pii" else negative)(b, rng)
    b.add("。" if lang == "zh" else rng.choice([".", ". Is that right?"]))
    return {
        "id": f"thousands-{lang}-{index:04d}",
        "lang": lang,
        "text": b.text,
        "spans": b.spans,
        "negatives": b.negatives,
    }


def main() -> None:
    """Write the evaluation set."""
    rng = random.Random(SEED)
    records = [make_record(i, "zh", rng) for i in range(N_ZH)] + [
        make_record(i, "en", rng) for i in range(N_EN)
    ]
    asr_rng = random.Random(ASR_SEED)
    records += [make_asr_record(i, "en", asr_rng) for i in range(N_ASR_EN)]
    records += [make_asr_record(i, "zh", asr_rng) for i in range(N_ASR_ZH)]
    dense_rng = random.Random(DENSE_SEED)
    records += [make_dense_record(i, "en", dense_rng) for i in range(N_DENSE_EN)]
    records += [make_dense_record(i, "zh", dense_rng) for i in range(N_DENSE_ZH)]
    thousands_rng = random.Random(THOUSANDS_SEED)
    records += [make_thousands_record(i, "en", thousands_rng) for i in range(N_THOUSANDS_EN)]
    records += [make_thousands_record(i, "zh", thousands_rng) for i in range(N_THOUSANDS_ZH)]
    with OUT.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    n_spans = sum(len(r["spans"]) for r in records)
    n_neg = sum(len(r["negatives"]) for r in records)
    print(f"wrote {len(records)} records, {n_spans} PII values, {n_neg} negatives to {OUT}")


if __name__ == "__main__":
    main()
