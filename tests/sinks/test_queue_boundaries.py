"""The queue cursor and the age limit at their boundaries (mutation testing: bench/mutation.py): the oldest
entry exactly at the limit, a tenth more dropped, one warning an outage, the in-flight range cut at the cursor."""

import logging
from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.sinks import queue
from pvs6sup.sinks.queue import Queue, Sending, State

T0 = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def _q(data_dir):
    return Queue(data_dir, "test", "Test sink")


def _fill(data_dir, moments):
    return [_q(data_dir).enqueue(at, {"n": n}) for n, at in enumerate(moments)]


def test_nothing_is_dropped_while_the_oldest_is_exactly_at_the_age_limit(tmp_path):
    _fill(tmp_path, [T0, T0 + 2 * DAY])
    assert _q(tmp_path).trim(T0 + 10 * DAY, 10 * DAY) is None
    assert [e.seq for e in _q(tmp_path).pending()] == [1, 2]
    summary = _q(tmp_path).trim(T0 + 10 * DAY + SECOND, 10 * DAY)
    assert summary == (
        "Test sink: 1 queued entries from 2026-06-21 20:00 to 2026-06-21 20:00 UTC were dropped: the queue keeps "
        "10 days"
    )
    assert [e.seq for e in _q(tmp_path).pending()] == [2]
    assert _q(tmp_path).read_state().cursor == 1


def test_past_the_limit_a_tenth_more_of_the_span_is_dropped(tmp_path):
    now = T0 + 10 * DAY + SECOND
    keep_after = now - 9 * DAY  # the limit less a tenth of it
    _fill(tmp_path, [T0, keep_after - SECOND, keep_after, keep_after + SECOND])
    _q(tmp_path).trim(now, 10 * DAY)
    assert [e.seq for e in _q(tmp_path).pending()] == [3, 4]  # the one exactly at the line is kept
    assert (tmp_path / "outbox" / "test" / "queue.jsonl").read_bytes().count(b"\n") == 2


def test_one_warning_an_outage_another_once_a_limit_has_passed_since_the_last_drop(tmp_path, caplog):
    moments = [T0 + DAY * n for n in range(30)]
    _fill(tmp_path, moments)
    first = T0 + 10 * DAY + SECOND
    assert _q(tmp_path).trim(first, 10 * DAY) is not None
    assert _q(tmp_path).read_state().dropped_at == first
    again = first + 10 * DAY  # exactly a limit after the last drop: the same outage
    with caplog.at_level(logging.INFO, logger=queue.__name__):
        assert _q(tmp_path).trim(again, 10 * DAY) is None
    assert "were dropped" in caplog.text
    assert _q(tmp_path).read_state().dropped_at == again
    assert _q(tmp_path).trim(again + 10 * DAY + SECOND, 10 * DAY) is not None


def test_the_in_flight_range_is_cut_at_the_new_cursor(tmp_path):
    now = T0 + 10 * DAY + SECOND
    moments = [T0, T0 + SECOND, now - SECOND, now]
    for sending, kept in (
        (Sending(1, 2, "tab"), None),  # all dropped
        (Sending(1, 3, "tab"), Sending(3, 3, "tab")),
        (Sending(3, 4, "tab"), Sending(3, 4, "tab")),
    ):
        data_dir = tmp_path / f"{sending.first}-{sending.last}"
        _fill(data_dir, moments)
        _q(data_dir).mark_sending(sending.first, sending.last, sending.target)
        _q(data_dir).trim(now, 10 * DAY)
        state = _q(data_dir).read_state()
        assert (state.cursor, state.sending) == (2, kept)


def test_the_cursor_never_moves_back_and_delivered_at_is_the_newest_settled(tmp_path):
    _fill(tmp_path, [T0, T0 + SECOND, T0 + 2 * SECOND])
    _q(tmp_path).confirm(2, memo={"a": 1})
    state = _q(tmp_path).read_state()
    assert (state.cursor, state.delivered_at, state.memo) == (2, T0 + SECOND, {"a": 1})
    _q(tmp_path).confirm(1)
    state = _q(tmp_path).read_state()
    assert (state.cursor, state.delivered_at, state.memo) == (2, T0 + SECOND, {"a": 1})
    assert [e.seq for e in _q(tmp_path).pending()] == [3]
    assert _q(tmp_path).pending_count() == 1


def test_pending_reads_at_most_the_limit(tmp_path):
    _fill(tmp_path, [T0 + SECOND * n for n in range(5)])
    assert [e.seq for e in _q(tmp_path).pending(limit=2)] == [1, 2]
    assert [e.seq for e in _q(tmp_path).pending(limit=1)] == [1]
    assert len(_q(tmp_path).pending()) == 5
    _q(tmp_path).confirm(3)
    assert [e.seq for e in _q(tmp_path).pending(limit=5)] == [4, 5]


def test_the_backlog_age_is_never_negative(tmp_path):
    assert _q(tmp_path).backlog(T0) == queue.Backlog(0, None)
    _fill(tmp_path, [T0, T0 + SECOND])
    assert _q(tmp_path).backlog(T0 - DAY) == queue.Backlog(2, 0.0)
    assert _q(tmp_path).backlog(T0 + 60 * SECOND) == queue.Backlog(2, 60.0)
    assert _q(tmp_path).oldest_pending_age_s(T0 + 60 * SECOND) == 60.0
    _q(tmp_path).confirm(2)
    assert _q(tmp_path).backlog(T0) == queue.Backlog(0, None)
    assert _q(tmp_path).pending_count() == 0


