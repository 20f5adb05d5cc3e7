"""A real MQTT broker on 127.0.0.1 for tests (Debian's mosquitto), and a subscriber that records everything."""

from __future__ import annotations

import base64
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.subscribeoptions import SubscribeOptions

from tests.support.selfsigned import self_signed

MOSQUITTO = "/usr/sbin/mosquitto"
USER, PASSWORD = "pvs6", "broker-secret-X000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout_s: float = 20.0, what: str = "condition") -> None:
    """Poll until condition() is true; the bound is generous for a busy 2-core machine."""
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.02)


def _password_line(user: str, password: str) -> str:
    """mosquitto's own password-file format ($7$: PBKDF2-SHA512, 101 rounds), as mosquitto_passwd writes it."""
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 101)
    return f"{user}:$7$101${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}\n"


@dataclass
class Broker:
    port: int
    process: subprocess.Popen
    folder: Path
    ca_file: Path | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


def start_broker(folder: Path, *, password: bool = False, tls: bool = False) -> Broker:
    """Start mosquitto on a free loopback port with a temp config: anonymous, password file, or TLS."""
    if not shutil.which(MOSQUITTO) and not Path(MOSQUITTO).exists():
        pytest.skip("needs Debian's mosquitto (apt-get install -y mosquitto)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lines = [
        f"listener {port} 127.0.0.1",
        f"user {pwd.getpwuid(os.getuid()).pw_name}",  # as root, mosquitto would drop to 'mosquitto' otherwise
        "persistence false",
        f"log_dest file {folder / 'mosquitto.log'}",
        "log_type error",
        "log_type warning",
    ]
    if password:
        (folder / "passwords").write_text(_password_line(USER, PASSWORD))
        lines += ["allow_anonymous false", f"password_file {folder / 'passwords'}"]
    else:
        lines.append("allow_anonymous true")
    ca_file = None
    if tls:
        cert, key, _ = self_signed(folder, "localhost", for_localhost=True)
        ca_file = cert  # self-signed for localhost and 127.0.0.1, a CA of its own: the client trusts this file
        lines += [f"certfile {cert}", f"keyfile {key}"]
    (folder / "mosquitto.conf").write_text("\n".join(lines) + "\n")
    process = subprocess.Popen(
        [MOSQUITTO, "-c", str(folder / "mosquitto.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    broker = Broker(port, process, folder, ca_file)

    def accepting() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"mosquitto exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_for(accepting, 20, "mosquitto to accept connections")
    except BaseException:
        broker.stop()
        raise
    return broker


@dataclass
class Received:
    topic: str
    payload: bytes
    retain: bool


@dataclass
class Recorder:
    """A subscriber to '#' (MQTT 5, retain-as-published: the retain flag is the publisher's)."""

    broker: Broker
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    client: paho.Client | None = None

    def start(self, topic: str = "#") -> Recorder:
        client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        if self.broker.ca_file:
            client.tls_set(ca_certs=str(self.broker.ca_file))
        subscribed = threading.Event()
        client.on_connect = lambda c, *_: c.subscribe(topic, options=SubscribeOptions(qos=1, retainAsPublished=True))
        client.on_subscribe = lambda *_: subscribed.set()
        client.on_message = self._on_message
        client.connect("127.0.0.1", self.broker.port)
        client.loop_start()
        self.client = client
        wait_for(subscribed.is_set, what="the recorder's subscription")
        return self

    def _on_message(self, _client: object, _userdata: object, message: paho.MQTTMessage) -> None:
        with self.lock:
            self.messages.append(Received(message.topic, bytes(message.payload), bool(message.retain)))

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def stop(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()


def retained(broker: Broker, topic: str = "#", settle_after: str | None = None) -> dict[str, bytes]:
    """What the broker keeps retained: a fresh subscriber gets exactly that, flagged retained, at once.

    The broker sends retained messages right after SUBACK; a PUBLISH to `settle_after` (not retained) by
    the same client marks the end, so no timing guess is needed.
    """
    marker = settle_after or f"test/marker/{os.getpid()}/{time.monotonic_ns()}"
    seen: dict[str, bytes] = {}
    done = threading.Event()
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    if broker.ca_file:
        client.tls_set(ca_certs=str(broker.ca_file))

    def on_message(_c: object, _u: object, message: paho.MQTTMessage) -> None:
        if message.topic == marker:
            done.set()
        elif message.retain:
            seen[message.topic] = bytes(message.payload)

    def on_subscribe(c: paho.Client, *_: object) -> None:
        c.publish(marker, b"end", qos=1)

    client.on_connect = lambda c, *_: c.subscribe([(topic, SubscribeOptions(qos=1)), (marker, SubscribeOptions(qos=1))])
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        wait_for(done.is_set, what="the retained messages")
    finally:
        client.disconnect()
        client.loop_stop()
    return seen
