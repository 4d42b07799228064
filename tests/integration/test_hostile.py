# SPDX-License-Identifier: MIT
"""Hostile peers of the control and notify sockets (issue 12): a local user
who passes descriptors that would make PID 1's close(2) sleep, root inside an
isolated unit who replaces the sockets, forges its cgroup or takes every
client slot. Each test is the attack itself; svcinit must stay responsive
and in charge."""
import os
import re
import stat
import subprocess
import sys
import time

import pytest

from conftest import NOBODY, poll_until, run_svcctl, unit_text

PY = "/usr/bin/python3"
STEADY = unit_text("sleep 100000", {"TimeoutStopSec": "2s"})

# A TCP socket whose FIN is stuck behind unsent data (the peer never reads,
# its window is closed) with SO_LINGER of an hour: the last close(2) of it
# sleeps in the kernel until the data leaves. The attacker parks it in the
# queue of a socketpair end Y and closes its own copy; whoever drops Y last
# drops the TCP socket last. Y goes with SCM_RIGHTS to TARGET:
# - control: after a `status --json` request whose reply does not fit the
#   socket buffers, so that svcinit is writing and does not read; the
#   attacker closes its Y, then takes the reply: svcinit closes the
#   connection, with Y still queued in it;
# - notify: a datagram; Y is closed right after the send, before svcinit's
#   read (a race the attacker wins mostly: several tries, one thread each).
# The peer ends are held until the test kills the attacker.
LINGER = r'''
import array, select, socket, struct, sys, threading
target, kind = sys.argv[1], sys.argv[2]
keep = []
def rights(fd):
    return [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]
def parked():
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    l.bind(("127.0.0.1", 0))
    l.listen(1)
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    c.connect(l.getsockname())
    peer, _ = l.accept()
    keep.extend([l, peer])
    c.setblocking(False)
    try:
        while True:
            c.send(b"x" * 65536)
    except BlockingIOError:
        pass
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 3600))
    x, y = socket.socketpair()
    x.sendmsg([b"."], rights(c.fileno()))
    c.close()
    x.close()
    return y
results = []
if kind == "control":
    u = socket.socket(socket.AF_UNIX)
    u.connect(target)
    u.sendall(b"status --json\n")
    select.select([u], [], [], 20)          # the reply began: svcinit writes, does not read
    y = parked()
    try:
        u.sendmsg([b"x"], rights(y.fileno()))
        results.append("PASSED")
        y.close()
    except OSError as e:
        results.append("REFUSED %d" % e.errno)
        threading.Thread(target=y.close, daemon=True).start()   # ours is the last: we sleep
    u.settimeout(20)
    try:
        while u.recv(65536):
            pass
    except OSError:
        pass
else:
    def one():
        y = parked()
        u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            u.sendmsg([b"STATUS=hostile"], rights(y.fileno()), 0, target)
            y.close()
            results.append("PASSED")
        except OSError as e:
            results.append("REFUSED %d" % e.errno)
            y.close()
    for i in range(5):
        threading.Thread(target=one, daemon=True).start()
    while len(results) < 5:
        threading.Event().wait(0.05)
print(" ".join(sorted(set(results))), flush=True)
sys.stdin.read()
'''


@pytest.mark.parametrize("kind", ["control", "notify"])
def test_passed_lingering_socket_cannot_hang_pid1(svcinit, workdir, kind):
    """Finding 1: no descriptor a client or a unit passes ever reaches PID 1,
    so its last close never happens there."""
    (workdir / "linger.py").write_text(LINGER)
    os.chmod(workdir / "linger.py", 0o644)
    units = {"n": unit_text("sleep 100000", {"Type": "notify", "TimeoutStartSec": "1h",
                                              "TimeoutStopSec": "2s"})}
    # a `status --json` reply larger than the socket buffers (about 320 KB)
    units.update({f"u{i:02d}": unit_text("sleep 100000", {"TimeoutStopSec": "2s"},
                                         unit={"Description": "d" * 8000}) for i in range(40)})
    si = svcinit(units, verbose=False)
    si.wait_for("n", "starting")
    target = si.sock if kind == "control" else si.dir / ".notify" / "n"
    att = subprocess.Popen(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            PY, str(workdir / "linger.py"), str(target), kind],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = poll_until(lambda: att.stdout.readline().strip(), 60, "the attacker")
        assert line.startswith(("PASSED", "REFUSED")), f"the attacker did not run: {line!r}"
        # the attacker still holds the peer end: a close in PID 1 would sleep
        t0 = time.monotonic()
        for _ in range(3):
            try:
                r = run_svcctl(si.sock, "status", timeout=10)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"a lingering socket passed to the {kind} socket "
                                     f"({line}) hung svcinit: status did not answer in 10 s") from None
            assert r.returncode == 0, r.stderr
        print(f"FIGURE hostile_linger_{kind} attacker {line!r} status_3x_s {time.monotonic() - t0:.3f}")
        assert si.alive()
    finally:
        att.kill()
        att.wait(10)


