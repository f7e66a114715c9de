"""Randomized differential test: seeded random command sequences (differential_gen.py) sent to
Debian's redis-server and to cachet-server; every reply must be byte-for-byte identical after the
minimal normalization described in differential_gen.normalize (set ordering, hash and zset
ordering once Redis's copy is no longer a listpack, positive TTLs, random elements, HELLO's id,
and in streams the clock readings of XPENDING/XINFO and XINFO's radix-tree-nodes).

The CI run is 8 seeds of 2000 commands (a few seconds). The long run (minutes) takes
the same knobs from the environment, e.g. from tests/integration:
  CACHET_DIFF_SEEDS=$(seq -s, 1 200) CACHET_DIFF_COUNT=5000 \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider test_differential_random.py
CACHET_DIFF_FAMILIES=zsets,multi (say) narrows a run to some families (names in
differential_gen.ALL_FAMILIES). A failure names the seed and step; CACHET_DIFF_SEEDS=<seed>
reproduces it. The list and key families also run on a second pair of servers with
list-compress-depth 1 and 16-element list nodes (COMPRESSED_LISTS_CONFIG; the first 4 seeds, or
all of CACHET_DIFF_SEEDS when it is set);
its failures reproduce with the same variables and `-k compressed`.
"""
import os

import pytest

from differential_gen import ACL_USERS, generate, normalize, show
from support import Cachet, Conn, Redis

# The families CI runs (names from differential_gen.ALL_FAMILIES): all of them.
DEFAULT_FAMILIES = (
    "strings,keys,hashes,lists,sets,bitmaps,hyperloglog,object,zsets,geo,sort,acl,functions,eval,"
    "streams,multi,resp3")

SEEDS = [int(s) for s in os.environ.get("CACHET_DIFF_SEEDS", "1,2,3,4,5,6,7,8").split(",")]
COUNT = int(os.environ.get("CACHET_DIFF_COUNT", "2000"))
FAMILIES = os.environ.get("CACHET_DIFF_FAMILIES", DEFAULT_FAMILIES).split(",")
CONTEXT = 10  # commands shown before a mismatch
# redis-server started without a config file keeps 512-field listpack hashes (config.c's
# default); cachet follows the 128 of the shipped redis.conf, so the oracle is set to match.
REDIS_CONFIG = [("hash-max-listpack-entries", "128")]


# Redis 7.0's SORT tests errno after strtod() without clearing it, so a numeric SORT right after
# a command whose number overflowed (ZADD k 1e400 m, INCRBYFLOAT k 1e400) fails with "One or more
# scores can't be converted into double" whatever its elements. Accepting a connection leaves
# errno at EAGAIN (Redis accepts until accept() fails), so one is opened before each SORT.
STALE_ERRNO_COMMANDS = {b"SORT", b"SORT_RO"}


def clear_redis_errno(port):
    conn = Conn(port)
    assert conn.call("PING") == b"+PONG\r\n"
    conn.close()


# The compressed-lists run: nodes of at most 16 elements (200-element lists have 13) of which all
# but the first and last are LZF-compressed where that pays.
COMPRESSED_LISTS_CONFIG = [("list-compress-depth", "1"), ("list-max-listpack-size", "16")]
COMPRESSED_LISTS_SEEDS = SEEDS if "CACHET_DIFF_SEEDS" in os.environ else SEEDS[:4]


def started_pair(config):
    """redis-server and cachet-server, both given `config` by CONFIG SET (Redis REDIS_CONFIG too);
    cachet must survive and exit 0 on SIGTERM."""
    with Redis() as redis_server, Cachet() as cachet:
        for port, options in ((redis_server.port, REDIS_CONFIG + config), (cachet.port, config)):
            admin = Conn(port)
            for name, value in options:
                assert admin.call("CONFIG", "SET", name, value) == b"+OK\r\n"
            admin.close()
        yield redis_server, cachet
        assert cachet.proc.poll() is None, "cachet-server died during the test"
        assert cachet.stop() == 0


@pytest.fixture(scope="module")
def servers():
    yield from started_pair([])


@pytest.fixture(scope="module")
def compressed_list_servers():
    yield from started_pair(COMPRESSED_LISTS_CONFIG)


def mismatch(seed, steps, index, expected, actual, what="replies differ", families=FAMILIES):
    """The failure report for step `index` of `steps` (commands of `families`): how to reproduce
    it, the commands before it, and Redis's and cachet's answers."""
    lines = [f"seed {seed}, step {index} (families {','.join(families)}): {what}",
             f"reproduce: CACHET_DIFF_SEEDS={seed} CACHET_DIFF_COUNT={index + 1} "
             f"CACHET_DIFF_FAMILIES={','.join(families)}", "last commands:"]
    lines += [f"  {n}: {show(s.args)}" for n, s in enumerate(steps) if index - CONTEXT < n <= index]
    lines += [f"redis:  {expected!r}", f"cachet: {actual!r}"]
    return "\n".join(lines)


def reset(theirs, ours):
    """Empties both servers of everything a seed creates, so that a seed reproduces alone."""
    assert theirs.call("FLUSHALL") == ours.call("FLUSHALL") == b"+OK\r\n"
    assert theirs.call("FUNCTION", "FLUSH") == ours.call("FUNCTION", "FLUSH") == b"+OK\r\n"
    assert theirs.call("SCRIPT", "FLUSH") == ours.call("SCRIPT", "FLUSH") == b"+OK\r\n"
    assert theirs.call("ACL", "DELUSER", *ACL_USERS) == ours.call("ACL", "DELUSER", *ACL_USERS)


def replay(redis_server, seed, theirs, ours, after_step=lambda steps, index, reply: None,
           families=FAMILIES):
    """Sends the seed's steps (commands of `families`) to Redis (`theirs`) and cachet (`ours`),
    failing the test at the first reply that differs after normalization; after each step calls
    after_step(steps, index, Redis's reply)."""
    steps = generate(seed, COUNT, families)
    for index, step in enumerate(steps):
        if step.args[0] in STALE_ERRNO_COMMANDS:
            clear_redis_errno(redis_server.port)
        expected = theirs.call(*step.args)
        try:
            actual = ours.call(*step.args)
        except ConnectionError as e:
            pytest.fail(mismatch(seed, steps, index, expected, f"connection lost: {e}",
                                 families=families))

        def is_listpack(key=[step.key] if step.key else step.args[1:2] or [b""]):
            return theirs.call("OBJECT", "ENCODING", key[0]) == b"$8\r\nlistpack\r\n"

        expected_n = normalize(expected, step.norm, is_listpack)
        if normalize(actual, step.norm, is_listpack) != expected_n:
            pytest.fail(mismatch(seed, steps, index, expected, actual, families=families))
        after_step(steps, index, expected)


def run_seed(pair, seed, families):
    redis_server, cachet = pair
    theirs, ours = Conn(redis_server.port), Conn(cachet.port)
    reset(theirs, ours)
    replay(redis_server, seed, theirs, ours, families=families)
    theirs.close()
    ours.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_random_commands_reply_as_redis_does(servers, seed):
    run_seed(servers, seed, FAMILIES)


@pytest.mark.parametrize("seed", COMPRESSED_LISTS_SEEDS)
def test_random_list_commands_with_compressed_nodes(compressed_list_servers, seed):
    run_seed(compressed_list_servers, seed, ["lists", "keys"])
