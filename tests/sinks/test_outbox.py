"""The durable outbox: order, sequence numbers, the in-flight mark, torn lines, and the backlog age."""

from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.sinks import queue as outbox

T0 = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)


def fill(data_dir, count, start=T0):
    return [outbox.enqueue(data_dir, start + timedelta(minutes=5 * i), {"n": i}) for i in range(count)]


def test_entries_come_back_oldest_first_with_growing_sequence_numbers(tmp_path):
    assert fill(tmp_path, 3) == [1, 2, 3]
    assert [e.payload["n"] for e in outbox.pending(tmp_path)] == [0, 1, 2]
    assert outbox.pending(tmp_path)[0].fetched_at == T0


def test_confirmed_entries_leave_and_numbering_continues_after_the_queue_empties(tmp_path):
    fill(tmp_path, 3)
    outbox.confirm(tmp_path, 2)
    assert [e.seq for e in outbox.pending(tmp_path)] == [3]
    outbox.confirm(tmp_path, 3)
    assert outbox.pending(tmp_path) == []
    assert (tmp_path / "sheets" / "outbox.jsonl").read_bytes() == b""
    assert outbox.enqueue(tmp_path, T0, {"n": 9}) == 4  # never reuses a delivered number


def test_a_line_torn_by_a_crash_is_ignored_and_trimmed_by_the_next_append(tmp_path):
    fill(tmp_path, 2)
    with (tmp_path / "sheets" / "outbox.jsonl").open("ab") as handle:
        handle.write(b'{"seq": 3, "fetched_at": "2026-')
    assert [e.seq for e in outbox.pending(tmp_path)] == [1, 2]
    assert outbox.enqueue(tmp_path, T0, {"n": 3}) == 3
    assert [e.seq for e in outbox.pending(tmp_path)] == [1, 2, 3]


def test_the_sending_mark_stays_until_confirmed_or_abandoned(tmp_path):
    fill(tmp_path, 3)
    outbox.mark_sending(tmp_path, 1, 3, "Readings 2026")
    assert outbox.read_state(tmp_path).sending == outbox.Sending(1, 3, "Readings 2026")
    outbox.abandon_sending(tmp_path)
    assert outbox.read_state(tmp_path) == outbox.State(0, None)
    outbox.mark_sending(tmp_path, 1, 3, "Readings 2026")
    outbox.confirm(tmp_path, 1)
    state = outbox.read_state(tmp_path)
    assert (state.delivered_through, state.sending) == (1, None)


def test_a_crash_between_cursor_and_compaction_skips_the_delivered_lines(tmp_path, monkeypatch):
    fill(tmp_path, 3)
    writes = []
    real = outbox.atomic_write

    def crash_on_second(path, data, **kw):
        writes.append(path.name)
        if len(writes) == 2:
            raise KeyboardInterrupt  # stands in for kill -9 between the two writes
        real(path, data, **kw)

    monkeypatch.setattr(outbox, "atomic_write", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        outbox.confirm(tmp_path, 2)
    monkeypatch.undo()
    assert writes == ["outbox-state.json", "outbox.jsonl"]
    assert len((tmp_path / "sheets" / "outbox.jsonl").read_text().splitlines()) == 3  # not compacted
    assert [e.seq for e in outbox.pending(tmp_path)] == [3]


def test_the_oldest_pending_age_is_none_when_nothing_waits(tmp_path):
    assert outbox.oldest_pending_age_s(tmp_path, T0) is None
    fill(tmp_path, 3)
    assert outbox.oldest_pending_age_s(tmp_path, T0 + timedelta(hours=1)) == 3600
    outbox.confirm(tmp_path, 1)
    assert outbox.backlog(tmp_path, T0 + timedelta(hours=1)) == outbox.Backlog(2, 3300)
    outbox.confirm(tmp_path, 3)
    assert outbox.oldest_pending_age_s(tmp_path, T0) is None


def test_queue_files_are_private(tmp_path):
    fill(tmp_path, 1)
    outbox.confirm(tmp_path, 1)
    for name in ("outbox.jsonl", "outbox-state.json"):
        assert oct((tmp_path / "sheets" / name).stat().st_mode & 0o777) == "0o600"
