"""The alert and email settings: defaults, Gmail-style setup, and every problem named at once."""

from pathlib import Path

import pytest

from pvs6sup.errors import ConfigError
from pvs6sup.settings.load import load_config

SCRIPT_DIR = Path("/opt/pvs6")
BASE = {"WEATHER_PROVIDER": "none"}


def test_email_alerts_are_off_without_smtp_host_and_recipients():
    config = load_config(BASE, SCRIPT_DIR)
    assert not config.email.on
    assert config.alerts.inverter_groups == ()


def test_a_gmail_setup_sends_from_the_login_address_on_port_587():
    config = load_config(
        {
            **BASE,
            "SMTP_HOST": "smtp.gmail.com",
            "SMTP_USER": "me@gmail.com",
            "SMTP_PASSWORD": "abcd efgh ijkl mnop",
            "ALERT_EMAIL_TO": "me@gmail.com, partner@example.com",
        },
        SCRIPT_DIR,
    )
    assert config.email.on
    assert (config.email.port, config.email.security, config.email.sender) == (587, "starttls", "me@gmail.com")
    assert config.email.recipients == ("me@gmail.com", "partner@example.com")
    assert "abcd" not in repr(config)


def test_implicit_tls_defaults_to_port_465():
    config = load_config({**BASE, "SMTP_SECURITY": "SSL"}, SCRIPT_DIR)
    assert (config.email.security, config.email.port) == ("ssl", 465)


def test_inverter_groups_are_serial_endings_split_by_semicolons_and_commas():
    config = load_config({**BASE, "INVERTER_GROUPS": "1392, 1393 ;2001,2002"}, SCRIPT_DIR)
    assert config.alerts.inverter_groups == (("1392", "1393"), ("2001", "2002"))


def test_every_email_problem_is_reported_at_once_naming_the_variable():
    with pytest.raises(ConfigError) as caught:
        load_config(
            {
                **BASE,
                "SMTP_HOST": "mail.example.com",
                "SMTP_USER": "relay",
                "SMTP_SECURITY": "tls",
                "ALERT_EMAIL_TO": "nobody",
                "INVERTER_GROUPS": "1392;;2001",
                "SMTP_PORT": "99999",
            },
            SCRIPT_DIR,
        )
    problems = "\n".join(caught.value.problems)
    for name in (
        "SMTP_SECURITY:",
        "SMTP_PORT:",
        "ALERT_EMAIL_TO:",
        "ALERT_EMAIL_FROM:",
        "SMTP_PASSWORD:",
        "INVERTER_GROUPS:",
    ):
        assert name in problems


def test_a_login_over_an_unencrypted_connection_is_refused():
    settings = {
        **BASE,
        "SMTP_HOST": "mail.example.com",
        "SMTP_USER": "me@example.com",
        "SMTP_PASSWORD": "pw",
        "SMTP_SECURITY": "none",
        "ALERT_EMAIL_TO": "me@example.com",
    }
    with pytest.raises(ConfigError, match="SMTP_SECURITY: 'none' would send SMTP_PASSWORD unencrypted"):
        load_config(settings, SCRIPT_DIR)
    relay = {k: v for k, v in settings.items() if k not in ("SMTP_USER", "SMTP_PASSWORD")}
    relay["ALERT_EMAIL_FROM"] = "pvs@example.com"
    assert load_config(relay, SCRIPT_DIR).email.security == "none"  # a local relay without a login is fine
