"""cachet-gateway over real HTTP clients (http.client, curl, wrk) and raw sockets: routing,
keep-alive, pipelining, 100-continue, and every framing rejection with a JSON error body."""
import http.client
import json
import re
import shutil
import signal
import select
import socket
import subprocess

import pytest

from support import SAFETY_TIMEOUT, Gateway


@pytest.fixture
def gateway():
    with Gateway("--threads", "2") as g:
        yield g


def raw(port, data, read_until_close=True):
    """Sends bytes, returns everything the server wrote until it closed (or the first response)."""
    with socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
            if not read_until_close and b"\r\n\r\n" in out:
                return out


def split_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    return status, headers, body


def test_json_endpoint_with_http_client(gateway):
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=SAFETY_TIMEOUT)
    for _ in range(3):  # one keep-alive connection
        conn.request("GET", "/json")
        r = conn.getresponse()
        assert r.status == 200
        assert r.getheader("Content-Type") == "application/json"
        assert r.getheader("Date").endswith(" GMT")
        assert json.loads(r.read()) == {"message": "Hello, World!"}
    conn.request("HEAD", "/healthz")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Length") == "15" and r.read() == b""


def test_unknown_path_and_method(gateway):
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=SAFETY_TIMEOUT)
    conn.request("GET", "/nope")
    r = conn.getresponse()
    assert r.status == 404
    assert json.loads(r.read())["error"]["code"] == "not_found"
    conn.request("DELETE", "/json")
    r = conn.getresponse()
    assert r.status == 405
    assert r.getheader("Allow") == "GET, HEAD"
    assert json.loads(r.read())["error"]["code"] == "method_not_allowed"


def test_curl(gateway):
    out = subprocess.run(["curl", "-sS", "--max-time", "10", f"http://127.0.0.1:{gateway.port}/json"],
                         capture_output=True, check=True).stdout
    assert json.loads(out) == {"message": "Hello, World!"}


def test_pipelined_responses_in_order(gateway):
    reqs = b"".join(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % p for p in [b"/json", b"/nope", b"/healthz"] * 20)
    data = raw(gateway.port, reqs + b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    statuses = [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]
    assert statuses == [200, 404, 200] * 20 + [200]
    assert data.count(b"Connection: close") == 1


def test_expect_100_continue(gateway):
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=SAFETY_TIMEOUT) as s:
        s.sendall(b"POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        assert s.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(b"hello")
        status, headers, _ = split_response(s.recv(65536))
        assert status == 405


REJECTIONS = [
    (b"POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (b"POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
    (b"POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400),
    (b"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    (b"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    (b"GET /json HTTP/1.1\r\n\r\n", 400),
    (b"GET /json HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (b"GET /json HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    (b"GET /json HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", 400),
    (b"GET /json HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n", 400),
    (b"GET /json HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n", 400),
    (b"GET /json HTTP/1.1\r\nHost: a\x00b\r\n\r\n", 400),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /json HTTP/1.1\r\nHost: x\r\nX: " + b"b" * 17000 + b"\r\n\r\n", 431),
    (b"PUT /json HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n", 413),
    (b"GET /json HTTP/3.0\r\nHost: x\r\n\r\n", 505),
    # bare LF line endings: answered at once, not left to the idle timeout
    (b"GET /json HTTP/1.1\nHost: x\n\n", 400),
    (b"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n", 400),
    # a "trailer" that is really the next request is not swallowed (no desync)
    (b"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
     b"PUT /v1/kv/smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n", 400),
    # chunk extensions cannot amplify a request past the body limit
    (b"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
     + b"".join(b"1;e=" + b"x" * 1000 + b"\r\na\r\n" for _ in range(8)), 400),
]


@pytest.mark.parametrize("request_bytes,status", REJECTIONS)
def test_rejections_answer_json_and_close(gateway, request_bytes, status):
    got, headers, body = split_response(raw(gateway.port, request_bytes))
    assert got == status
    assert headers["connection"] == "close"
    error = json.loads(body)["error"]
    assert error["code"] and error["message"]
    # the server keeps serving others
    assert split_response(raw(gateway.port, b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))[0] == 200


def test_wrk_smoke(gateway):
    if shutil.which("wrk") is None:
        pytest.skip("wrk not installed (scripts/install-deps.sh installs it)")
    out = subprocess.run(["wrk", "-t1", "-c16", "-d1s", f"http://127.0.0.1:{gateway.port}/json"],
                         capture_output=True, text=True, timeout=60).stdout
    assert "Requests/sec" in out
    assert "Non-2xx" not in out and "Socket errors" not in out


def test_sigterm_exits_zero():
    with Gateway() as g:
        assert split_response(raw(g.port, b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))[0] == 200
        assert g.stop(signal.SIGTERM) == 0


def trickle_until_closed(s, byte):
    """Sends `byte` every 0.2 s (at most 100 times) until the server closes the connection; whether
    it did. The loop waits for the close itself, not for a guessed time."""
    for _ in range(100):
        try:
            s.sendall(byte)
        except (BrokenPipeError, ConnectionResetError):
            return True
        readable, _, _ = select.select([s], [], [], 0.2)
        if readable:
            try:
                return s.recv(1000) == b""
            except ConnectionResetError:
                return True
    return False


def test_a_slow_request_head_is_cut_off_at_the_header_timeout():
    """A client dribbling one header byte at a time keeps the connection only until
    --header-timeout (1 s here; the idle timeout is 75 s and every byte would reset it). The loop
    waits for the close itself, with a bounded number of bytes sent."""
    with Gateway("--header-timeout", "1") as g:
        with socket.create_connection(("127.0.0.1", g.port), timeout=SAFETY_TIMEOUT) as s:
            s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n")
            assert trickle_until_closed(s, b"X"), "the slow head was never cut off"
        # others are served meanwhile and afterwards
        assert split_response(raw(g.port, b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))[0] == 200


def test_idle_keep_alive_connections_are_closed():
    """An idle keep-alive connection is closed after --idle-timeout; the test waits for the close
    itself (recv returning EOF), not for a guessed amount of time."""
    with Gateway("--idle-timeout", "1") as g:
        with socket.create_connection(("127.0.0.1", g.port), timeout=SAFETY_TIMEOUT) as s:
            s.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            assert split_response(data)[0] == 200  # answered, then closed once idle


def test_a_trickled_body_is_cut_off_at_the_minimum_body_rate():
    """A body must arrive within --body-timeout plus a second per --min-body-rate bytes (1 s and
    1000 B/s here): a client sending a 100 kB body a byte at a time is closed long before the
    idle timeout, while a whole body sent at once is answered."""
    with Gateway("--body-timeout", "1", "--min-body-rate", "1000") as g:
        with socket.create_connection(("127.0.0.1", g.port), timeout=SAFETY_TIMEOUT) as s:
            s.sendall(b"PUT /v1/kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
            assert trickle_until_closed(s, b" "), "the trickled body was never cut off"
        body = b'"' + b"x" * 99998 + b'"'
        request = b"PUT /v1/kv/fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (
            len(body), body)
        assert split_response(raw(g.port, request))[0] in (204, 503)
