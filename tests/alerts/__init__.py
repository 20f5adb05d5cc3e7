"""Tests of pvs6sup/alerts/."""
