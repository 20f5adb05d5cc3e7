"""Tests of the simulators: pvs6sup/sim/ (the demo's roofs) and tests/support/sim/ (the test-only ones)."""
