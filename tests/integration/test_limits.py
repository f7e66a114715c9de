"""Resource limits for untrusted peers: a client that has not authenticated cannot make the
server buffer its replies, and an HTTP client that never reads its responses is cut off."""
import select
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


def test_a_burst_of_connections_spreads_over_the_workers():
    """41 connections opened at once, then a long KEYS on one of them: with 2 workers, the
    connections on the other worker answer PING before the KEYS reply even starts (they were
    handed out round robin, not all kept by the worker that accepted them)."""
    with Cachet("--threads", "2") as c:
        n = 300_000
        with socket.create_connection(("127.0.0.1", c.port), timeout=SAFETY_TIMEOUT) as s:
            s.sendall(b"".join(b"*3\r\n$3\r\nSET\r\n$8\r\nk%07d\r\n$1\r\nv\r\n" % i for i in range(n)))
            got = 0
            while got < 5 * n:
                got += len(s.recv(1 << 20))
        conns = [socket.create_connection(("127.0.0.1", c.port), timeout=SAFETY_TIMEOUT)
                 for _ in range(41)]
        busy = conns.pop(0)
        busy.sendall(b"KEYS *\r\n")
        for k in conns:
            k.sendall(b"PING\r\n")
        answered = set()
        while True:  # until the KEYS reply starts: every PING answered by then was not behind it
            ready, _, _ = select.select([busy] + [k for k in conns if k not in answered], [], [],
                                        SAFETY_TIMEOUT)
            if busy in ready or not ready:
                break
            answered.update(ready)
        assert len(answered) >= 15, f"only {len(answered)} of 40 answered while KEYS ran"
        for k in conns + [busy]:
            k.close()
        assert c.proc.poll() is None
