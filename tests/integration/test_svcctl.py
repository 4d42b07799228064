# SPDX-License-Identifier: MIT
"""build/svcctl on its own, against a scripted fake server: what it sends,
how it maps replies to exit codes, what it refuses without connecting."""
import os
import pty
import select
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import SVCCTL, poll_until


class FakeServer:
    """Accepts connections on a unix socket; answers each request line with
    `reply` (bytes), or hangs (reply=None) until closed."""

    def __init__(self, path, reply=b"0\n", hang=False):
        self.path = str(path)
        self.reply = reply
        self.hang = hang
        self.requests = []
        self.connections = 0
        self.half_closed = 0
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.stopping = threading.Event()
        self.clients = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            self.clients.append(c)
            c.settimeout(5)
            req = b""
            try:
                while not req.endswith(b"\n") and len(req) < 10000:
                    d = c.recv(4096)
                    if not d:
                        break
                    req += d
            except OSError:
                pass
            self.requests.append(req)
            if self.hang:
                continue
            # svcinit reads EOF from a waiting client as "it left": a
            # client must not half-close after its request
            time.sleep(0.05)
            try:
                c.setblocking(False)
                if c.recv(1, socket.MSG_PEEK) == b"":
                    self.half_closed += 1
            except BlockingIOError:
                pass
            except OSError:
                pass
            c.setblocking(True)
            try:
                c.sendall(self.reply)
            except OSError:
                pass
            c.close()

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        for c in self.clients:
            c.close()
        self.sock.close()


@pytest.fixture
def ctl(workdir):
    assert os.access(SVCCTL, os.X_OK), f"{SVCCTL} is missing: run `make build/svcctl`"
    servers = []
    sock = workdir / "fake.sock"

    def run(*args, reply=b"0\n", hang=False, server=True, timeout=30, env=None):
        if sock.exists():
            sock.unlink()
        srv = None
        if server:
            srv = FakeServer(sock, reply, hang)
            servers.append(srv)
        e = dict(os.environ)
        e.pop("SVCINIT_SOCKET", None)
        e["NO_COLOR"] = "1"
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        argv = [str(SVCCTL)]
        if "-s" not in args and "SVCINIT_SOCKET" not in (env or {}):
            argv += ["-s", str(sock)]
        r = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, env=e)
        if srv:
            srv.close()
        return r, srv

    run.sock = sock
    yield run
    for s in servers:
        s.close()


@pytest.mark.parametrize("args", [
    [],
    ["frobnicate"],
    ["start"],
    ["stop"],
    ["restart"],
    ["is-active"],
    ["logs", "-n", "x", "web"],
    ["logs", "-n", "-3", "web"],
    ["logs", "-n"],
    ["wait"],
    ["logs", "--since", "tomorrowish", "web"],
    ["logs", "--since", "-5 parsecs", "web"],
    ["wait", "--timeout", "soon", "web"],
    ["daemon-reload", "web"],
    ["show"],
    ["poweroff", "now"],
    ["start", "bad/name"],
    ["start", "a" * 65],
    ["status", "no spaces"],
    ["status", "--bogus"],
    ["status", "--state"],
    ["status", "--state="],
    ["--bogus", "status"],
])
def test_usage_errors_exit_2_without_connecting(ctl, args):
    r, srv = ctl(*args)
    assert r.returncode == 2, (args, r)
    assert r.stderr.strip(), "a usage error says why on stderr"
    assert r.stdout == ""
    assert srv.connections == 0, f"svcctl connected for a usage error: {srv.requests}"


