"""The durable outbox: order, sequence numbers, the in-flight mark, torn lines, and the backlog age."""

from datetime import datetime, timedelta, timezone

import pytest

from pvs6sup.sinks import queue
from pvs6sup.sinks.queue import Queue

T0 = datetime(2026, 6, 21, 20, 0, tzinfo=timezone.utc)


def q(data_dir):
    return Queue(data_dir, "test", "Test sink")


def fill(data_dir, count, start=T0):
    return [q(data_dir).enqueue(start + timedelta(minutes=5 * i), {"n": i}) for i in range(count)]


def test_entries_come_back_oldest_first_with_growing_sequence_numbers(tmp_path):
    assert fill(tmp_path, 3) == [1, 2, 3]
    assert [e.payload["n"] for e in q(tmp_path).pending()] == [0, 1, 2]
    assert q(tmp_path).pending()[0].fetched_at == T0


def test_confirmed_entries_leave_and_numbering_continues_after_the_queue_empties(tmp_path):
    fill(tmp_path, 3)
    q(tmp_path).confirm(2)
    assert [e.seq for e in q(tmp_path).pending()] == [3]
    q(tmp_path).confirm(3)
    assert q(tmp_path).pending() == []
    assert (tmp_path / "outbox" / "test" / "queue.jsonl").read_bytes() == b""
    assert q(tmp_path).enqueue(T0, {"n": 9}) == 4  # never reuses a delivered number


def test_a_line_torn_by_a_crash_is_ignored_and_trimmed_by_the_next_append(tmp_path):
    fill(tmp_path, 2)
    with (tmp_path / "outbox" / "test" / "queue.jsonl").open("ab") as handle:
        handle.write(b'{"seq": 3, "fetched_at": "2026-')
    assert [e.seq for e in q(tmp_path).pending()] == [1, 2]
    assert q(tmp_path).enqueue(T0, {"n": 3}) == 3
    assert [e.seq for e in q(tmp_path).pending()] == [1, 2, 3]


def test_the_sending_mark_stays_until_confirmed_or_abandoned(tmp_path):
    fill(tmp_path, 3)
    q(tmp_path).mark_sending(1, 3, "Readings 2026")
    assert q(tmp_path).read_state().sending == queue.Sending(1, 3, "Readings 2026")
    q(tmp_path).abandon_sending()
    assert q(tmp_path).read_state() == queue.State()
    q(tmp_path).mark_sending(1, 3, "Readings 2026")
    q(tmp_path).confirm(1)
    state = q(tmp_path).read_state()
    assert (state.cursor, state.sending) == (1, None)


