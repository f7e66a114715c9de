"""Client-side caching (CLIENT TRACKING) as two-level caches use it: a RESP3 connection that reads
keys and gets `invalidate` pushes when anyone changes them (a write, an expiry, a flush), a RESP2
connection redirecting its invalidations to a subscribed connection, BCAST prefixes, OPTIN and
NOLOOP, and the bounded tracking table.

Every test runs against Debian's redis-server too (the `srv` fixture), which proves the
expectations are Redis 7.0's; the cachet run (4 worker threads, so writer, reader and redirect
target sit on different threads) is the one under test. Waiting for a push is a blocking read
bounded by the connections' safety timeout, never a sleep.
"""
from support import Conn, encode, poll
from test_lists_sets import client, server_fixture

srv = server_fixture("--threads", "4")


def invalidate(*keys):
    """The RESP3 push invalidating `keys` (none: the flush form)."""
    if not keys:
        return b">2\r\n$10\r\ninvalidate\r\n_\r\n"
    return b">2\r\n$10\r\ninvalidate\r\n*%d\r\n" % len(keys) + b"".join(
        b"$%d\r\n%s\r\n" % (len(k), k.encode()) for k in keys)


def tracking_client(server, *options):
    c = Conn(server.port)
    assert c.call("HELLO", "3").startswith(b"%")
    assert c.call("CLIENT", "TRACKING", "on", *options) == b"+OK\r\n"
    return c


def test_another_clients_write_invalidates_what_was_read(srv):
    c = tracking_client(srv)
    r = client(srv)
    r.set("user:1", "alice")
    assert c.call("GET", "user:1") == b"$5\r\nalice\r\n"
    assert c.call("GET", "never:set") == b"_\r\n"  # misses are tracked too
    r.set("user:1", "bob")
    assert c.reply() == invalidate("user:1")
    r.set("never:set", "now")
    assert c.reply() == invalidate("never:set")
    # Forgotten once invalidated: the next write sends nothing until the key is read again.
    r.set("user:1", "carol")
    assert c.call("GET", "user:1") == b"$5\r\ncarol\r\n"
    r.delete("user:1")
    assert c.reply() == invalidate("user:1")


def test_own_write_invalidation_comes_after_its_reply(srv):
    c = tracking_client(srv)
    assert c.call("GET", "k") == b"_\r\n"
    assert c.call("SET", "k", "1") == b"+OK\r\n"
    assert c.reply() == invalidate("k")
    assert c.call("MGET", "a", "b") == b"*2\r\n_\r\n_\r\n"
    assert c.call("MSET", "a", "1", "b", "2") == b"+OK\r\n"
    assert {c.reply(), c.reply()} == {invalidate("a"), invalidate("b")}


def test_noloop_skips_own_writes(srv):
    c = tracking_client(srv, "NOLOOP")
    assert c.call("GET", "k") == b"_\r\n"
    assert c.call("SET", "k", "mine") == b"+OK\r\n"
    assert c.call("GET", "k") == b"$4\r\nmine\r\n"  # no push came between
    client(srv).set("k", "theirs")
    assert c.reply() == invalidate("k")


def test_expiry_and_flush_invalidate(srv):
    c = tracking_client(srv)
    r = client(srv)
    for attempt in range(20):  # read the key before it expires (a loaded machine may be slow)
        key = f"session:{attempt}"
        r.set(key, "v", px=300)
        if c.call("GET", key) == b"$1\r\nv\r\n":
            break
    else:
        raise AssertionError("never read a key before its 300 ms expiry")
    assert c.reply() == invalidate(key)  # the active expiry cycle deletes it
    assert c.call("GET", "other") == b"_\r\n"
    r.flushall()
    assert c.reply() == invalidate()


