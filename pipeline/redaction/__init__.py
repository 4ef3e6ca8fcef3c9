"""Audio redaction and the data lifecycle.

- :mod:`~pipeline.redaction.modes`: the closed sets of the settings (beep / silence, what
  becomes of the original), with no import, so ``pipeline.config`` can name them;
- :mod:`~pipeline.redaction.policy`: which entity types are redacted from audio (the ``audio:``
  section of the masking policy);
- :mod:`~pipeline.redaction.spans`: where, from the word timestamps, per channel;
- :mod:`~pipeline.redaction.render`: the redacted copy written as FLAC, read back and checked;
- :mod:`~pipeline.redaction.stage`: one call, end to end (what the batch flow calls);
- :mod:`~pipeline.redaction.lifecycle`: the original kept, moved or deleted; retention.

Nothing here imports this package's ``__init__`` members: import the modules.
"""
