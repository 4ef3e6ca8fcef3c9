"""The closed sets of the redaction and lifecycle settings (imported by ``pipeline.config``)."""

from __future__ import annotations

from enum import StrEnum


class RedactionMode(StrEnum):
    """What replaces a redacted span in the copy of the recording."""

    BEEP = "beep"  # a 1 kHz tone: a listener hears where something was removed
    SILENCE = "silence"  # digital silence


class OriginalAction(StrEnum):
    """What becomes of the original recording after a successful check."""

    KEEP = "keep"  # left where it was found (the default)
    MOVE = "move"  # moved (with its sidecar) into ``original_move_dir``
    DELETE = "delete"  # deleted, only once the redacted copy is written and verified


class RetentionKind(StrEnum):
    """A class of stored data with a retention period of its own."""

    REDACTED_AUDIO = "redacted_audio"  # the redacted recording of a call
    TRANSCRIPTS = "transcripts"  # the masked transcript files (JSON, TXT, SRT) and report.json
    FINDINGS = "findings"  # the call's row with its violations, PII findings and redacted spans