def test_resp2_client_redirects_to_a_subscribed_connection(srv):
    listener = Conn(srv.port)
    listener_id = int(listener.call("CLIENT", "ID")[1:-2])
    assert listener.call("SUBSCRIBE", "__redis__:invalidate") == (
        b"*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n")
    c = Conn(srv.port)
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", listener_id) == b"+OK\r\n"
    assert c.call("CLIENT", "GETREDIR") == b":%d\r\n" % listener_id
    assert c.call("GET", "price") == b"$-1\r\n"
    client(srv).set("price", "10")
    assert listener.reply() == (b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
                                b"*1\r\n$5\r\nprice\r\n")
    client(srv).flushdb()
    assert listener.reply() == b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"


def test_bcast_sends_every_write_under_its_prefixes(srv):
    c = tracking_client(srv, "BCAST", "PREFIX", "cfg:", "PREFIX", "flag:")
    r = client(srv)
    r.set("other", "1")
    r.set("cfg:color", "red")
    assert c.reply() == invalidate("cfg:color")
    r.mset({"flag:a": "1", "unrelated": "2"})
    assert c.reply() == invalidate("flag:a")
    info = c.call("CLIENT", "TRACKINGINFO")
    assert info == (b"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n"
                    b"$8\r\nprefixes\r\n*2\r\n$4\r\ncfg:\r\n$5\r\nflag:\r\n")


def test_bcast_batches_a_pipelines_writes_per_prefix(srv):
    """Redis sends BCAST invalidations once per event-loop turn (beforeSleep): the keys written by
    one pipelined batch come in one push per prefix, prefixes and keys in byte order, each key
    once."""
    c = tracking_client(srv, "BCAST", "PREFIX", "b:", "PREFIX", "a:")
    w = Conn(srv.port)
    batch = [("SET", "b:2", "1"), ("SET", "a:1", "1"), ("SET", "x", "1"), ("SET", "b:1", "1"),
             ("SET", "b:2", "3"), ("MSET", "a:3", "1", "a:2", "2")]
    w.send(b"".join(encode(*command) for command in batch))
    assert [w.reply() for _ in batch] == [b"+OK\r\n"] * len(batch)
    assert c.reply() == invalidate("a:1", "a:2", "a:3")
    assert c.reply() == invalidate("b:1", "b:2")
    assert c.call("PING") == b"+PONG\r\n"  # nothing else came


def test_bcast_sends_a_transactions_keys_in_one_push(srv):
    c = tracking_client(srv, "BCAST")
    w = Conn(srv.port)
    assert w.call("MULTI") == b"+OK\r\n"
    for key in ("k9", "k8", "k7"):
        assert w.call("SET", key, "v") == b"+QUEUED\r\n"
    assert w.call("EXEC") == b"*3\r\n+OK\r\n+OK\r\n+OK\r\n"
    assert c.reply() == invalidate("k7", "k8", "k9")
    # Its own writes: the replies of the batch first, then one push.
    c.send(encode("SET", "k2", "1") + encode("SET", "k1", "1"))
    assert [c.reply(), c.reply(), c.reply()] == [b"+OK\r\n", b"+OK\r\n", invalidate("k1", "k2")]


def test_bcast_noloop_leaves_out_the_keys_it_wrote_last(srv):
    c = tracking_client(srv, "BCAST", "NOLOOP")
    c.send(encode("SET", "mine", "1") + encode("SET", "also", "1"))
    assert [c.reply(), c.reply()] == [b"+OK\r\n", b"+OK\r\n"]
    assert c.call("PING") == b"+PONG\r\n"  # no push for its own writes
    client(srv).set("theirs", "1")
    assert c.reply() == invalidate("theirs")


def test_optin_tracks_only_reads_after_caching_yes(srv):
    c = tracking_client(srv, "OPTIN")
    assert c.call("GET", "untracked") == b"_\r\n"
    assert c.call("CLIENT", "CACHING", "yes") == b"+OK\r\n"
    assert c.call("GET", "tracked") == b"_\r\n"
    assert c.call("GET", "after") == b"_\r\n"  # CACHING yes covered one command only
    r = client(srv)
    r.set("untracked", "1")
    r.set("after", "1")
    r.set("tracked", "1")
    assert c.reply() == invalidate("tracked")  # the first and only push
    assert c.call("PING") == b"+PONG\r\n"


