"""Test-only simulators (the 2025 firmware PVS, a simulated month of captures); the demo's lives in pvs6sup.sim."""
