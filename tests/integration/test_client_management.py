"""Client management as operators use it: MONITOR (redis-cli monitor), CLIENT REPLY, CLIENT
NO-EVICT, CLIENT PAUSE / UNPAUSE and what CLIENT LIST says about each client.

Every test runs against Debian's redis-server too (the `srv` fixture), which proves the
expectations are Redis 7.0's; the cachet run (4 worker threads) is the one under test. Waits are
blocking reads bounded by the connections' safety timeout, never sleeps.
"""
import re

from support import Conn, encode, poll
from test_lists_sets import client, server_fixture

srv = server_fixture("--threads", "4")

MONITOR_LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) 127\.0\.0\.1:\d+\] (.*)\r\n$")


def monitor_lines(m, n):
    """The next `n` MONITOR lines, as (db, the quoted arguments)."""
    out = []
    for _ in range(n):
        match = MONITOR_LINE.match(m.reply())
        assert match, "not a MONITOR line"
        out.append((int(match.group(3)), match.group(4)))
    return out


def test_monitor_shows_every_command_with_credentials_redacted(srv):
    m = Conn(srv.port)
    assert m.call("MONITOR") == b"+OK\r\n"
    c = Conn(srv.port)
    c.send(encode("SET", "k", b'a b\x01"q\\') + encode("AUTH", "secret") +
           encode("SELECT", "3") + encode("MULTI") + encode("INCR", "n") + encode("EXEC") +
           encode("CONFIG", "GET", "port") + encode("GET"))
    for _ in range(8):
        c.reply()
    assert monitor_lines(m, 6) == [
        (0, rb'"SET" "k" "a b\x01\"q\\"'),
        (0, b'"AUTH" "(redacted)"'),
        (3, b'"SELECT" "3"'),  # shown after it ran
        (3, b'"MULTI"'),
        (3, b'"INCR" "n"'),
        (3, b'"EXEC"'),
    ]  # CONFIG (admin) and the rejected GET are not shown
    assert c.call("HELLO", "3", "AUTH", "default", "pw").startswith(b"%")  # no password set
    assert c.call("PING") == b"+PONG\r\n"
    assert monitor_lines(m, 2) == [(3, b'"HELLO" "3" "AUTH" "(redacted)" "(redacted)"'),
                                   (3, b'"PING"')]
    # Leaving MONITOR mode with RESET.
    assert m.call("RESET") == b"+RESET\r\n"
    assert c.call("PING") == b"+PONG\r\n"
    assert m.call("PING") == b"+PONG\r\n"  # no MONITOR line came before this reply


def test_client_reply_off_skip_on(srv):
    c = Conn(srv.port)
    c.send(encode("CLIENT", "REPLY", "SKIP") + encode("SET", "a", "1") + encode("GET", "a") +
           encode("CLIENT", "REPLY", "OFF") + encode("SET", "b", "2") + encode("GET", "zz", "x") +
           encode("CLIENT", "REPLY", "ON") + encode("GET", "b"))
    assert c.reply() == b"$1\r\n1\r\n"  # SKIP dropped SET's reply only
    assert c.reply() == b"+OK\r\n"  # ON answers; nothing came while OFF, errors neither
    assert c.reply() == b"$1\r\n2\r\n"
    assert c.call("CLIENT", "REPLY", "maybe") == b"-ERR syntax error\r\n"


def client_entry(r, **match):
    entries = [e for e in r.client_list() if all(e[k] == v for k, v in match.items())]
    assert len(entries) == 1, entries
    return entries[0]


def test_client_list_tells_each_clients_state(srv):
    r = client(srv)
    m = Conn(srv.port)
    assert m.call("CLIENT", "SETNAME", "mon") == b"+OK\r\n"
    assert m.call("MONITOR") == b"+OK\r\n"
    tx = Conn(srv.port)
    assert tx.call("CLIENT", "SETNAME", "tx") == b"+OK\r\n"
    assert tx.call("MULTI") == b"+OK\r\n"
    assert tx.call("SET", "a", "1") == b"+QUEUED\r\n"
    assert tx.call("INCR", "b") == b"+QUEUED\r\n"
    t = Conn(srv.port)
    assert t.call("CLIENT", "SETNAME", "tracker") == b"+OK\r\n"
    assert t.call("CLIENT", "TRACKING", "on", "BCAST") == b"+OK\r\n"
    assert t.call("CLIENT", "NO-EVICT", "on") == b"+OK\r\n"
    assert client_entry(r, name="mon")["flags"] == "O"
    txe = client_entry(r, name="tx")
    assert (txe["flags"], txe["multi"], txe["cmd"]) == ("x", "2", "incr")  # queued counts too
    te = client_entry(r, name="tracker")
    assert (te["flags"], te["redir"], te["cmd"]) == ("tBe", "0", "client|no-evict")
    assert client_entry(r, name="")["cmd"] == "client|list"
    assert t.call("CLIENT", "NO-EVICT", "maybe") == b"-ERR syntax error\r\n"


