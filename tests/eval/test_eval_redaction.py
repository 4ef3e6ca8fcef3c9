"""``eval/eval_redaction.py``'s counting, without ASR: suspect turns by speaker and digits read
back."""

from __future__ import annotations

from eval import eval_redaction as ev
from pipeline.models import Segment, Transcript


def test_suspect_turns_count_agent_turns_with_a_digit_apart() -> None:
    segments = (
        Segment("customer", 0.0, 2.0, "yes yes yes", suspect=True, suspect_reason="loop"),
        Segment("agent", 2.0, 4.0, "that card ends in 4421", suspect=True),
        Segment("agent", 4.0, 6.0, "thank you thank you", suspect=True),
        Segment("agent", 6.0, 8.0, "one two three four"),  # not flagged
    )
    assert ev.suspect_turns(Transcript("c", "en", 8.0, segments)) == (1, 2, 1)


def test_a_value_leaks_from_four_consecutive_digits() -> None:
    entry = {"pii": [{"entity_type": "PHONE", "value": "138-0013-8000"}]}
    (check,) = ev.check_values(entry, ["call me on one three eight zero zero"])
    assert (check.digits, check.recovered_run, check.leaked) == (11, 5, True)
