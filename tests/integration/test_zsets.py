"""Sorted sets, GEO and SORT driven by redis-py the way applications use them: leaderboards, a
sliding-window rate limiter, time-ordered feeds, priority queues, score arithmetic across keys,
random sampling, cursors, RESP3 doubles, huge single commands, geo search, SORT with external
keys, and blocking pops woken from other connections (and other worker threads).

Every test runs against Debian's redis-server too (the `srv` fixture), which proves the
expectations are Redis 7.0's and not guesses; the cachet run is the one under test. No test
sleeps: a blocked client is detected through INFO's blocked_clients (test_queues.wait_blocked).
"""
import pytest

from support import Conn
from test_lists_sets import WRONGTYPE, client, response_error, server_fixture
from test_queues import background, blocked_clients, result, wait_blocked

srv = server_fixture()
threaded = server_fixture("--threads", "4")

NOT_A_FLOAT = "value is not a valid float"


# ---------------------------------------------------------------------------------------------
# Leaderboard


def test_leaderboard_scores_ranks_and_pages(srv):
    r = client(srv)
    players = {f"player:{i}": i * 10 for i in range(1, 26)}  # 10 .. 250
    assert r.zadd("board", players) == 25
    assert r.zadd("board", {"player:1": 5}) == 0  # an update is not an addition
    assert r.zadd("board", {"player:1": 7, "player:26": 1}, ch=True) == 2  # CH counts changes
    assert r.zincrby("board", 1000, "player:3") == 1030.0
    assert r.zincrby("board", -0.5, "player:4") == 39.5
    assert r.zincrby("board", 3, "newcomer") == 3.0  # a missing member starts at 0
    assert r.zcard("board") == 27
    assert r.zrevrange("board", 0, 2, withscores=True) == [
        (b"player:3", 1030.0), (b"player:25", 250.0), (b"player:24", 240.0)]
    assert r.zrevrank("board", "player:3") == 0
    assert r.zrank("board", "player:26") == 0
    assert r.zrevrank("board", "nobody") is None
    assert r.zscore("board", "player:4") == 39.5
    assert r.zscore("board", "nobody") is None
    assert r.zmscore("board", ["player:1", "nobody"]) == [7.0, None]
    pages, start = [], 0
    while page := r.zrevrange("board", start, start + 9):
        pages.append(page)
        start += 10
    assert [len(p) for p in pages] == [10, 10, 7]
    assert sum(pages, []) == r.zrevrange("board", 0, -1)
    assert r.zcount("board", 100, 200) == 11
    assert r.zcount("board", "(100", "(200") == 9
    # Players who did not improve keep their score with GT; LT only lowers.
    assert r.zadd("board", {"player:25": 100, "player:24": 300}, gt=True, ch=True) == 1
    assert r.zadd("board", {"player:25": 100, "player:23": 300}, lt=True, ch=True) == 1
    assert r.zscore("board", "player:25") == 100.0
    assert r.zscore("board", "player:24") == 300.0
    assert r.zscore("board", "player:23") == 230.0
    assert r.zadd("board", {"ghost": 1}, xx=True) == 0
    assert r.zadd("board", {"player:2": 999}, nx=True) == 0
    assert r.zscore("board", "player:2") == 20.0
    assert r.zrem("board", "player:2", "ghost") == 1
    assert r.zremrangebyrank("board", 0, 1) == 2  # drop the two lowest
    assert r.zrange("board", 0, 0) == [b"player:1"]


def test_equal_scores_order_by_member_and_lex_ranges(srv):
    r = client(srv)
    r.zadd("names", {name: 0 for name in ["delta", "alpha", "charlie", "bravo", "echo", ""]})
    assert r.zrange("names", 0, -1) == [b"", b"alpha", b"bravo", b"charlie", b"delta", b"echo"]
    assert r.zrangebylex("names", "[b", "(d") == [b"bravo", b"charlie"]
    assert r.zrevrangebylex("names", "+", "(c") == [b"echo", b"delta", b"charlie"]
    assert r.zrangebylex("names", "-", "+", start=1, num=2) == [b"alpha", b"bravo"]
    assert r.zlexcount("names", "[alpha", "[charlie") == 3
    assert r.zremrangebylex("names", "-", "(b") == 2  # "" and alpha
    assert r.zrange("names", "[c", "+", bylex=True) == [b"charlie", b"delta", b"echo"]
    assert response_error(r.zrangebylex, "names", "a", "b") == \
        "min or max not valid string range item"


def test_encoding_turns_skiplist_past_128_members_or_a_65_byte_member(srv):
    r = client(srv)
    r.zadd("small", {f"m{i}": i for i in range(128)})
    assert r.object("encoding", "small") == b"listpack"
    r.zadd("small", {"m128": 128})
    assert r.object("encoding", "small") == b"skiplist"
    r.zadd("wide", {"x" * 64: 1})
    assert r.object("encoding", "wide") == b"listpack"
    r.zadd("wide", {"y" * 65: 2})
    assert r.object("encoding", "wide") == b"skiplist"
    assert r.type("wide") == b"zset"
    assert r.zrange("small", 126, -1, withscores=True) == [
        (b"m126", 126.0), (b"m127", 127.0), (b"m128", 128.0)]


