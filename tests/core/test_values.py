from datetime import datetime, timezone

import pytest

from pvs6sup.core import values
from pvs6sup.core.values import build_number, integer, iso_time, mask_pvs_serial, mask_serial, number, parse_pvs_time


@pytest.mark.parametrize(
    "raw, expected",
    [("0.2948", 0.2948), (" 60 ", 60.0), (12, 12.0), ("0", 0.0), ("-0.1187", -0.1187), (1.5, 1.5)],
)
def test_number_reads_strings_and_numbers(raw, expected):
    assert number(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "  ", "nan", "NaN", "inf", "-inf", "abc", True, [], {}, "1e999"])
def test_number_is_none_for_anything_not_a_finite_number(raw):
    assert number(raw) is None


def test_number_outside_its_bounds_is_unknown_not_clamped():
    assert number("1e9", -0.5, 2.0) is None
    assert number("1.9", -0.5, 2.0) == 1.9


def test_integer_accepts_whole_values_only():
    assert integer("12") == 12
    assert integer("12.0") == 12
    assert integer("12.5") is None


def test_pvs_time_is_utc():
    assert parse_pvs_time("2025,09,12,21,11,12") == datetime(2025, 9, 12, 21, 11, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("raw", ["", "2025,13,01,00,00,00", "2025,09,12", None, 20250912, "a,b,c,d,e,f"])
def test_pvs_time_is_none_when_malformed(raw):
    assert parse_pvs_time(raw) is None


def test_iso_time_reads_varserver_msmteps():
    assert iso_time("2025-09-30T15:50:00Z") == datetime(2025, 9, 30, 15, 50, tzinfo=timezone.utc)
    assert iso_time("garbage") is None


def test_build_number_prefers_build_then_swver():
    assert build_number(61845, "2025.09, Build 61845") == 61845
    assert build_number(None, "2025.11, Build 5412") == 5412  # a PVS5 has no BUILD
    assert build_number(None, "1.0.0") is None


def test_masks_never_show_a_pvs_serials_password_characters():
    assert mask_pvs_serial("ZT000000000000000X0001") == "ZT00…"
    assert "0001" not in mask_pvs_serial("ZT000000000000000X0001")
    assert mask_serial("E00122143081392") == "E00…1392"


def test_remembered_answers_are_bounded_and_still_right() -> None:
    # A hostile or broken PVS may send a new string every time: the memo forgets rather than grows.
    for n in range(values.MEMO_LIMIT + 10):
        assert values.text(f" model {n}\x1b ") == f"model {n}"
        assert values.parse_pvs_time(f"2026,01,01,00,00,{n % 60:02d}") == datetime(
            2026, 1, 1, 0, 0, n % 60, tzinfo=timezone.utc
        )
    assert values.text("=cmd") == "'=cmd" and values.text("=cmd") == "'=cmd"  # a remembered answer is the same
    assert values.parse_pvs_time("2026,13,01,00,00,00") is None and values.parse_pvs_time("2026,13,01,00,00,00") is None
    assert len(values._known_texts) <= values.MEMO_LIMIT and len(values._known_times) <= values.MEMO_LIMIT


@pytest.mark.parametrize(
    "name, expected",
    [
        ("20260621T201500Z.json.gz", datetime(2026, 6, 21, 20, 15, tzinfo=timezone.utc)),
        ("20260621T201500Z-1.clock-skew.json.gz", datetime(2026, 6, 21, 20, 15, tzinfo=timezone.utc)),
        ("2026-06-21.tar.gz/20260621T000500Z.json", datetime(2026, 6, 21, 0, 5, tzinfo=timezone.utc)),
        ("20261340T251500Z.json.gz", None),  # shaped like a time, but none
        ("notes.eml", None),
    ],
)
def test_a_file_names_stamp_reads_as_utc_or_none(name, expected):
    assert values.stamp_time(name) == expected


def test_a_file_stamp_is_written_in_utc_and_reads_back():
    from datetime import timedelta

    local = datetime(2026, 6, 21, 13, 15, 7, tzinfo=timezone(timedelta(hours=-7)))
    assert values.file_stamp(local) == "20260621T201507Z"
    assert values.stamp_time(values.file_stamp(local) + "-001.eml") == local
