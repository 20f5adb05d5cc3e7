"""Pinning the PVS's certificate is bounded in total time, like every request to the PVS."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from pvs6sup.errors import PVSUnreachableError
from pvs6sup.pvs.login import certificate_fingerprint


@pytest.mark.slow
def test_a_tls_handshake_that_trickles_is_cut_at_the_timeout():
    """A TLS record header promising 16 KB, then one byte every 50 ms: each read is quick, the whole is not."""
    release = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"\x16\x03\x03\x40\x00")  # a handshake record of 16,384 bytes is coming
            while not release.wait(0.05):
                try:
                    conn.sendall(b"\x00")
                except OSError:
                    return

    threading.Thread(target=serve, daemon=True).start()
    try:
        started = time.monotonic()
        with pytest.raises(PVSUnreachableError, match="did not finish its TLS handshake within 1 s"):
            certificate_fingerprint("127.0.0.1", listener.getsockname()[1], 1.0)
        assert time.monotonic() - started < 30  # the record alone would take 14 minutes at this pace
    finally:
        release.set()
        listener.close()