# ---------------------------------------------------------------------------------------------
# Sliding-window rate limiter (timestamps are injected: no clock, no sleep)


def allow(r, user, now_ms, window_ms=1000, limit=5):
    """One request of `user` at `now_ms`: records it and says whether it is within `limit`
    requests in the last `window_ms`, the way rate limiters keep a sorted set of timestamps."""
    key = f"rate:{user}"
    pipe = r.pipeline(transaction=True)
    pipe.zremrangebyscore(key, "-inf", f"({now_ms - window_ms}")
    pipe.zadd(key, {f"{now_ms}:{r.incr('request-ids')}": now_ms})
    pipe.zcard(key)
    pipe.pexpire(key, window_ms * 100)
    _, added, count, expiring = pipe.execute()
    assert added == 1 and expiring
    return count <= limit


def test_sliding_window_rate_limiter(srv):
    r = client(srv)
    t0 = 1_700_000_000_000
    assert [allow(r, "ada", t0 + i * 100) for i in range(7)] == [True] * 5 + [False] * 2
    assert allow(r, "bob", t0 + 650)  # another user has its own window
    assert not allow(r, "ada", t0 + 1000)  # t0 itself is still in the window: 7 + 1 - 0
    # At t0+1150 the requests at t0 and t0+100 have left the window: rejected ones count too.
    assert r.zcount("rate:ada", "-inf", f"({t0 + 150}") == 2
    assert not allow(r, "ada", t0 + 1150)
    assert r.zcard("rate:ada") == 7
    assert allow(r, "ada", t0 + 10_000)  # a quiet period empties the window
    assert r.zcard("rate:ada") == 1
    assert 0 < r.pttl("rate:ada") <= 100_000


# ---------------------------------------------------------------------------------------------
# Time-ordered feeds


def test_feed_pages_by_score_with_limit_and_rev(srv):
    r = client(srv)
    posts = {f"post:{i}": 1_000 + i * 7 for i in range(50)}  # post:49 is the newest
    r.zadd("feed", posts)
    newest = r.zrange("feed", "+inf", "-inf", desc=True, byscore=True, offset=0, num=10)
    assert newest == [f"post:{i}".encode() for i in range(49, 39, -1)]
    # The next page continues below the last score seen (an exclusive bound).
    last = r.zscore("feed", newest[-1])
    page2 = r.zrange("feed", f"({int(last)}", "-inf", desc=True, byscore=True, offset=0, num=10)
    assert page2 == [f"post:{i}".encode() for i in range(39, 29, -1)]
    assert r.zrevrangebyscore("feed", 1_020, 1_000, withscores=True) == [
        (b"post:2", 1014.0), (b"post:1", 1007.0), (b"post:0", 1000.0)]
    assert r.zrangebyscore("feed", 1_300, "+inf", start=2, num=3) == [
        b"post:45", b"post:46", b"post:47"]
    assert r.zrange("feed", 1_000, 1_014, byscore=True, offset=1, num=-1) == [b"post:1", b"post:2"]
    assert r.zrangestore("recent", "feed", 1_300, "+inf", byscore=True) == 7
    assert r.zrange("recent", 0, -1) == [f"post:{i}".encode() for i in range(43, 50)]
    assert r.zrange("feed", 2_000, 3_000, byscore=True) == []
    assert r.zrangestore("none", "feed", 2_000, 3_000, byscore=True) == 0
    assert r.exists("none") == 0
    assert r.zremrangebyscore("feed", "-inf", "(1300") == 43
    assert r.zcard("feed") == 7


# ---------------------------------------------------------------------------------------------
# Priority queues


def test_priority_queue_with_zpopmin_and_zmpop(srv):
    r = client(srv)
    r.zadd("tasks", {"backup": 5, "email": 1, "report": 3, "alert": 1, "cleanup": 9})
    assert r.zpopmin("tasks") == [(b"alert", 1.0)]  # equal priorities: by member
    assert r.zpopmin("tasks", 2) == [(b"email", 1.0), (b"report", 3.0)]
    assert r.zpopmax("tasks") == [(b"cleanup", 9.0)]
    assert r.zpopmin("tasks", 10) == [(b"backup", 5.0)]
    assert r.exists("tasks") == 0  # popping the last member deletes the key
    assert r.zpopmin("tasks") == []
    r.zadd("normal", {"n1": 1, "n2": 2, "n3": 3})
    assert r.zmpop(2, ["urgent", "normal"], min=True, count=2) == [
        b"normal", [[b"n1", b"1"], [b"n2", b"2"]]]
    r.zadd("urgent", {"u1": 10, "u2": 20})
    assert r.zmpop(2, ["urgent", "normal"], max=True) == [b"urgent", [[b"u2", b"20"]]]
    assert r.zmpop(2, ["urgent", "normal"], min=True, count=5) == [b"urgent", [[b"u1", b"10"]]]
    assert r.zmpop(2, ["urgent", "normal"], min=True, count=5) == [b"normal", [[b"n3", b"3"]]]
    assert r.zmpop(2, ["urgent", "normal"], min=True) is None
    assert r.exists("urgent", "normal") == 0


