# SPDX-License-Identifier: MIT
"""Security review: who can reach the control socket and do what; no unit
name or request path escapes its directory; units inherit no descriptor,
signal mask or environment of svcinit's; an unprivileged user cannot lock
root out of the control socket."""
import json
import os
import signal
import pwd
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (NOBODY, SVCCTL, descendants, poll_until, proc_cmdline, proc_nspids,
                      unit_text)
from probes import RSS_SLACK, UNREAD_HOLDER
from harness import fd_targets, proc_status

STEADY = unit_text("sleep 100000", {"TimeoutStopSec": "2s"})


DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

PRIVILEGED = ["start s", "stop s", "restart s", "pause s", "resume s", "reload", "logs s",
              "logs -f s", "logs -n 5 s", "poweroff", "reboot", "halt"]
UNPRIVILEGED = ["status", "status s", "status --json", "is-active s", "wait --timeout 1 s"]


def raw_as(uid, sock, requests, timeout=20):
    """Send each request on its own connection as `uid` (a python child run
    through setpriv); returns [(code, body)] (code None: closed without a
    reply)."""
    prog = r"""
import json, socket, sys
out = []
for req in json.loads(sys.argv[2]):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(float(sys.argv[3]))
    data = b""
    try:
        s.connect(sys.argv[1])
        s.sendall(req.encode("latin-1"))
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    s.close()
    head, _, body = data.partition(b"\n")
    out.append([int(head) if head.isdigit() else None, body.decode("latin-1")])
print(json.dumps(out))
"""
    cmd = [sys.executable, "-c", prog, str(sock), json.dumps(requests), str(timeout)]
    if uid != 0:
        cmd = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * len(requests) + 30)
    assert r.returncode == 0, r.stderr
    return [tuple(x) for x in json.loads(r.stdout)]


def host_pid(si, nspid):
    """The host pid of a pid as svcinit sees it (also for units in a PID
    namespace of their own, which the fixture's ns_procs() leaves out)."""
    for h in descendants(si.pid):
        nsp = proc_nspids(h)
        if len(nsp) >= 2 and nsp[1] == nspid:
            return h
    raise AssertionError(f"pid {nspid} is not a descendant of svcinit")


def unit_procs(si):
    """Host pids of every descendant of svcinit, nested namespaces included."""
    return descendants(si.pid)


# ---------------------------------------------------------------- the control socket

def test_control_socket_access(svcinit):
    """Anyone may connect and ask status, is-active and wait; every other
    command, sent raw, is refused with code 4 to uid 65534 and changes
    nothing; the socket's directory is not writable by others."""
    si = svcinit({"s": STEADY})
    u = si.wait_for("s", "running")
    st = os.stat(si.sock)
    assert stat.S_ISSOCK(st.st_mode) and st.st_uid == 0
    for d in (si.sock.parent, si.sock.parent / ".notify"):
        if d.exists():
            m = os.stat(d).st_mode
            assert not m & (stat.S_IWGRP | stat.S_IWOTH), f"{d} is writable by others: {oct(m)}"

    res = raw_as(NOBODY, si.sock, [r + "\n" for r in PRIVILEGED + UNPRIVILEGED])
    for req, (code, body) in zip(PRIVILEGED + UNPRIVILEGED, res):
        if req in PRIVILEGED:
            assert code == 4, f"uid {NOBODY}: {req!r} got {code} {body[:200]!r}"
        else:
            assert code == 0, f"uid {NOBODY}: {req!r} got {code} {body[:200]!r}"
    # case, padding and look-alikes do not slip past the check
    tricks = ["STOP s", "Stop s", " stop s", "stop  s", "status\x00stop s", "status;stop s",
              "stop\ts", "reload ", "logs\x0bs", "poweroff now"]
    for req, (code, body) in zip(tricks, raw_as(NOBODY, si.sock, [t + "\n" for t in tricks])):
        assert code != 0, f"uid {NOBODY}: {req!r} was accepted: {body[:200]!r}"
    assert si.alive()
    now = si.unit("s")
    assert now["state"] == "running" and now["pid"] == u["pid"] and now["restarts"] == 0, now


