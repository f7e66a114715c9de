"""SLOWLOG, LATENCY and INFO's command statistics through redis-py and redis-cli (--stat,
--bigkeys, --memkeys). Every test runs against cachet and against Debian's redis-server, which
proves the test itself right."""
import subprocess

import pytest
import redis

from support import Cachet, Conn, Redis


@pytest.fixture(params=["cachet", "redis"])
def port(request):
    """The port of a fresh cachet-server (checked alive and cleanly stopped after) or redis."""
    if request.param == "cachet":
        with Cachet() as s:
            yield s.port
            assert s.proc.poll() is None, "cachet-server died during the test"
            assert s.stop() == 0
    else:
        with Redis() as r:
            yield r.port


@pytest.fixture
def r(port):
    client = redis.Redis(port=port)
    yield client
    client.close()


def cli(port, *args):
    result = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                            text=True, timeout=30, check=True)
    return result.stdout


def test_slowlog_get_lists_commands_newest_first(r):
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    r.set("k", "v")
    r.client_setname("tool")
    r.get("k")
    entries = r.slowlog_get(3)
    assert [e["command"] for e in entries] == [b"GET k", b"CLIENT SETNAME tool", b"SET k v"]
    assert entries[0]["id"] > entries[1]["id"] > entries[2]["id"]
    assert all(e["duration"] >= 0 and e["start_time"] > 1_600_000_000 for e in entries)
    raw = r.execute_command("SLOWLOG", "GET", "1")[0]
    assert raw[4].startswith(b"127.0.0.1:") and raw[5] == b"tool"
    assert r.slowlog_len() == 6  # reset, set, setname, get and two slowlog gets
    r.config_set("slowlog-log-slower-than", -1)
    r.slowlog_reset()
    r.set("k", "v")
    assert r.slowlog_len() == 0


def test_slowlog_shortens_arguments(r):
    r.config_set("slowlog-log-slower-than", 0)
    r.rpush("l", "x" * 200, *range(40))
    args = r.execute_command("SLOWLOG", "GET", "1")[0][3]
    assert len(args) == 32
    assert args[2] == b"x" * 128 + b"... (72 more bytes)"
    assert args[-1] == b"... (12 more arguments)"  # of 43


def test_info_commandstats_and_errorstats(r):
    r.config_resetstat()
    r.set("k", "v")
    r.set("k", "v")
    with pytest.raises(redis.ResponseError):
        r.lpush("k", "x")
    with pytest.raises(redis.ResponseError):
        r.execute_command("INCR")
    r.execute_command("CONFIG", "GET", "maxmemory")
    stats = r.info("commandstats")
    assert stats["cmdstat_set"]["calls"] == 2
    assert stats["cmdstat_lpush"]["failed_calls"] == 1
    assert stats["cmdstat_incr"] == {"calls": 0, "usec": 0, "usec_per_call": 0.0,
                                     "rejected_calls": 1, "failed_calls": 0}
    assert stats["cmdstat_config|get"]["calls"] == 1
    assert r.info("errorstats") == {"errorstat_ERR": "count=1", "errorstat_WRONGTYPE": "count=1"}
    info = r.info("stats")
    assert info["total_error_replies"] == 2
    assert info["instantaneous_ops_per_sec"] >= 0
    r.config_resetstat()
    assert r.info("errorstats") == {}
    assert set(r.info("commandstats")) == {"cmdstat_config|resetstat", "cmdstat_info"}


def test_info_net_totals_grow_by_the_traffic_sent(r):
    before = r.info("stats")
    value = "x" * 100_000
    r.set("big", value)
    assert r.get("big") == value.encode()
    after = r.info("stats")
    assert after["total_net_input_bytes"] - before["total_net_input_bytes"] >= 100_000
    assert after["total_net_output_bytes"] - before["total_net_output_bytes"] >= 100_000
    assert after["instantaneous_input_kbps"] >= 0
    assert after["instantaneous_output_kbps"] >= 0
    assert after["instantaneous_input_repl_kbps"] == 0