# ---------------------------------------------------------------------------------------------
# Set algebra with scores


def test_zunionstore_and_zinterstore_with_weights_and_aggregate(srv):
    r = client(srv)
    r.zadd("week1", {"ada": 10, "bob": 20, "cyd": 30})
    r.zadd("week2", {"bob": 5, "cyd": 50, "dan": 1})
    r.sadd("bonus", "ada", "bob")  # a plain set counts with score 1
    assert r.zunionstore("total", ["week1", "week2"]) == 4
    assert r.zrange("total", 0, -1, withscores=True) == [
        (b"dan", 1.0), (b"ada", 10.0), (b"bob", 25.0), (b"cyd", 80.0)]
    assert r.zunionstore("weighted", {"week1": 2, "week2": 0.5}) == 4
    assert r.zrange("weighted", 0, -1, withscores=True) == [
        (b"dan", 0.5), (b"ada", 20.0), (b"bob", 42.5), (b"cyd", 85.0)]
    assert r.zunionstore("best", ["week1", "week2"], aggregate="MAX") == 4
    assert r.zscore("best", "bob") == 20.0 and r.zscore("best", "cyd") == 50.0
    assert r.zinterstore("both", ["week1", "week2"], aggregate="MIN") == 2
    assert r.zrange("both", 0, -1, withscores=True) == [(b"bob", 5.0), (b"cyd", 30.0)]
    assert r.zinterstore("boosted", {"week1": 1, "bonus": 100}) == 2
    assert r.zrange("boosted", 0, -1, withscores=True) == [(b"ada", 110.0), (b"bob", 120.0)]
    assert r.zinterstore("nothing", ["week1", "missing"]) == 0
    assert r.exists("nothing") == 0
    assert r.zunion(["week1", "week2"], withscores=True, aggregate="SUM")[-1] == (b"cyd", 80.0)
    assert r.zinter(["week1", "week2"]) == [b"bob", b"cyd"]
    assert r.zdiff(["week1", "week2"], withscores=True) == [b"ada", b"10"]
    assert r.zdiffstore("only1", ["week1", "week2"]) == 1
    assert r.zintercard(2, ["week1", "week2"]) == 2
    assert r.zintercard(2, ["week1", "week2"], limit=1) == 1
    # inf * 0 is NaN in C; Redis (and so cachet) make a weighted infinity times 0 count as 0.
    r.zadd("infinite", {"ada": "inf", "bob": "-inf"})
    assert r.zunionstore("zeroed", {"infinite": 0, "week1": 1}) == 3
    assert r.zrange("zeroed", 0, -1, withscores=True) == [
        (b"ada", 10.0), (b"bob", 20.0), (b"cyd", 30.0)]
    assert r.zunionstore("inf", ["infinite", "infinite"]) == 2
    assert r.zrange("inf", 0, -1, withscores=True) == [
        (b"bob", float("-inf")), (b"ada", float("inf"))]
    r.set("text", "v")
    assert response_error(r.zunionstore, "out", ["week1", "text"]) == WRONGTYPE
    assert response_error(r.zadd, "text", {"a": 1}) == WRONGTYPE


def test_negative_zero_is_kept_only_by_a_skiplist(srv):
    r = client(srv)
    r.zadd("wide", {"x" * 65: 1, "m": "-0"})  # a 65-byte member: a skiplist from the start
    c = Conn(srv.port)
    assert c.call("ZSCORE", "wide", "m") == b"$2\r\n-0\r\n"
    for store in (("ZUNIONSTORE", "u", "1", "wide"), ("ZINTERSTORE", "i", "1", "wide"),
                  ("ZDIFFSTORE", "d", "1", "wide")):
        assert c.call(*store) == b":2\r\n"
        assert c.call("ZSCORE", store[1], "m") == b"$2\r\n-0\r\n", store
    assert c.call("ZUNION", "1", "wide", "WITHSCORES").startswith(b"*4\r\n$1\r\nm\r\n$2\r\n-0\r\n")
    r.zadd("small", {"m": "-0"})  # a listpack keeps no negative zero
    assert c.call("ZSCORE", "small", "m") == b"$1\r\n0\r\n"
    # Redis 7.0 picks a new key's encoding from its first member alone, so a -0 added before a
    # long member goes through a listpack; so does ZRANGESTORE's destination, which starts as a
    # listpack and converts when a long member arrives (in REV order the long member comes first).
    assert c.call("ZADD", "new", "-0", "m", "1", "x" * 65) == b":2\r\n"
    assert c.call("ZSCORE", "new", "m") == b"$1\r\n0\r\n"
    assert c.call("ZRANGESTORE", "fwd", "wide", "0", "-1") == b":2\r\n"
    assert c.call("ZSCORE", "fwd", "m") == b"$1\r\n0\r\n"
    assert c.call("ZRANGESTORE", "rev", "wide", "0", "-1", "REV") == b":2\r\n"
    assert c.call("ZSCORE", "rev", "m") == b"$2\r\n-0\r\n"
    c.close()