def test_unprivileged_cannot_exhaust_the_control_socket(svcinit):
    """uid 65534 holds as many connections as it can, each a `wait` for a
    unit that never gets ready (no deadline): root must still get through."""
    si = svcinit({"s": STEADY,
                  "never": unit_text("sleep 100000", {"Type": "notify", "TimeoutStartSec": "1h",
                                                      "TimeoutStopSec": "2s"})})
    si.wait_for("s", "running")
    si.wait_for("never", "starting")
    holder = subprocess.Popen(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
         "-c", r"""
import socket, struct, sys, time
held, failed = [], 0
end = time.monotonic() + 30
while len(held) < 1000 and failed < 3 and time.monotonic() < end:
    s = socket.socket(socket.AF_UNIX)
    # blocking, as svcctl: waits while the backlog is full, up to 1 s
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 1, 0))
    try:
        s.connect(sys.argv[1])
        s.send(b"wait never\n")
    except OSError:
        s.close()
        failed += 1
        continue
    held.append(s)
print(len(held), flush=True)
time.sleep(120)
""", str(si.sock)], stdout=subprocess.PIPE, text=True)
    try:
        held = int(holder.stdout.readline() or 0)
        assert held > 0, "the unprivileged holder could not connect at all"
        time.sleep(1)        # let svcinit take in what it takes
        t0 = time.monotonic()
        try:
            r = si.ctl("status", timeout=10)
            code = r.returncode
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - t0
        assert si.alive()
        assert code == 0, (f"root's `svcctl status` got no answer within {took:.0f}s while uid "
                           f"{NOBODY} held {held} connections waiting on a unit: an unprivileged "
                           "user can lock root out of the control socket")
    finally:
        holder.kill()
        holder.wait(10)
    poll_until(lambda: si.ctl("status", timeout=30).returncode == 0, 20, "status after the holder left")


# ---------------------------------------------------------------- names and paths

def test_request_paths_cannot_escape(svcinit):
    """Unit names in requests are names, never paths."""
    si = svcinit({"s": STEADY})
    si.wait_for("s", "running")
    for args in (["status", "../../etc/passwd"], ["--json", "status", "../../etc/passwd"],
                 ["status", ".."], ["status", "."], ["is-active", "../s"],
                 ["wait", "--timeout", "1", "../../s"]):
        r = si.ctl(*args)
        assert r.returncode in (2, 3), f"svcctl {' '.join(args)}: exit {r.returncode}"
        assert "root:" not in r.stdout + r.stderr
    for args in (["logs", "../x"], ["logs", "../../etc/passwd"], ["logs", ".."], ["stop", "../s"],
                 ["start", "/etc/passwd"], ["restart", "s/../s"]):
        r = si.ctl(*args)
        assert r.returncode in (2, 3), f"svcctl {' '.join(args)}: exit {r.returncode}"
    raw = ["logs ../x", "logs -n 5 ../../etc/passwd", "logs ..", "logs .", "status ../s",
           "status /etc/passwd", "start ../s", "stop s/..", "logs -f ../../../proc/1/environ",
           "is-active ../../s", "wait ../s"]
    for req, (code, body) in zip(raw, raw_as(0, si.sock, [q + "\n" for q in raw])):
        assert code == 3, f"{req!r}: code {code} {body[:200]!r}"
        assert "root:" not in body
    u = si.unit("s")
    assert u["state"] == "running" and u["restarts"] == 0
    assert si.alive()


