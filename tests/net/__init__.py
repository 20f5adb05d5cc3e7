"""Tests of pvs6sup/net/."""