def test_sort_turns_a_listpack_zset_into_a_skiplist(srv):
    r = client(srv)
    r.zadd("z", {"a": 1, "b": 2})
    assert r.object("encoding", "z") == b"listpack"
    assert r.sort("z", alpha=True) == [b"a", b"b"]
    assert r.object("encoding", "z") == b"skiplist"  # Redis converts it before sorting
    r.zadd("ro", {"a": 1})
    assert r.sort_ro("ro", by="nosort") == [b"a"]
    assert r.object("encoding", "ro") == b"skiplist"


# ---------------------------------------------------------------------------------------------
# Random sampling and cursors


def test_zrandmember_counts(srv):
    r = client(srv)
    scores = {f"m{i}".encode(): float(i) for i in range(10)}
    r.zadd("z", scores)
    assert r.zrandmember("z") in scores
    sample = r.zrandmember("z", 5)
    assert len(sample) == 5 and len(set(sample)) == 5 and set(sample) <= set(scores)
    everything = r.zrandmember("z", 50)  # more than the size: the whole set, once each
    assert sorted(everything) == sorted(scores)
    repeated = r.zrandmember("z", -30)  # negative: exactly |count|, repeats allowed
    assert len(repeated) == 30 and set(repeated) <= set(scores)
    pairs = r.zrandmember("z", -7, withscores=True)
    assert len(pairs) == 14
    assert all(scores[m] == float(s) for m, s in zip(pairs[::2], pairs[1::2]))
    assert r.zrandmember("z", 0) == []
    assert r.zcard("z") == 10  # ZRANDMEMBER removes nothing
    assert r.zrandmember("missing") is None
    assert r.zrandmember("missing", 3) == []


def test_zscan_small_zset_whole_and_big_zset_to_completion(srv):
    r = client(srv)
    r.zadd("small", {"b": 2, "a": 1, "c": 1.5})
    assert r.zscan("small", 0) == (0, [(b"a", 1.0), (b"c", 1.5), (b"b", 2.0)])  # a listpack
    members = {f"member:{i}".encode(): float(i) for i in range(5_000)}
    r.zadd("big", members)
    seen = dict(r.zscan_iter("big", count=100))
    assert seen == members  # none missing, none invented, scores intact
    assert dict(r.zscan_iter("big", match="member:49*", count=500)) == \
        {m: s for m, s in members.items() if m.startswith(b"member:49")}
    cursor, batch = r.zscan("big", 0, count=10)
    assert cursor != 0 and batch


# ---------------------------------------------------------------------------------------------
# RESP3 (redis-py 4.3 speaks RESP2 only, so a raw connection)


def test_resp3_scores_are_doubles(srv):
    c = Conn(srv.port)
    assert c.call("HELLO", "3").startswith(b"%")
    assert c.call("ZADD", "z", "1.5", "a", "2", "b", "inf", "c", "-inf", "d", "0.1", "e") == \
        b":5\r\n"
    assert c.call("ZSCORE", "z", "a") == b",1.5\r\n"
    assert c.call("ZSCORE", "z", "b") == b",2\r\n"
    assert c.call("ZSCORE", "z", "c") == b",inf\r\n"
    assert c.call("ZSCORE", "z", "e") == b",0.10000000000000001\r\n"
    assert c.call("ZSCORE", "z", "nope") == b"_\r\n"
    assert c.call("ZRANGE", "z", "0", "1", "WITHSCORES") == \
        b"*2\r\n*2\r\n$1\r\nd\r\n,-inf\r\n*2\r\n$1\r\ne\r\n,0.10000000000000001\r\n"
    assert c.call("ZINCRBY", "z", "1", "b") == b",3\r\n"
    assert c.call("ZADD", "z", "INCR", "2.25", "a") == b",3.75\r\n"
    assert c.call("ZADD", "z", "NX", "INCR", "1", "a") == b"_\r\n"
    assert c.call("ZMSCORE", "z", "a", "x", "d") == b"*3\r\n,3.75\r\n_\r\n,-inf\r\n"
    assert c.call("ZPOPMIN", "z") == b"*2\r\n$1\r\nd\r\n,-inf\r\n"
    assert c.call("ZPOPMIN", "z", "2") == \
        b"*2\r\n*2\r\n$1\r\ne\r\n,0.10000000000000001\r\n*2\r\n$1\r\nb\r\n,3\r\n"
    assert c.call("ZPOPMAX", "missing") == b"*0\r\n"
    assert c.call("ZADD", "one", "2.5", "m") == b":1\r\n"
    assert c.call("ZRANDMEMBER", "one", "5", "WITHSCORES") == b"*1\r\n*2\r\n$1\r\nm\r\n,2.5\r\n"
    assert c.call("ZSCAN", "z", "0") == \
        b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$4\r\n3.75\r\n$1\r\nc\r\n$3\r\ninf\r\n"
    assert c.call("ZMPOP", "1", "z", "MAX") == b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n,inf\r\n"
    assert c.call("ZMPOP", "1", "missing", "MIN") == b"_\r\n"
    assert c.call("ZADD", "z", "0.30000000000000004", "w", "-0", "v", "123456789012345678", "u",
                  "1e300", "y") == b":4\r\n"
    assert c.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == (
        b"*5\r\n*2\r\n$1\r\nv\r\n,0\r\n*2\r\n$1\r\nw\r\n,0.30000000000000004\r\n"
        b"*2\r\n$1\r\na\r\n,3.75\r\n*2\r\n$1\r\nu\r\n,1.2345678901234568e+17\r\n"
        b"*2\r\n$1\r\ny\r\n,1.0000000000000001e+300\r\n")
    assert c.call("ZUNION", "1", "z", "WITHSCORES") == c.call("ZRANGE", "z", "0", "-1",
                                                            "WITHSCORES")
    assert c.call("BZPOPMIN", "z", "0") == b"*3\r\n$1\r\nz\r\n$1\r\nv\r\n,0\r\n"
    assert c.call("HELLO", "2").startswith(b"*")
    assert c.call("ZSCORE", "z", "u") == b"$22\r\n1.2345678901234568e+17\r\n"
    assert c.call("ZRANGE", "z", "0", "0", "WITHSCORES") == \
        b"*2\r\n$1\r\nw\r\n$19\r\n0.30000000000000004\r\n"
    c.close()