def test_info_latencystats_percentiles(r):
    r.set("k", "v")
    stats = r.info("latencystats")["latency_percentiles_usec_set"]
    assert list(stats) == ["p50", "p99", "p99.9"]
    assert 0 < stats["p50"] <= stats["p99"] <= stats["p99.9"]


def test_info_sections(r):
    default = set(r.info())
    everything = set(r.info("everything"))
    assert "cluster_enabled" in default and "total_error_replies" in default
    assert not any(k.startswith("cmdstat_") for k in default)
    assert any(k.startswith("cmdstat_") for k in everything)
    assert set(r.info("server", "clients")) == set(r.info("server")) | set(r.info("clients"))


def test_latency_monitor_records_slow_commands(r):
    r.config_set("latency-monitor-threshold", 1)
    # SORT of 100k elements takes well over 1 ms on either server (as may the RPUSH, a
    # "fast-command").
    r.rpush("big", *range(100_000))
    r.sort("big")
    latest = {e[0]: e[1:] for e in r.execute_command("LATENCY", "LATEST")}
    assert b"command" in latest
    when, last, worst = latest[b"command"]
    assert when > 1_600_000_000 and 1 <= last <= worst
    assert any(h[0] <= when for h in r.execute_command("LATENCY", "HISTORY", "command"))
    assert b". command: " in r.execute_command("LATENCY", "DOCTOR")  # fast-command may come first
    assert r.execute_command("LATENCY", "GRAPH", "command").startswith(b"command - high ")
    assert r.execute_command("LATENCY", "RESET") >= 1
    assert r.execute_command("LATENCY", "LATEST") == []


def test_latency_histogram(r):
    r.set("k", "v")
    r.set("k", "v")
    name, (calls, count, buckets, cdf) = r.execute_command("LATENCY", "HISTOGRAM", "set", "nosuch")
    assert (name, calls, count, buckets) == (b"set", b"calls", 2, b"histogram_usec")
    assert cdf[-1] == 2 and cdf[-2] >= 1  # cumulative: the last bucket holds every call


def populate(r):
    r.set("s", "hello")
    r.rpush("l", *range(10))
    r.sadd("set", "a", "b")
    r.hset("h", mapping={"f": "v", "g": "w"})
    r.zadd("z", {"a": 1, "b": 2})


def test_redis_cli_bigkeys_and_memkeys(r, port):
    populate(r)
    out = cli(port, "--bigkeys")
    assert "Sampled 5 keys in the keyspace!" in out
    assert "Biggest   list found '\"l\"' has 10 items" in out
    assert "Biggest string found '\"s\"' has 5 bytes" in out
    out = cli(port, "--memkeys")
    assert "Sampled 5 keys in the keyspace!" in out
    assert "Biggest   zset found '\"z\"' has" in out


def test_redis_cli_stat_prints_lines(r, port):
    populate(r)
    # --stat never ends by itself: line-buffered so the lines printed before the timeout stay.
    proc = subprocess.run(["timeout", "1.5", "stdbuf", "-oL", "redis-cli", "-p", str(port),
                           "--stat", "-i", "0.2"], capture_output=True, text=True, timeout=30)
    lines = proc.stdout.splitlines()
    assert lines[1].split()[:5] == ["keys", "mem", "clients", "blocked", "requests"]
    assert lines[2].split()[0] == "5"


def test_info_counts_network_bytes_as_redis():
    """total_net_input_bytes counts requests as they arrive (INFO's own included) and
    total_net_output_bytes the replies sent before it, on both servers."""
    def net(port):
        c = Conn(port)
        c.call("CONFIG", "RESETSTAT")
        c.call("PING")
        c.call("SET", "k", "v" * 100)
        c.call("GET", "k")
        info = c.call("INFO", "stats").decode()
        fields = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
        return fields["total_net_input_bytes"], fields["total_net_output_bytes"]
    with Redis() as r, Cachet() as c:
        assert net(c.port) == net(r.port)
