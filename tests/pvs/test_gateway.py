import socket
import threading
import time

import pytest
import requests
import responses

from pvs6sup.errors import PVSAnswerError, PVSRefusedError, PVSUnreachableError
from pvs6sup.pvs import http

BASE = "http://172.27.153.1"
URL = BASE + http.DEVICE_LIST_PATH


@responses.activate
def test_one_get_of_the_device_list_with_a_timeout():
    responses.get(URL, body=b'{"devices": []}')
    answer = http.fetch_device_list(requests.Session(), BASE, 120)
    assert (answer.status_code, answer.body) == (200, b'{"devices": []}')
    assert len(responses.calls) == 1
    assert responses.calls[0].request.url == URL


@responses.activate
@pytest.mark.parametrize(
    "error, message",
    [
        (requests.ReadTimeout(), "did not answer within 120 s"),
        (requests.ConnectionError("[Errno 111] Connection refused"), "connection refused"),
        (requests.ConnectionError("Connection reset by peer"), "connection reset"),
        (requests.ConnectionError("???"), "connection failed"),
    ],
)
def test_no_answer_is_unreachable(error, message):
    responses.get(URL, body=error)
    with pytest.raises(PVSUnreachableError, match=message):
        http.fetch_device_list(requests.Session(), BASE, 120)


@responses.activate
def test_an_http_error_is_returned_for_archiving_then_refused():
    responses.get(URL, status=403, body=b'{"status":403,"error":"Unauthorized","path":""}')
    answer = http.fetch_device_list(requests.Session(), BASE, 120)
    assert answer.status_code == 403 and b"Unauthorized" in answer.body
    with pytest.raises(PVSRefusedError, match="HTTP 403") as caught:
        http.require_ok(answer)
    assert caught.value.status_code == 403


@responses.activate
def test_an_oversized_answer_is_cut_and_refused(monkeypatch):
    monkeypatch.setattr(http, "MAX_ANSWER_BYTES", 100_000)
    responses.get(URL, body=b"x" * 300_000)
    answer = http.fetch_device_list(requests.Session(), BASE, 120)
    assert answer.truncated and len(answer.body) == 100_000
    with pytest.raises(PVSAnswerError, match="larger than"):
        http.require_ok(answer)


@pytest.mark.slow
def test_a_trickling_answer_counts_against_the_total_timeout():
    """A real socket sends a byte every 0.1 s: each read is quick, the whole is not."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def trickle():
        conn, _ = server.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        try:
            for _ in range(40):
                conn.sendall(b" ")
                time.sleep(0.1)
        except OSError:
            pass
        conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    with pytest.raises(PVSUnreachableError, match="still sending after 1 s"):
        http.get(requests.Session(), f"http://127.0.0.1:{port}", "/", 1.0)
    server.close()


def test_headers_then_silence_is_a_timeout_not_a_crash():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    done = threading.Event()

    def stall():
        conn, _ = server.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")
        done.wait(5)
        conn.close()

    threading.Thread(target=stall, daemon=True).start()
    # The read timeout and the total deadline end together: either way of saying so is right.
    with pytest.raises(PVSUnreachableError, match=r"did not answer within 0\.5 s|still sending after 0\.5 s"):
        http.get(requests.Session(), f"http://127.0.0.1:{port}", "/", 0.5)
    done.set()
    server.close()
