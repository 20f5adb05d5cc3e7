"""Talking to the PVS gateway: bounded HTTP, login and session, firmware detection, and the two parsers."""
