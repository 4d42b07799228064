# SPDX-License-Identifier: MIT
"""svcinit under an outer supervisor (systemd): subreaper mode, not PID 1.
It tells $NOTIFY_SOCKET READY=1 once its units are up and STOPPING=1 when it
stops, keeps that socket from its units, and reaps its units' orphans.

Here svcinit runs directly as a child of the test (no unshare -p), with its
own cgroup base, and the test plays systemd's notify socket."""
import json
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import (SVCINIT, _require_environment, descendants, poll_until, proc_stat,
                      run_svcctl, unit_text, wait_answering)
from harness import ConsoleLog, cgroup_leftovers, read_env, ready_when, remove_cgroup

STOP_DEADLINE = 30.0

class Outer(ConsoleLog):
    """build/svcinit as a plain child of ours, with NOTIFY_SOCKET pointing
    at a datagram socket we bound."""

    def __init__(self, workdir, units, command=None, notify=True):
        self.dir = workdir
        self.units_dir = workdir / "units"
        self.units_dir.mkdir(exist_ok=True)
        for name, text in units.items():
            (self.units_dir / f"{name}.service").write_text(text)
        (workdir / "out").mkdir(exist_ok=True)
        self.sock = workdir / "control"
        self.notify_path = workdir / "systemd-notify"
        self.log_path = workdir / "console.log"
        self.cgroup_base = "/svcinit-test-" + secrets.token_hex(6)
        self.msgs = []          # (pid, text) received on the notify socket
        self.nsock = None
        if notify:
            self.nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.nsock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            self.nsock.bind(str(self.notify_path))
            self.nsock.setblocking(False)
        env = dict(os.environ)
        for k in ("SVCINIT_SOCKET", "SVCINIT_UNITS", "NOTIFY_SOCKET"):
            env.pop(k, None)
        if notify:
            env["NOTIFY_SOCKET"] = str(self.notify_path)
        argv = [str(SVCINIT), "-v", "-u", str(self.units_dir), "-s", str(self.sock),
                "--cgroup", self.cgroup_base]
        if command:
            argv += ["--", *command]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def ctl(self, *args, **kw):
        return run_svcctl(self.sock, *args, **kw)

    def wait_socket(self):
        wait_answering(self)

    def unit(self, name):
        r = self.ctl("--json", "status", timeout=30)
        assert r.returncode == 0, r.stderr
        for u in json.loads(r.stdout):
            if u["name"] == name:
                return u
        raise AssertionError(f"{name} not in status")

    def wait_for(self, name, state):
        return poll_until(lambda: (lambda u: u["state"] == state and u)(self.unit(name)),
                          what=f"{name} to be {state}")

    def recv_all(self):
        """Take what has arrived on the notify socket."""
        while True:
            try:
                data, anc, _, _ = self.nsock.recvmsg(4096, socket.CMSG_SPACE(12))
            except BlockingIOError:
                return self.msgs
            pid = None
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", cdata[:12])[0]
            self.msgs.append((pid, data.decode(errors="replace")))

    def got(self, assignment):
        """The messages that carry this assignment (e.g. READY=1)."""
        return [(pid, m) for pid, m in self.recv_all() if assignment in m.split("\n")]

    def wait_msg(self, assignment, timeout=20.0):
        return poll_until(lambda: self.got(assignment), timeout,
                          f"{assignment} on the notify socket (got {self.msgs!r})")

    def stop(self):
        os.kill(self.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"svcinit did not exit within {STOP_DEADLINE:.0f}s of SIGTERM\n"
                                 f"{self.log()}") from None

    def cgroup_leftovers(self):
        return cgroup_leftovers(self.cgroup_base)

    def cleanup(self):
        """End what we started; report what svcinit left behind."""
        errors = []
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.proc.wait(timeout=STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                errors.append(f"svcinit (pid {self.pid}) did not exit within "
                              f"{STOP_DEADLINE:.0f}s of SIGTERM at teardown; killed")
                self.proc.kill()
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        left, _ = remove_cgroup(self.cgroup_base)
        if left:
            errors.append(f"svcinit left its cgroups behind: {', '.join(map(str, left))}")
        if self.nsock:
            self.nsock.close()
        self._log.close()
        return errors


@pytest.fixture
def outer(request, workdir):
    _require_environment()
    made = []

    def make(units, **kw):
        sub = workdir / f"o{len(made)}"
        sub.mkdir()
        os.chmod(sub, 0o755)
        o = Outer(sub, units, **kw)
        made.append(o)
        return o

    yield make
    errors = []
    for o in made:
        errors += o.cleanup()
    rep = getattr(request.node, "rep_call", None)
    if (rep is not None and rep.failed) or errors:
        for i, o in enumerate(made):
            print(f"--- svcinit #{i} console ({o.log_path}):\n{o.log()}")
    if errors:
        pytest.fail("teardown: " + "; ".join(errors), pytrace=False)


# ----------------------------------------------------------------------------

def test_ready_once_units_are_up_and_stopping_on_sigterm(outer, workdir):
    gate = workdir / "gate"
    o = outer({
        "db": unit_text(ready_when(workdir, gate), {"Type": "notify", "TimeoutStopSec": "3s"}),
        "web": unit_text("sleep 1000", {"TimeoutStopSec": "3s"}, unit={"After": "db"}),
    })
    o.wait_socket()
    assert re.search(r"subreaper mode", o.log()), o.log()
    o.wait_for("db", "starting")
    time.sleep(1)   # a negative check: not ready while db is not
    assert o.got("READY=1") == [], o.msgs
    gate.touch()
    o.wait_for("db", "running")
    o.wait_for("web", "running")
    ready = o.wait_msg("READY=1")
    assert ready[0][0] == o.pid, f"READY=1 came from pid {ready[0][0]}, svcinit is {o.pid}"
    assert o.got("STOPPING=1") == []

    assert o.stop() == 0, o.log()
    stopping = o.wait_msg("STOPPING=1", timeout=5)
    assert stopping[0][0] == o.pid
    texts = [m for _, m in o.msgs]
    assert len(o.got("READY=1")) == 1, texts
    first_ready = next(i for i, m in enumerate(texts) if "READY=1" in m.split("\n"))
    first_stop = next(i for i, m in enumerate(texts) if "STOPPING=1" in m.split("\n"))
    assert first_ready < first_stop, texts
    # it removed its cgroups on the way out
    assert o.cgroup_leftovers() == []


def test_ready_waits_for_every_unit(outer, workdir):
    """A unit that is up at once (and sorts first) must not make svcinit
    report READY=1 while another one is not ready yet."""
    gate = workdir / "gate"
    o = outer({
        "aaa": unit_text("sleep 1000", {"TimeoutStopSec": "3s"}),
        "zzz": unit_text(ready_when(workdir, gate), {"Type": "notify", "TimeoutStopSec": "3s"}),
    })
    o.wait_socket()
    o.wait_for("aaa", "running")
    o.wait_for("zzz", "starting")
    time.sleep(1)   # a negative check
    assert o.got("READY=1") == [], f"READY=1 sent while zzz was not ready: {o.msgs}"
    gate.touch()
    o.wait_msg("READY=1")
    assert o.stop() == 0


def test_ready_when_units_failed_or_none(outer, workdir):
    o = outer({"bad": unit_text("sh -c 'exit 1'", {"Restart": "no"}),
               "never": unit_text(ready_when(workdir, workdir / "nope"),
                                  {"Type": "notify", "TimeoutStartSec": "1s", "Restart": "no"})})
    o.wait_msg("READY=1")
    # failed units do not hold READY=1 back
    o.wait_for("bad", "failed")
    o.wait_for("never", "failed")
    assert o.stop() == 0

    empty = outer({})
    empty.wait_msg("READY=1")
    assert empty.stop() == 0
    empty.wait_msg("STOPPING=1", timeout=5)


def test_units_do_not_see_the_outer_notify_socket(outer, workdir):
    out = workdir / "o0" / "out"
    o = outer({
        "plain": unit_text(f"sh -c 'env > {out}/plain.env; exec sleep 1000'",
                           {"TimeoutStopSec": "3s"}),
        # isolated units see the control socket, not its directory: out comes in by a bind
        "isolated": unit_text(f"sh -c 'env > {out}/iso.env; exec sleep 1000'",
                              {"TimeoutStopSec": "3s", "BindPaths": str(out)}, namespaces=None),
        "notified": unit_text(f"sh -c 'env > {out}/n.env; exec {ready_when(workdir)}'",
                              {"Type": "notify", "TimeoutStopSec": "3s"}),
    })
    o.wait_socket()
    for n in ("plain", "isolated", "notified"):
        o.wait_for(n, "running")
    for f in ("plain.env", "iso.env", "n.env"):
        poll_until((out / f).exists, what=f"{f} to be written")
    for f in ("plain.env", "iso.env"):
        env = read_env(out / f)
        assert "NOTIFY_SOCKET" not in env, (f, env.get("NOTIFY_SOCKET"))
    env = read_env(out / "n.env")
    assert env.get("NOTIFY_SOCKET") == str(o.dir / ".notify" / "notified"), env
    # the unit's READY=1 went to svcinit, not to the outer socket
    o.wait_msg("READY=1")
    assert all(pid == o.pid for pid, _ in o.recv_all()), o.msgs
    assert o.stop() == 0


def test_command_does_not_see_the_outer_notify_socket(outer, workdir):
    out = workdir / "o0" / "out"
    o = outer({"u": unit_text("sleep 1000", {"TimeoutStopSec": "3s"})},
              command=["sh", "-c", f"env > {out}/cmd.env"])
    try:
        code = o.proc.wait(timeout=STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"svcinit did not exit after COMMAND\n{o.log()}") from None
    assert code == 0, o.log()
    assert "NOTIFY_SOCKET" not in read_env(out / "cmd.env")
    o.wait_msg("READY=1", timeout=5)
    o.wait_msg("STOPPING=1", timeout=5)


def test_subreaper_reaps_orphans_of_its_units(outer, workdir):
    out = workdir / "o0" / "out"
    o = outer({"parent": unit_text(
        f"sh -c '(sleep 1000 & echo $! > {out}/orphan); exec sleep 1000'",
        {"TimeoutStopSec": "3s"})})
    o.wait_socket()
    o.wait_for("parent", "running")
    orphan = int(poll_until(lambda: (out / "orphan").exists() and
                            (out / "orphan").read_text().strip(), what="the orphan's pid"))
    # its parent is gone: it was re-parented to svcinit, the subreaper
    st = poll_until(lambda: (lambda s: s and s[1] == o.pid and s)(proc_stat(orphan)),
                    what=f"orphan {orphan} to have svcinit ({o.pid}) as parent "
                         f"(now {proc_stat(orphan)})")
    assert st[0] != "Z"
    assert orphan in descendants(o.pid)
    os.kill(orphan, signal.SIGKILL)
    # reaped, not left a zombie
    poll_until(lambda: proc_stat(orphan) is None, what=f"orphan {orphan} to be reaped "
               f"(state {proc_stat(orphan)})")
    assert o.unit("parent")["state"] == "running"
    assert o.stop() == 0, o.log()


def test_subreaper_stops_everything_it_started(outer, workdir):
    out = workdir / "o0" / "out"
    o = outer({
        "a": unit_text(f"sh -c 'echo $$ > {out}/a; exec sleep 1000'", {"TimeoutStopSec": "3s"}),
        "b": unit_text(f"sh -c 'echo $$ > {out}/b; sleep 1000 & exec sleep 1000'",
                       {"TimeoutStopSec": "3s"}),
    })
    o.wait_socket()
    o.wait_for("a", "running")
    o.wait_for("b", "running")
    procs = descendants(o.pid)
    assert procs, "no unit processes under svcinit"
    assert o.stop() == 0, o.log()
    poll_until(lambda: all(proc_stat(p) is None for p in procs),
               what=f"every process svcinit started to be gone ({procs})")