def test_unit_file_names_that_are_not_names(svcinit):
    """Files whose name is not a valid unit name ("." and ".." among them:
    the name becomes a path component of the cgroup, the notify socket and
    the staging directory) are ignored with a diagnostic; the rest run."""
    si = svcinit({"good": STEADY}, start=False)
    d = si.units_dir
    weird = {"..service": ".", "...service": "..", ".service": "", "a b.service": "a b",
             "x" * 65 + ".service": "x" * 65, "caf\u00e9.service": "caf\u00e9",
             "semi;colon.service": "semi;colon", "new\nline.service": "new\nline"}
    for fn in weird:
        # isolated and Type=notify: the name would become part of the paths
        # of the staging directory and of the notify socket
        (d / fn).write_text(unit_text("sleep 100000", {"Type": "notify", "TimeoutStopSec": "2s"},
                                      namespaces=None))
    si.start()
    si.wait_for("good", "running")
    names = set(si.units())
    log = si.log()
    assert names == {"good"}, (f"invalid unit names were loaded: {sorted(names - {'good'})}\n"
                               f"--- console:\n{log}")
    assert log.count("invalid unit name") == len(weird), \
        f"not every invalid file name was reported:\n{log}"
    # nothing appeared in the run directory beside svcinit's own
    run = si.sock.parent
    extra = sorted(p.name for p in run.iterdir())
    assert set(extra) <= {"control", ".notify", ".stage", "out", "units", "console.log"}, \
        f"unexpected entries in the run directory {run}: {extra}"


# ---------------------------------------------------------------- what units inherit

UNITS_INHERIT = {
    "plain": {},
    "isolated": {"namespaces": None},
    "notify": {"service": {"Type": "notify", "TimeoutStartSec": "1h"}},
    "nobody": {"service": {"User": "nobody"}},
}


def _inherit_units(out):
    units = {}
    for name, kw in UNITS_INHERIT.items():
        service = {"TimeoutStopSec": "2s"}
        service.update(kw.get("service", {}))
        units[name] = unit_text("sleep 100000", service, namespaces=kw.get("namespaces", "none"))
        # the same, listing its own descriptors first (sh's, not ls's: ls opens one)
        service = dict(service, StandardOutput=f"file:{out}/{name}-ls.fds")
        units[name + "-ls"] = unit_text("sh -c 'ls /proc/$$$$/fd; exec sleep 100000'", service,
                                        namespaces=kw.get("namespaces", "none"))
    return units


def test_units_inherit_no_descriptors(svcinit, workdir):
    """Every unit process holds exactly 0 1 2, whatever its isolation, type
    or user: no control socket, notify socket, signalfd, epoll, cgroup or
    pipe of svcinit's. svcinit's own helper (the PID 1 of a unit's PID
    namespace) holds 0-2 and its status channel only."""
    si = svcinit(_inherit_units(workdir / "out"))   # the fixture's out/ of its first instance
    svc_fds = fd_targets(si.pid)
    svc_objs = {t for t in svc_fds.values() if t.startswith(("socket:", "anon_inode:", "/sys/fs/cgroup"))}
    for name in UNITS_INHERIT:
        u = si.wait_for(name, ("running", "starting"))
        # "starting" begins at clone: wait for the exec of sleep (svcinit's
        # descriptors are close-on-exec in the child until then)
        hp = host_pid(si, u["pid"])
        poll_until(lambda: (proc_cmdline(hp) or [])[:1] == ["sleep"], 20, f"{name} to exec sleep")
        fds = fd_targets(hp)
        assert sorted(fds) == [0, 1, 2], f"{name}: pid {u['pid']} holds fds {fds}"
        assert fds[0] == "/dev/null", f"{name}: stdin is {fds[0]}"
        shared = set(fds.values()) & svc_objs
        assert not shared, f"{name} shares {shared} with svcinit"
        lst = si.out / f"{name}-ls.fds"
        poll_until(lambda: lst.exists() and lst.read_text().strip(), 20, f"{lst} to be written")
        assert lst.read_text().split() == ["0", "1", "2"], f"{name}-ls: {lst.read_text()!r}"
    # every other process of the namespace (reapers, shells) shares no
    # socket, epoll or signalfd with svcinit
    reapers = 0
    for h in unit_procs(si):
        try:
            fds = fd_targets(h)
            comm = Path(f"/proc/{h}/comm").read_text().strip()
        except (FileNotFoundError, ProcessLookupError):
            continue
        shared = set(fds.values()) & svc_objs
        assert not shared, f"{proc_cmdline(h)} (host pid {h}) shares {shared} with svcinit"
        if comm == "svcinit-reaper":
            reapers += 1
            assert set(fds) <= {0, 1, 2, 3}, f"reaper (host pid {h}) holds {fds}"
    assert reapers >= 2, "the isolated units have no reaper?"


