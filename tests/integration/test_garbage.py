# SPDX-License-Identifier: MIT
"""Hostile and broken control clients never harm svcinit."""
import random
import socket
import time

import pytest

from conftest import poll_until, unit_text

RNG = random.Random(0x5EC1)

PAYLOADS = {
    "random-bytes": bytes(RNG.getrandbits(8) for _ in range(4096)),
    "no-newline": b"status",
    "one-mebibyte": (b"status " + b"x" * 1000 + b" ") * 1040 + b"\n",
    "line-5000": b"status " + b"a" * 4993 + b"\n",
    "empty-line": b"\n",
    "nul-inside": b"status\x00web\n",
    "unknown-command": b"frobnicate web\n",
    "too-many-words": b"status" + b" a" * 1000 + b"\n",
    "crlf": b"status\r\n",
    "double-space": b"status  web\n",
    "leading-space": b" status\n",
    "non-ascii": b"stop w\xc3\xa9b\n",
    "bad-name": b"stop ../../etc\n",
    "long-name": b"stop " + b"w" * 300 + b"\n",
    "bad-logs-n": b"logs -n -5 web\n",
    "bad-wait-timeout": b"wait --timeout 1e999 web\n",
    # one request per connection: the line after the first is never run
    "two-requests": b"status\nstop web\n",
}


def raw_client(path, payload, shut=True, timeout=10):
    """Send payload, (half-)close, read until EOF. Returns the reply bytes;
    a reset or broken pipe counts as a close."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(path))
    reply = b""
    try:
        s.sendall(payload)
        if shut:
            s.shutdown(socket.SHUT_WR)
        while True:
            d = s.recv(65536)
            if not d:
                break
            reply += d
    except (BrokenPipeError, ConnectionResetError):
        pass
    except socket.timeout:
        raise AssertionError(f"no reply and no close within {timeout}s") from None
    finally:
        s.close()
    return reply


@pytest.fixture
def target(svcinit):
    si = svcinit({"web": unit_text("sleep 1000", {"TimeoutStopSec": "2s"})})
    u = si.wait_for("web", "running")
    return si, u


def assert_unharmed(si, u):
    assert si.alive(), "svcinit died"
    r = si.ctl("--json", "status", timeout=10)
    assert r.returncode == 0, r.stderr
    w = si.unit("web")
    assert w["state"] == "running" and w["pid"] == u["pid"] and w["restarts"] == 0, w
    assert si.pid_alive(u["pid"])


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_garbage_request(target, name):
    si, u = target
    reply = raw_client(si.sock, PAYLOADS[name])
    if reply:
        header = reply.split(b"\n", 1)[0]
        assert header.isdigit(), f"reply without a code header: {reply[:80]!r}"
        if name in ("unknown-command", "empty-line", "nul-inside", "line-5000", "one-mebibyte",
                    "too-many-words", "bad-name", "long-name", "non-ascii", "random-bytes"):
            assert header != b"0", f"{name} was accepted: {reply[:200]!r}"
    elif name == "unknown-command":
        raise AssertionError("an unknown command gets an error reply, not a bare close")
    assert_unharmed(si, u)


def test_close_without_newline(target):
    si, u = target
    for data in (b"", b"sto", b"stop web"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(si.sock))
        if data:
            s.sendall(data)
        s.close()
    assert_unharmed(si, u)


def test_idle_clients_do_not_block(target):
    si, u = target
    idle = []
    try:
        for i in range(50):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(str(si.sock))
            if i % 2:
                s.sendall(b"stat")      # half a request, then silence
            idle.append(s)
        t0 = time.monotonic()
        r = si.ctl("status", timeout=30)
        took = time.monotonic() - t0
        assert r.returncode == 0, r.stderr
        assert "web" in r.stdout
        assert took < 5, f"status took {took:.1f}s with 50 idle clients"
        assert si.ctl("is-active", "web", timeout=30).returncode == 0
    finally:
        for s in idle:
            s.close()
    assert_unharmed(si, u)


def test_client_that_never_reads(target):
    """A client that sends requests and never reads its reply."""
    si, u = target
    socks = []
    try:
        for _ in range(20):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(si.sock))
            s.sendall(b"status --json\n")
            socks.append(s)
        r = si.ctl("status", timeout=30)
        assert r.returncode == 0
    finally:
        for s in socks:
            s.close()
    assert_unharmed(si, u)


def test_connection_flood(target):
    """Many clients at once, each a complete request: all answered or closed."""
    si, u = target
    socks = []
    for _ in range(200):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        try:
            s.connect(str(si.sock))
        except (BlockingIOError, ConnectionRefusedError, socket.timeout):
            s.close()
            continue
        socks.append(s)
    for s in socks:
        try:
            s.sendall(b"is-active web\n")
        except OSError:
            pass
    answered = 0
    for s in socks:
        try:
            data = s.recv(100)
            if data.startswith(b"0\n"):
                answered += 1
        except (OSError, socket.timeout):
            pass
        s.close()
    assert answered > 0
    poll_until(lambda: si.ctl("status", timeout=10).returncode == 0, 10, "status after the flood")
    assert_unharmed(si, u)


@pytest.mark.parametrize("value", ["nan", "-nan", "NAN", "inf", "-1", "", "1e400"])
def test_wait_timeout_that_is_not_a_number(target, value):
    """A NaN timeout once went into libev's timer heap and stopped every
    timer of svcinit (found by the fuzzing review): it is a usage error."""
    si, u = target
    reply = raw_client(si.sock, f"wait --timeout {value} web\n".encode(), shut=False)
    assert reply.split(b"\n", 1)[0] == b"2", reply[:200]
    # timers still run: a unit with a restart delay comes back
    r = si.ctl("restart", "web", timeout=10)
    assert r.returncode == 0, r.stderr
    assert si.wait_for("web", "running")["pid"] != u["pid"]
