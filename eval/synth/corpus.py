"""The end-to-end corpus: every script of ``eval/e2e/<set>/`` rendered to
``<out>/<set>/<id>.<ext>`` with its ``<id>.truth.json`` (schema: ``eval/e2e/README.md``)."""

from __future__ import annotations

from pathlib import Path

from eval.synth.render import ALAW_TEL8K, CONDITION_FORMATS, Format, render, truth, write_json
from eval.synth.script import CallScript, load_scripts
from eval.synth.voices import DEFAULT_VOICES

E2E_DIR = Path(__file__).resolve().parents[1] / "e2e"
SETS = ("tuning", "heldout")


def plan(script: CallScript, index: int) -> tuple[dict[str, str], int, Format]:
    """Cast, channel count and format of the ``index``-th call of a set."""
    casts = DEFAULT_VOICES[script.language]
    cast = {**casts[index % len(casts)], **script.voices}
    channels = 1 if script.condition == "mono" else 2
    fmt = CONDITION_FORMATS[script.condition]
    if script.condition == "tel8k" and index % 2:
        fmt = ALAW_TEL8K  # both G.711 laws appear in the corpus
    return cast, channels, fmt


def render_one(script: CallScript, index: int, folder: Path) -> str:
    """Render one call and its truth into ``folder``; a line for the log."""
    cast, channels, fmt = plan(script, index)
    audio = folder / f"{script.call_id}{fmt.suffix}"
    timeline = render(script, cast, channels, fmt, audio)
    write_json(
        folder / f"{script.call_id}.truth.json",
        truth(script, timeline, cast, channels, fmt, audio.name),
    )
    return f"{audio} {timeline.duration:.1f} s {audio.stat().st_size / 1e3:.0f} kB"


def jobs(out: Path, sets: tuple[str, ...] = SETS) -> list[tuple[CallScript, int, Path]]:
    """Every call to render: (script, index in its set, output folder)."""
    work = []
    for name in sets:
        for index, script in enumerate(load_scripts(E2E_DIR / name)):
            work.append((script, index, out / name))
    return work
