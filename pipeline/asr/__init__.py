"""Speech recognition: offline Whisper weights (weights, ct2, convert), model loading (loader),
the VAD gate (vad), guards against Whisper's failure modes (guards), per-call transcription
(transcribe) and the ``callsentry transcribe`` command (command)."""