def test_units_inherit_no_signal_mask(svcinit):
    """svcinit blocks the signals it takes through signalfd and ignores
    SIGPIPE: none of that reaches a unit, with or without a PID namespace,
    but for SIGPIPE ignored by IgnoreSIGPIPE='s default (yes, as systemd;
    test_systemd_keys16.py has IgnoreSIGPIPE=no)."""
    si = svcinit({name: text for name, text in _inherit_units(Path("/tmp")).items()
                  if not name.endswith("-ls")})
    own = proc_status(si.pid)
    assert int(own["SigBlk"], 16) != 0, "svcinit itself blocks nothing? (signalfd)"
    for name in UNITS_INHERIT:
        u = si.wait_for(name, ("running", "starting"))
        st = proc_status(host_pid(si, u["pid"]))
        for key in ("SigBlk", "SigIgn", "SigPnd", "ShdPnd"):
            want = 1 << (signal.SIGPIPE - 1) if key == "SigIgn" else 0
            assert int(st[key], 16) == want, f"{name}: {key} {st[key]}"


ENV_UNITS = {
    "plain": ({}, "none"),
    "isolated": ({}, None),
    "vars": ({"Environment": '"A=1" "B=two words" C=', "EnvironmentFile": "{dir}/envfile"}, "none"),
    "user": ({"User": "nobody"}, "none"),
    "notify": ({"Type": "notify", "TimeoutStartSec": "1h"}, "none"),
}


def test_unit_environment_is_exact(svcinit, workdir):
    """The environment of a unit is exactly PATH, the User= variables, the
    notify socket for Type=notify, and what the unit file asks for; none of
    svcinit's own (FOO_SECRET, LD_*, NOTIFY_SOCKET, SVCINIT_*, HOME, TERM)."""
    (workdir / "envfile").write_text("# a comment\nD=from file\nexport E='quoted'\n")
    units = {}
    for name, (service, ns) in ENV_UNITS.items():
        svc = {k: v.format(dir=workdir) for k, v in service.items()}
        svc.update({"Restart": "no", "StandardOutput": f"file:{workdir}/out/{name}.env"})
        units[name] = unit_text("env", svc, namespaces=ns)
    secret_env = {"FOO_SECRET": "1", "SVCINIT_SECRET": "x", "LD_LIBRARY_PATH": "/nonexistent",
                  "HOME": "/root/secret-home", "TERM": "xterm-secret", "LANG": "C.UTF-8",
                  "NOTIFY_SOCKET": str(workdir / "no-such-notify"), "PATH": "/secret/bin:" + os.environ.get("PATH", DEFAULT_PATH)}
    si = svcinit(units, env=secret_env)
    nobody = pwd.getpwnam("nobody")
    want = {
        "plain": {"PATH": DEFAULT_PATH},
        "isolated": {"PATH": DEFAULT_PATH},
        "vars": {"PATH": DEFAULT_PATH, "A": "1", "B": "two words", "C": "", "D": "from file",
                 "E": "quoted"},
        "user": {"PATH": DEFAULT_PATH, "HOME": nobody.pw_dir, "USER": "nobody",
                 "LOGNAME": "nobody", "SHELL": nobody.pw_shell},
        "notify": {"PATH": DEFAULT_PATH},
    }
    for name in ENV_UNITS:
        f = si.out / f"{name}.env"
        si.wait_for(name, ("exited", "failed"))       # env has ended: its output is whole
        got = dict(line.split("=", 1) for line in f.read_text().splitlines() if "=" in line)
        exp = dict(want[name])
        if name == "notify":
            assert "NOTIFY_SOCKET" in got and got["NOTIFY_SOCKET"] != secret_env["NOTIFY_SOCKET"], got
            exp["NOTIFY_SOCKET"] = got["NOTIFY_SOCKET"]
        assert got == exp, f"{name}: environment {got}, expected exactly {exp}"
        for k in ("FOO_SECRET", "SVCINIT_SECRET", "LD_LIBRARY_PATH", "TERM", "LANG"):
            assert k not in got


