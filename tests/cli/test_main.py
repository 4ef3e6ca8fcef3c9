"""The `callsentry` command: every subcommand is registered and help stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.cli import build_parser, main

SUBCOMMANDS = [
    "run", "serve", "transcribe", "check-transcript", "redact-text", "rules", "audit",
    "users", "console", "retention",
]  # fmt: skip


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    assert "usage: callsentry" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_help_does_not_import_heavy_engines() -> None:
    code = (
        "import sys; from pipeline.cli import build_parser; build_parser(); "
        "heavy = {'torch', 'whisper', 'presidio_analyzer', 'prefect', 'spacy'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parser_knows_run_options() -> None:
    args = build_parser().parse_args(["run", "a.wav", "calls/", "--out", "o", "--language", "zh"])
    assert [str(p) for p in args.paths] == ["a.wav", "calls"]
    assert args.language == "zh"
