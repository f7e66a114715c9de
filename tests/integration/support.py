"""Start real servers (cachet-server, redis-server) on loopback and talk raw RESP to them.

A server counts as started when it prints its own "ready" log line, so no test sleeps while
waiting for it. Every wait has a generous safety timeout that only turns a hang into a failure.
"""
import http.client
import os
import pathlib
import select
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

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


def _drain_in_background(stream):
    """Reads and drops what the server writes to `stream` from now on: a log pipe nobody reads
    fills up (64 KB) and then blocks the server in its next log write (redis-server logs a
    warning for each ACL rule like "+select|0", so a long differential run stalled)."""
    def drain():
        while os.read(stream.fileno(), 65536):
            pass

    threading.Thread(target=drain, daemon=True).start()


class Cachet:
    """A cachet-server process on a kernel-chosen loopback port."""

    BINARY = CACHET

    def __init__(self, *args, port=0):
        # A config file must come first; "--port" last so it wins (0: any free port).
        self.proc = subprocess.Popen([self.BINARY, *args, "--port", str(port)], stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, bufsize=0)
        line = _wait_for_line(self.proc.stderr, "ready to accept connections", self.proc)
        _drain_in_background(self.proc.stderr)
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


# Ports handed to servers that take a fixed port. They lie below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range, 32768-60999 by default) so that no client connection's local port
# and no port-0 listener can take one between free_port() and the server's bind; each is handed out
# once per run, starting from a random point so that two runs on one machine rarely meet.
_FIXED_PORTS = range(20000, 32768)
_next_fixed_port = _FIXED_PORTS.start + int.from_bytes(os.urandom(2), "little") % len(_FIXED_PORTS)


def free_port():
    """A loopback TCP port that nothing is bound to now and that no recent call returned."""
    global _next_fixed_port
    for _ in range(len(_FIXED_PORTS)):
        port = _next_fixed_port
        _next_fixed_port = _FIXED_PORTS.start + (port + 1 - _FIXED_PORTS.start) % len(_FIXED_PORTS)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in the fixed range")


class Redis:
    """Debian's redis-server, for differential tests."""

    def __init__(self, *args):
        """`args` are extra redis-server options (after the defaults, so they win)."""
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", *args], stdout=subprocess.PIPE, bufsize=0)
        _wait_for_line(self.proc.stdout, "Ready to accept connections", self.proc)
        _drain_in_background(self.proc.stdout)

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


def poll(fetch, ready):
    """Calls fetch() until ready(its result) holds, and returns that result: a wait for the
    server to get to something in its own time. Fails after SAFETY_TIMEOUT."""
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while True:
        result = fetch()
        if ready(result):
            return result
        assert time.monotonic() < deadline, f"still not ready: {result!r}"


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


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _issue(d, name, ca, serial):
    """Key and certificate `name` signed by `ca` (valid for 127.0.0.1 and localhost)."""
    _openssl("req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    (d / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
             "-set_serial", str(serial), "-days", "1", "-extfile", f"{name}.ext",
             "-out", f"{name}.crt", cwd=d)


class Certs:
    """A CA, another CA, and certificates made by the openssl CLI in directory `d` (a Path):
    server (serial 1001) and server2 (1002) and client by "ca", stranger by "other-ca"."""

    def __init__(self, d):
        self.dir = d
        for ca in ("ca", "other-ca"):
            _openssl("req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-keyout", f"{ca}.key", "-out", f"{ca}.crt",
                     "-days", "1", "-subj", f"/CN={ca}", cwd=d)
        _issue(d, "server", "ca", 1001)
        _issue(d, "server2", "ca", 1002)
        _issue(d, "client", "ca", 2001)
        _issue(d, "stranger", "other-ca", 3001)

    def __getitem__(self, name):
        return str(self.dir / name)

    def server_args(self, auth="yes"):
        return ["--tls-cert-file", self["server.crt"], "--tls-key-file", self["server.key"],
                "--tls-ca-cert-file", self["ca.crt"], "--tls-auth-clients", auth]


NODE_DIR = pathlib.Path(__file__).resolve().parent / "node"


def run_node(script, package, port, timeout):
    """Runs node/<script> with the server's port and returns its standard output. Skips when node
    or the npm `package` the script needs is missing (scripts/install-deps.sh installs both)."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed (scripts/install-deps.sh installs nodejs and npm)")
    if not (NODE_DIR / "node_modules" / package).is_dir():
        pytest.skip(f"{package} is missing: run `npm ci --prefix tests/integration/node`")
    out = subprocess.run(["node", str(NODE_DIR / script), str(port)], cwd=NODE_DIR,
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"stdout {out.stdout!r}\nstderr {out.stderr!r}"
    return out.stdout
