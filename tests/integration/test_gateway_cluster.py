"""cachet-gateway in front of three cache servers: keys spread over the nodes by consistent
hashing; a node killed under load costs only its own keys (503 with a clear message, or remapped
with --remap), nothing hangs, and the node is used again once it answers health checks."""
import contextlib
import json
import os
import pathlib
import signal
import socket
import threading
import time

import redis

from support import SAFETY_TIMEOUT, Cachet, Gateway, http_request


def request(port, method, path, body=None):
    r, data = http_request(port, method, path, body)
    return r.status, data


def wait_ready(port, want):
    """Asks /readyz until it answers `want` (the health checker runs every second): waits for
    the observable state itself, with a safety deadline that only turns a hang into a failure."""
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while time.monotonic() < deadline:
        if request(port, "GET", "/readyz")[0] == want:
            return
    raise AssertionError(f"/readyz never became {want}")


def owners(nodes, keys):
    """Which node (index) holds each key, read back over RESP."""
    clients = [redis.Redis(host="127.0.0.1", port=n.port) for n in nodes]
    return {k: next(i for i, c in enumerate(clients) if c.exists(k)) for k in keys}


@contextlib.contextmanager
def cluster(count, *gateway_args):
    """`count` cache servers behind a gateway; yields (gateway, the list of nodes). Nodes the test
    puts in the list in place of others are stopped too; stopped (SIGSTOP) ones are resumed."""
    nodes = [Cachet() for _ in range(count)]
    try:
        backends = [a for n in nodes for a in ("--backend", f"127.0.0.1:{n.port}")]
        with Gateway(*backends, *gateway_args) as g:
            yield g, nodes
    finally:
        for n in nodes:
            if n.proc.poll() is None:
                os.kill(n.proc.pid, signal.SIGCONT)
            n.__exit__()


def test_keys_spread_and_a_killed_node_costs_only_its_keys():
    with cluster(3, "--backend-timeout", "2000") as (g, nodes):
        keys = [f"k{i}" for i in range(300)]
        for k in keys:
            assert request(g.port, "PUT", f"/v1/kv/{k}", json.dumps({"k": k}))[0] == 204
        where = owners(nodes, keys)
        counts = [list(where.values()).count(i) for i in range(3)]
        assert all(60 <= c <= 140 for c in counts), counts  # about a third each

        stop = threading.Event()
        results = {"ok": 0, "unavailable": 0, "other": 0}

        def load():  # steady traffic across all keys while the node dies
            i = 0
            while not stop.is_set():
                status, _ = request(g.port, "GET", f"/v1/kv/{keys[i % len(keys)]}")
                results["ok" if status == 200 else "unavailable" if status == 503 else "other"] += 1
                i += 1

        worker = threading.Thread(target=load)
        worker.start()
        dead = 1
        nodes[dead].stop(signal.SIGKILL)
        for k in keys:  # every request answers (none hangs): dead node's keys 503, others 200
            status, data = request(g.port, "GET", f"/v1/kv/{k}")
            if where[k] == dead:
                assert status == 503
                message = json.loads(data)["error"]["message"]
                assert f"127.0.0.1:{nodes[dead].port}" in message
            else:
                assert status == 200 and json.loads(data) == {"k": k}
        wait_ready(g.port, 503)
        stop.set()
        worker.join(SAFETY_TIMEOUT)
        assert results["ok"] > 0 and results["other"] == 0

        # The node comes back (empty: it is a cache) on the same port and is used again.
        nodes[dead] = Cachet(port=nodes[dead].port)
        wait_ready(g.port, 200)
        lost = [k for k in keys if where[k] == dead]
        status, data = request(g.port, "GET", f"/v1/kv/{lost[0]}")
        assert status == 404, data
        assert request(g.port, "PUT", f"/v1/kv/{lost[0]}", b"1")[0] == 204
        assert redis.Redis(host="127.0.0.1", port=nodes[dead].port).get(lost[0]) == b"1"
        assert g.stop() == 0


def test_remap_sends_a_dead_nodes_keys_to_the_next_node():
    with cluster(3, "--remap", "--backend-timeout", "2000") as (g, nodes):
        keys = [f"r{i}" for i in range(60)]
        for k in keys:
            request(g.port, "PUT", f"/v1/kv/{k}", b"true")
        where = owners(nodes, keys)
        nodes[0].stop(signal.SIGKILL)
        victim = next(k for k in keys if where[k] == 0)
        request(g.port, "GET", f"/v1/kv/{victim}")  # the failing request ejects the node
        wait_ready(g.port, 503)
        assert request(g.port, "GET", f"/v1/kv/{victim}")[0] == 404  # remapped: not there
        assert request(g.port, "PUT", f"/v1/kv/{victim}", b"1")[0] == 204
        assert request(g.port, "GET", f"/v1/kv/{victim}") == (200, b"1")
        survivors = [k for k in keys if where[k] != 0]
        assert all(request(g.port, "GET", f"/v1/kv/{k}")[0] == 200 for k in survivors)


def read_responses(sock, n):
    """Reads `n` HTTP responses (each with Content-Length or none) from a raw socket, in order."""
    data, out = b"", []
    while len(out) < n:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode()
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if len(data) >= head_end + 4 + length:
                out.append((int(head.split()[1]), data[head_end + 4:head_end + 4 + length]))
                data = data[head_end + 4 + length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(out)} of {n} responses"
        data += chunk
    return out