# ---------------------------------------------------------------------------------------------
# Bad input


def test_bad_scores_and_incompatible_options(srv):
    r = client(srv)
    assert response_error(r.zadd, "z", {"a": "nan"}) == NOT_A_FLOAT
    assert response_error(r.zadd, "z", {"a": "abc"}) == NOT_A_FLOAT
    assert response_error(r.zadd, "z", {"a": ""}) == NOT_A_FLOAT
    assert response_error(r.zincrby, "z", "nan", "a") == NOT_A_FLOAT
    assert response_error(r.execute_command, "ZADD", "z", "GT", "LT", "1", "a") == \
        "GT, LT, and/or NX options at the same time are not compatible"
    assert response_error(r.execute_command, "ZADD", "z", "NX", "GT", "1", "a") == \
        "GT, LT, and/or NX options at the same time are not compatible"
    assert response_error(r.execute_command, "ZADD", "z", "NX", "XX", "1", "a") == \
        "XX and NX options at the same time are not compatible"
    assert response_error(r.execute_command, "ZADD", "z", "INCR", "1", "a", "2", "b") == \
        "INCR option supports a single increment-element pair"
    assert response_error(r.execute_command, "ZADD", "z", "1", "a", "2") == "syntax error"
    assert r.exists("z") == 0  # nothing was added by any failed ZADD
    r.zadd("z", {"a": "inf"})
    assert response_error(r.zincrby, "z", "-inf", "a") == \
        "resulting score is not a number (NaN)"
    assert r.zscore("z", "a") == float("inf")
    assert response_error(r.execute_command, "ZRANGE", "z", "0", "-1", "LIMIT", "0", "1") == \
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    assert response_error(r.execute_command, "ZRANGE", "z", "0", "-1", "BYLEX", "WITHSCORES") \
        == "syntax error, WITHSCORES not supported in combination with BYLEX"
    assert response_error(r.zrangebyscore, "z", "(1", "x") == "min or max is not a float"
    assert response_error(r.zrange, "z", "x", "1") == \
        "value is not an integer or out of range"


def test_bad_counts_and_numkeys(srv):
    r = client(srv)
    r.zadd("z", {"a": 1, "b": 2})
    assert response_error(r.zrandmember, "z", -9223372036854775808) == \
        "value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    # With scores, a count whose doubled reply length overflows is refused as well.
    assert response_error(r.zrandmember, "z", -4611686018427387904, True) == \
        "value is out of range"
    assert response_error(r.execute_command, "ZUNIONSTORE", "d", "0", "z") == \
        "at least 1 input key is needed for 'zunionstore' command"
    assert response_error(r.execute_command, "ZINTERSTORE", "d", "-1", "z") == \
        "at least 1 input key is needed for 'zinterstore' command"
    assert response_error(r.execute_command, "ZUNIONSTORE", "d", "3", "z") == "syntax error"
    assert response_error(r.execute_command, "ZUNIONSTORE", "d", "1", "z", "WEIGHTS", "1", "2") \
        == "syntax error"
    assert response_error(r.execute_command, "ZUNIONSTORE", "d", "1", "z", "WEIGHTS", "x") == \
        "weight value is not a float"
    assert response_error(r.execute_command, "ZUNIONSTORE", "d", "1", "z", "AGGREGATE", "AVG") \
        == "syntax error"
    assert response_error(r.execute_command, "ZMPOP", "0", "z", "MIN") == \
        "numkeys should be greater than 0"
    assert response_error(r.execute_command, "ZMPOP", "3", "z", "MIN") == "syntax error"
    assert response_error(r.execute_command, "ZMPOP", "1", "z", "UP") == "syntax error"
    assert response_error(lambda: r.zmpop(1, ["z"], min=True, count=0)) == \
        "count should be greater than 0"
    assert response_error(r.execute_command, "BZMPOP", "0", "0", "z", "MIN") == \
        "numkeys should be greater than 0"
    assert response_error(r.execute_command, "ZINTERCARD", "0", "z") == \
        "at least 1 input key is needed for 'zintercard' command"
    assert response_error(r.execute_command, "ZADD", "z") == \
        "wrong number of arguments for 'zadd' command"
    assert r.exists("d") == 0
    assert r.zrange("z", 0, -1) == [b"a", b"b"]


