"""The MQTT sink (Home Assistant discovery): one single-shot connection per cycle, within one total deadline.

Connect, publish every message at QoS 1, wait until the broker has acknowledged each one (PUBACK), then
disconnect. The network loop is driven here, in this thread, against the one deadline: no background
thread outlives a cycle, and a broker that is down, slow or silent costs at most `deadline_s` and gives
one RetryLaterError line. What to publish is decided by ha_discovery.plan (pure).
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import Any

import paho.mqtt.client as paho
import requests
from paho.mqtt.enums import CallbackAPIVersion

from pvs6sup.core.models import Reading
from pvs6sup.settings.sinks import MqttSettings as Settings
from pvs6sup.sinks import ha_discovery
from pvs6sup.sinks.ha_entities import Message, Topics
from pvs6sup.sinks.outcome import FixConfigError, RetryLaterError, Sent
from pvs6sup.sinks.queue import Entry

NAME = "mqtt"
KEEPALIVE_S = 60
_REFUSED_LOGIN = ("Bad user name or password", "Not authorized")


def payload(reading: Reading, site_name: str, zone: tzinfo) -> dict[str, Any]:
    """What one reading queues for MQTT (times are UTC: Home Assistant shows them in its own zone)."""
    return ha_discovery.reading_payload(reading, site_name)


failure_payload = ha_discovery.failure_payload  # queue one when the PVS gave no reading: availability goes offline
alert_payload = ha_discovery.alert_payload  # queue one per raised / reminder / resolved alerts.Event


def send(
    settings: Settings,
    session: requests.Session,
    entries: Sequence[Entry],
    memo: Mapping[str, Any],
    now: datetime,
    deadline_s: float,
) -> Sent:
    """Publish what `entries` call for (see ha_discovery.plan) and settle them all; `session` is unused."""
    if not entries:
        return Sent(through_seq=0, memo=dict(memo))
    topics = Topics(settings.topic_prefix, settings.discovery_prefix)
    plan = ha_discovery.plan(topics, settings.discovery, [e.payload for e in entries], memo, now)
    publish(settings, plan.messages, deadline_s)
    return Sent(through_seq=entries[-1].seq, warnings=tuple(plan.warnings), memo=plan.memo)


def probe(settings: Settings, session: requests.Session, deadline_s: float) -> str | None:
    """For `check`: None when the broker accepts our connection and login, else the one line to fix it."""
    try:
        with _connected(settings, time.monotonic() + deadline_s):
            pass
    except (RetryLaterError, FixConfigError) as err:
        return str(err)
    return None


def publish(settings: Settings, messages: Sequence[Message], deadline_s: float) -> None:
    """Publish `messages` at QoS 1 and return once the broker acknowledged every one, all within `deadline_s`."""
    end = time.monotonic() + deadline_s
    with _connected(settings, end) as (client, lost):
        infos = [client.publish(m.topic, m.payload, qos=1, retain=m.retain) for m in messages]
        _loop_until(client, lambda: all(info.is_published() for info in infos) or bool(lost), end)
        confirmed = sum(1 for info in infos if info.is_published())
        if confirmed < len(infos):
            why = "closed the connection" if lost else f"did not confirm them within {deadline_s:g} s"
            raise RetryLaterError(
                f"MQTT broker {_where(settings)} confirmed {confirmed} of {len(infos)} messages and {why}; "
                "they are sent again next cycle"
            )


def _where(settings: Settings) -> str:
    return f"{settings.host}:{settings.port} (MQTT_HOST, MQTT_PORT)"


def _loop_until(client: paho.Client, done: Callable[[], bool], end: float) -> None:
    """Run the network loop in this thread until done() or the deadline, whichever comes first."""
    while not done():
        left = end - time.monotonic()
        if left <= 0:
            return
        if client.loop(timeout=min(0.25, left)) != paho.MQTT_ERR_SUCCESS:
            return  # the connection is gone; the caller reports what is missing


@contextmanager
def _connected(settings: Settings, end: float) -> Iterator[tuple[paho.Client, list[str]]]:
    """A client connected and logged in before `end`, disconnected on leaving; (client, lost) where `lost`
    gets an item if the broker drops the connection."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"pvs6sup-{os.getpid()}", protocol=paho.MQTTv311)
    client.max_inflight_messages_set(0)  # no limit: every message is on its way at once, within the deadline
    client.max_queued_messages_set(0)
    if settings.user:
        client.username_pw_set(settings.user, settings.password)
    if settings.tls:
        try:
            client.tls_set(ca_certs=str(settings.ca_file) if settings.ca_file else None)
        except (OSError, ssl.SSLError) as err:
            raise FixConfigError(f"MQTT_CA_FILE {settings.ca_file} is not a readable PEM certificate ({err})") from err
    answers: list[Any] = []
    lost: list[str] = []
    client.on_connect = lambda _c, _u, _flags, reason, _props: answers.append(reason)
    client.on_disconnect = lambda _c, _u, _flags, reason, _props: lost.append(str(reason))
    try:
        _open(client, settings, end)
        _loop_until(client, lambda: bool(answers) or bool(lost), end)
        if not answers:
            why = "closed the connection" if lost else "did not accept the connection in time"
            hint = "" if settings.tls else " (a TLS-only port? set MQTT_TLS=1)"
            raise RetryLaterError(f"MQTT broker {_where(settings)} {why}{hint}; retrying next cycle")
        reason = answers[0]
        if reason.is_failure and str(reason) in _REFUSED_LOGIN:
            raise FixConfigError(
                f"MQTT broker {_where(settings)} refused the login ({reason}): set MQTT_USER and MQTT_PASSWORD "
                "to an account the broker accepts"
            )
        if reason.is_failure:
            raise RetryLaterError(
                f"MQTT broker {_where(settings)} refused the connection ({reason}); retrying next cycle"
            )
        yield client, lost
        client.disconnect()
        _loop_until(client, lambda: bool(lost), min(end, time.monotonic() + 1.0))  # flush DISCONNECT, bounded
    finally:
        if client.socket() is not None:
            client.disconnect()
            client.loop(timeout=0)  # closes the socket without waiting


def _open(client: paho.Client, settings: Settings, end: float) -> None:
    """The TCP (and TLS) connection and the CONNECT packet, within what is left of the deadline."""
    left = end - time.monotonic()
    if left <= 0:
        raise RetryLaterError(f"no time left to reach the MQTT broker {_where(settings)}; retrying next cycle")
    client.connect_timeout = left
    try:
        client.connect(settings.host, settings.port, keepalive=KEEPALIVE_S)
    except ssl.SSLCertVerificationError as err:
        raise FixConfigError(
            f"MQTT broker {_where(settings)}: its TLS certificate is not trusted ({err.verify_message}); "
            "set MQTT_CA_FILE to the CA certificate that signed it"
        ) from err
    except ssl.SSLError as err:
        raise FixConfigError(
            f"MQTT broker {_where(settings)}: TLS failed ({err.reason or err}); check MQTT_TLS and MQTT_PORT "
            "(8883 is the usual TLS port)"
        ) from err
    except (TimeoutError, ConnectionRefusedError) as err:
        what = (
            "refused the connection (is it running?)"
            if isinstance(err, ConnectionRefusedError)
            else ("did not answer in time")
        )
        raise RetryLaterError(f"MQTT broker {_where(settings)} {what}; retrying next cycle") from err
    except OSError as err:
        raise RetryLaterError(
            f"MQTT broker {_where(settings)} cannot be reached ({err.strerror or err}); check MQTT_HOST, "
            "retrying next cycle"
        ) from err
