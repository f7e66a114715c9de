"""Start real servers (cachet-server, redis-server) on loopback and talk raw RESP to them.

A server counts as started when it prints its own "ready" log line, so no test sleeps while
waiting for it. Every wait has a generous safety timeout that only turns a hang into a failure.
"""
import http.client
import os
import pathlib
import select
import signal
import socket
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
CACHET = os.environ.get("CACHET_SERVER", str(ROOT / "build/release/bin/cachet-server"))
GATEWAY = os.environ.get("CACHET_GATEWAY", str(ROOT / "build/release/bin/cachet-gateway"))
HIREDIS_CLIENT = os.environ.get("CACHET_HIREDIS_CLIENT",
                                str(ROOT / "build/release/bin/hiredis_client"))
SAFETY_TIMEOUT = 30


def _wait_for_line(stream, marker, proc):
    """Reads `stream` (an unbuffered pipe) until a line contains `marker`; returns that line.

    Reads the raw file descriptor so that poll() never waits on data already buffered (poll, not
    select: a test holding thousands of sockets gets descriptors past select's 1024).
    """
    fd, data = stream.fileno(), b""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        lines = data.split(b"\n")
        for line in lines[:-1]:
            if marker.encode() in line:
                return line.decode()
        if not poller.poll(SAFETY_TIMEOUT * 1000):
            raise TimeoutError(f"no '{marker}' line; output so far: {data!r}")
        chunk = os.read(fd, 65536)
        if not chunk:
            raise RuntimeError(f"server exited ({proc.wait()}) before '{marker}': {data!r}")
        data += chunk


class Cachet:
    """A cachet-server process on a kernel-chosen loopback port."""

    BINARY = CACHET

    def __init__(self, *args, port=0):
        # A config file must come first; "--port" last so it wins (0: any free port).
        self.proc = subprocess.Popen([self.BINARY, *args, "--port", str(port)], stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, bufsize=0)
        line = _wait_for_line(self.proc.stderr, "ready to accept connections", self.proc)
        self.port = int(line.split(" on port ")[1].split()[0])

    def stop(self, sig=signal.SIGTERM):
        """Signals the server and returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=SAFETY_TIMEOUT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Gateway(Cachet):
    """A cachet-gateway process on a kernel-chosen loopback port."""

    BINARY = GATEWAY


def http_request(port, method, path, body=None, headers=None):
    """One request on a fresh connection: (http.client response, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=SAFETY_TIMEOUT)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r, data


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """Debian's redis-server, for differential tests."""

    def __init__(self, *args):
        """`args` are extra redis-server options (after the defaults, so they win)."""
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", *args], stdout=subprocess.PIPE, bufsize=0)
        _wait_for_line(self.proc.stdout, "Ready to accept connections", self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def encode(*args):
    """RESP multibulk encoding of a command."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


class Conn:
    """A raw RESP connection that returns each reply as its exact bytes."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def call(self, *args):
        self.send(encode(*args))
        return self.reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line + b"\r\n"

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by server")
        self.buf += chunk

    def reply(self):
        """Reads one complete reply (any RESP2/RESP3 type) and returns its raw bytes."""
        line = self._line()
        kind, rest = line[:1], line[1:-2]
        if kind in b"$=!" and rest != b"-1":
            n = int(rest) + 2
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
            return line + body
        if kind in b"*~>%|" and rest != b"-1":
            count = int(rest) * (2 if kind in b"%|" else 1)
            return line + b"".join(self.reply() for _ in range(count))
        return line

    def read_until_closed(self):
        """Everything the server sends until it closes the connection."""
        data = self.buf
        while True:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:  # closed with our unread request still in its buffer
                return data
            if not chunk:
                return data
            data += chunk

    def close(self):
        self.sock.close()
