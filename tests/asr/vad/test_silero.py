"""The Silero gate: its session's threads (one, sequential, no spin-waiting between windows),
and the channels of a call judged as one batch with the numbers of one channel at a time."""

from __future__ import annotations

import numpy as np
import onnxruntime

from pipeline.asr.vad import SAMPLE_RATE
from pipeline.asr.vad.silero import (
    CONTEXT_SAMPLES,
    NO_SPINNING,
    SESSION_THREADS,
    STATE_SHAPE,
    WINDOW_SAMPLES,
    SileroDetector,
    model_path,
)

EN_CALL = "en_card_lost_compliant.flac"


def test_session_is_single_threaded_without_spinning() -> None:
    options = SileroDetector().session_options
    assert options.intra_op_num_threads == SESSION_THREADS == 1
    assert options.inter_op_num_threads == SESSION_THREADS
    for entry in NO_SPINNING:
        assert options.get_session_config_entry(entry) == "0"


def _one_channel_at_a_time(samples: np.ndarray) -> np.ndarray:
    """Silero's recurrence over one channel, window by window, straight from the ONNX model."""
    session = onnxruntime.InferenceSession(str(model_path()), providers=["CPUExecutionProvider"])
    state = np.zeros(STATE_SHAPE, np.float32)
    context = np.zeros((1, CONTEXT_SAMPLES), np.float32)
    probs = []
    for i in range(len(samples) // WINDOW_SAMPLES):
        window = samples[i * WINDOW_SAMPLES : (i + 1) * WINDOW_SAMPLES][None, :]
        step = np.concatenate([context, window], axis=1)
        out, state = session.run(
            None, {"input": step, "state": state, "sr": np.array(SAMPLE_RATE, np.int64)}
        )
        probs.append(out[0, 0])
        context = window[:, -CONTEXT_SAMPLES:]
    return np.array(probs, np.float32)


def test_channels_in_one_batch_have_each_channels_own_probabilities(decode) -> None:
    agent, customer = (np.asarray(c.samples, np.float32) for c in decode(EN_CALL).channels)
    customer = customer[: len(customer) * 3 // 5]  # channels of different lengths
    detector = SileroDetector()
    batched = detector.batch_probabilities([agent, customer])
    assert [len(p) for p in batched] == [len(agent) // 512, len(customer) // 512]
    for probs, samples in zip(batched, (agent, customer), strict=True):
        np.testing.assert_allclose(probs, _one_channel_at_a_time(samples), atol=1e-5)
        assert (probs > 0.5).any() and (probs < 0.35).any()  # speech and pauses in each


def test_detect_channels_is_detect_of_each(decode) -> None:
    agent, customer = (np.asarray(c.samples, np.float32) for c in decode(EN_CALL).channels)
    short = agent[: WINDOW_SAMPLES - 1]  # less than one window: no speech, no model step
    detector = SileroDetector()
    together = detector.detect_channels([agent, short, customer[: len(customer) // 2]])
    apart = [detector.detect(agent), [], detector.detect(customer[: len(customer) // 2])]
    assert together == apart
    assert together[0] and together[2]
    assert detector.detect_channels([]) == []
