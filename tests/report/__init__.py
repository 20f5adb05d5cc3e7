"""Tests of pvs6sup/report/."""
