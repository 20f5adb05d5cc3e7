"""Tests of pvs6sup/core/."""
