# SPDX-License-Identifier: MIT
"""Type=notify (the sd_notify protocol), Type=oneshot readiness, svcctl
wait, TimeoutStartSec=, and the entrypoint COMMAND that waits for readiness."""
import os
import re
import socket
import subprocess
import time

from conftest import SVCCTL, descendants, poll_until, proc_cmdline, unit_text
from harness import PY, read_env

# A tiny sd_notify client. Each argument is one step:
#   send:MSG     one datagram to $NOTIFY_SOCKET ("%n" stands for a newline, "%%n" in a unit file)
#   to:PATH      send the following datagrams to PATH instead
#   wait:PATH    until PATH exists
#   touch:PATH   create PATH
#   env:PATH     write the environment to PATH
#   exit:N       exit with N (default: sleep for ever; a sender that is
#                gone cannot be told apart from a stranger, as with systemd)
NOTIFY_PY = r"""
import os, socket, sys, time
dest = os.environ.get("NOTIFY_SOCKET")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for step in sys.argv[1:]:
    op, _, arg = step.partition(":")
    if op == "send":
        s.sendto(arg.replace("%n", "\n").encode(), dest)
    elif op == "to":
        dest = arg
    elif op == "wait":
        while not os.path.exists(arg):
            time.sleep(0.05)
    elif op == "touch":
        open(arg, "w").close()
    elif op == "env":
        with open(arg + ".tmp", "w") as f:
            for k, v in os.environ.items():
                f.write(k + "=" + v + "\n")
        os.rename(arg + ".tmp", arg)
    elif op == "exit":
        sys.exit(int(arg))
while True:
    time.sleep(3600)
"""


def helper(workdir):
    p = workdir / "notify.py"
    if not p.exists():
        p.write_text(NOTIFY_PY)
    return f"{PY} {p}"


def script(workdir, name, text):
    p = workdir / name
    p.write_text("#!/bin/sh\n" + text)
    os.chmod(p, 0o755)
    return p


def notify_unit(exec_start, service=None, namespaces="none"):
    svc = {"Type": "notify", "TimeoutStopSec": "3s"}
    svc.update(service or {})
    return unit_text(exec_start, svc, namespaces=namespaces)


# ---------------------------------------------------------------- READY=, STATUS=

