"""cachet-server driven by redis-cli (redis-tools) and a hiredis program."""
import subprocess

from support import HIREDIS_CLIENT


def cli(server, *args, input=None):
    result = subprocess.run(["redis-cli", "-p", str(server.port), *args], input=input,
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


def test_redis_cli_basic_commands(server):
    assert cli(server, "SET", "k", "v") == "OK\n"
    assert cli(server, "GET", "k") == "v\n"
    assert cli(server, "INCR", "n") == "1\n"
    assert cli(server, "GET", "missing") == "\n"
    assert cli(server, "TYPE", "k") == "string\n"
    assert "used_memory:" in cli(server, "INFO", "memory")


def test_redis_cli_resp3(server):
    lines = cli(server, "-3", "HELLO", "3").splitlines()
    assert lines[:3] == ["server redis", "version 7.0.15", "proto 3"]
    assert lines[4:6] == ["mode standalone", "role master"]
    assert cli(server, "-3", "GET", "missing") == "\n"


def test_redis_cli_pipe_mode(server):
    commands = "".join(f"SET key:{i} {i}\r\n" for i in range(5000))
    out = cli(server, "--pipe", input=commands)
    assert "errors: 0, replies: 5000" in out
    assert cli(server, "DBSIZE") == "5000\n"


def test_redis_cli_scan(server):
    for i in range(50):
        cli(server, "SET", f"user:{i}", "x")
    cli(server, "SET", "other", "x")
    keys = cli(server, "--scan", "--pattern", "user:*").split()
    assert sorted(keys) == sorted(f"user:{i}" for i in range(50))


def test_hiredis_program(server):
    result = subprocess.run([HIREDIS_CLIENT, str(server.port)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
