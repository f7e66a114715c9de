"""Resource limits for untrusted peers: a client that has not authenticated cannot make the
server buffer its replies, and an HTTP client that never reads its responses is cut off."""
import socket

import redis

from support import SAFETY_TIMEOUT, Cachet, free_port


def flood_until_closed(port, payload, budget):
    """Sends `payload` repeatedly without reading, up to `budget` bytes; True once the server
    closed the connection (a send fails), False if the budget ran out first."""
    with socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        chunk = payload * (65536 // len(payload))
        sent = 0
        while sent < budget:
            try:
                sent += s.send(chunk)
            except (BrokenPipeError, ConnectionResetError):
                return True
    return False


def test_an_unauthenticated_client_that_never_reads_is_dropped():
    with Cachet("--requirepass", "s3cret") as c:
        # each "x\n" earns a 34-byte -NOAUTH reply; 64 MB of them would be 1 GB of replies
        assert flood_until_closed(c.port, b"x\n", 64 * 1024 * 1024)
        assert redis.Redis(port=c.port, password="s3cret").ping()
        assert c.proc.poll() is None


def test_an_http_client_that_never_reads_is_not_read_from():
    """Pipelined GETs of a 200 KB value, never read: the server stops taking requests once about
    1 MB of responses wait, so the sender soon blocks, and memory stays bounded (reading it all
    would queue 32 MB / 37 B x 200 KB = 180 GB of responses)."""
    http_port = free_port()
    with Cachet("--http-port", str(http_port)) as c:
        r = redis.Redis(port=c.port)
        r.set("big", b'"' + b"x" * 200_000 + b'"')
        request = b"GET /v1/kv/big HTTP/1.1\r\nHost: x\r\n\r\n"
        with socket.create_connection(("127.0.0.1", http_port), timeout=SAFETY_TIMEOUT) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.setblocking(False)
            chunk, sent = request * 1000, 0
            while sent < 32 * 1024 * 1024:
                try:
                    sent += s.send(chunk)
                except BlockingIOError:
                    break  # the server stopped reading
            assert sent < 32 * 1024 * 1024, "the server kept reading requests it could not answer"
            used = r.info("memory")["used_memory"]
            assert used < 100 * 1024 * 1024, used
        assert r.ping() and c.proc.poll() is None