def test_pipelined_requests_over_many_nodes_answer_in_order():
    with cluster(3, "--threads", "1") as (g, nodes):
        keys = [f"p{i}" for i in range(40)]
        wire, expected = b"", []
        for i, k in enumerate(keys):  # interleave PUT, GET, a miss and a batch per key
            body = json.dumps({"i": i}, separators=(",", ":")).encode()
            wire += (f"PUT /v1/kv/{k} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
                     .encode() + body)
            wire += f"GET /v1/kv/{k} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            wire += f"GET /v1/kv/missing{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            batch = json.dumps({"get": keys[:i + 1]}).encode()
            wire += (f"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: {len(batch)}\r\n\r\n"
                     .encode() + batch)
            expected += [(204, b""), (200, body), (404, None),
                         (200, {"set": 0, "get": {q: {"i": j} for j, q in enumerate(keys[:i + 1])},
                                "deleted": 0})]
        with socket.create_connection(("127.0.0.1", g.port), timeout=SAFETY_TIMEOUT) as s:
            s.sendall(wire)  # all at once: the gateway has many requests queued per node
            got = read_responses(s, len(expected))
        for (status, data), (want_status, want) in zip(got, expected):
            assert status == want_status, (status, data)
            if isinstance(want, dict):
                assert json.loads(data) == want
            elif want is not None:
                assert data == want
        assert len(set(owners(nodes, keys).values())) == 3  # the batch really spanned nodes


@contextlib.contextmanager
def stalled_pair(*gateway_args):
    """Two cache servers behind a one-worker gateway (if waiting for a node blocked the worker,
    nothing else could be answered); yields (gateway, stalled node, a key on it, a key on the
    other node). The caller stops the first node with SIGSTOP: it accepts bytes, never answers."""
    with cluster(2, "--threads", "1", *gateway_args) as (g, nodes):
        keys = [f"s{i}" for i in range(60)]
        for k in keys:
            assert request(g.port, "PUT", f"/v1/kv/{k}", b"1")[0] == 204
        where = owners(nodes, keys)
        slow = next(k for k in keys if where[k] == 0)
        fast = next(k for k in keys if where[k] == 1)
        yield g, nodes[0], slow, fast


def freeze(node):
    """SIGSTOPs `node` and returns once every one of its threads has stopped (the stop is
    asynchronous: a thread running on another CPU could still answer a request meanwhile)."""
    os.kill(node.proc.pid, signal.SIGSTOP)
    deadline = time.monotonic() + SAFETY_TIMEOUT
    tasks = pathlib.Path(f"/proc/{node.proc.pid}/task")
    while time.monotonic() < deadline:
        states = [(t / "stat").read_text().rsplit(")", 1)[1].split()[0] for t in tasks.iterdir()]
        if all(s in "Tt" for s in states):
            return
    raise AssertionError("the node never stopped")


def send_get(port, key):
    s = socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT)
    s.sendall(f"GET /v1/kv/{key} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return s


def test_a_stalled_node_never_blocks_other_requests():
    # A timeout far beyond the test's few requests: the waiting request must still be waiting.
    with stalled_pair("--backend-timeout", "60000") as (g, stalled, slow, fast):
        freeze(stalled)
        waiting = send_get(g.port, slow)
        abandoned = send_get(g.port, slow)
        abandoned.close()  # its answer, when it comes, has nowhere to go
        # Meanwhile other keys and routes are served by the same (only) worker.
        assert request(g.port, "GET", f"/v1/kv/{fast}") == (200, b"1")
        assert request(g.port, "GET", "/healthz")[0] == 200
        waiting.setblocking(False)
        try:
            early = waiting.recv(65536)
            raise AssertionError(f"answered before the node replied: {early!r}")
        except BlockingIOError:
            pass  # still waiting, as it should be
        waiting.setblocking(True)
        os.kill(stalled.proc.pid, signal.SIGCONT)
        assert read_responses(waiting, 1) == [(200, b"1")]
        waiting.close()
        assert request(g.port, "GET", f"/v1/kv/{fast}") == (200, b"1")
        assert g.stop() == 0


def test_a_stalled_node_times_out_and_rejoins():
    with stalled_pair("--backend-timeout", "500") as (g, stalled, slow, fast):
        freeze(stalled)
        waiting = send_get(g.port, slow)
        [(status, data)] = read_responses(waiting, 1)  # the timeout ends the wait
        assert status == 503 and b"timed out" in data, data
        waiting.close()
        assert request(g.port, "GET", f"/v1/kv/{fast}") == (200, b"1")
        os.kill(stalled.proc.pid, signal.SIGCONT)
        wait_ready(g.port, 200)
        assert request(g.port, "GET", f"/v1/kv/{slow}") == (200, b"1")
        assert g.stop() == 0


def test_sigterm_waits_for_a_request_at_a_backend():
    with cluster(1, "--threads", "1") as (g, [node]):
        assert request(g.port, "PUT", "/v1/kv/k", b"[1]")[0] == 204
        freeze(node)
        with socket.create_connection(("127.0.0.1", g.port), timeout=SAFETY_TIMEOUT) as s:
            s.sendall(b"GET /v1/kv/k HTTP/1.1\r\nHost: x\r\n\r\n")
            assert request(g.port, "GET", "/healthz")[0] == 200  # the GET is in flight
            g.proc.send_signal(signal.SIGTERM)
            os.kill(node.proc.pid, signal.SIGCONT)
            assert read_responses(s, 1) == [(200, b"[1]")]
        assert g.stop() == 0