def test_the_last_entry_is_found_from_the_end_of_a_file_past_64_kib(tmp_path):
    big = "x" * 30000
    for n in range(5):
        _q(tmp_path).enqueue(T0 + SECOND * n, {"n": n, "pad": big})
    assert _q(tmp_path).enqueue(T0 + 10 * SECOND, {"n": 5}) == 6
    assert _q(tmp_path).last_queued_at() == T0 + 10 * SECOND
    assert _q(tmp_path).pending_count() == 6


def test_a_damaged_last_line_falls_back_on_the_whole_file(tmp_path):
    _fill(tmp_path, [T0, T0 + SECOND])
    with (tmp_path / "outbox" / "test" / "queue.jsonl").open("ab") as handle:
        handle.write(b"not json\n")
    assert _q(tmp_path)._last_seq() == 2


def test_a_damaged_state_puts_every_queued_entry_in_doubt(tmp_path):
    _fill(tmp_path, [T0, T0 + SECOND, T0 + 2 * SECOND])
    _q(tmp_path).confirm(1)
    (tmp_path / "outbox" / "test" / "state.json").write_bytes(b"{damaged")
    state = _q(tmp_path).read_state()
    assert (state.cursor, state.sending) == (1, Sending(2, 3, ""))
    assert _q(tmp_path).read_state() == state  # written down


def test_the_legacy_state_form_and_a_round_trip():
    assert queue.decode_state(b'{"delivered_through": 7}').cursor == 7
    assert queue.decode_state(b'{"cursor": 3, "delivered_through": 7}').cursor == 3
    state = State(5, Sending(6, 8, "tab"), T0, {"k": [1]}, T0 + DAY, "warn", T0, T0 + SECOND)
    assert queue.decode_state(queue._encode_state(state)) == state
    assert queue.decode_state(queue._encode_state(State())) == State()


def test_abandon_sending_forgets_the_range_only_when_there_is_one(tmp_path):
    _fill(tmp_path, [T0])
    _q(tmp_path).abandon_sending()
    assert not (tmp_path / "outbox" / "test" / "state.json").exists()
    _q(tmp_path).mark_sending(1, 1, "tab")
    _q(tmp_path).abandon_sending()
    assert _q(tmp_path).read_state().sending is None


def test_the_records_are_frozen_and_hashable():
    for record in (queue.Entry(1, T0, {}), Sending(1, 2), State(), queue.Backlog(0, None)):
        with pytest.raises(AttributeError, match="frozen"):
            record.__setattr__(record.__slots__[0], 5)
    assert len({Sending(1, 2), Sending(1, 2)}) == 1


def test_migrating_nothing_does_nothing_and_a_current_file_is_never_overwritten(tmp_path):
    queue.migrate_legacy(tmp_path)
    assert not (tmp_path / "outbox").exists()
    new = tmp_path / "outbox" / "sheets"
    new.mkdir(parents=True)
    (new / "outbox.jsonl").write_bytes(b"old\n")
    (new / "queue.jsonl").write_bytes(b"new\n")
    queue.migrate_legacy(tmp_path)
    assert (new / "queue.jsonl").read_bytes() == b"new\n" and (new / "outbox.jsonl").exists()
    (new / "queue.jsonl").unlink()
    queue.migrate_legacy(tmp_path)
    assert (new / "queue.jsonl").read_bytes() == b"old\n" and not (new / "outbox.jsonl").exists()


def test_a_damaged_state_of_a_queue_never_confirmed_doubts_from_the_first(tmp_path):
    _fill(tmp_path, [T0, T0 + SECOND, T0 + 2 * SECOND])
    (tmp_path / "outbox" / "test" / "state.json").write_bytes(b"{damaged")
    state = _q(tmp_path).read_state()
    assert (state.cursor, state.sending) == (0, Sending(1, 3, ""))
    _q(tmp_path).confirm(1)
    assert _q(tmp_path).read_state().delivered_at == T0


def test_when_only_damage_fills_the_end_the_whole_file_is_read_for_the_last_entry(tmp_path):
    _fill(tmp_path, [T0, T0 + SECOND, T0 + 2 * SECOND])
    with (tmp_path / "outbox" / "test" / "queue.jsonl").open("ab") as handle:
        handle.write(b"x" * 70000 + b"\n")
    assert _q(tmp_path)._last_seq() == 3


def test_the_last_entry_is_read_from_the_end_without_reading_the_whole_file(tmp_path, monkeypatch):
    big = "x" * 40000  # the 64 KiB window holds the last line whole and a cut one before it
    for n in range(4):
        _q(tmp_path).enqueue(T0 + SECOND * n, {"n": n, "pad": big})

    def read_all(self, after=0):
        raise AssertionError("the whole queue was read")

    monkeypatch.setattr(Queue, "_entries", read_all)
    assert _q(tmp_path)._last_seq() == 4
    small = tmp_path / "small"
    _fill(small, [T0, T0 + SECOND])
    assert _q(small)._last_seq() == 2


def test_a_state_without_a_cursor_starts_at_zero_and_text_is_kept_readable(tmp_path):
    assert queue.decode_state(b"{}").cursor == 0
    _q(tmp_path).enqueue(T0, {"site": "Zürich"})
    _q(tmp_path).update_state(memo={"tab": "Juni–Juli"})
    folder = tmp_path / "outbox" / "test"
    assert "Zürich".encode() in (folder / "queue.jsonl").read_bytes()
    assert "Juni–Juli".encode() in (folder / "state.json").read_bytes()


def test_a_damaged_line_is_named_by_its_number(tmp_path, caplog):
    _fill(tmp_path, [T0])
    with (tmp_path / "outbox" / "test" / "queue.jsonl").open("ab") as handle:
        handle.write(b"not json\n")
    with caplog.at_level(logging.WARNING):
        _q(tmp_path).pending()
    assert "line 2:" in caplog.text
