"""Protected mode, tested from a non-loopback address: the test re-runs itself inside a network
namespace it creates (`unshare -n`), gives that namespace's loopback device a second address
(10.200.0.1) and connects from it, so no traffic leaves the machine. redis-server is the oracle
for the RESP bytes."""
import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

from support import SAFETY_TIMEOUT, Cachet, Redis, free_port

OUTSIDE = "10.200.0.1"
INNER = os.environ.get("CACHET_NETNS_INNER") == "1"


def test_runs_inside_its_own_network_namespace():
    if INNER:
        pytest.skip("already inside the namespace")
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare(1) to make a network namespace")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"network namespaces unavailable here: {probe.stderr.decode().strip()}")
    env = dict(os.environ, CACHET_NETNS_INNER="1")
    run = subprocess.run(["unshare", "-n", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          __file__, "-k", "inner"], env=env, capture_output=True, text=True,
                         timeout=120, cwd=os.path.dirname(__file__))
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout


@pytest.fixture(scope="module")
def namespace():
    if not INNER:
        pytest.skip("runs inside the namespace made by test_runs_inside_its_own_network_namespace")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "add", f"{OUTSIDE}/32", "dev", "lo"], check=True)


def first_reply(port, host=OUTSIDE, send=b"PING\r\n"):
    """What the server sends to a client at `host` before closing (or the first reply)."""
    with socket.create_connection((host, port), timeout=SAFETY_TIMEOUT, source_address=(host, 0)) as s:
        s.sendall(send)
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_inner_resp_clients_beyond_loopback_get_redis_denied_text(namespace):
    binds = f"{OUTSIDE} 127.0.0.1"
    with Redis("--bind", binds) as r, Cachet("--bind", OUTSIDE, "127.0.0.1") as c:
        want = first_reply(r.port)
        assert want.startswith(b"-DENIED Redis is running in protected mode")
        assert first_reply(c.port) == want
        assert first_reply(c.port, host="127.0.0.1") == b"+PONG\r\n"  # loopback is trusted
        for port in (r.port, c.port):  # a password lifts it; the client must then AUTH
            with socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT) as s:
                s.sendall(b"CONFIG SET requirepass s3cret\r\n")
                assert s.recv(100) == b"+OK\r\n"
        assert first_reply(c.port) == first_reply(r.port) == b"-NOAUTH Authentication required.\r\n"
        for port in (r.port, c.port):
            with socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT) as s:
                s.sendall(b"AUTH s3cret\r\nCONFIG SET requirepass \"\"\r\nCONFIG SET protected-mode no\r\n")
                data = b""
                while data.count(b"\r\n") < 3:
                    data += s.recv(100)
                assert data == b"+OK\r\n+OK\r\n+OK\r\n"
        assert first_reply(c.port) == first_reply(r.port) == b"+PONG\r\n"


def test_inner_http_clients_beyond_loopback_get_403(namespace):
    http_port = free_port()
    with Cachet("--bind", OUTSIDE, "127.0.0.1", "--http-port", str(http_port)) as c:
        request = b"GET /v1/kv/k HTTP/1.1\r\nHost: x\r\n\r\n"
        with socket.create_connection((OUTSIDE, http_port), timeout=SAFETY_TIMEOUT,
                                      source_address=(OUTSIDE, 0)) as s:
            s.sendall(request)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 403 ")
        assert json.loads(body)["error"]["code"] == "forbidden"
        with socket.create_connection(("127.0.0.1", http_port), timeout=SAFETY_TIMEOUT) as s:
            s.sendall(request)
            assert s.recv(100).startswith(b"HTTP/1.1 404 ")
        assert c.proc.poll() is None