def _bin(workdir, name, text):
    d = workdir / "bin"
    d.mkdir(exist_ok=True)
    os.chmod(d, 0o755)
    p = d / name
    p.write_text(text)
    os.chmod(p, 0o644)
    return p


# Root in an isolated unit: take the control socket and another unit's notify
# socket away from svcinit, and answer in its place.
HIJACK = r'''
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
out = []
def take(path, kind):
    for attempt in ("unlink", "umount", "unlink"):
        try:
            if attempt == "umount":
                if libc.umount2(path.encode(), 2) != 0:
                    out.append("%s umount:%d" % (kind, ctypes.get_errno()))
                continue
            os.unlink(path)
            out.append("%s unlinked" % kind)
            break
        except OSError as e:
            out.append("%s %s:%d" % (kind, attempt, e.errno))
    # remount the directory read-write, if it is a read-only bind
    d = os.path.dirname(path)
    libc.mount(None, d.encode(), None, 32 | 4096 | 16384, None)   # MS_REMOUNT|MS_BIND|MS_REC
    try:
        os.unlink(path)
    except OSError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM if kind == "control" else socket.SOCK_DGRAM)
    try:
        s.bind(path)
        out.append("%s bound" % kind)
    except OSError as e:
        out.append("%s bind:%d" % (kind, e.errno))
    return s
ctl = take(sys.argv[1], "control")
take(sys.argv[2], "notify")
print("HIJACK", " ".join(out), flush=True)
try:
    ctl.listen(16)
    while True:
        c, _ = ctl.accept()
        c.recv(4096)
        c.sendall(b"0\n")
        c.close()
except OSError:
    time.sleep(100000)
'''


def test_unit_cannot_replace_the_sockets(svcinit, workdir):
    """Finding 6: root in a default-isolated unit unlinks, unmounts and
    rebinds the control socket and another unit's notify socket; nothing it
    does in its own mount namespace changes what the administrator reaches."""
    p = _bin(workdir, "hijack.py", HIJACK)
    si = svcinit({
        "victim": unit_text("sleep 100000", {"Type": "notify", "TimeoutStartSec": "1h",
                                             "TimeoutStopSec": "2s"}),
        "attacker": unit_text(f"{PY} {p} {workdir}/control {workdir}/.notify/victim",
                              {"TimeoutStopSec": "2s", "BindReadOnlyPaths": f"{workdir}/bin"},
                              namespaces=None),
    })
    victim = si.wait_for("victim", "starting")
    ctl_ino = os.stat(si.sock).st_ino
    notify_ino = os.stat(si.dir / ".notify" / "victim").st_ino
    si.wait_log(r"^attacker: HIJACK ", timeout=30)
    print(re.search(r"^attacker: HIJACK .*$", si.log(), re.M).group(0))
    assert stat.S_ISSOCK(os.stat(si.sock).st_mode) and os.stat(si.sock).st_ino == ctl_ino, \
        "a unit replaced the control socket"
    assert os.stat(si.dir / ".notify" / "victim").st_ino == notify_ino, \
        "a unit replaced another unit's notify socket"
    r = si.ctl("stop", "victim", timeout=30)
    assert r.returncode == 0, r.stderr
    poll_until(lambda: not si.pid_alive(victim["pid"]), 20, "victim's process to be gone")
    assert si.unit("victim")["state"] == "stopped"