def test_entrypoint_command_inherits_nothing(svcinit):
    """The entrypoint COMMAND gets svcinit's stdio and environment (as tini
    does), but no other descriptor and no blocked or ignored signal."""
    # no $(...): the shell would hold the pipe of the substitution
    # the mask is read by the exec'ed grep itself: a shell blocks every
    # signal while it waits for a child
    si = svcinit({}, command=["sh", "-c", "echo FDS-BEGIN; ls /proc/$$/fd; echo FDS-END; "
                                          "exec grep -E '^Sig(Blk|Ign)' /proc/self/status"],
                 wait=False, verbose=False)
    assert si.wait_exit() == 0
    log = si.log()
    m = re.search(r"^FDS-BEGIN\n(.*?)^FDS-END$", log, re.M | re.S)
    assert m, log
    fds = [line for line in m.group(1).splitlines() if line.isdigit()]   # svcinit logs in between
    assert fds == ["0", "1", "2"], f"COMMAND holds fds {fds}"
    for key in ("SigBlk", "SigIgn"):
        m = re.search(rf"^{key}:\s*([0-9a-f]+)$", log, re.M)
        assert m and int(m.group(1), 16) == 0, f"COMMAND {key}: {m and m.group(1)}\n{log}"


# ---------------------------------------------------------------- units as clients

ATTACK = r'''
import os, socket, sys, time
sock, how = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
if how == "direct":
    s.connect(sock)
else:
    # the connection is made by a child that is gone (reaped) by the time
    # the request is sent: its credentials name a pid that no longer exists
    pid = os.fork()
    if pid == 0:
        s.connect(sock)
        os._exit(0)
    os.waitpid(pid, 0)
    time.sleep(0.3)
s.sendall(b"stop victim\n")
data = b""
while True:
    d = s.recv(200)
    if not d:
        break
    data += d
print("ATTACK", how, data.split(b"\n")[0].decode(), flush=True)
time.sleep(100000)
'''


@pytest.mark.parametrize("how", ["direct", "forked-connector"])
@pytest.mark.parametrize("namespaces", ["none", None], ids=["host-ns", "isolated"])
def test_units_cannot_control_svcinit(svcinit, workdir, how, namespaces):
    """A unit running as root may ask status, but a stop it sends is refused
    (code 4), also when the process that connected is gone by the time the
    request is read (its pid then names no unit: the check must fail closed)."""
    # isolated units see the control socket, not its directory: the script
    # comes in through a directory of its own
    (workdir / "bin").mkdir()
    (workdir / "bin" / "attack.py").write_text(ATTACK)
    si = svcinit({"victim": STEADY,
                  "attacker": unit_text(f"/usr/bin/python3 {workdir}/bin/attack.py {workdir}/control {how}",
                                        {"TimeoutStopSec": "2s",
                                         **({"BindReadOnlyPaths": f"{workdir}/bin"} if namespaces is None else {})},
                                        namespaces=namespaces)})
    victim = si.wait_for("victim", "running")
    si.wait_log(r"^attacker: ATTACK ", timeout=20)
    m = re.search(r"^attacker: ATTACK \S+ (\S*)", si.log(), re.M)
    time.sleep(0.3)
    now = si.unit("victim")
    assert now["state"] == "running" and now["pid"] == victim["pid"], \
        f"a unit stopped another one through the control socket ({how}): victim is {now['state']}"
    assert m and m.group(1) == "4", f"the unit's stop request got code {m and m.group(1)!r}, not 4"