def test_ready_and_status(svcinit, workdir):
    gate = workdir / "gate"
    n = helper(workdir)
    si = svcinit({"gated": notify_unit(f"{n} send:STATUS=warming-up wait:{gate} "
                                       "send:READY=1%%nSTATUS=serving")})

    # started, not ready: it said so, and waits for the gate
    si.wait_for("gated", "starting", status_text="warming-up")
    u = si.unit("gated")
    assert u["ready"] is False and si.pid_alive(u["pid"]), u
    assert si.ctl("is-active", "gated").returncode == 3

    # svcctl wait blocks while it is not ready
    r = si.ctl("wait", "--timeout", "1", "gated")
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    waiter = subprocess.Popen([str(SVCCTL), "-s", str(si.sock), "wait", "gated"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)   # a negative check: it must still be waiting
        assert waiter.poll() is None, "svcctl wait returned before the unit was ready"
        assert si.unit("gated")["state"] == "starting"

        gate.touch()
        out, err = waiter.communicate(timeout=30)
        assert waiter.returncode == 0, (out, err)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()
    # wait returned 0: it is ready now, with the new status text
    u = si.unit("gated")
    assert u["state"] == "running" and u["ready"] is True, u
    assert u["status_text"] == "serving", u
    assert si.ctl("is-active", "gated").returncode == 0
    assert si.ctl("wait", "gated").returncode == 0


def test_status_text_updates_after_ready(svcinit, workdir):
    g1, g2 = workdir / "g1", workdir / "g2"
    n = helper(workdir)
    si = svcinit({"chatty": notify_unit(f"{n} send:READY=1 wait:{g1} send:STATUS=step-one "
                                        f"wait:{g2} send:STATUS=step-two%%nX-OTHER=1")})
    u = si.wait_for("chatty", "running", ready=True)
    assert u["status_text"] == "", u
    g1.touch()
    si.wait_for("chatty", "running", status_text="step-one")
    g2.touch()
    # an assignment svcinit does not know rides along harmlessly
    u = si.wait_for("chatty", "running", status_text="step-two")
    assert u["ready"] is True, u



def test_status_text_with_control_bytes_is_stored_printable(svcinit, workdir):
    """STATUS= is the unit's text on root's terminal (status, show): an
    escape sequence in it (here: clear the screen, retitle the window) must
    not reach that terminal. Control bytes are stored as spaces (notify.c)."""
    p = workdir / "esc.py"
    p.write_text(
        "import os, socket, time\n"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
        "s.sendto(b'READY=1\\nSTATUS=a\\x1b[2J\\x1b]0;pwned\\x07b\\x7fc', os.environ['NOTIFY_SOCKET'])\n"
        "time.sleep(3600)\n")
    si = svcinit({"esc": notify_unit(f"{PY} {p}")})
    u = si.wait_for("esc", "running", ready=True)
    assert u["status_text"] == "a [2J ]0;pwned b c", u
    for args in (("status", "esc"), ("show", "esc")):
        out = si.ctl(*args).stdout
        assert "pwned" in out and "\x1b" not in out and "\x07" not in out, (args, out)

def test_notify_socket_is_per_unit_in_the_socket_dir(svcinit, workdir):
    n = helper(workdir)
    si = svcinit({
        "one": notify_unit(f"{n} env:{workdir}/out/one.env send:READY=1"),
        "two": notify_unit(f"{n} env:{workdir}/out/two.env send:READY=1"),
        "plain": unit_text(f"{n} env:{workdir}/out/plain.env"),
    })
    si.wait_for("one", "running", ready=True)
    si.wait_for("two", "running", ready=True)
    si.wait_for("plain", "running")
    poll_until((workdir / "out/plain.env").exists, what="plain to write its environment")
    one = read_env(workdir / "out/one.env")
    two = read_env(workdir / "out/two.env")
    assert one["NOTIFY_SOCKET"] == str(si.dir / ".notify" / "one"), one
    assert two["NOTIFY_SOCKET"] == str(si.dir / ".notify" / "two"), two
    assert "NOTIFY_SOCKET" not in read_env(workdir / "out/plain.env")
    for name in ("one", "two"):
        p = si.dir / ".notify" / name
        assert p.is_socket(), f"{p} is not a socket"


def test_notify_from_inside_full_isolation(svcinit, workdir):
    """Default isolation: own pid/net/ipc/mnt/uts namespaces and an overlay
    root. The only way out is $NOTIFY_SOCKET (the socket dir is bound in)."""
    code = ("import os,socket as S,time;e=os.environ['NOTIFY_SOCKET'];"
            "k=S.socket(S.AF_UNIX,S.SOCK_DGRAM);k.sendto(b'STATUS=inside',e);"
            "k.sendto(b'READY=1',e);time.sleep(9999)")
    text = "\n".join([
        "[Service]",
        "Type=notify",
        f'ExecStart={PY} -c "{code}"',
        "TimeoutStartSec=30s",
        "TimeoutStopSec=3s",
        "",
    ])
    assert all(len(line) < 199 for line in text.splitlines())
    si = svcinit({"iso": text})
    u = si.wait_for("iso", "running", ready=True, timeout=30)
    assert u["status_text"] == "inside", u
    assert set(u["namespaces"]) >= {"pid", "net", "ipc", "mnt", "uts"}, u
    # really isolated: the unit's processes are in another pid and net namespace
    procs = [p for p in descendants(si.pid) if code in proc_cmdline(p)]
    assert procs, "the unit's python is not among svcinit's descendants"
    me = procs[0]
    assert os.readlink(f"/proc/{me}/ns/pid") != si.ns
    assert os.readlink(f"/proc/{me}/ns/net") != os.readlink(f"/proc/{si.pid}/ns/net")
    assert si.ctl("wait", "--timeout", "5", "iso").returncode == 0


def test_ready_from_a_child_process_counts(svcinit, workdir):
    n = helper(workdir)
    s = script(workdir, "forks.sh", f"""
{n} send:READY=1%nSTATUS=from-child &
echo $! > {workdir}/out/child
exec sleep 1000
""")
    si = svcinit({"forks": notify_unit(str(s))})
    u = si.wait_for("forks", "running", ready=True, status_text="from-child")
    child = int((workdir / "out/child").read_text())
    assert child != u["pid"], "the sender was the main process; this test wants another one"


# ---------------------------------------------------------------- strangers

def test_messages_from_other_processes_are_ignored(svcinit, workdir):
    n = helper(workdir)
    target_sock = f"{workdir}/.notify/target"
    si = svcinit({
        "target": notify_unit(f"{n} send:STATUS=mine"),
        # another unit, so a process of svcinit's namespace with a pid it can name
        "intruder": unit_text(f"{n} wait:{target_sock} to:{target_sock} "
                              "send:READY=1%%nSTATUS=forged"),
    })
    si.wait_for("target", "starting", status_text="mine")
    intruder = si.wait_for("intruder", "running")
    si.wait_log(r"target: notify: ignoring a message from pid %d, not a process of the unit"
                % intruder["pid"])
    # and from the host, outside svcinit's pid namespace altogether
    k = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        k.sendto(b"READY=1\nSTATUS=from-host", target_sock)
    finally:
        k.close()
    poll_until(lambda: len(re.findall(r"target: notify: ignoring a message from pid \d+, "
                                      r"not a process of the unit", si.log())) >= 2,
               what="the host's message to be ignored too")
    u = si.unit("target")
    assert u["state"] == "starting" and u["ready"] is False, u
    assert u["status_text"] == "mine", u
    assert si.alive()


def test_mainpid(svcinit, workdir):
    n = helper(workdir)
    gate = workdir / "gate"
    s = script(workdir, "mainpid.sh", f"""
sleep 1000 &
c=$!
echo $c > {workdir}/out/child
{n} "send:MAINPID=$c%nREADY=1" wait:{gate} send:MAINPID=1 &
wait $c
""")
    si = svcinit({"mp": notify_unit(str(s))})
    si.wait_for("mp", "running", ready=True)
    child = int(poll_until(lambda: (workdir / "out/child").exists() and
                           (workdir / "out/child").read_text().strip(), what="child pid"))
    u = si.wait_for("mp", "running", pid=child)
    assert si.pid_alive(u["pid"])
    # MAINPID= naming a process that is not the unit's (svcinit itself) is refused
    gate.touch()
    si.wait_log(r"mp: notify: MAINPID=1 is not a process of the unit")
    u = si.unit("mp")
    assert u["pid"] == child and u["state"] == "running", u


# ---------------------------------------------------------------- TimeoutStartSec=

def test_start_timeout_fails_with_kill_signal(svcinit, workdir):
    got = workdir / "out" / "got"
    s = script(workdir, "never.sh", f"""
trap 'echo USR1 >> {got}; exit 0' USR1
while :; do sleep 0.1; done
""")
    si = svcinit({"never": notify_unit(str(s), {"TimeoutStartSec": "1s", "KillSignal": "SIGUSR1",
                                                "Restart": "no"})})
    si.wait_for("never", "starting")
    r = si.ctl("wait", "--timeout", "30", "never")
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    u = si.wait_for("never", "failed")
    assert u["result"] == "timeout", u
    assert u["ready"] is False and u["pid"] is None, u
    # it was stopped with KillSignal=, once
    assert got.read_text().split() == ["USR1"]


def test_start_timeout_follows_restart_policy(svcinit, workdir):
    starts = workdir / "out" / "starts"
    s = script(workdir, "slow.sh", f"echo x >> {starts}\nexec sleep 1000\n")
    si = svcinit({"slow": notify_unit(str(s), {"TimeoutStartSec": "500ms",
                                               "Restart": "on-failure", "RestartSec": "100ms",
                                               "StartLimitBurst": "100"})})
    si.wait_for("slow", restarts=lambda n: n is not None and n >= 2, timeout=30)
    poll_until(lambda: len(starts.read_text().split()) >= 3, what="a third start")
    assert si.unit("slow")["state"] in ("starting", "stopping", "restarting")


def test_ready_in_time_is_not_timed_out(svcinit, workdir):
    n = helper(workdir)
    si = svcinit({"ok": notify_unit(f"{n} send:READY=1", {"TimeoutStartSec": "1s",
                                                          "Restart": "no"})})
    si.wait_for("ok", "running", ready=True)
    time.sleep(1.5)   # past the timeout: nothing happens (a negative check)
    u = si.unit("ok")
    assert u["state"] == "running" and u["restarts"] == 0, u


# ---------------------------------------------------------------- oneshot, wait

def test_oneshot_is_ready_when_it_exits_0(svcinit, workdir):
    gate = workdir / "gate"
    si = svcinit({
        "setup": unit_text(f"sh -c 'while [ ! -e {gate} ]; do sleep 0.05; done'",
                           {"Type": "oneshot"}),
        "bad": unit_text("sh -c 'exit 3'", {"Type": "oneshot", "Restart": "no"}),
    })
    si.wait_for("setup", "starting")
    assert si.ctl("wait", "--timeout", "500ms", "setup").returncode == 1
    gate.touch()
    r = si.ctl("wait", "--timeout", "30", "setup")
    assert r.returncode == 0, (r.stdout, r.stderr)
    u = si.unit("setup")
    assert u["state"] == "exited" and u["ready"] is True and u["exit_code"] == 0, u
    # a oneshot that fails is never ready: wait says so
    r = si.ctl("wait", "--timeout", "30", "bad")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert si.unit("bad")["state"] == "failed"
    # several at once: one failure fails the wait
    assert si.ctl("wait", "--timeout", "30", "setup", "bad").returncode == 1


def test_wait_usage_and_unknown_unit(svcinit, workdir):
    si = svcinit({"up": unit_text("sleep 1000")})
    si.wait_for("up", "running")
    assert si.ctl("wait", "--timeout", "10", "up").returncode == 0
    assert si.ctl("wait", "--timeout", "10", "nope").returncode == 3
    assert si.ctl("wait", "--timeout", "10", "up", "nope").returncode == 3
    assert si.ctl("wait").returncode == 2
    # wait is open to every local user
    assert si.ctl("wait", "--timeout", "10", "up", user=65534).returncode == 0


# ---------------------------------------------------------------- entrypoint

def test_entrypoint_command_waits_for_notify_units(svcinit, workdir):
    n = helper(workdir)
    flag = workdir / "out" / "flag"
    s = script(workdir, "late.sh", f"""
sleep 1
echo up > {flag}
exec {n} send:READY=1
""")
    si = svcinit({"late": notify_unit(str(s))},
                 command=["sh", "-c", f"test -e {flag} && echo command-saw-flag"], wait=False)
    code = si.wait_exit(60)
    assert code == 0, f"COMMAND ran before the unit was ready ({code})\n{si.log()}"
    assert re.search(r"^command-saw-flag$", si.log(), re.M), si.log()


def test_entrypoint_command_waits_for_every_unit(svcinit, workdir):
    """A simple unit that is up at once must not let COMMAND start before
    the other units (here one that sorts after it) are ready."""
    n = helper(workdir)
    flag = workdir / "out" / "flag"
    s = script(workdir, "late.sh", f"""
sleep 1
echo up > {flag}
exec {n} send:READY=1
""")
    si = svcinit({"aaa": unit_text("sleep 1000", {"TimeoutStopSec": "3s"}),
                  "zzz": notify_unit(str(s))},
                 command=["sh", "-c", f"test -e {flag} && echo command-saw-flag"], wait=False)
    code = si.wait_exit(60)
    assert code == 0, f"COMMAND ran before every unit was ready ({code})\n{si.log()}"
    assert re.search(r"^command-saw-flag$", si.log(), re.M), si.log()


def test_entrypoint_command_runs_after_a_unit_fails(svcinit, workdir):
    n = helper(workdir)
    si = svcinit({"never": notify_unit(f"{n}", {"TimeoutStartSec": "1s", "Restart": "no"}),
                  "up": unit_text("sleep 1000")}, start=False)
    si.command = [str(SVCCTL), "-s", str(si.sock), "--json", "status"]
    si.start(wait=False)
    code = si.wait_exit(60)
    assert code == 0, si.log()
    # COMMAND's status output: by then `never` had failed and `up` was running
    log = si.log()
    assert re.search(r'"name":\s*"never".*?"state":\s*"failed"', log, re.S), log
    assert re.search(r'"name":\s*"up".*?"state":\s*"running"', log, re.S), log
