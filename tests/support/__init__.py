"""Test helpers and simulators (no tests here): the harness, real servers on loopback (SMTP, MQTT, InfluxDB),
fakes (Google, PVOutput), hostile peers, the drivers run as child processes, and sim/ (the test-only PVS
simulators). Imported as `from tests.support.x import ...`; bench/ imports them the same way.
"""
