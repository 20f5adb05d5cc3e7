"""Tests of pvs6sup/store/."""
