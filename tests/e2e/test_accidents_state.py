"""Every state file crossed with every damage, through main() against a simulated new-firmware PVS over pinned
HTTPS, a faked Google Sheets and a real SMTP server on 127.0.0.1.

In each case the next cycle records a new readings.csv row (exit 0), one warning names the file and what was
done, the sheet ends up holding every CSV row exactly once, the alert state is saved with the new reading, and
an alert email queued behind a damaged one still goes. "Another user's file" (a `sudo … run`) is made real:
the files are given to uid 65534 and root, and the cycle runs in a forked child that became uid 65534.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import responses

from pvs6sup.alerts.state import load, queue_email, queued_emails
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel
from pvs6sup.sinks.queue import sheets_queue
from tests.support.google_fake import SHEET_ID, Failure, FakeGoogle, write_key
from tests.support.harness import SITE_ENV, Harness, Result
from tests.support.selfsigned import make_certificate
from tests.support.sim.varserver_pvs import SimulatedNewFirmwarePVS
from tests.support.smtp_server import Inbox, mail_env, start_server

SERIAL = "ZT000000000000000X0999"  # made up
TAB = "Readings 2026"
NOBODY = 65534


@dataclass
class Site:
    harness: Harness
    pvs: SimulatedNewFirmwarePVS
    google: FakeGoogle
    inbox: Inbox

    @property
    def data(self) -> Path:
        return self.harness.data_dir

    def cycle(self) -> Result:
        result = self.harness.run("run")
        self.harness.clock.advance(minutes=5)
        return result

    def csv_times(self) -> list[str]:
        with (self.data / "readings.csv").open() as handle:
            return [row["timestamp"][:19] for row in csv.DictReader(handle)]

    def sheet_times(self) -> list[str]:
        from datetime import datetime

        epoch = datetime(1899, 12, 30)
        column = self.google.tab(TAB).column("timestamp")
        return [(epoch + timedelta(days=v)).strftime("%Y-%m-%dT%H:%M:%S") for v in column]


def start(harness: Harness, folder: Path) -> Iterator[Site]:
    context, _ = make_certificate(folder)
    key = write_key(folder / "key.json")
    controller, inbox = start_server("none")
    pvs = SimulatedNewFirmwarePVS(
        site=SimulatedSite(SiteModel()), clock=harness.clock, serial=SERIAL, ssl_context=context
    )
    try:
        with pvs, responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            google = FakeGoogle(rsps).install()
            rsps.add_passthru("https://127.0.0.1")
            harness.env.update(
                {
                    "PVS_HOST": pvs.base_url,
                    **SITE_ENV,
                    "WEATHER_PROVIDER": "none",
                    "GOOGLE_SERVICE_ACCOUNT_FILE": str(key),
                    "GOOGLE_SHEET_ID": SHEET_ID,
                    **mail_env(controller.port),
                }
            )
            yield Site(harness, pvs, google, inbox)
    finally:
        controller.stop()


@pytest.fixture
def site(harness: Harness, tmp_path: Path) -> Iterator[Site]:
    yield from start(harness, tmp_path)


def warm_up(site: Site) -> None:
    """Three delivered cycles, then one whose append lands but whose answer is lost (a row in doubt)."""
    for _ in range(3):
        assert site.cycle().code == 0
    site.google.failures.append(Failure(on="append", applied_then_lost=True))
    assert site.cycle().code == 0
    assert sheets_queue(site.data).read_state().sending is not None


def queue_an_email(site: Site, minutes: int, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "pvs@example.invalid", "owner@example.invalid", subject
    message.set_content("test")
    queue_email(site.data, message, site.harness.clock.now + timedelta(minutes=minutes), 1)


# --- the damages ---------------------------------------------------------------------------------


def truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: max(1, len(data) // 2)])


def bit_flipped(path: Path) -> None:
    """One bit of a byte that matters: gzip's checksum, or a structural character of a text file."""
    data = bytearray(path.read_bytes())
    spot = len(data) // 2 if data[:2] == b"\x1f\x8b" else next(i for i, b in enumerate(data) if b in b'{["' + b":")
    data[spot] ^= 0x01
    path.write_bytes(bytes(data))


def gzip_truncated(path: Path) -> None:
    data = path.read_bytes()
    assert data[:2] == b"\x1f\x8b"
    path.write_bytes(data[:-6])  # the deflate stream stops short of its end and checksum


def empty(path: Path) -> None:
    path.write_bytes(b"")


def junk(path: Path) -> None:
    """Valid JSON of the wrong shape (gzipped where the file is), or binary rubbish elsewhere."""
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(b"[1, 2, 3]"))
    elif path.suffix in (".json", ".jsonl"):
        path.write_bytes(b'["not", "this"]\n')
    else:
        path.write_bytes(b"\x00\xff\xfe binary \xe9\n\x01")