def test_client_pause_write_holds_writes_until_unpause(srv):
    admin, c = Conn(srv.port), Conn(srv.port)
    assert admin.call("SET", "k", "old") == b"+OK\r\n"
    assert admin.call("CLIENT", "PAUSE", "100000", "WRITE") == b"+OK\r\n"
    c.send(encode("GET", "k") + encode("SET", "k", "new") + encode("GET", "k"))
    assert c.reply() == b"$3\r\nold\r\n"  # reads go on
    probe = Conn(srv.port)
    assert probe.call("GET", "k") == b"$3\r\nold\r\n"  # the SET (and what follows it) waits
    assert probe.call("CLIENT", "UNPAUSE") == b"+OK\r\n"
    assert c.reply() == b"+OK\r\n"
    assert c.reply() == b"$3\r\nnew\r\n"  # in order, after the write


def test_client_pause_all_holds_every_command_until_it_expires(srv):
    admin, c = Conn(srv.port), Conn(srv.port)
    assert admin.call("CLIENT", "PAUSE", "300", "ALL") == b"+OK\r\n"
    assert c.call("PING") == b"+PONG\r\n"  # answered once the 300 ms are over
    assert admin.call("CLIENT", "PAUSE", "x") == (
        b"-ERR timeout is not an integer or out of range\r\n")
    assert admin.call("CLIENT", "PAUSE", "-1") == b"-ERR timeout is negative\r\n"
    assert admin.call("CLIENT", "PAUSE", "10", "NONE") == (
        b"-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n")


CLIENT_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                 "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl",
                 "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"]


def fields(line):
    return dict(f.split("=", 1) for f in line.split(" "))


def entry_when(r, name, ready):
    """The CLIENT LIST entry of the client named `name` once `ready(entry)` holds (the server
    sees bytes that were sent, and drains output, in its own time)."""
    return poll(lambda: client_entry(r, name=name), ready)


def test_client_info_shows_its_own_command_as_redis_does(srv):
    c = Conn(srv.port)
    info = c.call("CLIENT", "INFO")
    line = info.split(b"\r\n", 1)[1].decode().strip()
    assert list(fields(line)) == CLIENT_FIELDS
    f = fields(line)
    # Mid-command: the query buffer holds the command, the arguments are CLIENT and INFO.
    assert (f["qbuf"], f["argv-mem"], f["obl"], f["oll"], f["omem"]) == ("26", "10", "0", "0", "0")
    assert int(f["qbuf-free"]) > 0
    assert int(f["tot-mem"]) > int(f["qbuf"]) + int(f["qbuf-free"]) + int(f["argv-mem"])
    # Between commands (cachet's worker records them once the reply is written: poll).
    poll(lambda: client_entry(client(srv), id=f["id"]),
         lambda e: (e["qbuf"], e["argv-mem"], e["omem"]) == ("0", "0", "0"))


def test_client_list_shows_a_half_sent_command_in_the_query_buffer(srv):
    c = Conn(srv.port)
    assert c.call("CLIENT", "SETNAME", "slow") == b"+OK\r\n"
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nhel")
    e = entry_when(client(srv), "slow", lambda e: int(e["qbuf"]) > 0)
    assert e["cmd"] == "client|setname"  # nothing ran
    c.send(b"lo\r\n")
    assert c.reply() == b"+OK\r\n"


def test_client_list_shows_a_large_pending_reply_in_the_output_buffer(srv):
    r = client(srv)
    r.set("big", "x" * (4 << 20))
    c = Conn(srv.port)
    assert c.call("CLIENT", "SETNAME", "reader") == b"+OK\r\n"
    c.send(encode("GET", "big") * 8)  # 32 MB of replies, more than the socket takes
    e = entry_when(r, "reader", lambda e: int(e["omem"]) > 0)
    assert int(e["tot-mem"]) > int(e["omem"])
    for _ in range(8):
        assert len(c.reply()) > 4 << 20
    entry_when(r, "reader", lambda e: int(e["omem"]) == 0 and int(e["obl"]) == 0)


def test_client_list_counts_queued_and_blocked_commands_memory(srv):
    r = client(srv)
    tx = Conn(srv.port)
    assert tx.call("CLIENT", "SETNAME", "tx") == b"+OK\r\n"
    assert tx.call("MULTI") == b"+OK\r\n"
    assert client_entry(r, name="tx")["multi-mem"] == "0"
    assert tx.call("SET", "key", "x" * 1000) == b"+QUEUED\r\n"
    assert int(client_entry(r, name="tx")["multi-mem"]) >= 1006
    assert tx.call("DISCARD") == b"+OK\r\n"
    assert client_entry(r, name="tx")["multi-mem"] == "0"
    b = Conn(srv.port)
    assert b.call("CLIENT", "SETNAME", "blocked") == b"+OK\r\n"
    b.send(encode("BLPOP", "queue:" + "q" * 100, "0"))
    # A blocked client keeps its arguments (its worker records them once it has blocked).
    entry_when(r, "blocked", lambda e: "b" in e["flags"] and int(e["argv-mem"]) >= 5 + 106 + 1)
    r.rpush("queue:" + "q" * 100, "job")
    assert b.reply().endswith(b"$3\r\njob\r\n")
    entry_when(r, "blocked", lambda e: e["argv-mem"] == "0")
