"""The simulated legacy PVS (a real HTTP server on 127.0.0.1) that the demo runs.

Test-only simulators: tests/support/sim.
"""