def a_folder(path: Path) -> None:
    if path.exists():
        path.unlink()
    (path / "inside").mkdir(parents=True)


# --- the state files -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StateFile:
    name: str  # relative to DATA_DIR
    what: str  # the words of the warning
    prepare: Callable[[Site], None] | None = None  # make the file exist in a state worth damaging


def damaged_email_first(site: Site) -> None:
    queue_an_email(site, -10, "damaged one")  # queued first: it must not block the one behind it
    queue_an_email(site, -5, "queued behind")


FILES = {
    "alert state": StateFile("alerts-state.json.gz", "alert state"),
    "alert email": StateFile("alerts-outbox/{first}", "queued alert email", damaged_email_first),
    "sheets queue": StateFile("outbox/sheets/queue.jsonl", "Google Sheets queue"),
    "sheets state": StateFile("outbox/sheets/state.json", "Google Sheets queue state"),
    "sheets cache": StateFile("outbox/sheets/sheets-cache.json", "Google Sheets cache"),
    "pvs session": StateFile("pvs-session", "PVS session"),
    "pin": StateFile("pvs-certificate.sha256", "PVS certificate pin"),
    "firmware cache": StateFile("pvs-firmware.json", "PVS firmware cache"),
    "known inverters": StateFile("pvs-inverters.json", "known-inverters file"),
    "lock": StateFile(".lock", "lock file"),
}

CASES = [
    ("alert state", truncated),
    ("alert state", bit_flipped),
    ("alert state", gzip_truncated),
    ("alert state", empty),
    ("alert state", junk),
    ("alert state", a_folder),
    ("alert email", bit_flipped),
    ("alert email", empty),
    ("alert email", junk),
    ("alert email", a_folder),
    ("sheets queue", truncated),
    ("sheets queue", bit_flipped),
    ("sheets queue", junk),
    ("sheets queue", a_folder),
    ("sheets state", truncated),
    ("sheets state", bit_flipped),
    ("sheets state", empty),
    ("sheets state", junk),
    ("sheets state", a_folder),
    ("sheets cache", truncated),
    ("sheets cache", bit_flipped),
    ("sheets cache", empty),
    ("sheets cache", junk),
    ("sheets cache", a_folder),
    ("pvs session", empty),
    ("pvs session", junk),
    ("pvs session", a_folder),
    ("pin", truncated),
    ("pin", bit_flipped),
    ("pin", empty),
    ("pin", junk),
    ("pin", a_folder),
    ("firmware cache", truncated),
    ("firmware cache", empty),
    ("firmware cache", junk),
    ("firmware cache", a_folder),
    ("known inverters", truncated),
    ("known inverters", junk),
    ("known inverters", a_folder),
    ("lock", a_folder),
]


def resolve(site: Site, state_file: StateFile) -> Path:
    if "{first}" in state_file.name:
        return queued_emails(site.data)[0]
    return site.data / state_file.name


def check_healed(site: Site, result: Result, before: int, path: Path, what: str) -> None:
    assert result.code == 0, result.stderr
    assert len(site.csv_times()) == before + 1  # this cycle's reading is recorded
    lines = [line for line in result.stderr.splitlines() if str(path) in line]
    assert len(lines) == 1, result.stderr  # one warning names the file ...
    assert what in lines[0] and path.name + ".damaged" in lines[0]  # ... and what was done about it
    assert "different HTTPS certificate" not in result.stderr and "internal error" not in result.stderr
    state = load(site.data)  # the alerts ran on this reading and saved their state
    assert state.detector.last_reading_at is not None
    assert state.detector.last_reading_at >= site.harness.clock.now - timedelta(minutes=5)


@pytest.mark.parametrize(("file_key", "damage"), CASES, ids=[f"{f}-{d.__name__}" for f, d in CASES])
@pytest.mark.slow
def test_a_damaged_state_file_is_set_aside_and_the_next_cycle_records(site: Site, file_key: str, damage) -> None:
    state_file = FILES[file_key]
    warm_up(site)
    if state_file.prepare:
        state_file.prepare(site)
    path = resolve(site, state_file)
    if damage is not a_folder:
        assert path.is_file() and path.stat().st_size > 0, f"{path} should exist before it is damaged"
    damage(path)
    before = len(site.csv_times())

    result = site.cycle()
    if (file_key, damage) == ("sheets queue", truncated):  # a torn last line is what a crash leaves: no damage,
        assert result.code == 0 and "re-queued 1 row from readings.csv" in result.stderr  # its row comes back
    else:
        check_healed(site, result, before, path, state_file.what)
    assert site.cycle().code == 0  # and the one after is quiet again
    assert site.sheet_times() == site.csv_times()  # every row in the sheet, none twice
    assert not sheets_queue(site.data).pending()
    if file_key == "alert email":
        assert [m["Subject"] for m in site.inbox.messages] == ["queued behind"]


