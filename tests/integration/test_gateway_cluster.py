"""cachet-gateway in front of three cache servers: keys spread over the nodes by consistent
hashing; a node killed under load costs only its own keys (503 with a clear message, or remapped
with --remap), nothing hangs, and the node is used again once it answers health checks."""
import json
import signal
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


def test_keys_spread_and_a_killed_node_costs_only_its_keys():
    nodes = [Cachet(), Cachet(), Cachet()]
    try:
        backends = [a for n in nodes for a in ("--backend", f"127.0.0.1:{n.port}")]
        with Gateway(*backends, "--backend-timeout", "2000") as g:
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
    finally:
        for n in nodes:
            n.__exit__()


def test_remap_sends_a_dead_nodes_keys_to_the_next_node():
    nodes = [Cachet(), Cachet(), Cachet()]
    try:
        backends = [a for n in nodes for a in ("--backend", f"127.0.0.1:{n.port}")]
        with Gateway(*backends, "--remap", "--backend-timeout", "2000") as g:
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
    finally:
        for n in nodes:
            n.__exit__()