@pytest.mark.parametrize("args,line", [
    (["status"], b"status\n"),
    (["--json", "status"], b"status --json\n"),
    (["status", "--json", "a"], b"status --json a\n"),
    (["status", "--failed"], b"status --state failed\n"),
    (["status", "--state=running,paused", "--no-pager"], b"status --state running,paused\n"),
    (["--no-pager", "status", "--state", "failed", "-a"], b"status --state failed\n"),
    (["start", "a", "b@1", "c.d-e_f"], b"start a b@1 c.d-e_f\n"),
    (["stop", "a"], b"stop a\n"),
    (["restart", "a"], b"restart a\n"),
    (["pause", "a"], b"pause a\n"),
    (["resume", "a"], b"resume a\n"),
    (["reload"], b"reload\n"),
    (["logs", "web"], b"logs -n 100 web\n"),
    (["logs", "-n", "5", "-f", "web"], b"logs -n 5 -f web\n"),
    (["logs", "-f", "-n", "7", "web"], b"logs -n 7 -f web\n"),
    (["logs", "a", "b"], b"logs -n 100 a b\n"),
    (["logs"], b"logs -n 100\n"),
    (["logs", "-t", "--json", "web"], b"logs -n 100 -t --json web\n"),
    (["logs", "--since", "2026-12-02T10:00:00Z", "web"], b"logs -n 100 --since 1796205600000000 web\n"),
    (["wait", "a", "b"], b"wait a b\n"),
    (["wait", "--timeout", "3", "a"], b"wait --timeout 3 a\n"),
    (["wait", "--timeout", "500ms", "a"], b"wait --timeout 0.500 a\n"),
    (["wait", "-t", "2min", "a", "b"], b"wait --timeout 120 a b\n"),
    (["wait", "--timeout=5s", "a"], b"wait --timeout 5 a\n"),
    (["is-active", "a"], b"is-active a\n"),
    (["poweroff"], b"poweroff\n"),
    (["reboot"], b"reboot\n"),
    (["halt"], b"halt\n"),
])
def test_request_line(ctl, args, line):
    r, srv = ctl(*args)
    assert r.returncode == 0, r
    assert srv.requests == [line]
    assert srv.half_closed == 0, "svcctl shut down its write side while waiting for the reply"


def test_request_size_limit(ctl):
    names = [f"{'n' * 60}{i:04d}" for i in range(70)]     # 70 * 65 > 4096
    r, srv = ctl("start", *names)
    assert r.returncode == 2
    assert srv.connections == 0
    r, srv = ctl("start", *names[:60])                      # 3907 bytes: fits
    assert r.returncode == 0
    assert len(srv.requests[0]) <= 4096


def test_one_request_per_name(ctl):
    """status and is-active ask for each name on its own, so that each answer
    goes where systemctl prints it."""
    r, srv = ctl("status", "--json", "a", "b.service", reply=b"0\n[\n{\"name\":\"x\"}\n]\n")
    assert r.returncode == 0, r
    assert srv.requests == [b"status --json a\n", b"status --json b.service\n"]
    assert r.stdout == '[\n{"name":"x"},\n{"name":"x"}\n]\n'
    r, srv = ctl("is-active", "a", "b", reply=b"0\nrunning\n")
    assert r.returncode == 0 and srv.requests == [b"is-active a\n", b"is-active b\n"]
    assert r.stdout == "running\nrunning\n"


@pytest.mark.parametrize("code", [0, 1, 2, 3, 4])
def test_reply_code_is_exit_code(ctl, code):
    r, _ = ctl("start", "web", reply=f"{code}\nthe body\n".encode())
    assert r.returncode == code
    if code == 0:
        assert r.stdout == "the body\n" and r.stderr == ""
    else:
        assert r.stderr == "the body\n" and r.stdout == ""


@pytest.mark.parametrize("reply,code", [
    (b"", 5),                 # closed before any byte
    (b"0", 1),                # header never ends
    (b"x\nbody\n", 1),
    (b"42\n", 1),
    (b"-1\n", 1),
    (b"\n", 1),
])
def test_malformed_reply(ctl, reply, code):
    r, _ = ctl("status", reply=reply)
    assert r.returncode == code, r
    assert r.stderr.strip()