@pytest.mark.slow
def test_rows_recorded_but_never_queued_are_all_requeued_from_the_whole_csv_in_one_line(site: Site) -> None:
    """Three days of rows reached the CSVs but not the queue (far more than the 64 KiB tail once read)."""
    from datetime import datetime

    warm_up(site)
    with (site.data / "readings.csv").open() as handle:
        last = list(csv.reader(handle))[-1]
    with (site.data / "inverters-2026-06.csv").open() as handle:
        inverters = [row for row in csv.reader(handle) if row[0] == last[0]]
    moment = datetime.fromisoformat(last[0])
    missed = 3 * 288
    with (
        (site.data / "readings.csv").open("a", newline="") as r,
        (site.data / "inverters-2026-06.csv").open("a", newline="") as i,
    ):
        for _ in range(missed):
            moment += timedelta(minutes=5)
            csv.writer(r, lineterminator="\n").writerow([moment.isoformat(), *last[1:]])
            csv.writer(i, lineterminator="\n").writerows([[moment.isoformat(), *row[1:]] for row in inverters])
    assert (site.data / "readings.csv").stat().st_size > 64 * 1024
    assert (site.data / "inverters-2026-06.csv").stat().st_size > 512 * 1024
    site.harness.clock.now = moment.astimezone(site.harness.clock.now.tzinfo) + timedelta(minutes=5)

    result = site.cycle()
    assert result.code == 0, result.stderr
    requeued = [line for line in result.stderr.splitlines() if "re-queued" in line]
    assert requeued == [f"pvs6-supervisor: warning: re-queued {missed} rows from readings.csv for Google Sheets"]
    assert site.sheet_times() == site.csv_times()
    tab = site.google.tab(TAB)
    column = tab.header.index(inverters[0][1] + "_kw")
    assert all(row[column] not in ("", None) for row in tab.data[-missed - 1 : -1])  # inverter columns came too


# --- another user's files (a `sudo … run`) -------------------------------------------------------


@pytest.fixture
def shared_site() -> Iterator[Site]:
    """A site in a folder uid 65534 can reach (pytest's own tmp folder is root's alone)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to give files to another user and to become that user in a child")
    folder = Path(tempfile.mkdtemp(prefix="pvs6-sudo-"))
    folder.chmod(0o755)
    harness = Harness(folder)
    try:
        yield from start(harness, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_as_nobody(site: Site) -> Result:
    """One cycle in a forked child that became uid 65534, as cron runs it for the owner of DATA_DIR."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        try:
            os.close(read_end)
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = site.harness.run("run")
            os.write(write_end, json.dumps([result.code, result.stdout, result.stderr]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        answer = handle.read()
    os.waitpid(pid, 0)
    site.harness.clock.advance(minutes=5)
    code, stdout, stderr = json.loads(answer)
    return Result(code, stdout, stderr)


def give_to_nobody(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("alerts-state.json.gz", 0o600),
        ("outbox/sheets/state.json", 0o600),
        ("outbox/sheets/queue.jsonl", 0o644),  # readable, not writable: copied into a file of ours
        ("pvs-session", 0o600),
        ("pvs-certificate.sha256", 0o600),
        ("pvs-firmware.json", 0o600),
        ("pvs-inverters.json", 0o600),
        (".lock", 0o600),
    ],
)
@pytest.mark.slow
def test_a_file_left_by_sudo_run_heals_and_names_the_chown_command(shared_site: Site, name: str, mode: int) -> None:
    site = shared_site
    warm_up(site)
    give_to_nobody(site.harness.tmp_path)
    path = site.data / name
    os.chown(path, 0, 0)  # root's, as `sudo … run` leaves it
    path.chmod(mode)
    before = len(site.csv_times())
    site.google.outage = True  # Google answers the child's copy of the fake, not ours: let the rows wait

    result = run_as_nobody(site)
    assert result.code == 0, result.stderr
    assert len(site.csv_times()) == before + 1
    lines = [line for line in result.stderr.splitlines() if str(path) in line]
    assert len(lines) == 1, result.stderr
    assert f"sudo chown -R nobody: {site.data}" in lines[0]
    assert run_as_nobody(site).code == 0
    site.google.outage = False
    assert site.cycle().code == 0  # back as root, with Google answering this process: all rows once
    assert site.sheet_times() == site.csv_times()
