"""TLS on tls-port and http-tls-port with real clients (redis-cli --tls, redis-py, curl, Python's
ssl), certificates made at run time by the openssl CLI, and Redis 7.0 with the same certificates
as the oracle for configuration replies."""
import socket
import ssl
import subprocess

import pytest
import redis

from support import SAFETY_TIMEOUT, Cachet, Certs, Conn, Gateway, Redis, free_port, http_request


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(tmp_path_factory.mktemp("tls"))


class TlsCachet(Cachet):
    """cachet-server with a plain port and a TLS port (and an HTTP TLS port when asked)."""

    def __init__(self, certs, *args, auth="yes", http=False):
        self.tls_port = free_port()
        extra = ["--http-tls-port", str(free_port())] if http else []
        super().__init__(*certs.server_args(auth), "--tls-port", str(self.tls_port), *extra, *args,
                         port=free_port())
        if http:
            self.http_tls_port = int(extra[1])


@pytest.fixture
def server(certs):
    with TlsCachet(certs, http=True) as s:
        yield s


def cli(certs, port, *args, cert="client", ca="ca.crt"):
    """redis-cli --tls: (exit code, output)."""
    tls = ["--tls", "--cacert", certs[ca]]
    if cert:
        tls += ["--cert", certs[f"{cert}.crt"], "--key", certs[f"{cert}.key"]]
    p = subprocess.run(["redis-cli", "-p", str(port), *tls, *args], capture_output=True,
                       timeout=SAFETY_TIMEOUT)
    return p.returncode, (p.stdout + p.stderr).decode()


def tls_client(certs, port, cert="client", auth=True):
    return redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=certs["ca.crt"],
                       ssl_certfile=certs[f"{cert}.crt"] if auth else None,
                       ssl_keyfile=certs[f"{cert}.key"] if auth else None,
                       socket_timeout=SAFETY_TIMEOUT)


def peer_serial(certs, port):
    """The serial number of the certificate the server presents to a new connection."""
    ctx = ssl.create_default_context(cafile=certs["ca.crt"])
    ctx.load_cert_chain(certs["client.crt"], certs["client.key"])
    with socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            return int(s.getpeercert()["serialNumber"], 16)


def test_redis_cli_with_and_without_client_certificate(certs):
    with TlsCachet(certs, auth="yes") as s:
        assert cli(certs, s.tls_port, "PING") == (0, "PONG\n")
        code, out = cli(certs, s.tls_port, "PING", cert=None)
        assert "PONG" not in out
        code, out = cli(certs, s.tls_port, "PING", cert="stranger")
        assert "PONG" not in out
    with TlsCachet(certs, auth="optional") as s:
        assert cli(certs, s.tls_port, "PING", cert=None) == (0, "PONG\n")
        assert cli(certs, s.tls_port, "PING") == (0, "PONG\n")
        code, out = cli(certs, s.tls_port, "PING", cert="stranger")
        assert "PONG" not in out  # a certificate, if offered, must verify
    with TlsCachet(certs, auth="no") as s:
        assert cli(certs, s.tls_port, "PING", cert="stranger") == (0, "PONG\n")


def test_client_trusting_another_ca_refuses_the_server(server, certs):
    code, out = cli(certs, server.tls_port, "PING", ca="other-ca.crt")
    assert code != 0 and "PONG" not in out
    with pytest.raises(redis.ConnectionError):
        redis.Redis(host="127.0.0.1", port=server.tls_port, ssl=True,
                    ssl_ca_certs=certs["other-ca.crt"], ssl_certfile=certs["client.crt"],
                    ssl_keyfile=certs["client.key"], socket_timeout=SAFETY_TIMEOUT).ping()


def test_redis_py_and_plain_port_share_the_store(server, certs):
    r = tls_client(certs, server.tls_port)
    assert r.set("k", "v")
    assert redis.Redis(host="127.0.0.1", port=server.port).get("k") == b"v"
    assert r.get("k") == b"v"


def test_big_values_and_pipelining_over_tls(server, certs):
    r = tls_client(certs, server.tls_port)
    big = bytes(range(256)) * 4096  # 1 MB
    assert r.set("big", big)
    assert r.get("big") == big
    p = r.pipeline(transaction=False)
    for i in range(1000):
        p.set(f"key:{i}", "x" * i)
    for i in range(1000):
        p.get(f"key:{i}")
    replies = p.execute()
    assert replies[:1000] == [True] * 1000
    assert replies[1000:] == [b"x" * i for i in range(1000)]
    p = r.pipeline(transaction=False)
    for _ in range(8):
        p.get("big")
    assert p.execute() == [big] * 8