def test_tracking_errors_are_redis_errors(srv):
    c = Conn(srv.port)
    assert c.call("CLIENT", "TRACKING", "on", "PREFIX", "a") == (
        b"-ERR PREFIX option requires BCAST mode to be enabled\r\n")
    assert c.call("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT") == (
        b"-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n")
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", "999999") == (
        b"-ERR The client ID you want redirect to does not exist\r\n")
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab") == (
        b"-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single "
        b"client must not overlap.\r\n")
    assert c.call("CLIENT", "CACHING", "yes") == (
        b"-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        b"or OPTOUT mode enabled\r\n")
    assert c.call("CLIENT", "TRACKING", "maybe") == b"-ERR syntax error\r\n"
    assert c.call("CLIENT", "GETREDIR") == b":-1\r\n"
    assert c.call("CLIENT", "TRACKINGINFO") == (
        b"*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n")


def test_tracking_table_stays_within_its_limit(srv):
    r = client(srv)
    assert r.config_set("tracking-table-max-keys", 10)
    c = tracking_client(srv)
    keys = [f"k{i}" for i in range(30)]
    c.send(b"".join(encode("GET", k) for k in keys))
    # Past the limit the server forgets keys, invalidating them (nobody wrote anything); the
    # pushes come among the replies.
    misses, pushed = 0, set()
    while misses < len(keys) or len(pushed) < 20:
        reply = c.reply()
        if reply == b"_\r\n":
            misses += 1
            continue
        assert reply.startswith(b">2\r\n$10\r\ninvalidate\r\n*1\r\n")
        pushed.add(reply.split(b"\r\n")[5].decode())
    assert pushed <= set(keys)


def disconnect(server, conn, conn_id):
    """Closes `conn` and waits until the server no longer lists it."""
    conn.close()
    r = Conn(server.port)
    poll(lambda: r.call("CLIENT", "LIST"), lambda listed: b"id=%d " % conn_id not in listed)


def test_broken_redirect_is_reported_instead_of_each_invalidation(srv):
    target = Conn(srv.port)
    target_id = int(target.call("CLIENT", "ID")[1:-2])
    c = tracking_client(srv, "REDIRECT", target_id)
    assert c.call("GET", "k") == b"_\r\n"
    disconnect(srv, target, target_id)
    broken = b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n" % target_id
    r = client(srv)
    r.set("k", "1")
    assert c.reply() == broken
    assert c.call("CLIENT", "TRACKINGINFO") == (
        b"%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n"
        + b":%d\r\n$8\r\nprefixes\r\n*0\r\n" % target_id)
    assert b" flags=tR " in c.call("CLIENT", "INFO")
    assert c.call("CLIENT", "GETREDIR") == b":%d\r\n" % target_id
    assert c.call("GET", "k") == b"$1\r\n1\r\n"
    r.set("k", "2")  # every invalidation tells it again, flushes too
    assert c.reply() == broken
    r.flushall()
    assert c.reply() == broken
    # Tracking turned on again clears the flag.
    assert c.call("CLIENT", "TRACKING", "on") == b"+OK\r\n"
    assert b" flags=t " in c.call("CLIENT", "INFO")


def test_broken_redirect_sends_a_resp2_client_nothing(srv):
    target = Conn(srv.port)
    target_id = int(target.call("CLIENT", "ID")[1:-2])
    c = Conn(srv.port)
    assert c.call("CLIENT", "TRACKING", "on", "REDIRECT", target_id) == b"+OK\r\n"
    assert c.call("GET", "k") == b"$-1\r\n"
    disconnect(srv, target, target_id)
    client(srv).set("k", "1")
    # The invalidation finds the target gone (cachet: on the writer's thread).
    poll(lambda: c.call("CLIENT", "TRACKINGINFO"), lambda info: b"broken_redirect" in info)
    assert c.call("PING") == b"+PONG\r\n"  # (tracking_test checks no push is made)
    assert b" flags=tR " in c.call("CLIENT", "INFO")
