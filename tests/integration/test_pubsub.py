"""Pub/Sub driven the way applications use it: redis-py listeners on channels and patterns,
hundreds of raw subscribers spread over every worker thread, RESP3 pushes mixed with replies,
and a subscriber that never reads, which must be disconnected while the others keep receiving.

Every test runs against Debian's redis-server too (the `srv` fixture), which proves the
expectations are Redis 7.0's; the cachet run is the one under test. Waits are bounded polls of
observable state (PUBSUB NUMSUB, messages received), never sleeps.
"""
import socket
import threading
import time

from support import SAFETY_TIMEOUT, Conn, encode
from test_lists_sets import client, server_fixture

srv = server_fixture("--threads", "4")


def wait_for(predicate, what):
    """Polls `predicate` until it is true, for at most SAFETY_TIMEOUT seconds."""
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"


def next_message(pubsub):
    """The next message a redis-py PubSub receives (subscribe confirmations included)."""
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while time.monotonic() < deadline:
        m = pubsub.get_message(timeout=1.0)
        if m is not None:
            return m
    raise TimeoutError("no message")


def raw_subscriber(server, *channels):
    """A raw RESP2 connection subscribed to `channels`, its confirmations read."""
    c = Conn(server.port)
    c.send(encode("SUBSCRIBE", *channels))
    for i, ch in enumerate(channels, 1):
        assert c.reply() == b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:%d\r\n" % (
            len(ch), ch.encode(), i)
    return c


def message(channel, data):
    return b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        len(channel), channel.encode(), len(data), data)


def test_redis_py_listener_gets_channel_and_pattern_messages(srv):
    r = client(srv)
    p = r.pubsub()
    p.subscribe("news")
    p.psubscribe("n*")
    assert next_message(p) == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
    assert next_message(p) == {"type": "psubscribe", "pattern": None, "channel": b"n*", "data": 2}
    assert r.publish("news", "hello") == 2
    assert r.publish("nope", "x") == 1  # the pattern only
    assert r.publish("other", "x") == 0
    assert next_message(p) == {"type": "message", "pattern": None, "channel": b"news",
                               "data": b"hello"}
    assert next_message(p) == {"type": "pmessage", "pattern": b"n*", "channel": b"news",
                               "data": b"hello"}
    assert next_message(p) == {"type": "pmessage", "pattern": b"n*", "channel": b"nope",
                               "data": b"x"}
    assert r.pubsub_numsub("news", "none") == [(b"news", 1), (b"none", 0)]
    assert r.pubsub_numpat() == 1
    assert r.pubsub_channels() == [b"news"]
    p.ping()
    assert next_message(p) == {"type": "pong", "pattern": None, "channel": None, "data": b""}
    p.unsubscribe("news")
    assert next_message(p)["type"] == "unsubscribe"
    assert r.publish("news", "again") == 1
    assert next_message(p)["data"] == b"again"
    p.close()


def test_run_in_thread_handler_receives_every_message_in_order(srv):
    r = client(srv)
    got, done = [], threading.Event()

    def handler(m):
        got.append(m["data"])
        if len(got) == 100:
            done.set()

    p = r.pubsub()
    p.subscribe(**{"jobs": handler})
    worker = p.run_in_thread(sleep_time=0.01)
    try:
        wait_for(lambda: r.pubsub_numsub("jobs") == [(b"jobs", 1)], "the subscription")
        for i in range(100):
            assert r.publish("jobs", f"job-{i}") == 1
        assert done.wait(SAFETY_TIMEOUT)
        assert got == [f"job-{i}".encode() for i in range(100)]
    finally:
        worker.stop()
        worker.join(SAFETY_TIMEOUT)


def test_subscribers_on_every_worker_get_every_message_in_order(srv):
    """300 subscribers (connections spread over the server's 4 workers) x 50 messages."""
    subs = [raw_subscriber(srv, "fanout") for _ in range(300)]
    r = client(srv)
    for i in range(50):
        assert r.publish("fanout", f"m{i}") == 300
    expected = b"".join(message("fanout", b"m%d" % i) for i in range(50))
    for s in subs:
        got = b""
        while len(got) < len(expected):
            got += s.reply()
        assert got == expected
        s.close()