def test_http_api_over_tls(server, certs):
    url = f"https://127.0.0.1:{server.http_tls_port}/v1/kv/doc"
    tls = ["--cacert", certs["ca.crt"], "--cert", certs["client.crt"], "--key", certs["client.key"]]
    put = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", *tls, "-X", "PUT",
                          "--data", '{"a":1}', url], capture_output=True, timeout=SAFETY_TIMEOUT)
    assert put.stdout == b"204", put.stderr
    get = subprocess.run(["curl", "-sS", *tls, url], capture_output=True, timeout=SAFETY_TIMEOUT)
    assert get.stdout == b'{"a":1}', get.stderr
    assert tls_client(certs, server.tls_port).get("doc") == b'{"a":1}'
    # tls-auth-clients applies to the HTTP port too
    refused = subprocess.run(["curl", "-sS", "--cacert", certs["ca.crt"], url], capture_output=True,
                             timeout=SAFETY_TIMEOUT)
    assert refused.returncode != 0


def test_config_set_tls_cert_file_swaps_the_certificate(server, certs):
    c = Conn(server.port)
    assert peer_serial(certs, server.tls_port) == 1001
    old = tls_client(certs, server.tls_port)
    assert old.ping()
    assert c.call("CONFIG", "SET", "tls-cert-file", certs["server2.crt"], "tls-key-file",
                  certs["server2.key"]) == b"+OK\r\n"
    assert peer_serial(certs, server.tls_port) == 1002
    assert old.ping()  # a connection made before keeps its session
    # a bad file: Redis's error, and the current certificate stays
    bad = c.call("CONFIG", "SET", "tls-cert-file", certs["missing.crt"])
    assert bad == (b"-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                   b"Unable to update TLS configuration. Check server logs.\r\n")
    assert c.call("CONFIG", "GET", "tls-cert-file") == (
        b"*2\r\n$13\r\ntls-cert-file\r\n$%d\r\n%s\r\n"
        % (len(certs["server2.crt"]), certs["server2.crt"].encode()))
    assert peer_serial(certs, server.tls_port) == 1002


def test_plain_client_on_tls_port_is_dropped_and_server_keeps_serving(server, certs):
    for payload in (b"*1\r\n$4\r\nPING\r\n", b"GET / HTTP/1.1\r\n\r\n", b"\x16\x03\x01\xff\xff"):
        with socket.create_connection(("127.0.0.1", server.tls_port),
                                      timeout=SAFETY_TIMEOUT) as s:
            s.sendall(payload)
            data = b""
            try:
                while chunk := s.recv(4096):
                    data += chunk
            except ConnectionResetError:
                pass
            assert b"PONG" not in data and b"HTTP" not in data
    assert tls_client(certs, server.tls_port).ping()
    assert Conn(server.port).call("PING") == b"+PONG\r\n"


def test_tls_port_moves_and_port_zero_disables_plain_tcp(certs):
    with TlsCachet(certs) as s:
        c = Conn(s.port)
        moved = free_port()
        assert c.call("CONFIG", "SET", "tls-port", str(moved)) == b"+OK\r\n"
        assert cli(certs, moved, "PING") == (0, "PONG\n")
        assert c.call("CONFIG", "GET", "tls-port") == b"*2\r\n$8\r\ntls-port\r\n$%d\r\n%d\r\n" % (
            len(str(moved)), moved)
    tls_port = free_port()
    with Cachet(*certs.server_args(), "--tls-port", str(tls_port), port=0) as s:
        assert s.port == 0
        assert cli(certs, tls_port, "CONFIG", "GET", "port") == (0, "port\n0\n")


def test_tls_configuration_replies_match_redis(certs):
    """CONFIG GET of every tls-* option we take, and CONFIG SET errors, as Redis 7.0 answers."""
    names = ["tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-ca-cert-file",
             "tls-ca-cert-dir", "tls-auth-clients", "tls-protocols", "tls-ciphers",
             "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-session-caching",
             "tls-session-cache-size", "tls-session-cache-timeout"]
    sets = [("tls-auth-clients", "maybe"), ("tls-auth-clients", "OPTIONAL"),
            ("tls-session-cache-size", "-1"), ("tls-session-caching", "perhaps"),
            ("tls-prefer-server-ciphers", "yes"), ("tls-session-cache-timeout", "60"),
            ("tls-protocols", "TLSv1.2 TLSv1.3"), ("tls-ciphersuites", "TLS_AES_128_GCM_SHA256"),
            ("tls-protocols", "TLSv9"), ("tls-ciphers", "NOT-A-CIPHER"),
            ("tls-key-file", certs["missing.key"]), ("tls-ca-cert-file", certs["missing.crt"])]
    tls_port = free_port()
    with Cachet() as plain, Redis() as oracle_plain:
        for name in names:  # TLS off: the defaults, and files are not checked
            assert Conn(plain.port).call("CONFIG", "GET", name) == Conn(oracle_plain.port).call(
                "CONFIG", "GET", name), name
        assert Conn(plain.port).call("CONFIG", "SET", "tls-cert-file", "/nonexistent") == \
            Conn(oracle_plain.port).call("CONFIG", "SET", "tls-cert-file", "/nonexistent")
    with TlsCachet(certs) as s, Redis(*certs.server_args(), "--tls-port", str(tls_port)) as r:
        ours, theirs = Conn(s.port), Conn(r.port)
        for name, value in sets:
            assert ours.call("CONFIG", "SET", name, value) == theirs.call(
                "CONFIG", "SET", name, value), (name, value)
        for name in names[1:]:
            assert ours.call("CONFIG", "GET", name) == theirs.call("CONFIG", "GET", name), name


def test_gateway_reaches_tls_backends(certs):
    """cachet-gateway over TLS to two TLS-only nodes (client certificate required): requests and
    health checks work; a gateway without a client certificate is refused by the nodes."""
    nodes = [TlsCachet(certs), TlsCachet(certs)]
    try:
        backends = [a for n in nodes for a in ("--backend", f"127.0.0.1:{n.tls_port}")]
        tls = ["--backend-tls", "--backend-tls-cacert", certs["ca.crt"]]
        client = ["--backend-tls-cert", certs["client.crt"], "--backend-tls-key", certs["client.key"]]
        with Gateway(*backends, *tls, *client, "--backend-timeout", "5000") as g:
            for i in range(50):
                assert http_request(g.port, "PUT", f"/v1/kv/k{i}", b'{"i":%d}' % i)[0].status == 204
            for i in range(50):
                assert http_request(g.port, "GET", f"/v1/kv/k{i}")[1] == b'{"i":%d}' % i
            stored = sum(tls_client(certs, n.tls_port).dbsize() for n in nodes)
            assert stored == 50
            r, data = http_request(g.port, "GET", "/readyz")
            assert r.status == 200, data
        with Gateway(*backends, *tls, "--backend-timeout", "5000") as g:
            r, _ = http_request(g.port, "GET", "/v1/kv/k1")
            assert r.status in (502, 503)
    finally:
        for n in nodes:
            n.__exit__()


def test_encrypted_key_and_bad_files_at_start(certs):
    encrypted = certs["server-enc.key"]
    subprocess.run(["openssl", "ec", "-in", certs["server.key"], "-aes256", "-passout",
                    "pass:s3cret", "-out", encrypted], check=True, capture_output=True)
    args = ["--tls-cert-file", certs["server.crt"], "--tls-key-file", encrypted,
            "--tls-auth-clients", "no"]
    tls_port = free_port()
    with Cachet(*args, "--tls-key-file-pass", "s3cret", "--tls-port", str(tls_port)):
        assert cli(certs, tls_port, "PING", cert=None) == (0, "PONG\n")
    for bad in (["--tls-key-file-pass", "wrong"], ["--tls-cert-file", certs["missing.crt"]]):
        p = subprocess.run([Cachet.BINARY, *args, *bad, "--tls-port", str(free_port())],
                           capture_output=True, timeout=SAFETY_TIMEOUT)
        assert p.returncode == 1
        assert b"Failed to configure TLS. Check logs for more info." in p.stderr
        assert b"Failed to load private key" in p.stderr or b"Failed to load certificate" in p.stderr