def test_one_million_member_zadd_in_one_command(srv):
    r, other = client(srv), client(srv)
    n = 1_000_000
    assert r.zadd("huge", {f"m{i}": i for i in range(n)}) == n
    assert other.ping()
    assert r.zcard("huge") == n
    assert r.zscore("huge", "m999999") == 999_999.0
    assert r.zrank("huge", "m500000") == 500_000
    assert r.zrange("huge", -2, -1, withscores=True) == [(b"m999998", 999998.0),
                                                        (b"m999999", 999999.0)]
    assert r.zcount("huge", 1000, "(2000") == 1000
    assert r.delete("huge") == 1
    assert other.ping()


# ---------------------------------------------------------------------------------------------
# GEO

SICILY = [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania",
          12.758489, 38.788135, "edge1", 17.241510, 38.788135, "edge2"]
PALERMO = (13.361389338970184, 38.1155563954963)
CATANIA = (15.087267458438873, 37.50266842333162)


def test_geo_add_dist_pos_hash(srv):
    r = client(srv)
    assert r.geoadd("Sicily", SICILY) == 4
    assert r.geoadd("Sicily", [13.361389, 38.115556, "Palermo"], nx=True) == 0
    assert r.geoadd("Sicily", [13.5, 38.2, "Palermo"], xx=True, ch=True) == 1
    assert r.geoadd("Sicily", SICILY[:3], ch=True) == 1  # moved back
    assert r.type("Sicily") == b"zset"  # a geo set is a sorted set of geohash scores
    assert r.zscore("Sicily", "Palermo") == 3479099956230698.0
    assert r.geodist("Sicily", "Palermo", "Catania") == 166274.1516
    assert r.geodist("Sicily", "Palermo", "Catania", "km") == 166.2742
    assert r.geodist("Sicily", "Palermo", "Catania", "mi") == 103.3182
    assert r.geodist("Sicily", "Palermo", "nowhere") is None
    assert r.geopos("Sicily", "Palermo", "Catania", "nowhere") == [PALERMO, CATANIA, None]
    assert r.geohash("Sicily", "Palermo", "Catania", "nowhere") == \
        ["sqc8b49rny0", "sqdtr74hyu0", None]
    c = Conn(srv.port)  # the reply's exact digits
    assert c.call("GEOPOS", "Sicily", "Palermo") == \
        b"*1\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n"
    assert c.call("GEODIST", "Sicily", "Palermo", "Catania") == b"$11\r\n166274.1516\r\n"
    c.close()


def test_geo_search_and_radius(srv):
    r = client(srv)
    r.geoadd("Sicily", SICILY)
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC",
                       withdist=True, withcoord=True) == [
        [b"Catania", 56.4413, CATANIA], [b"Palermo", 190.4424, PALERMO]]
    assert r.geosearch("Sicily", member="Palermo", width=400, height=400, unit="km", sort="ASC",
                       count=2) == [b"Palermo", b"edge1"]
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="DESC",
                       withhash=True) == [[b"Palermo", 3479099956230698],
                                          [b"Catania", 3479447370796909]]
    assert sorted(r.geosearch("Sicily", longitude=15, latitude=37, width=400, height=400,
                              unit="km")) == [b"Catania", b"Palermo", b"edge1", b"edge2"]
    assert r.georadius("Sicily", 15, 37, 200, unit="km", withdist=True, sort="ASC") == [
        [b"Catania", 56.4413], [b"Palermo", 190.4424]]
    assert r.georadiusbymember("Sicily", "Palermo", 100, unit="km", sort="ASC") == [
        b"Palermo", b"edge1"]
    assert r.georadius("Sicily", 15, 37, 200, unit="km", store="near") == 2
    assert r.zrange("near", 0, -1, withscores=True) == [
        (b"Palermo", 3479099956230698.0), (b"Catania", 3479447370796909.0)]
    assert r.geosearchstore("dist", "Sicily", longitude=15, latitude=37, radius=200, unit="km",
                            storedist=True) == 2
    assert r.zrange("dist", 0, -1, withscores=True) == [
        (b"Catania", 56.4412578701582), (b"Palermo", 190.44242984775784)]
    assert r.geosearch("Sicily", longitude=1, latitude=1, radius=1, unit="km") == []
    assert r.geosearch("nothing", longitude=1, latitude=1, radius=1, unit="km") == []


