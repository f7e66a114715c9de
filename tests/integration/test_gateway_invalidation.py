"""Tags, purges and the live invalidation stream of the HTTP API (issue 16): PUT ?tags=, POST
/v1/invalidate by tag, key and prefix (exact counts, never a key rewritten since it was tagged),
a 100k-key purge that other requests interleave with, and GET /v1/events (Server-Sent Events)
fed by the store's own changes, with Last-Event-ID replay and reset; the same stream from the
standalone gateway, merged from every cache node's notifications."""
import json
import select
import socket
import time

import pytest
import redis

from support import SAFETY_TIMEOUT, Cachet, Gateway, free_port, http_request


@pytest.fixture
def server():
    port = free_port()
    with Cachet("--http-port", str(port)) as s:
        s.http_port = port
        s.redis = redis.Redis(host="127.0.0.1", port=s.port)
        yield s


def call(port, method, path, body=None, headers=None):
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    r, data = http_request(port, method, path, body, headers)
    return r.status, (json.loads(data) if data and r.status != 204 else None)


def put(port, key, value, query=""):
    status, _ = call(port, "PUT", f"/v1/kv/{key}{query}", value)
    assert status == 204


def invalidate(port, body):
    status, answer = call(port, "POST", "/v1/invalidate", body)
    assert status == 200, answer
    return answer["deleted"]


def test_purge_by_tag_counts_exactly_and_spares_rewritten_keys(server):
    p, r = server.http_port, server.redis
    put(p, "a", {"v": 1}, "?tags=news,sport")
    put(p, "b", {"v": 2}, "?tags=news&ttl=100")
    put(p, "c", {"v": 3}, "?tags=sport")
    put(p, "d", {"v": 4})
    put(p, "e", {"v": 5}, "?tags=news")
    put(p, "e", {"v": 6})  # rewritten without the tag
    put(p, "f", {"v": 7}, "?tags=news")
    r.set("f", "over RESP")  # rewritten by someone who knows nothing of tags
    put(p, "g", {"v": 8}, "?tags=news")
    r.delete("g")  # gone already: its membership is pruned by the purge
    assert r.hlen("__tag:news") == 5
    assert invalidate(p, {"tags": ["news"]}) == 2  # a and b
    assert [call(p, "GET", f"/v1/kv/{k}")[0] for k in "abcdef"] == [404, 404, 200, 200, 200, 200]
    assert not r.exists("__tag:news")  # every member the purge saw is dropped from the index
    assert invalidate(p, {"tags": ["news"]}) == 0
    assert invalidate(p, {"tags": ["sport", "nothing"]}) == 1  # c (a is gone)


def test_tag_index_ttl_is_an_upper_bound_of_its_keys(server):
    p, r = server.http_port, server.redis
    put(p, "t1", 1, "?tags=short&ttl=100")
    assert 0 < r.pttl("__tag:short") <= 100_000
    put(p, "t2", 2, "?tags=short&ttl=1000")
    assert 100_000 < r.pttl("__tag:short") <= 1_000_000
    put(p, "t3", 3, "?tags=short&ttl=10")  # shorter: the bound stays
    assert r.pttl("__tag:short") > 100_000
    put(p, "t4", 4, "?tags=short")  # no TTL: neither has the index
    assert r.pttl("__tag:short") == -1


def test_purge_by_keys_and_prefix_with_glob_characters(server):
    p, r = server.http_port, server.redis
    for k in ["u:1", "u:2", "u:3", "g[1]*a", "g[1]*b", "g1x", "g[1]", "gx"]:
        r.set(k, "x")
    assert invalidate(p, {"keys": ["u:1", "u:2", "missing"]}) == 2
    assert invalidate(p, {"prefix": "g[1]*"}) == 2  # literally, not as a glob
    assert sorted(r.keys("g*")) == [b"g1x", b"g[1]", b"gx"]
    put(p, "u:4", 4, "?tags=x")
    assert invalidate(p, {"prefix": "u:", "keys": ["u:3"], "tags": ["x"]}) == 2  # u:3, u:4
    assert invalidate(p, {"prefix": "__tag"}) == 0  # the index is never purged by prefix
    assert invalidate(p, {}) == 0


