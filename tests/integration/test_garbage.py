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


def flood_outcome(s, deadline):
    """What one flooding client got: "answered" (a complete reply: a code
    header, then the server's close), "closed" (end of file or a reset before
    any byte), else a description of what went wrong."""
    data = b""
    try:
        while True:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            d = s.recv(4096)
            if not d:
                break
            data += d
    except (ConnectionResetError, BrokenPipeError):
        if data:
            return f"reset after a partial reply {data[:80]!r}"
        return "closed"
    except socket.timeout:
        return f"neither answered nor closed by the deadline (got {data[:80]!r})"
    if not data:
        return "closed"
    header = data.split(b"\n", 1)[0]
    if not header.isdigit() or b"\n" not in data:
        return f"a reply without a code header: {data[:80]!r}"
    if header == b"0" or b"too many clients" in data or b"busy" in data:
        return "answered"
    return f"an unexpected reply: {data[:80]!r}"


def test_connection_flood(target):
    """Many clients at once, each a complete request: every one of them is
    answered or closed (none left hanging, none given garbage)."""
    si, u = target
    socks = []
    outcomes = {}
    try:
        for i in range(200):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(20)
            socks.append(s)
            try:
                s.connect(str(si.sock))
            except (ConnectionRefusedError, BlockingIOError):
                outcomes[i] = "closed"      # refused outright: a close, said at once
            except socket.timeout:
                outcomes[i] = "connect timed out"
        for i, s in enumerate(socks):
            if i in outcomes:
                continue
            try:
                s.sendall(b"is-active web\n")
            except (BrokenPipeError, ConnectionResetError):
                outcomes[i] = "closed"
        deadline = time.monotonic() + 60
        for i, s in enumerate(socks):
            if i not in outcomes:
                outcomes[i] = flood_outcome(s, deadline)
    finally:
        for s in socks:
            s.close()
    assert len(outcomes) == 200
    bad = {i: o for i, o in outcomes.items() if o not in ("answered", "closed")}
    assert not bad, f"{len(bad)} of 200 clients were neither answered nor closed: {bad}"
    assert "answered" in outcomes.values(), "no client of the flood was answered"
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