# Root in an isolated unit: mount the cgroup hierarchies in its own mount
# namespace, move itself to the root cgroup of each, then ask for a stop.
FORGE = r'''
import os, socket, subprocess, sys, time
for line in open("/proc/self/cgroup").read().splitlines():
    hid, ctrls, path = line.split(":", 2)
    d = "/tmp/cg" + hid
    os.makedirs(d, exist_ok=True)
    if hid == "0":
        args = ["mount", "-t", "cgroup2", "none", d]
    else:
        opts = ctrls if ctrls and not ctrls.startswith("name=") else "none," + ctrls
        args = ["mount", "-t", "cgroup", "-o", opts, "none", d]
    subprocess.run(args, stderr=subprocess.DEVNULL)
    try:
        with open(d + "/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
    except OSError as e:
        print("move", hid, e, flush=True)
print("CGROUP", open("/proc/self/cgroup").read().replace("\n", " "), flush=True)
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"stop victim\n")
data = b""
while True:
    d = s.recv(200)
    if not d:
        break
    data += d
print("FORGED", data.split(b"\n")[0].decode(), flush=True)
time.sleep(100000)
'''


def test_unit_that_leaves_its_cgroup_is_still_a_unit(svcinit, workdir):
    """Finding 7: whether a peer is a unit is decided from its pid and mount
    namespaces (through its pidfd), which it cannot change, not only from
    /proc/PID/cgroup, which root in the unit can."""
    p = _bin(workdir, "forge.py", FORGE)
    si = svcinit({"victim": STEADY,
                  "attacker": unit_text(f"{PY} {p} {workdir}/control",
                                        {"TimeoutStopSec": "2s", "BindReadOnlyPaths": f"{workdir}/bin"},
                                        namespaces=None)})
    victim = si.wait_for("victim", "running")
    si.wait_log(r"^attacker: FORGED ", timeout=30)
    log = si.log()
    print(re.search(r"^attacker: CGROUP .*$", log, re.M).group(0))
    assert ".service" not in re.search(r"^attacker: CGROUP (.*)$", log, re.M).group(1), \
        "the attacker did not leave its cgroup: the test proves nothing"
    code = re.search(r"^attacker: FORGED (\S*)", log, re.M).group(1)
    now = si.unit("victim")
    assert now["state"] == "running" and now["pid"] == victim["pid"], \
        "a unit that moved itself to the root cgroup stopped another unit"
    assert code == "4", f"the forged stop got code {code!r}, not 4"


HOLD = r'''
import socket, sys, time
held = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    try:
        s.connect(sys.argv[1])
        s.sendall(b"wait --timeout 100000 never\n")
    except OSError:
        s.close()
        continue
    held.append(s)
print("HELD", len(held), flush=True)
time.sleep(100000)
'''


def test_unit_cannot_take_every_client_slot(svcinit, workdir):
    """Finding 8: root in a unit holds 600 never-ending `wait` connections;
    the administrator's status still answers."""
    p = _bin(workdir, "hold.py", HOLD)
    si = svcinit({"never": unit_text("sleep 100000", {"Type": "notify", "TimeoutStartSec": "1h",
                                                      "TimeoutStopSec": "2s"}),
                  "hog": unit_text(f"{PY} {p} {workdir}/control 600",
                                   {"TimeoutStopSec": "2s", "BindReadOnlyPaths": f"{workdir}/bin"},
                                   namespaces=None)})
    si.wait_log(r"^hog: HELD ", timeout=60)
    for _ in range(3):
        r = si.ctl("status", timeout=30)
        assert r.returncode == 0, f"a unit holding 600 connections locked the admin out: {r.stderr}"
        r = si.ctl("is-active", "never", user=NOBODY, timeout=30)
        assert r.returncode == 3, f"a unit holding 600 connections locked users out: {r.stderr}"


