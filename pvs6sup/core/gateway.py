"""What several areas know of the PVS gateway alike (its settings, its reading, the sinks): the firmware paths
and how long a vanished inverter is remembered. Constants only."""

from __future__ import annotations

from datetime import timedelta

LEGACY = "legacy"
VARSERVER = "varserver"
FIRMWARE_CHOICES = ("auto", LEGACY, VARSERVER)
# A replaced inverter would otherwise be listed as unknown for ever; a month is long past any alert.
FORGET_INVERTER_AFTER = timedelta(days=30)
