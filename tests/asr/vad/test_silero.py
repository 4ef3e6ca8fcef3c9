"""The Silero session's threads: one, sequential, and no spin-waiting between windows."""

from __future__ import annotations

from pipeline.asr.vad.silero import NO_SPINNING, SESSION_THREADS, SileroDetector


def test_session_is_single_threaded_without_spinning() -> None:
    options = SileroDetector().session_options
    assert options.intra_op_num_threads == SESSION_THREADS == 1
    assert options.inter_op_num_threads == SESSION_THREADS
    for entry in NO_SPINNING:
        assert options.get_session_config_entry(entry) == "0"