def test_geo_bad_input(srv):
    r = client(srv)
    r.geoadd("Sicily", SICILY)
    cmd = r.execute_command
    assert response_error(r.geoadd, "g", [181, 0, "x"]) == \
        "invalid longitude,latitude pair 181.000000,0.000000"
    assert response_error(r.geoadd, "g", [0, 86, "x"]) == \
        "invalid longitude,latitude pair 0.000000,86.000000"
    assert response_error(cmd, "GEOADD", "g", "x", "0", "x") == NOT_A_FLOAT
    assert response_error(cmd, "GEOADD", "g", "NX", "XX", "1", "2", "x") == "syntax error"
    assert r.exists("g") == 0
    assert response_error(cmd, "GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "1",
                          "km") == "could not decode requested zset member"
    assert response_error(cmd, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "BYRADIUS", "1",
                          "parsec") == "unsupported unit provided. please use M, KM, FT, MI"
    assert response_error(cmd, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "BYRADIUS", "-1",
                          "km") == "radius cannot be negative"
    assert response_error(cmd, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "BYRADIUS", "1",
                          "km", "COUNT", "0") == "COUNT must be > 0"
    assert response_error(cmd, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "BYRADIUS", "1",
                          "km", "ANY") == "the ANY argument requires COUNT argument"
    assert response_error(cmd, "GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "x",
                          "WITHDIST") == ("STORE option in GEORADIUS is not compatible with "
                                          "WITHDIST, WITHHASH and WITHCOORD options")
    assert response_error(cmd, "GEODIST", "Sicily", "Palermo", "Catania", "mi2") == \
        "unsupported unit provided. please use M, KM, FT, MI"
    r.set("text", "v")
    assert response_error(r.geoadd, "text", SICILY[:3]) == WRONGTYPE


# ---------------------------------------------------------------------------------------------
# SORT


def test_sort_numbers_alpha_limit_and_store(srv):
    r = client(srv)
    r.rpush("nums", 3, 10, 1, "2.5", -4)
    assert r.sort("nums") == [b"-4", b"1", b"2.5", b"3", b"10"]
    assert r.sort("nums", desc=True, start=1, num=2) == [b"3", b"2.5"]
    assert r.sort("nums", alpha=True) == [b"-4", b"1", b"10", b"2.5", b"3"]
    assert r.sort("nums", store="sorted") == 5
    assert r.lrange("sorted", 0, -1) == [b"-4", b"1", b"2.5", b"3", b"10"]
    assert r.type("sorted") == b"list"
    r.rpush("words", "pear", "apple", "fig")
    assert response_error(r.sort, "words") == \
        "One or more scores can't be converted into double"
    assert r.sort("words", alpha=True, desc=True) == [b"pear", b"fig", b"apple"]
    r.sadd("ids", 5, 3, 9)
    assert r.sort("ids") == [b"3", b"5", b"9"]
    r.zadd("ranked", {"x": 3, "y": 1, "z": 2})
    assert r.sort("ranked", alpha=True) == [b"x", b"y", b"z"]
    assert r.sort("missing") == []
    assert r.sort("missing", store="sorted") == 0
    assert r.exists("sorted") == 0  # an empty result deletes the destination
    assert r.sort("nums", start=10, num=5) == []
    r.set("text", "v")
    assert response_error(r.sort, "text") == WRONGTYPE


def test_sort_by_and_get_external_keys(srv):
    r = client(srv)
    r.rpush("users", "1", "2", "3")
    r.mset({"age:1": 40, "age:2": 20, "age:3": 30, "name:1": "ada", "name:2": "bob"})
    r.hset("user:1", mapping={"karma": 5})
    r.hset("user:2", mapping={"karma": 50})
    r.hset("user:3", mapping={"karma": 7})
    assert r.sort("users", by="age:*") == [b"2", b"3", b"1"]
    assert r.sort("users", by="age:*", get=["#", "name:*"]) == [b"2", b"bob", b"3", None,
                                                                 b"1", b"ada"]
    assert r.sort("users", by="age:*", get=["#", "name:*"], groups=True) == [
        (b"2", b"bob"), (b"3", None), (b"1", b"ada")]
    assert r.sort("users", by="user:*->karma", desc=True) == [b"2", b"3", b"1"]
    assert r.sort("users", by="user:*->karma", get="user:*->karma") == [b"5", b"7", b"50"]
    assert r.sort("users", by="nosort") == [b"1", b"2", b"3"]  # a list keeps its order
    assert r.sort("users", by="age:*", get="name:*", start=0, num=1, store="youngest") == 1
    assert r.lrange("youngest", 0, -1) == [b"bob"]
    # A zset sorted BY nosort keeps its score order; LIMIT pages through it.
    r.zadd("board", {"ada": 3, "bob": 1, "cyd": 2})
    assert r.sort("board", by="nosort", start=1, num=2) == [b"cyd", b"ada"]
    assert r.sort("board", by="nosort", desc=True) == [b"ada", b"cyd", b"bob"]
    assert r.sort_ro("users", by="age:*", get="#") == [b"2", b"3", b"1"]
    assert response_error(r.execute_command, "SORT", "users", "LIMIT", "0") == "syntax error"
    assert response_error(r.execute_command, "SORT", "users", "BY") == "syntax error"