def test_unprivileged_clients_cannot_balloon_svcinit(svcinit):
    """Clients of uid 65534 that ask `status --json` and never read: what
    svcinit buffers for them must stay bounded (PID 1 is shielded from the
    OOM killer: its memory is taken from everyone else)."""
    desc = "d" * 8000
    n_units, n_clients = 40, 400
    si = svcinit({f"u{i:02d}": unit_text("sleep 100000", {"TimeoutStopSec": "2s"},
                                         unit={"Description": desc}) for i in range(n_units)},
                 verbose=False)
    poll_until(lambda: all(u["state"] == "running" for u in si.status()) and len(si.status()) == n_units,
               30, "every unit to run")
    reply = len(si.ctl("--json", "status").stdout)

    def rss():
        with open(f"/proc/{si.pid}/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    rss0 = rss()
    holder = subprocess.Popen(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
         "-c", UNREAD_HOLDER, str(si.sock), str(n_clients)], stdout=subprocess.PIPE, text=True)
    try:
        held = int(holder.stdout.readline() or 0)
        time.sleep(2)
        grown = rss() - rss0
        print(f"FIGURE stuck_status_clients {held} reply_bytes {reply} rss_growth_kib {grown}")
        assert si.alive()
        assert grown < 64 * 1024 * RSS_SLACK, (f"{held} unprivileged clients that do not read a {reply}-byte "
                                   f"status reply made svcinit grow by {grown // 1024} MiB")
    finally:
        holder.kill()
        holder.wait(10)


def test_unit_cannot_break_status_for_others(svcinit, workdir):
    """A unit running as nobody sends STATUS= with bytes that are not UTF-8
    (and escapes, and a very long text) to its notify socket: `svcctl --json
    status` must stay valid UTF-8 JSON for everyone."""
    (workdir / "status.py").write_text(
        "import os, socket, time\n"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
        "s.connect(os.environ['NOTIFY_SOCKET'])\n"
        "s.send(b'READY=1\\nSTATUS=\\xff\\xfe caf\\xe9 \\x1b[31mred\\x1b[0m \\xc3' + b'\\xe2\\x82' * 300)\n"
        "time.sleep(100000)\n")
    os.chmod(workdir / "status.py", 0o644)
    si = svcinit({"good": STEADY,
                  "chatter": unit_text(f"/usr/bin/python3 {workdir}/status.py",
                                       {"Type": "notify", "User": "nobody", "TimeoutStopSec": "2s"})})
    si.wait_for("good", "running")
    e = dict(os.environ)
    e.pop("SVCINIT_SOCKET", None)

    def ctl(*args):
        return subprocess.run([str(SVCCTL), "-s", str(si.sock), *args], capture_output=True,
                              timeout=30, env=e)
    poll_until(lambda: b'"chatter"' in ctl("--json", "status").stdout and
               b'"running"' in ctl("--json", "status", "chatter").stdout, 20, "chatter to be ready")
    for args in (("--json", "status"), ("status", "chatter"), ("status",)):
        r = ctl(*args)
        assert r.returncode == 0, r.stderr
        try:
            text = r.stdout.decode("utf-8")
        except UnicodeDecodeError as err:
            raise AssertionError(f"a unit's STATUS= made `svcctl {' '.join(args)}` print bytes "
                                 f"that are not UTF-8: {r.stdout[max(0, err.start - 30):err.end + 10]!r}") from None
        assert "\x1b" not in text, f"a unit's STATUS= put a terminal escape into svcctl {args}"
        if args[0] == "--json":
            json.loads(text)