def test_resp3_client_gets_pushes_among_its_replies(srv):
    c = Conn(srv.port)
    assert c.call("HELLO", "3").startswith(b"%")
    assert c.call("SUBSCRIBE", "ch") == b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
    r = client(srv)
    assert r.publish("ch", "one") == 1
    assert r.set("k", "v")
    c.send(encode("GET", "k"))
    replies = {c.reply(), c.reply()}  # the push may come before or after the GET's reply
    assert replies == {b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\none\r\n", b"$1\r\nv\r\n"}
    # Its own PUBLISH: the push first, then the count, as Redis writes them.
    assert c.call("PUBLISH", "ch", "self") == b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nself\r\n"
    assert c.reply() == b":1\r\n"
    c.close()


def test_resp2_subscriber_is_limited_to_subscribed_mode(srv):
    c = raw_subscriber(srv, "a")
    assert c.call("GET", "a") == (
        b"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
        b"are allowed in this context\r\n")
    assert c.call("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    assert c.call("RESET") == b"+RESET\r\n"
    assert c.call("GET", "a") == b"$-1\r\n"
    c.close()


def test_client_list_shows_subscriptions_and_disconnect_drops_them(srv):
    r = client(srv)
    c = raw_subscriber(srv, "x", "y")
    c.send(encode("PSUBSCRIBE", "p*"))
    assert c.reply() == b"*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n"
    mine = [cl for cl in r.client_list() if cl["sub"] == "2"]
    assert len(mine) == 1 and mine[0]["psub"] == "1" and mine[0]["flags"] == "P"
    c.close()
    wait_for(lambda: r.pubsub_numsub("x") == [(b"x", 0)] and r.pubsub_numpat() == 0,
             "the closed subscriber's subscriptions to go")
    assert r.publish("x", "m") == 0


def flood_until_disconnected(srv, limit):
    """Sets the pubsub output buffer limit, then publishes 64 KB messages while one subscriber
    never reads and another reads everything; returns (messages published, messages the reader
    got). The silent subscriber must have been disconnected."""
    r = client(srv)
    assert r.config_set("client-output-buffer-limit", limit)
    silent = socket.create_connection(("127.0.0.1", srv.port))
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    silent.sendall(encode("SUBSCRIBE", "flood"))
    reader = client(srv).pubsub()
    reader.subscribe("flood")
    assert next_message(reader)["type"] == "subscribe"
    wait_for(lambda: r.pubsub_numsub("flood") == [(b"flood", 2)], "both subscriptions")
    payload = b"x" * 65536
    published, received = 0, 0
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while r.publish("flood", payload) == 2:
        published += 1
        assert time.monotonic() < deadline, "the silent subscriber was never disconnected"
        m = next_message(reader)
        assert m["data"] == payload
        received += 1
    published += 1  # the last one reached the reader only
    assert next_message(reader)["data"] == payload
    received += 1
    assert r.pubsub_numsub("flood") == [(b"flood", 1)]
    silent.close()
    reader.close()
    return published, received


def test_silent_subscriber_past_the_hard_limit_is_disconnected(srv):
    published, received = flood_until_disconnected(srv, "pubsub 1mb 0 0")
    assert received == published
    assert published * 65536 > 1024 * 1024  # it took more than the limit to get there


def test_silent_subscriber_over_the_soft_limit_too_long_is_disconnected(srv):
    published, received = flood_until_disconnected(srv, "pubsub 0 512kb 0")
    assert received == published


def test_output_buffer_limit_config_round_trips(srv):
    r = client(srv)
    assert r.config_get("client-output-buffer-limit") == {
        "client-output-buffer-limit":
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"}
    assert r.config_set("client-output-buffer-limit", "pubsub 1mb 2mb 3 normal 1 2 3")
    assert r.config_get("client-output-buffer-limit")["client-output-buffer-limit"] == (
        "normal 1 2 3 slave 268435456 67108864 60 pubsub 1048576 2097152 3")
    for bad, why in [("pubsub 1mb 2mb", "Wrong number of arguments in buffer limit configuration."),
                     ("foo 1 2 3", "Invalid client class specified in buffer limit configuration."),
                     ("normal x 2 3", "Error in hard, soft or soft_seconds setting in buffer "
                                      "limit configuration.")]:
        try:
            r.config_set("client-output-buffer-limit", bad)
            raise AssertionError("accepted " + bad)
        except Exception as e:  # redis.ResponseError
            assert str(e) == ("CONFIG SET failed (possibly related to argument "
                              "'client-output-buffer-limit') - " + why)