def test_a_crash_between_cursor_and_compaction_skips_the_delivered_lines(tmp_path, monkeypatch):
    fill(tmp_path, 3)
    writes = []
    real = queue.atomic_write

    def crash_on_second(path, data, **kw):
        writes.append(path.name)
        if len(writes) == 2:
            raise KeyboardInterrupt  # stands in for kill -9 between the two writes
        real(path, data, **kw)

    monkeypatch.setattr(queue, "atomic_write", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        q(tmp_path).confirm(2)
    monkeypatch.undo()
    assert writes == ["state.json", "queue.jsonl"]
    assert len((tmp_path / "outbox" / "test" / "queue.jsonl").read_text().splitlines()) == 3  # not compacted
    assert [e.seq for e in q(tmp_path).pending()] == [3]


def test_the_oldest_pending_age_is_none_when_nothing_waits(tmp_path):
    assert q(tmp_path).oldest_pending_age_s(T0) is None
    fill(tmp_path, 3)
    assert q(tmp_path).oldest_pending_age_s(T0 + timedelta(hours=1)) == 3600
    q(tmp_path).confirm(1)
    assert q(tmp_path).backlog(T0 + timedelta(hours=1)) == queue.Backlog(2, 3300)
    q(tmp_path).confirm(3)
    assert q(tmp_path).oldest_pending_age_s(T0) is None


def test_queue_files_are_private(tmp_path):
    fill(tmp_path, 1)
    q(tmp_path).confirm(1)
    for name in ("queue.jsonl", "state.json"):
        assert oct((tmp_path / "outbox" / "test" / name).stat().st_mode & 0o777) == "0o600"


def test_confirm_saves_the_memo_with_the_cursor_and_clears_a_wait(tmp_path):
    fill(tmp_path, 2)
    q(tmp_path).update_state(retry_after=T0 + timedelta(hours=1))
    q(tmp_path).confirm(1, {"last": [1.5, 2.0]})
    state = q(tmp_path).read_state()
    assert (state.cursor, state.memo, state.retry_after) == (1, {"last": [1.5, 2.0]}, None)
    q(tmp_path).confirm(1)  # no memo given: the saved one stays
    assert q(tmp_path).read_state().memo == {"last": [1.5, 2.0]}


def test_a_queue_past_its_age_limit_drops_the_oldest_with_one_summary(tmp_path):
    fill(tmp_path, 12 * 24 * 3)  # three days of 5-minute entries
    now = T0 + timedelta(days=3)
    assert q(tmp_path).trim(now, timedelta(days=3)) is None  # the oldest is exactly 3 days old: kept
    warning = q(tmp_path).trim(now + timedelta(minutes=10), timedelta(days=2))
    assert warning is not None and "dropped: the queue keeps 2 days" in warning
    oldest = q(tmp_path).pending()[0].fetched_at
    assert now + timedelta(minutes=10) - oldest <= timedelta(days=2) * 0.9  # a tenth more went: no trim next cycle
    assert q(tmp_path).trim(now + timedelta(minutes=15), timedelta(days=2)) is None
    assert q(tmp_path).trim(now + timedelta(hours=6), timedelta(days=2)) is None  # dropped again, warned already
    assert q(tmp_path).pending()[0].fetched_at > T0 + timedelta(days=1, hours=6)
    seqs = [e.seq for e in q(tmp_path).pending()]
    assert seqs[-1] == 12 * 24 * 3
    assert seqs == list(range(seqs[0], 12 * 24 * 3 + 1))  # the newest all kept, in order


def legacy_sheets_folder(data_dir):
    """DATA_DIR/sheets/ as the version before the shared queue left it: 3 rows, 1 delivered, 2..3 in flight."""
    folder = data_dir / "sheets"
    folder.mkdir(parents=True)
    lines = [
        {"seq": n, "fetched_at": (T0 + timedelta(minutes=5 * n)).isoformat(), "payload": {"row": [str(n)]}}
        for n in (2, 3)
    ]
    (folder / "outbox.jsonl").write_text("".join(__import__("json").dumps(line) + "\n" for line in lines))
    (folder / "outbox-state.json").write_text(
        '{"delivered_through": 1, "sending": {"first": 2, "last": 3, "target": "Readings 2026"}, '
        '"delivered_at": "2026-06-21T20:05:00+00:00"}\n'
    )
    (folder / "sheets-cache.json").write_text('{"spreadsheet_id": "x", "worksheets": {}}\n')
    return folder


def assert_migrated(data_dir):
    legacy = Queue(data_dir, "sheets", "Google Sheets")
    state = legacy.read_state()
    assert state.cursor == 1 and state.sending == queue.Sending(2, 3, "Readings 2026")
    assert [e.payload["row"] for e in legacy.pending()] == [["2"], ["3"]]
    assert (data_dir / "outbox" / "sheets" / "sheets-cache.json").exists()
    assert not (data_dir / "sheets").exists()
    assert sorted(p.name for p in (data_dir / "outbox" / "sheets").iterdir()) == [
        "queue.jsonl",
        "sheets-cache.json",
        "state.json",
    ]


def test_the_old_sheets_folder_moves_in_place_with_nothing_lost(tmp_path):
    legacy_sheets_folder(tmp_path)
    queue.migrate_legacy(tmp_path)
    assert_migrated(tmp_path)
    queue.migrate_legacy(tmp_path)  # again: nothing to do
    assert_migrated(tmp_path)


@pytest.mark.parametrize("kill_at_rename", [1, 2, 3])
def test_a_kill_in_the_middle_of_the_move_is_finished_by_the_next_run(tmp_path, monkeypatch, kill_at_rename):
    legacy_sheets_folder(tmp_path)
    renames = []
    real = queue.os.rename

    def rename(src, dst):
        renames.append(src)
        if len(renames) == kill_at_rename:
            raise KeyboardInterrupt  # stands in for kill -9 before this rename
        real(src, dst)

    monkeypatch.setattr(queue.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        queue.migrate_legacy(tmp_path)
    monkeypatch.undo()
    queue.migrate_legacy(tmp_path)
    assert_migrated(tmp_path)


def test_an_old_folder_made_again_after_the_move_is_brought_over_without_overwriting(tmp_path, caplog):
    legacy_sheets_folder(tmp_path)
    queue.migrate_legacy(tmp_path)
    folder = tmp_path / "sheets"  # an older version ran once more
    folder.mkdir()
    (folder / "outbox.jsonl").write_text("")
    (folder / "google-token.json").write_text("{}")
    queue.migrate_legacy(tmp_path)
    assert (tmp_path / "outbox" / "sheets" / "google-token.json").exists()
    assert (folder / "outbox.jsonl").exists()  # the live queue.jsonl is not overwritten; said once
    assert [r.message for r in caplog.records if "kept where it is" in r.message]
    assert [e.seq for e in Queue(tmp_path, "sheets", "Google Sheets").pending()] == [2, 3]
