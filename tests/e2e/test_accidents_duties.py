"""Accidents to one duty of a cycle, each run through main() against real loopback servers: a PVS, a mail
server (aiosmtpd or a raw socket) and a watchdog (HEALTHCHECK_URL).

For every case: the documented exit code, one line on stderr naming the problem (no traceback, no URL of
the watchdog), a row recorded unless the record itself failed, the watchdog told which, the other duties
done, and a normal cycle right after.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from pvs6sup import cycle
from pvs6sup.alerts import smtp
from pvs6sup.alerts.state import queue_email, queued_emails
from pvs6sup.net import healthcheck
from pvs6sup.notify import step  # its send_queued: the alert emails it sends each cycle
from pvs6sup.settings.config import EmailSettings
from pvs6sup.store.lock import data_dir_lock
from tests.support.harness import Harness, fixture_bytes
from tests.support.hostile import HostileServer, http_answer, reply
from tests.support.smtp_server import Inbox, free_port

GOOD = http_answer(200, fixture_bytes("legacy_build61839_net_loadside/devicelist.json"))
OWNER, STRANGER = "owner@example.invalid", "gone@example.invalid"


class Watchdog:
    """A healthchecks.io stand-in on 127.0.0.1: records (method, path, body); can answer 500 or hang."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str, str]] = []
        self.mode = "ok"
        self.release = threading.Event()
        watchdog = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                watchdog.hits.append((self.command, self.path, body))
                if watchdog.mode == "hang":
                    watchdog.release.wait(30)
                self.send_response(500 if watchdog.mode == "500" else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            do_GET = do_POST = _answer  # noqa: N815 (http.server's names)

            def log_message(self, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/ping/0000-secret-uuid"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def heard_since(self, start: int, expected: int) -> list[tuple[str, str, str]]:
        """The hits after the first `start`, once `expected` of them arrived (a busy server may lag)."""
        deadline = time.monotonic() + 10
        while len(self.hits) < start + expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.hits[start:]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@dataclass
class PickyInbox(Inbox):
    """aiosmtpd handler that can refuse chosen recipients, or every DATA, with a given answer."""

    rcpt_answers: dict[str, str] = field(default_factory=dict)
    data_answer: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.rcpt_answers:
            return self.rcpt_answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_answer:
            return self.data_answer
        return await super().handle_DATA(server, session, envelope)


@dataclass
class World:
    harness: Harness
    pvs: HostileServer
    watchdog: Watchdog
    inbox: PickyInbox
    smtp_port: int
    monkeypatch: pytest.MonkeyPatch

    def rows(self) -> int:
        path = self.harness.data_dir / "readings.csv"
        return max(0, path.read_bytes().count(b"\n") - 1) if path.is_file() else 0

    def queue(self, subject: str, to: str = OWNER) -> Path:
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = subject, "pvs@example.invalid", to
        message.set_content("an alert\n")
        number = len(queued_emails(self.harness.data_dir))
        return queue_email(self.harness.data_dir, message, self.harness.clock.now, number)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.inbox.messages]


@pytest.fixture
def world(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    inbox = PickyInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    watchdog = Watchdog()
    with HostileServer(behaviour=reply(GOOD)) as pvs:
        harness.env.update(
            PVS_HOST=pvs.base_url,
            PVS_TIMEOUT="2",
            WEATHER_PROVIDER="none",
            MAX_CLOCK_SKEW="0",
            TIMEZONE="America/Los_Angeles",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(controller.port),
            SMTP_SECURITY="none",
            SMTP_TIMEOUT="2",
            ALERT_EMAIL_FROM="pvs@example.invalid",
            ALERT_EMAIL_TO=OWNER,
            HEALTHCHECK_URL=watchdog.url,
        )
        yield World(harness, pvs, watchdog, inbox, controller.port, monkeypatch)
    controller.stop()
    watchdog.close()


def trickle_headers(conn: socket.socket) -> None:
    """A status line, then one header byte every 0.1 s: each read is quick, the answer never ends."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for _ in range(600):
        conn.sendall(b"X")
        time.sleep(0.1)


def trickling_mail_server(world: World) -> None:
    """A mail server whose greeting comes a byte every 0.1 s."""
    world.harness.env["SMTP_PORT"] = str(trickling_greeting())


def queued_for_a_trickling_mail_server(world: World) -> None:
    world.queue("[PVS6] waiting")
    trickling_mail_server(world)


def mail_answers(answer: str, subject: str) -> Callable[[World], None]:
    """The mail server answers DATA with this, and an email with this subject is queued."""

    def arrange(world: World) -> None:
        world.inbox.data_answer = answer
        world.queue(subject)

    return arrange


def watchdog_hangs(world: World) -> None:
    world.watchdog.mode = "hang"
    world.monkeypatch.setattr(healthcheck, "TIMEOUT_S", 1.0)


def watchdog_back(world: World) -> None:
    world.watchdog.mode = "ok"
    world.watchdog.release.set()
    world.monkeypatch.undo()


def trickling_greeting() -> int:
    """Start a mail server whose greeting comes a byte every 0.1 s; its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        with server:
            conn, _ = server.accept()
            with conn, contextlib.suppress(OSError):  # the client hangs up at its deadline
                for byte in b"220-" * 200:
                    conn.sendall(bytes([byte]))
                    time.sleep(0.1)

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


def crash(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug")


def hold_lock(world: World) -> None:
    holder = data_dir_lock(world.harness.data_dir)
    holder.__enter__()
    world.held = holder  # type: ignore[attr-defined]


def release_lock(world: World) -> None:
    world.held.__exit__(None, None, None)  # type: ignore[attr-defined]


def file_in_place_of(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.write_bytes(b"not a folder")


def readings_csv_a_folder(world: World) -> None:
    (world.harness.data_dir / "readings.csv").rename(world.harness.data_dir / "kept.csv")
    (world.harness.data_dir / "readings.csv").mkdir()


def readings_csv_back(world: World) -> None:
    (world.harness.data_dir / "readings.csv").rmdir()
    (world.harness.data_dir / "kept.csv").rename(world.harness.data_dir / "readings.csv")


@dataclass
class Case:
    name: str
    arrange: Callable[[World], object]
    code: int
    stderr: str  # a fragment of the one line on stderr ("" for a silent run)
    ping: str  # what the watchdog heard: "up", "fail" or "" (nothing)
    check: Callable[[World], object] = lambda world: None  # False fails the case
    repair: Callable[[World], object] = lambda world: None
    max_s: float = 30.0


CASES = [
    Case(
        "raw folder is a file: the CSVs still record",
        lambda w: file_in_place_of(w.harness.data_dir / "raw"),
        0,
        "the reading is recorded without its raw answer",
        "up",
        repair=lambda w: (w.harness.data_dir / "raw").unlink(),
    ),
    Case(
        "today's raw folder is a file",
        lambda w: file_in_place_of(w.harness.data_dir / "raw" / "2026" / "06" / "21"),
        0,
        "the reading is recorded without its raw answer",
        "up",
        repair=lambda w: (w.harness.data_dir / "raw" / "2026" / "06" / "21").unlink(),
    ),
    Case(
        "PVS trickles its headers past PVS_TIMEOUT",
        lambda w: setattr(w.pvs, "behaviour", trickle_headers),
        1,
        "did not answer within 2 s (PVS_TIMEOUT)",
        "fail",
        repair=lambda w: setattr(w.pvs, "behaviour", reply(GOOD)),
        max_s=2 + 4,  # PVS_TIMEOUT, and room for a busy machine
    ),
    Case(
        "readings.csv is a folder: exit 4, the watchdog hears it",
        readings_csv_a_folder,
        4,
        "readings.csv",
        "fail",
        repair=readings_csv_back,
    ),
    Case(
        "another run holds the lock: exit 3, no ping (that run pings)",
        hold_lock,
        3,
        "another run",
        "",
        repair=release_lock,
    ),
    Case(
        "mail server trickles its greeting: the run ends within SMTP_TIMEOUT",
        queued_for_a_trickling_mail_server,
        0,
        "did not finish within 2 s (SMTP_TIMEOUT)",
        "up",
        check=lambda w: [p.name for p in queued_emails(w.harness.data_dir)] != [],
        repair=lambda w: w.harness.env.update(SMTP_PORT=str(w.smtp_port)),
        max_s=2 + 4,
    ),
    Case(
        "mail server refuses one email for good (550): set aside, the next goes",
        lambda w: (
            w.inbox.rcpt_answers.update({STRANGER: "550 5.1.1 no such user"}),
            w.queue("[PVS6] to a gone address", STRANGER),
            w.queue("[PVS6] behind it"),
        ),
        0,
        "550 5.1.1 no such user",
        "up",
        check=lambda w: (
            w.subjects() == ["[PVS6] behind it"]
            and [p.name for p in (w.harness.data_dir / "alerts-outbox" / "refused").iterdir()] != []
            and not queued_emails(w.harness.data_dir)
        ),
    ),
    Case(
        "mail server refuses the content for good (554 on DATA)",
        mail_answers("554 5.7.1 looks like spam", "[PVS6] spammy"),
        0,
        "554 5.7.1 looks like spam",
        "up",
        check=lambda w: not queued_emails(w.harness.data_dir),
        repair=lambda w: setattr(w.inbox, "data_answer", None),
    ),
    Case(
        "mail server says try later (451): the email stays queued",
        mail_answers("451 4.3.0 try later", "[PVS6] later"),
        0,
        "kept to retry next cycle",
        "up",
        check=lambda w: len(queued_emails(w.harness.data_dir)) == 1,
        repair=lambda w: setattr(w.inbox, "data_answer", None),
    ),
    Case(
        "the alert detectors crash (a bug): email and watchdog still done",
        lambda w: (w.monkeypatch.setattr(cycle, "after_reading", crash), w.queue("[PVS6] queued before")),
        0,
        "alerts: internal error RuntimeError: a bug",
        "up",
        check=lambda w: w.subjects() == ["[PVS6] queued before"],
        repair=lambda w: w.monkeypatch.undo(),
    ),
    Case(
        "delivery to the sinks crashes (a bug): alerts, email and watchdog still done",
        lambda w: (w.monkeypatch.setattr(cycle, "deliver", crash), w.queue("[PVS6] queued before")),
        0,
        "delivery: internal error RuntimeError",
        "up",
        check=lambda w: w.subjects() == ["[PVS6] queued before"],
        repair=lambda w: w.monkeypatch.undo(),
    ),
    Case(
        "sending email crashes (a bug): the watchdog still hears the reading",
        lambda w: w.monkeypatch.setattr(step, "send_queued", crash),
        0,
        "internal error RuntimeError",
        "up",
        repair=lambda w: w.monkeypatch.undo(),
    ),
    Case(
        "watchdog answers 500: one warning, the reading stands",
        lambda w: setattr(w.watchdog, "mode", "500"),
        0,
        "HEALTHCHECK_URL answered HTTP 500",
        "up",
        repair=lambda w: setattr(w.watchdog, "mode", "ok"),
    ),
    Case(
        "watchdog hangs: the run goes on after its own short deadline",
        watchdog_hangs,
        0,
        "HEALTHCHECK_URL did not answer within 1 s",
        "up",
        repair=watchdog_back,
        max_s=1 + 4,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.slow
def test_an_accident_to_one_duty_is_one_line_and_the_next_cycle_works(world: World, case: Case):
    harness = world.harness
    assert harness.run().code == 0  # a first, normal cycle: the folders exist, the watchdog heard it
    assert world.watchdog.hits[-1][:2] == ("POST", "/ping/0000-secret-uuid")
    before, hits_before = world.rows(), len(world.watchdog.hits)
    world.inbox.messages.clear()

    case.arrange(world)
    harness.clock.advance(minutes=5)
    started = time.monotonic()
    result = harness.run()
    elapsed = time.monotonic() - started

    assert result.code == case.code, result.stderr
    assert elapsed < case.max_s
    assert "Traceback" not in result.stderr and world.watchdog.url not in result.stderr
    assert case.stderr in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert world.rows() == before + (case.code == 0) or case.arrange is readings_csv_a_folder
    heard = world.watchdog.heard_since(hits_before, 1 if case.ping else 0)
    if case.ping == "up":
        assert [hit[:2] for hit in heard] == [("POST", "/ping/0000-secret-uuid")]
    elif case.ping == "fail":
        [(method, path, body)] = heard
        assert (method, path) == ("POST", "/ping/0000-secret-uuid/fail")
        assert body and body in result.stderr and "\n" not in body  # the same one line
    else:
        assert heard == []
    assert case.check(world) is not False

    case.repair(world)
    harness.clock.advance(minutes=5)
    hits_before = len(world.watchdog.hits)
    after = harness.run()
    assert after.code == 0, after.stderr
    assert world.rows() == before + (case.code == 0) + 1
    assert [hit[:2] for hit in world.watchdog.heard_since(hits_before, 1)] == [("POST", "/ping/0000-secret-uuid")]


def test_an_uptime_kuma_push_url_gets_status_down_with_the_error(world: World):
    world.harness.env["HEALTHCHECK_URL"] = world.watchdog.url.replace("/ping/", "/api/push/") + "?status=up&msg=OK"
    world.pvs.behaviour = lambda conn: None  # closes without an answer
    assert world.harness.run().code == 1
    [(method, path, body)] = world.watchdog.hits
    assert method == "GET" and path.startswith("/api/push/0000-secret-uuid?") and body == ""
    assert "status=down" in path and "msg=cannot+reach+the+PVS+at" in path


def test_a_watchdog_nobody_listens_on_is_one_warning_without_the_url(world: World):
    world.harness.env["HEALTHCHECK_URL"] = f"http://127.0.0.1:{free_port()}/ping/0000-secret-uuid"
    result = world.harness.run()
    assert result.code == 0 and world.rows() == 1
    assert result.stderr.count("\n") == 1 and "cannot reach HEALTHCHECK_URL (ConnectionError)" in result.stderr
    assert "0000-secret-uuid" not in result.stderr


@pytest.mark.slow
def test_a_mail_server_that_trickles_its_greeting_releases_the_lock_in_time(world: World):
    """The run ends within SMTP_TIMEOUT, so the next cron run finds the lock free rather than exit 3."""
    world.queue("[PVS6] waiting")
    trickling_mail_server(world)
    started = time.monotonic()
    assert world.harness.run().code == 0
    assert time.monotonic() - started < 2 + 4
    with data_dir_lock(world.harness.data_dir):  # free: no exception
        pass


def test_healthcheck_url_must_be_http_and_is_a_secret(world: World):
    world.harness.env["HEALTHCHECK_URL"] = "hc-ping.com/0000-secret-uuid"
    result = world.harness.run()
    assert result.code == 2 and "HEALTHCHECK_URL: expected an http(s):// URL" in result.stderr
    from pvs6sup.settings.load import load_config

    config = load_config({"HEALTHCHECK_URL": world.watchdog.url, "WEATHER_PROVIDER": "none"}, world.harness.tmp_path)
    assert world.watchdog.url in config.secret_values() and world.watchdog.url not in repr(config)


@pytest.mark.slow
def test_a_login_check_against_a_trickling_greeting_fails_at_the_deadline():
    """Even with nothing to send (`check`), a greeting cut off at SMTP_TIMEOUT is a failure, not a success."""
    settings = EmailSettings("127.0.0.1", trickling_greeting(), "none", None, None, timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(smtp.MailError, match=r"did not finish within 1 s \(SMTP_TIMEOUT\)"):
        smtp.probe(settings)
    assert time.monotonic() - started < 1 + 4