# ---------------------------------------------------------------------------------------------
# Blocking pops


def test_bzpopmin_woken_by_zadd_from_another_client(srv):
    observer, producer = client(srv), client(srv)
    consumer = background(client(srv).bzpopmin, ["jobs:high", "jobs:low"], 0)
    wait_blocked(observer, 1, consumer)
    assert producer.zadd("jobs:low", {"b": 2, "a": 1}) == 2
    assert result(consumer) == (b"jobs:low", b"a", 1.0)
    assert producer.zrange("jobs:low", 0, -1) == [b"b"]
    maxer = background(client(srv).bzpopmax, "jobs:high", 0)
    wait_blocked(observer, 1, maxer)
    producer.zadd("jobs:high", {"x": 5, "y": 9})
    assert result(maxer) == (b"jobs:high", b"y", 9.0)
    assert blocked_clients(observer) == 0
    assert producer.bzpopmin("jobs:high", 0) == (b"jobs:high", b"x", 5.0)  # ready: no block
    assert producer.bzpopmin("jobs:high", 0.1) is None  # timeout
    assert producer.bzmpop(0.1, 1, ["jobs:high"], min=True) is None


def test_bzmpop_woken_with_count_and_by_zunionstore(srv):
    observer, producer = client(srv), client(srv)
    consumer = background(client(srv).bzmpop, 0, 2, ["q1", "q2"], max=True, count=2)
    wait_blocked(observer, 1, consumer)
    producer.zadd("q2", {"a": 1, "b": 2, "c": 3})
    assert result(consumer) == [b"q2", [[b"c", b"3"], [b"b", b"2"]]]
    waiting = background(client(srv).bzpopmin, "merged", 0)
    wait_blocked(observer, 1, waiting)
    producer.zadd("src", {"m": 7})
    assert producer.zunionstore("merged", ["src", "q2"]) == 2  # a store wakes the waiter
    assert result(waiting) == (b"merged", b"a", 1.0)
    assert producer.zrange("merged", 0, -1) == [b"m"]


def test_blocked_zpop_wrongtype_multi_and_transaction(srv):
    r, observer = client(srv), client(srv)
    r.set("text", "v")
    assert response_error(r.bzpopmin, ["empty", "text"], 0) == WRONGTYPE
    assert response_error(r.execute_command, "BZPOPMIN", "k", "-1") == "timeout is negative"
    pipe = r.pipeline(transaction=True)
    pipe.bzpopmin("empty", 0)
    pipe.bzmpop(0, 1, ["empty"], min=True)
    assert pipe.execute() == [None, None]  # inside MULTI a blocking pop does not block
    consumer = background(client(srv).bzpopmin, "k", 0)
    wait_blocked(observer, 1, consumer)
    pipe = observer.pipeline(transaction=True)
    pipe.zadd("k", {"gone": 1})
    pipe.zpopmin("k")
    assert pipe.execute() == [1, [(b"gone", 1.0)]]
    assert blocked_clients(observer) == 1  # the key was empty again when EXEC finished
    observer.zadd("k", {"real": 2})
    assert result(consumer) == (b"k", b"real", 2.0)


def test_blocked_zpop_on_one_worker_woken_from_others(threaded):
    n = 8  # eight consumers and eight producers: every worker owns some of each
    observer = client(threaded)
    consumers = [background(client(threaded).bzpopmin, f"z:{i}", 0) for i in range(n)]
    consumers += [background(client(threaded).bzmpop, 0, 1, [f"m:{i}"], min=True)
                  for i in range(n)]
    wait_blocked(observer, 2 * n, *consumers)
    for i in range(n):
        producer = client(threaded)
        assert producer.zadd(f"z:{i}", {f"job:{i}": i}) == 1
        assert producer.zadd(f"m:{i}", {f"task:{i}": i}) == 1
    assert [result(f) for f in consumers[:n]] == [(f"z:{i}".encode(), f"job:{i}".encode(),
                                                   float(i)) for i in range(n)]
    assert [result(f) for f in consumers[n:]] == [
        [f"m:{i}".encode(), [[f"task:{i}".encode(), str(i).encode()]]] for i in range(n)]
    assert blocked_clients(observer) == 0
    assert observer.exists(*[f"z:{i}" for i in range(n)], *[f"m:{i}" for i in range(n)]) == 0


@pytest.mark.parametrize("transaction", [False, True])
def test_zincrby_pipeline_of_10000_commands(srv, transaction):
    r = client(srv)
    pipe = r.pipeline(transaction=transaction)
    expected, model = [], {}
    for i in range(10_000):
        key, member = f"z:{i % 7}", f"m{i % 101}"
        scores = model.setdefault(key, {})
        if i % 3:
            pipe.zincrby(key, 1.5, member)
            scores[member] = scores.get(member, 0) + 1.5
            expected.append(scores[member])
        else:
            pipe.zscore(key, member)
            expected.append(scores.get(member))
    assert pipe.execute() == expected
    for key, scores in model.items():
        assert dict(r.zrange(key, 0, -1, withscores=True)) == \
            {m.encode(): s for m, s in scores.items()}

