"""cachet-server driven by redis-py, the Python client most services use."""
import threading

import redis

from support import Conn


def client(server, **kw):
    return redis.Redis(host="127.0.0.1", port=server.port, **kw)


def test_strings_and_binary_values(server):
    r = client(server)
    assert r.set("greeting", "hello")
    assert r.get("greeting") == b"hello"
    value = b"\x00\r\n\xff binary \r\n"
    assert r.set(b"k\x00\r\n", value)
    assert r.get(b"k\x00\r\n") == value
    assert r.set("", "")
    assert r.get("") == b""
    assert r.append("greeting", " world") == 11
    assert r.getrange("greeting", 0, 4) == b"hello"
    assert r.mset({"a": "1", "b": "2"})
    assert r.mget("a", "missing", "b") == [b"1", None, b"2"]
    assert r.incrby("a", 41) == 42
    assert r.incrbyfloat("a", 0.5) == 42.5
    assert r.getdel("b") == b"2"
    assert r.exists("b") == 0


def test_ttls(server):
    r = client(server)
    r.set("session", "x", ex=100)
    assert 99 <= r.ttl("session") <= 100
    assert r.pexpire("session", 50_000)
    assert 49_000 < r.pttl("session") <= 50_000
    assert r.persist("session")
    assert r.ttl("session") == -1
    assert r.ttl("missing") == -2
    r.set("soon", "x", px=1)
    assert r.expire("session", -1)  # a past expiry deletes at once
    assert r.get("session") is None


def test_pipeline_of_10k_commands(server):
    r = client(server)
    pipe = r.pipeline(transaction=False)
    for i in range(10_000):
        pipe.set(f"key:{i}", i)
    assert all(pipe.execute())
    pipe = r.pipeline(transaction=False)
    for i in range(10_000):
        pipe.get(f"key:{i}")
    assert pipe.execute() == [str(i).encode() for i in range(10_000)]
    assert r.dbsize() == 10_000


def test_200_concurrent_clients_incr_exact_count(server):
    clients, per_client = 200, 100
    barrier = threading.Barrier(clients)
    errors = []

    def work():
        try:
            r = client(server)
            r.ping()
            barrier.wait()
            for _ in range(per_client):
                r.incr("shared")
                r.incr(f"shared:{threading.get_ident() % 7}")
        except Exception as e:  # reported below; a thread cannot fail the test itself
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    r = client(server)
    assert int(r.get("shared")) == clients * per_client
    assert sum(int(r.get(f"shared:{i}") or 0) for i in range(7)) == clients * per_client


def test_scan_iterates_every_key(server):
    r = client(server)
    r.mset({f"user:{i}": i for i in range(1000)})
    r.mset({f"other:{i}": i for i in range(100)})
    found = set(r.scan_iter(match="user:*", count=50))
    assert found == {f"user:{i}".encode() for i in range(1000)}
    assert len(r.keys("other:*")) == 100


def test_select_separates_databases(server):
    r0, r5 = client(server, db=0), client(server, db=5)
    r0.set("k", "zero")
    assert r5.get("k") is None
    r5.set("k", "five")
    assert r0.get("k") == b"zero"
    info = r0.info("keyspace")
    assert info["db0"]["keys"] == 1 and info["db5"]["keys"] == 1


def test_info_stats_and_client_list(server):
    r = client(server)
    r.client_setname("worker-1")
    r.set("a", 1)
    r.get("a")
    r.get("nope")
    stats = r.info("stats")
    assert stats["keyspace_hits"] == 1 and stats["keyspace_misses"] == 1
    assert r.client_getname() == "worker-1"
    names = [c["name"] for c in r.client_list()]
    assert "worker-1" in names
    assert r.info("server")["redis_version"] == "7.0.15"


def test_client_kill_closes_other_connection(server):
    victim = Conn(server.port)
    victim_id = int(victim.call("CLIENT", "ID")[1:-2])
    killer = client(server)
    assert killer.client_kill_filter(_id=victim_id) == 1
    assert victim.read_until_closed() == b""
    assert victim_id not in [int(c["id"]) for c in killer.client_list()]


def test_errors_are_redis_errors(server):
    r = client(server)
    r.set("s", "text")
    try:
        r.incr("s")
        raise AssertionError("INCR on text must fail")
    except redis.ResponseError as e:
        assert str(e) == "value is not an integer or out of range"


def test_requirepass_and_auth():
    from support import Cachet

    with Cachet("--requirepass", "s3cret") as s:
        anonymous = redis.Redis(host="127.0.0.1", port=s.port)
        try:
            anonymous.get("x")
            raise AssertionError("unauthenticated GET must fail")
        except redis.AuthenticationError as e:
            assert "Authentication required" in str(e)
        authed = redis.Redis(host="127.0.0.1", port=s.port, password="s3cret")
        assert authed.set("x", 1)
        try:
            redis.Redis(host="127.0.0.1", port=s.port, password="wrong").ping()
            raise AssertionError("a wrong password must fail")
        except redis.ResponseError as e:
            assert "invalid username-password pair" in str(e)
        assert s.stop() == 0


def test_hashes(server):
    r = client(server)
    assert r.hset("user:1", mapping={"name": "ada", "visits": 1}) == 2
    assert r.hget("user:1", "name") == b"ada"
    assert r.hincrby("user:1", "visits", 41) == 42
    assert r.hgetall("user:1") == {b"name": b"ada", b"visits": b"42"}
    big = {f"f{i}": "x" * (i % 100) for i in range(2000)}
    r.hset("big", mapping=big)
    assert r.hlen("big") == 2000
    assert dict(r.hscan_iter("big", count=100)) == {k.encode(): v.encode() for k, v in big.items()}
    assert r.hdel("big", *big.keys()) == 2000
    assert r.exists("big") == 0
    r.set("plain", "v")
    try:
        r.hget("plain", "f")
        raise AssertionError("HGET on a string must fail")
    except redis.ResponseError as e:
        assert str(e).startswith("WRONGTYPE")
