"""Speech recognition: offline Whisper weights (weights, ct2, convert), model loading (loader),
the engines behind one interface (backends), the VAD gates (vad), the way back to call time
(timeline), guards against Whisper's failure modes (guards), per-call transcription
(transcribe) and the ``callsentry transcribe`` command (command)."""
