"""Starting, configuring and stopping the real binary."""
import signal
import subprocess

from support import CACHET, Cachet, Conn, free_port


def test_sigterm_and_sigint_exit_zero():
    for sig in (signal.SIGTERM, signal.SIGINT):
        with Cachet() as s:
            c = Conn(s.port)
            assert c.call("SET", "k", "v") == b"+OK\r\n"
            assert s.stop(sig) == 0


def test_sigterm_finishes_replies_in_flight():
    with Cachet() as s:
        c = Conn(s.port)
        value = b"v" * (16 * 1024 * 1024)
        assert c.call("SET", "big", value) == b"+OK\r\n"
        c.send(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
        header = c.sock.recv(16)  # the reply has started: the rest is in flight
        assert header.startswith(b"$16777216\r\n")
        s.proc.send_signal(signal.SIGTERM)
        rest = c.read_until_closed()
        assert header + rest == b"$16777216\r\n" + value + b"\r\n"
        assert s.proc.wait(timeout=30) == 0


def test_shutdown_command_stops_the_server():
    with Cachet() as s:
        c = Conn(s.port)
        c.send(b"*1\r\n$8\r\nSHUTDOWN\r\n")
        assert c.read_until_closed() == b""
        assert s.proc.wait(timeout=30) == 0


def test_unknown_option_exits_1_with_message():
    result = subprocess.run([CACHET, "--no-such-option", "1"], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1
    assert "no-such-option" in result.stderr


def test_config_file_and_flags(tmp_path):
    conf = tmp_path / "cachet.conf"
    conf.write_text("# a redis.conf\nmaxmemory 64mb\nmaxmemory-policy allkeys-lru\nsave 900 1\n")
    with Cachet(str(conf), "--databases", "4") as s:
        c = Conn(s.port)
        assert c.call("CONFIG", "GET", "maxmemory") == \
            b"*2\r\n$9\r\nmaxmemory\r\n$8\r\n67108864\r\n"
        assert c.call("SELECT", "4") == b"-ERR DB index is out of range\r\n"
        port = str(s.port).encode()
        assert c.call("CONFIG", "GET", "port") == b"*2\r\n$4\r\nport\r\n$%d\r\n%s\r\n" % (
            len(port), port)
        assert s.stop() == 0


def test_port_in_use_exits_1():
    with Cachet() as s:
        result = subprocess.run([CACHET, "--port", str(s.port)], capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 1
        assert "could not listen" in result.stderr
        assert s.stop() == 0


def test_config_set_port_rebinds():
    with Cachet() as s, Cachet() as other:
        c = Conn(s.port)
        assert c.call("SET", "k", "v") == b"+OK\r\n"
        taken = str(other.port)
        assert c.call("CONFIG", "SET", "port", taken) == (
            b"-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            b"this port\r\n")
        new_port = str(free_port())
        assert c.call("CONFIG", "SET", "port", new_port) == b"+OK\r\n"
        moved = Conn(int(new_port))
        assert moved.call("GET", "k") == b"$1\r\nv\r\n"
        assert c.call("PING") == b"+PONG\r\n"  # existing clients stay connected
        assert s.stop() == 0 and other.stop() == 0