def test_over_limit_client_is_told_busy(svcinit, workdir):
    """Finding 8, svcctl's side: a user over its share of client slots gets
    "busy" and svcctl says so (exit 1), not "unreachable"; root still gets
    through."""
    p = _bin(workdir, "hold.py", HOLD)
    si = svcinit({"never": unit_text("sleep 100000", {"Type": "notify", "TimeoutStartSec": "1h",
                                                      "TimeoutStopSec": "2s"})})
    holder = subprocess.Popen(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                               PY, str(p), str(si.sock), "300"], stdout=subprocess.PIPE, text=True)
    try:
        line = holder.stdout.readline()
        assert line.startswith("HELD"), line
        r = si.ctl("status", user=NOBODY, timeout=30)
        assert r.returncode == 1 and "busy" in r.stderr and "reach" not in r.stderr, \
            f"over-limit user: exit {r.returncode}, stderr {r.stderr!r}"
        assert si.ctl("status", timeout=30).returncode == 0
        assert si.ctl("is-active", "never", user=NOBODY + 1, timeout=30).returncode == 3
    finally:
        holder.kill()
        holder.wait(10)


# A unit (Namespaces=none, root) puts itself into a sub-cgroup of its own
# whose path makes its /proc/PID/cgroup line longer than 511 bytes, with the
# rest after byte 511 reading "0::<another unit's cgroup>": read in 512-byte
# pieces, that piece passes for a line of its own. Then it notifies as that
# other unit.
DEEP = r'''
import os, socket, sys, time
v2root, other, sock, gate = sys.argv[1:5]
mine = [l for l in open("/proc/self/cgroup").read().splitlines() if l.startswith("0::")][0][3:]
lead = 511 - len("0::") - len(mine) - 2          # "0::" + mine + "/" + X + "/" is 511 bytes
parts, left = [], lead
while left > 0:
    k = min(200, left)
    if left - k == 1:
        k -= 2
    parts.append("p" * k)
    left -= k + 1
X = "/".join(parts)
assert len("0::" + mine + "/" + X + "/") == 511, len("0::" + mine + "/" + X + "/")
deep = v2root + mine + "/" + X + "/0::" + other
os.makedirs(deep)
with open(deep + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
print("DEEP", len(open("/proc/self/cgroup").read().splitlines()[-1]), flush=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1\nSTATUS=spoofed", sock)
print("SENT", flush=True)
while not os.path.exists(gate):
    time.sleep(0.05)
with open(v2root + mine + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
d = deep
while d != v2root + mine:
    os.rmdir(d)
    d = os.path.dirname(d)
print("CLEANED", flush=True)
time.sleep(100000)
'''


def _v2_root():
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        if f[f.index("-") + 1] == "cgroup2":
            return f[4]
    pytest.fail("no cgroup2 mount")


def test_long_cgroup_line_cannot_pass_for_another_unit(svcinit, workdir):
    """Suspected: /proc/PID/cgroup read in 512-byte pieces. Confirmed: a unit
    whose own sub-cgroup path is long enough could pass for another unit
    and send its READY=. The file is now read whole."""
    p = _bin(workdir, "deep.py", DEEP)
    gate = workdir / "out" / "gate"
    si = svcinit({"target": unit_text("sleep 100000", {"Type": "notify", "TimeoutStartSec": "1h",
                                                      "TimeoutStopSec": "2s"})})
    other = si.unit("target")["cgroup"]
    assert other, "target has no cgroup"
    (si.units_dir / "deep.service").write_text(unit_text(
        f"{PY} {p} {_v2_root()} {other} {si.dir}/.notify/target {gate}", {"TimeoutStopSec": "2s"}))
    assert si.ctl("reload").returncode == 0
    try:
        si.wait_log(r"^deep: SENT", timeout=30)
        poll_until(lambda: re.search(r"target: notify: ignoring a message from pid \d+", si.log())
                   or si.unit("target")["ready"], 20, "target to take or ignore the message")
        u = si.unit("target")
        assert u["ready"] is False and u["status_text"] != "spoofed", \
            f"a unit passed for another one through a long cgroup line: {u}"
    finally:
        gate.touch()
        si.wait_log(r"^deep: (CLEANED|Traceback)", timeout=30)


