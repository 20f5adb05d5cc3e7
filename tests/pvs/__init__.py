"""Tests of pvs6sup/pvs/."""
