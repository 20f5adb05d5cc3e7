"""Tests of pvs6sup/commands/ and cli.py."""