MAINPID = r'''
import os, socket, subprocess, sys, time
c = subprocess.Popen(["sleep", "1000"])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(("MAINPID=%d\nREADY=1" % c.pid).encode(), os.environ["NOTIFY_SOCKET"])
time.sleep(0.5)
c.kill()
c.wait()
print("GONE", c.pid, flush=True)
while True:
    time.sleep(1000)
'''

REUSE = r'''
import os, sys, time
want = int(sys.argv[1])
with open("/proc/sys/kernel/ns_last_pid", "w") as f:
    f.write(str(want - 1))
pid = os.fork()
if pid == 0:
    os.execvp("sleep", ["sleep", "1000"])
print(pid, flush=True)
os.waitpid(pid, 0)
'''


def test_stop_signal_never_hits_a_reused_mainpid(svcinit, workdir):
    """Suspected: MAINPID= pids never tracked. Confirmed: the stop signal
    went to whatever process had the pid by then. A pidfd is taken when
    MAINPID= is accepted and the signal goes through it."""
    p = _bin(workdir, "mainpid.py", MAINPID)
    r = _bin(workdir, "reuse.py", REUSE)
    si = svcinit({"mp": unit_text(f"{PY} {p}", {"Type": "notify", "TimeoutStopSec": "2s"})})
    m = si.wait_log(r"^mp: GONE (\d+)", timeout=30)
    gone = int(m.group(1))
    assert si.unit("mp")["pid"] == gone
    # an innocent process of svcinit's pid namespace, outside every unit, gets that pid
    inn = subprocess.Popen(["nsenter", "-t", str(si.pid), "-p", "-m", PY, str(r), str(gone)],
                           stdout=subprocess.PIPE, text=True)
    try:
        got = int(inn.stdout.readline())
        assert got == gone, f"could not get pid {gone} again (got {got}): the test proves nothing"
        host = poll_until(lambda: si.ns_proc(gone), 10, "the innocent process")["host"]
        assert si.ctl("stop", "mp", timeout=30).returncode == 0
        # stop returned after TimeoutStopSec: a stray SIGTERM had all that time to land
        st = open(f"/proc/{host}/stat").read().split(") ")[1][0] if os.path.exists(f"/proc/{host}/stat") else "gone"
        assert st not in ("gone", "Z"), "stopping mp signalled a process that reused its MAINPID"
    finally:
        inn.kill()
        for q in si.ns_procs():
            if q["nspid"] == gone and "sleep" in q["cmdline"]:
                try:
                    os.kill(q["host"], 9)
                except ProcessLookupError:
                    pass
        inn.wait(10)


def test_unread_replies_are_counted_by_capacity(svcinit):
    """Suspected: the cap on unread replies counted their length, and a
    client told "busy" kept its whole buffer. Confirmed: 400 clients of four
    users asking `status --json` (320 KB) and never reading made svcinit
    hold far more than the 32 MiB cap. Capacity is charged as it grows."""
    from probes import RSS_SLACK, vmrss_kib
    desc = "d" * 8000
    si = svcinit({f"u{i:02d}": unit_text("sleep 100000", {"TimeoutStopSec": "2s"},
                                         unit={"Description": desc}) for i in range(40)},
                 verbose=False)
    poll_until(lambda: len(si.status()) == 40 and all(u["state"] == "running" for u in si.status()),
               30, "every unit to run")
    rss0 = vmrss_kib(si.pid)
    from probes import UNREAD_HOLDER as prog
    holders = [subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                                 sys.executable, "-c", prog, str(si.sock), "100"],
                                stdout=subprocess.PIPE, text=True) for uid in (60001, 60002, 60003, 60004)]
    try:
        held = sum(int(h.stdout.readline() or 0) for h in holders)
        # every request answered (or refused) by now: status goes after them
        assert si.ctl("status", timeout=30).returncode == 0
        grown = vmrss_kib(si.pid) - rss0
        print(f"FIGURE unread_status_clients {held} rss_growth_kib {grown}")
        assert grown < 64 * 1024 * RSS_SLACK, f"{held} clients that do not read grew svcinit by {grown // 1024} MiB"
    finally:
        for h in holders:
            h.kill()
            h.wait(10)