@pytest.mark.parametrize("body, code", [
    (b"{nope", "invalid_json"),
    (b"[]", "bad_request"),
    (b'{"tags": "a"}', "bad_request"),
    (b'{"tags": [1]}', "bad_request"),
    (b'{"keys": [""]}', "bad_request"),
    (b'{"prefix": ""}', "bad_request"),
    (b'{"prefix": 3}', "bad_request"),
    (b'{"everything": true}', "bad_request"),
])
def test_bad_invalidate_bodies_get_400(server, body, code):
    status, answer = call(server.http_port, "POST", "/v1/invalidate", body)
    assert status == 400 and answer["error"]["code"] == code


def test_reserved_keys_and_bad_tags_are_refused(server):
    p = server.http_port
    assert call(p, "PUT", "/v1/kv/__tag:x", b"1")[0] == 400
    assert call(p, "DELETE", "/v1/kv/__tag:x")[0] == 400
    assert call(p, "POST", "/v1/batch", {"set": {"__tag:x": 1}})[0] == 400
    for tags in ["", "a,,b", ",".join(str(i) for i in range(65))]:
        assert call(p, "PUT", f"/v1/kv/k?tags={tags}", b"1")[0] == 400
    assert not server.redis.exists("k")


def readable(sock):
    return bool(select.select([sock], [], [], 0)[0])


def test_large_prefix_purge_lets_other_requests_through():
    port = free_port()
    # One worker thread: the purge and the other client share it, so answers to the other client
    # before the purge's own prove that the purge yields between its batches.
    with Cachet("--http-port", str(port), "--threads", "1") as s:
        r = redis.Redis(host="127.0.0.1", port=s.port)
        pipe = r.pipeline(transaction=False)
        for i in range(0, 100_000, 1000):
            pipe.mset({f"bulk:{j}": "v" for j in range(i, i + 1000)})
        pipe.execute()
        put(port, "other", {"still": "here"})
        body = b'{"prefix":"bulk:"}'
        purger = socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT)
        reader = socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT)
        get = b"GET /v1/kv/other HTTP/1.1\r\nHost: x\r\n\r\n"
        reader.sendall(get)  # connected and served once before the purge starts
        assert reader.recv(65536).startswith(b"HTTP/1.1 200")
        purger.sendall(b"POST /v1/invalidate HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
                       % (len(body), body))
        answered = 0
        while not readable(purger):
            reader.sendall(get)
            response = reader.recv(65536)
            assert response.startswith(b"HTTP/1.1 200") and response.endswith(b'{"still":"here"}')
            answered += 1
        data = b""
        while not data.endswith(b"}"):
            data += purger.recv(65536)
        assert data.startswith(b"HTTP/1.1 200")
        assert json.loads(data.partition(b"\r\n\r\n")[2]) == {"deleted": 100_000}
        assert answered >= 2, answered
        assert r.dbsize() == 1
        purger.close()
        reader.close()