def test_unreachable(ctl, workdir):
    r, _ = ctl("-s", str(workdir / "nothing-here"), "status", server=False)
    assert r.returncode == 5
    assert f"cannot reach svcinit at {workdir / 'nothing-here'}" in r.stderr


def test_socket_from_environment(ctl):
    r, srv = ctl("status", env={"SVCINIT_SOCKET": str(ctl.sock)})
    assert r.returncode == 0 and srv.requests == [b"status\n"]


def test_large_body_passes_through(ctl):
    body = b"".join(b"line %d\n" % i for i in range(200000))
    r, _ = ctl("logs", "web", reply=b"0\n" + body)
    assert r.returncode == 0
    assert r.stdout.encode() == body


def test_help_and_version(ctl):
    r, srv = ctl("--help")
    assert r.returncode == 0 and "Usage" in r.stdout and srv.connections == 0
    for cmd in ("status", "stop", "logs", "wait", "is-active"):
        r, srv = ctl(cmd, "--help")
        assert r.returncode == 0 and cmd in r.stdout and srv.connections == 0
    r, _ = ctl("--version")
    assert r.returncode == 0 and r.stdout.startswith("svcctl ")


def test_wait_client_deadline(ctl):
    """A hung server cannot hold `wait --timeout 1` much past 1 + 5 s."""
    t0 = time.monotonic()
    r, _ = ctl("wait", "--timeout", "1", "web", hang=True, timeout=60)
    took = time.monotonic() - t0
    assert r.returncode == 5, r
    assert 5.5 <= took < 15, took


def _run_on_pty(args, env):
    """Run svcctl with stdout on a pty; return (exit code, output bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([str(SVCCTL), *args], stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    end = time.monotonic() + 20
    while time.monotonic() < end:
        rl, _, _ = select.select([master], [], [], 0.1)
        if rl:
            try:
                d = os.read(master, 65536)
            except OSError:
                break
            if not d:
                break
            out += d
        elif p.poll() is not None:
            break
    os.close(master)
    return p.wait(10), out


TABLE = (b"0\nNAME  STATE      PID\nweb   running    12\ndb    failed     -\n"
         b"job   exited     -\ncron  restarting -\n")


def test_status_colours_on_a_tty(ctl):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm"
    srv = FakeServer(ctl.sock, TABLE)
    try:
        code, out = _run_on_pty(["-s", str(ctl.sock), "status"], env)
    finally:
        srv.close()
    assert code == 0
    assert b"\x1b[32mrunning\x1b[0m" in out
    assert b"\x1b[31mfailed\x1b[0m" in out
    assert b"\x1b[33mrestarting\x1b[0m" in out
    assert b"\x1b[" not in out.split(b"job")[1].split(b"\n")[0], "exited stays uncoloured"

    for extra in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        ctl.sock.unlink()
        srv = FakeServer(ctl.sock, TABLE)
        try:
            code, out = _run_on_pty(["-s", str(ctl.sock), "status"], {**env, **extra})
        finally:
            srv.close()
        assert code == 0 and b"running" in out and b"\x1b[" not in out, extra


def test_status_not_coloured_into_a_pipe(ctl):
    r, _ = ctl("status", reply=TABLE, env={"TERM": "xterm", "NO_COLOR": None})
    assert "\x1b[" not in r.stdout and "running" in r.stdout


def test_logs_follow_ends_on_ctrl_c(ctl):
    ctl.sock.exists() and ctl.sock.unlink()
    srv = FakeServer(ctl.sock, b"0\nfirst\n", hang=False)
    srv.hang = True
    try:
        p = subprocess.Popen([str(SVCCTL), "-s", str(ctl.sock), "logs", "-f", "web"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        poll_until(lambda: srv.requests, 10, "the logs request")
        for c in srv.clients:
            c.sendall(b"0\nfirst\n")
        time.sleep(0.2)
        assert p.poll() is None, "logs -f returned while the stream is open"
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
    finally:
        srv.close()
    assert p.returncode == 0, err
    assert out == b"first\n"
