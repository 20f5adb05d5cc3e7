"""The pure wording helpers the email, the report and the detectors share."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from pvs6sup.core.texts import (
    duration_text,
    fixed_text,
    is_night,
    short_serial,
    short_serials,
    state_text,
    watts_text,
    when_text,
)

LA = ZoneInfo("America/Los_Angeles")


def test_a_moment_in_words_in_the_sites_zone():
    assert when_text(datetime(2026, 6, 21, 16, 25, tzinfo=timezone.utc), LA) == "Sun 21 Jun, 09:25"


@pytest.mark.parametrize(
    "seconds, text",
    [(30, "1 minute"), (20 * 60, "20 minutes"), (2 * 3600, "2 hours"), (47 * 3600, "47 hours"), (3 * 86400, "3 days")],
)
def test_durations_in_the_unit_a_person_uses(seconds, text):
    assert duration_text(seconds) == text


def test_one_short_serial_lengthened_only_where_two_would_read_the_same():
    assert short_serial("E00X00000700007") == "E00…0007"
    assert short_serials(["E00X00000700007", "E00X00000700008"]) == {
        "E00X00000700007": "E00…0007",
        "E00X00000700008": "E00…0008",
    }
    clash = short_serials(["E00X00000710007", "E00X00000720007"])
    assert len(set(clash.values())) == 2 and clash["E00X00000710007"] == "E00…10007"


def test_no_negative_zero_and_asleep_at_night():
    assert fixed_text(-0.003, 2) == "0.00" and fixed_text(-0.2, 2) == "-0.20"
    assert watts_text(-0.0002) == "0 W" and watts_text(0.287) == "287 W" and watts_text(1.25) == "1.25 kW"
    assert is_night([0.0, None, 0.0005]) and not is_night([0.0, 0.2]) and not is_night([None])
    assert state_text("error", night=True) == "asleep" and state_text("error", night=False) == "error"
