"""Tests of pvs6sup/sinks/."""