class EventStream:
    """GET /v1/events on a raw socket; next() reads one event (bounded by the socket timeout)."""

    def __init__(self, port, prefix="", last_event_id=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=SAFETY_TIMEOUT)
        extra = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id else ""
        self.sock.sendall(f"GET /v1/events?prefix={prefix} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
        self.buf = b""
        head = self._block(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        assert b"Content-Type: text/event-stream" in head

    def _block(self, end, deadline=None):
        while end not in self.buf:
            # Heartbeats keep the socket busy: bound the wait for an event itself too.
            assert deadline is None or time.monotonic() < deadline, ("no event", self.buf)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        block, _, self.buf = self.buf.partition(end)
        return block

    def next(self):
        """The next event as (event, id, data); comments and retry fields are skipped."""
        deadline = time.monotonic() + SAFETY_TIMEOUT
        while True:
            fields = {}
            for line in self._block(b"\n\n", deadline).decode().split("\n"):
                if line and not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    fields[name] = value
            if "event" in fields:
                return fields["event"], fields["id"], json.loads(fields["data"])

    def close(self):
        self.sock.close()


def test_event_stream_sees_api_resp_expiry_and_purge_changes(server):
    p, r = server.http_port, server.redis
    events = EventStream(p, prefix="ev:")
    put(p, "ev:1", {"x": 1})
    assert events.next()[0::2] == ("changed", {"key": "ev:1"})
    assert call(p, "DELETE", "/v1/kv/ev:1")[0] == 204
    assert events.next()[0::2] == ("deleted", {"key": "ev:1"})
    r.set("outside", "not under the prefix")
    r.set("ev:2", "from RESP")
    assert events.next()[0::2] == ("changed", {"key": "ev:2"})
    r.set("ev:3", "short", px=50)
    assert events.next()[0::2] == ("changed", {"key": "ev:3"})
    assert events.next()[0::2] == ("expired", {"key": "ev:3"})  # waits for active expiry
    put(p, "ev:t1", 1, "?tags=grp")
    put(p, "ev:t2", 2, "?tags=grp")
    assert [events.next()[0::2] for _ in range(2)] == [("changed", {"key": "ev:t1"}),
                                                       ("changed", {"key": "ev:t2"})]
    assert invalidate(p, {"tags": ["grp"]}) == 2
    purged = [events.next() for _ in range(2)]
    assert sorted((e, d["key"]) for e, _, d in purged) == [("deleted", "ev:t1"), ("deleted", "ev:t2")]
    ids = [int(i.split(".")[1]) for _, i, _ in purged]
    assert ids[0] < ids[1]
    events.close()
    assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AE"


def test_reconnect_replays_the_gap_or_resets(server):
    p, r = server.http_port, server.redis
    events = EventStream(p, prefix="re:")
    r.set("re:1", "a")
    _, last, _ = events.next()
    events.close()
    r.set("re:2", "b")
    r.delete("re:1")
    resumed = EventStream(p, prefix="re:", last_event_id=last)
    assert resumed.next()[0::2] == ("changed", {"key": "re:2"})
    assert resumed.next()[0::2] == ("deleted", {"key": "re:1"})
    r.set("re:3", "c")
    assert resumed.next()[0::2] == ("changed", {"key": "re:3"})  # then live again
    resumed.close()
    # Another process's id, and one the bounded buffer (10,000 events) no longer holds.
    assert EventStream(p, last_event_id="1.1").next()[0] == "reset"
    pipe = r.pipeline(transaction=False)
    for i in range(10_001):
        pipe.set(f"flood:{i}", i)
    pipe.execute()
    stale = EventStream(p, prefix="re:", last_event_id=last)
    kind, reset_id, _ = stale.next()
    assert kind == "reset"
    r.set("re:4", "d")
    kind, new_id, data = stale.next()
    assert (kind, data) == ("changed", {"key": "re:4"})
    assert int(new_id.split(".")[1]) == int(reset_id.split(".")[1]) + 1
    stale.close()


def test_event_stream_sees_evictions(server):
    p, r = server.http_port, server.redis
    events = EventStream(p, prefix="big:")
    r.config_set("maxmemory-policy", "allkeys-random")
    for i in range(20):
        r.set(f"big:{i}", "x" * 100_000)
    r.config_set("maxmemory", r.info("memory")["used_memory_dataset"] // 2)
    r.set("trigger", "y")  # a write makes room
    seen = set()
    while "evicted" not in seen:
        seen.add(events.next()[0])
    r.config_set("maxmemory", 0)
    events.close()


def test_a_client_that_does_not_read_is_closed(server):
    p, r = server.http_port, server.redis
    slow = socket.create_connection(("127.0.0.1", p), timeout=SAFETY_TIMEOUT)
    slow.sendall(b"GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    watcher = EventStream(p, prefix="last")  # proves the stream was set up before the flood
    pipe = r.pipeline(transaction=False)
    for i in range(8000):
        pipe.set(f"{i:08}" + "k" * 4000, 1)  # ~4 KB events: 32 MB in all, past any socket buffer
    pipe.execute()
    r.set("last", 1)
    assert watcher.next()[0::2] == ("changed", {"key": "last"})
    received = b""
    while chunk := slow.recv(65536):  # ends: the server closed the stream
        received += chunk
    assert b"00007999" not in received and len(received) < 20_000_000
    watcher.close()
    slow.close()


def cluster(count):
    nodes = [Cachet() for _ in range(count)]
    backends = [a for n in nodes for a in ("--backend", f"127.0.0.1:{n.port}")]
    return nodes, Gateway(*backends)


def test_remote_gateway_tags_and_purges():
    nodes, g = cluster(2)
    try:
        clients = [redis.Redis(host="127.0.0.1", port=n.port) for n in nodes]
        for i in range(60):
            put(g.port, f"n:{i}", {"i": i}, "?tags=even" if i % 2 == 0 else "?tags=odd,all")
        assert all(c.dbsize() > 0 for c in clients)  # keys on both nodes
        assert invalidate(g.port, {"tags": ["even"]}) == 30
        assert invalidate(g.port, {"tags": ["all"], "keys": ["n:0", "n:1"]}) == 30
        for i in range(40):
            put(g.port, f"p:{i}", i)
        assert invalidate(g.port, {"prefix": "p:"}) == 40
        assert invalidate(g.port, {"tags": ["odd"]}) == 0  # its keys are gone: only pruned
        assert sum(c.dbsize() for c in clients) == 0  # nor does the tag index leak
    finally:
        g.__exit__()
        for n in nodes:
            n.__exit__()


def wait_ready(port):
    """Until /readyz answers 200 (every node up and subscribed), bounded by SAFETY_TIMEOUT."""
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while call(port, "GET", "/readyz")[0] != 200:
        assert time.monotonic() < deadline, "gateway never became ready"
        select.select([], [], [], 0.01)


def keys_per_node(port, clients, prefix, count):
    """PUTs prefix0.. until each node holds one; returns one key per node (node order)."""
    found = {}
    for i in range(count):
        key = f"{prefix}{i}"
        put(port, key, i)
        found.setdefault(next(n for n, c in enumerate(clients) if c.exists(key)), key)
    assert len(found) == len(clients)
    return [found[n] for n in range(len(clients))]


def test_remote_gateway_streams_every_nodes_events():
    nodes, g = cluster(2)
    try:
        clients = [redis.Redis(host="127.0.0.1", port=n.port) for n in nodes]
        wait_ready(g.port)
        a, b = keys_per_node(g.port, clients, "ev:", 40)
        events = EventStream(g.port, prefix="ev:")
        put(g.port, a, {"x": 1})
        assert events.next()[0::2] == ("changed", {"key": a})
        put(g.port, b, {"x": 2})
        assert events.next()[0::2] == ("changed", {"key": b})
        assert call(g.port, "DELETE", "/v1/kv/" + b)[0] == 204
        assert events.next()[0::2] == ("deleted", {"key": b})
        clients[0].set(a, "short", px=50)  # RESP on the node: seen too
        assert events.next()[0::2] == ("changed", {"key": a})
        assert events.next()[0::2] == ("expired", {"key": a})
        put(g.port, a, 1, "?tags=grp")
        assert events.next()[0::2] == ("changed", {"key": a})
        put(g.port, b, 2, "?tags=grp")
        _, last, data = events.next()
        assert data == {"key": b}
        events.close()
        assert invalidate(g.port, {"tags": ["grp"]}) == 2
        resumed = EventStream(g.port, prefix="ev:", last_event_id=last)
        purged = [resumed.next() for _ in range(2)]
        assert sorted((e, d["key"]) for e, _, d in purged) == sorted([("deleted", a), ("deleted", b)])
        assert all(c.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AE"
                   for c in clients)
        resumed.close()
    finally:
        g.__exit__()
        for n in nodes:
            n.__exit__()


def test_remote_gateway_resets_streams_after_a_node_gap():
    nodes, g = cluster(2)
    try:
        wait_ready(g.port)
        clients = [redis.Redis(host="127.0.0.1", port=n.port) for n in nodes]
        a, b = keys_per_node(g.port, clients, "gap:", 40)
        events = EventStream(g.port)
        clients[1].set(b, "before")
        _, before, _ = events.next()
        port = nodes[1].port
        nodes[1].stop()
        nodes[1] = Cachet(port=port)  # a fresh node: notifications off, keys gone
        kind, reset_id, data = events.next()  # once the gateway has resubscribed
        assert kind == "reset" and "was unreachable" in data["reason"]
        assert EventStream(g.port, last_event_id=before).next()[0] == "reset"
        wait_ready(g.port)
        clients[1] = redis.Redis(host="127.0.0.1", port=port)
        assert clients[1].config_get("notify-keyspace-events")["notify-keyspace-events"] == "AE"
        put(g.port, b, 3)
        kind, new_id, data = events.next()
        assert (kind, data) == ("changed", {"key": b})
        assert int(new_id.split(".")[1]) == int(reset_id.split(".")[1]) + 1
        events.close()
    finally:
        g.__exit__()
        for n in nodes:
            n.__exit__()


def test_remote_gateway_sets_notifications_again_when_they_are_turned_off():
    nodes, g = cluster(1)
    try:
        wait_ready(g.port)
        node = redis.Redis(host="127.0.0.1", port=nodes[0].port)
        events = EventStream(g.port, prefix="nk:")
        put(g.port, "nk:1", 1)
        assert events.next()[0::2] == ("changed", {"key": "nk:1"})
        node.config_set("notify-keyspace-events", "")
        kind, _, data = events.next()  # the gateway's next check (every health interval)
        assert kind == "reset" and "notify-keyspace-events" in data["reason"], data
        assert node.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AE"
        put(g.port, "nk:2", 2)
        assert events.next()[0::2] == ("changed", {"key": "nk:2"})
        events.close()
    finally:
        g.__exit__()
        nodes[0].__exit__()


class SilentNode:
    """A fake cache node that answers the gateway's CONFIG GET and PSUBSCRIBE, then never
    replies again (a node that hangs, or a half-open connection): counts the PSUBSCRIBEs."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.subscriptions = 0
        self.conns = []

    def serve(self, deadline):
        """Serves connections until `deadline`, or until a second PSUBSCRIBE came."""
        buffers = {}
        while self.subscriptions < 2:
            assert time.monotonic() < deadline, "the gateway never subscribed again"
            ready, _, _ = select.select([self.listener, *buffers], [], [], 0.05)
            for s in ready:
                if s is self.listener:
                    conn, _ = s.accept()
                    self.conns.append(conn)
                    buffers[conn] = b""
                    continue
                chunk = s.recv(65536)
                if not chunk:
                    del buffers[s]
                    continue
                buffers[s] += chunk
                buffers[s] = self.answer(s, buffers[s])

    def answer(self, conn, buf):
        """Replies to the complete commands in `buf`; returns what is left."""
        while buf.startswith(b"*") and b"\r\n" in buf:
            words, rest = parse_command(buf)
            if words is None:
                break
            buf = rest
            if words[0].upper() == b"CONFIG":
                conn.sendall(b"*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nAE\r\n")
            elif words[0].upper() == b"PSUBSCRIBE":
                self.subscriptions += 1
                conn.sendall(b"*3\r\n$10\r\npsubscribe\r\n$%d\r\n%s\r\n:1\r\n"
                             % (len(words[1]), words[1]))
            # PING and anything else: no answer, ever
        return buf

    def close(self):
        for c in self.conns:
            c.close()
        self.listener.close()


def parse_command(buf):
    """(words, rest) of the RESP array at the start of `buf`, or (None, buf) if incomplete."""
    head, sep, rest = buf.partition(b"\r\n")
    words = []
    for _ in range(int(head[1:])):
        length, sep, after = rest.partition(b"\r\n")
        if not sep or len(after) < int(length[1:]) + 2:
            return None, buf
        words.append(after[:int(length[1:])])
        rest = after[int(length[1:]) + 2:]
    return words, rest


def test_remote_gateway_resubscribes_when_a_node_stops_answering_ping():
    node = SilentNode()
    g = Gateway("--backend", f"127.0.0.1:{node.port}", "--backend-timeout", "200")
    try:
        # Without the PING the first subscription would stay open (and silent) forever.
        node.serve(time.monotonic() + SAFETY_TIMEOUT)
        assert node.subscriptions == 2
    finally:
        g.__exit__()
        node.close()


def test_remote_gateway_with_no_events_leaves_the_nodes_alone():
    with Cachet() as node, Gateway("--backend", f"127.0.0.1:{node.port}", "--no-events") as g:
        wait_ready(g.port)  # health alone makes it ready
        status, body = call(g.port, "GET", "/v1/events")
        assert status == 501 and "error" in body
        put(g.port, "k", 1)
        r = redis.Redis(host="127.0.0.1", port=node.port)
        assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == ""
        assert r.pubsub_numpat() == 0
