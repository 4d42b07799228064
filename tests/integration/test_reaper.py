# SPDX-License-Identifier: MIT
"""Issue 14: PID 1 of an isolated unit's PID namespace is svcinit-reaper, the
small freestanding program (services/reaper-prog.c) that svcinit executes
from a sealed memfd, not a fork of svcinit; where it cannot be executed the
fork stays and reaps in process, as before.

Seen from the host: the reaper's /proc/PID/exe (the memfd), comm, cmdline,
its descriptors, its signal mask and its PSS; signals sent to it reach the
service; orphans of the namespace are reaped; the service's exit status
reaches svcinit (status --json); a service that ends before the reaper ran
its first instruction is not lost. Units use the default isolation.
"""
import os
import signal
from pathlib import Path

import pytest

from conftest import SVCINIT, descendants, poll_until, proc_cmdline, proc_nspids, proc_stat, unit_text
from harness import proc_status
from harness import read_text as read

PROG_EXE = "/memfd:svcinit-reaper (deleted)"
# a fork of svcinit holds about 110 KB of PSS (its page tables and what it
# dirtied are its own); the program maps one page of text, shared by every
# reaper, and its stack
PROG_PSS_MAX_KB = 40


def iso_unit(exec_start, service=None):
    return unit_text(exec_start, service=service, namespaces=None)


def share_dir(workdir):
    d = Path(workdir) / "share"
    d.mkdir(exist_ok=True)
    os.chmod(d, 0o777)
    return d


def script(directory, name, text):
    p = Path(directory) / name
    p.write_text("#!/bin/sh\n" + text)
    os.chmod(p, 0o755)
    return p


def host_pid(si, nspid):
    """The host pid of the process svcinit sees as `nspid` (its NSpid[1])."""
    for p in descendants(si.pid):
        n = proc_nspids(p)
        if len(n) >= 2 and n[1] == nspid:
            return p
    return None


def host_main_pid(si, name):
    """Wait until `name` runs; return the host pid of its main process."""
    def find():
        u = si.units().get(name)
        if not u or u["state"] != "running" or not u["pid"]:
            return None
        p = host_pid(si, u["pid"])
        return p if p and proc_stat(p) and proc_stat(p)[0] != "Z" else None
    return poll_until(find, what=f"{name} to run")


def in_pidns(link):
    """(host pid, state) of every process whose pid namespace is `link`."""
    out = []
    for d in os.listdir("/proc"):
        try:
            if d.isdigit() and os.readlink(f"/proc/{d}/ns/pid") == link:
                st = proc_stat(d)
                if st:
                    out.append((int(d), st[0]))
        except OSError:
            pass
    return out


def reaper_of(hp):
    """The unit's namespace PID 1: the parent of its main process."""
    r = proc_stat(hp)[1]
    assert proc_nspids(r)[-1] == 1, f"the parent of {hp} is not PID 1 of its namespace"
    return r


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def comm(pid):
    return (read(f"/proc/{pid}/comm") or "").strip()


def pss_kb(pid):
    for line in (read(f"/proc/{pid}/smaps_rollup") or "").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return None


def is_program(pid):
    return exe(pid) == PROG_EXE and comm(pid) == "svcinit-reaper"


def wait_program(pid):
    """Until pid has executed the program (it forks the service first)."""
    return poll_until(lambda: is_program(pid), what=f"pid {pid} to execute svcinit-reaper")


def prog_memfd(si):
    """The memfd svcinit holds the program in: /proc/PID/fd/N."""
    for fd in os.listdir(f"/proc/{si.pid}/fd"):
        try:
            if os.readlink(f"/proc/{si.pid}/fd/{fd}") == PROG_EXE:
                return Path(f"/proc/{si.pid}/fd/{fd}")
        except OSError:
            pass
    return None


# ---------------------------------------------------------------- the program

def test_namespace_pid1_is_the_small_program(svcinit):
    si = svcinit({"a": iso_unit("/bin/sleep 1000"), "b": iso_unit("/bin/sleep 1000")})
    for name in ("a", "b"):
        hp = host_main_pid(si, name)
        r = reaper_of(hp)
        wait_program(r)
        # argv: the program and the service's pid as the namespace numbers it
        assert proc_cmdline(r) == ["svcinit-reaper", str(proc_nspids(hp)[-1])], proc_cmdline(r)
        assert proc_nspids(hp)[-1] == 2
        # fds: svcinit's stdio and the status socket, nothing else
        fds = sorted(int(f) for f in os.listdir(f"/proc/{r}/fd"))
        assert fds == [0, 1, 2, 3], fds
        assert os.readlink(f"/proc/{r}/fd/3").startswith("socket:")
        # none ignored (SigBlk reads 0 while it waits in rt_sigtimedwait:
        # the kernel unblocks the waited set for the wait; that the mask
        # and the pending signals survive the exec, tests/kernel checks)
        assert int(proc_status(r)["SigIgn"], 16) == 0
        # a fraction of what a fork of svcinit holds
        kb = pss_kb(r)
        assert kb is not None and kb <= PROG_PSS_MAX_KB, f"the reaper's PSS is {kb} kB"
        # the service itself runs as ever: its own exe, no blocked signal
        assert exe(hp) == "/usr/bin/sleep" or exe(hp) == "/bin/sleep", exe(hp)
        assert int(proc_status(hp)["SigBlk"], 16) == 0
    # svcinit holds the program once, sealed
    assert prog_memfd(si) is not None
    assert si.stop() == 0


def test_signals_reach_the_service_through_the_reaper(svcinit, workdir):
    share = share_dir(workdir)
    s = script(share, "traps.sh", """
for sig in HUP USR1 USR2 INT; do
    trap "echo $sig >> /share/got" $sig
done
trap 'echo TERM >> /share/got; exit 3' TERM
echo ready > /share/ready
while :; do sleep 0.05; done
""")
    si = svcinit({"t": iso_unit(f"/bin/sh /share/{s.name}", {"BindPaths": f"{share}:/share",
                                                            "Restart": "no"})})
    hp = host_main_pid(si, "t")
    r = reaper_of(hp)
    wait_program(r)
    poll_until((share / "ready").exists, what="the service's traps")
    got = share / "got"
    for i, sig in enumerate(("HUP", "USR1", "USR2", "INT"), 1):
        os.kill(r, getattr(signal, "SIG" + sig))
        poll_until(lambda: (read(got) or "").split() == ["HUP", "USR1", "USR2", "INT"][:i],
                   what=f"SIG{sig} sent to the reaper to reach the service")
    assert si.unit("t")["state"] == "running"
    # SIGTERM to the reaper: the service ends with its own code, svcinit sees it
    os.kill(r, signal.SIGTERM)
    u = si.wait_for("t", ("failed", "exited", "stopped"), exit_code=3)
    assert u["exit_signal"] is None, u
    assert (read(got) or "").split()[-1] == "TERM"
    assert si.stop() == 0


def test_orphans_are_reaped_by_the_program(svcinit, workdir):
    share = share_dir(workdir)
    s = script(share, "orph.sh", """
i=0
while [ $i -lt 50 ]; do
    sh -c 'sleep 0.5 & exit 0'
    ( exit 0 & )
    i=$((i+1))
done
echo spawned > /share/spawned
exec sleep 1000
""")
    si = svcinit({"o": iso_unit(f"/bin/sh /share/{s.name}", {"BindPaths": f"{share}:/share"})})
    poll_until((share / "spawned").exists, 60, "the orphans to be made")
    hp = host_main_pid(si, "o")
    r = reaper_of(hp)
    assert is_program(r)
    link = os.readlink(f"/proc/{hp}/ns/pid")

    def settled():
        ps = in_pidns(link)
        zombies = [p for p, st in ps if st == "Z"]
        return (sorted(p for p, _ in ps) == sorted([r, hp]) and not zombies) or None
    poll_until(settled, 30, "every orphan to end and be reaped (no zombie in the unit's namespace)")
    u = si.unit("o")
    assert u["state"] == "running" and u["restarts"] == 0, u
    assert si.stop() == 0


def test_exit_status_reaches_svcinit(svcinit):
    si = svcinit({
        "code": iso_unit("/bin/sh -c 'sleep 0.2; exit 7'", {"Restart": "no"}),
        "sig": iso_unit("/bin/sh -c 'sleep 0.2; kill -KILL $$$$'", {"Restart": "no"}),
        "ok": iso_unit("/bin/sh -c 'sleep 0.2'", {"Type": "oneshot"}),
    })
    u = si.wait_for("code", "failed", exit_code=7)
    assert u["exit_signal"] is None
    u = si.wait_for("sig", "failed", exit_signal=9)
    assert u["exit_code"] is None
    u = si.wait_for("ok", "exited", exit_code=0)
    # every reaper is gone with its namespace
    for p in si.ns_procs():
        assert p["cmdline"][:1] != ["svcinit-reaper"], p
    assert si.stop() == 0


def test_service_that_ends_before_the_reaper_runs(svcinit, workdir):
    # A child step that fails ends the service a few microseconds after the
    # fork, while its parent is still on its way to executing the program:
    # the SIGCHLD is pending across the execve and the program still reports.
    # And /bin/true restarted back to back, many times over: each end must
    # reach svcinit, or the unit would hang in `running`.
    si = svcinit({
        "nodir": iso_unit("/bin/true", {"WorkingDirectory": "/nonexistent-dir", "Restart": "no"}),
        "quick": iso_unit("/bin/true", {"Restart": "always", "RestartSec": "0",
                                        "StartLimitBurst": "0"}),
    })
    u = si.wait_for("nodir", "failed")
    assert u["exit_code"] == 127, u
    si.wait_for("quick", restarts=lambda n: n is not None and n >= 40, timeout=120)
    r = si.ctl("stop", "quick")
    assert r.returncode == 0, r.stderr
    si.wait_for("quick", "stopped")
    assert not si.zombies()
    assert si.stop() == 0


# ---------------------------------------------------------------- the fallback

def test_fallback_when_the_program_cannot_be_executed(svcinit, workdir):
    """chmod the memfd (through svcinit's /proc/PID/fd) so that execveat
    fails: the unit's first child reaps in process, as svcinit did before,
    logs why, and everything still works; chmod back: the program again."""
    share = share_dir(workdir)
    s = script(share, "trap.sh", """
trap 'echo USR1 >> /share/got' USR1
echo ready > /share/ready
while :; do sleep 0.05; done
""")
    si = svcinit({"f": iso_unit(f"/bin/sh /share/{s.name}", {"BindPaths": f"{share}:/share"})})
    wait_program(reaper_of(host_main_pid(si, "f")))
    memfd = prog_memfd(si)
    assert memfd is not None
    mode = os.stat(memfd).st_mode & 0o7777
    os.chmod(memfd, mode & ~0o111)
    try:
        (share / "ready").unlink()
        before = host_main_pid(si, "f")
        r = si.ctl("restart", "f")
        assert r.returncode == 0, r.stderr
        hp = poll_until(lambda: (lambda p: p if p != before else None)(host_main_pid(si, "f")),
                        what="f to run again")
        rp = reaper_of(hp)
        # the fork of svcinit, under the program's name
        assert exe(rp) == os.path.realpath(SVCINIT), exe(rp)
        assert comm(rp) == "svcinit-reaper"
        si.wait_log(r"unable to execute the reaper: Permission denied; it reaps in process")
        poll_until((share / "ready").exists, what="the service's trap")
        os.kill(rp, signal.SIGUSR1)
        poll_until(lambda: (read(share / "got") or "").split() == ["USR1"],
                   what="SIGUSR1 through the in-process reaper")
    finally:
        os.chmod(memfd, mode)
    r = si.ctl("restart", "f")
    assert r.returncode == 0, r.stderr
    hp2 = poll_until(lambda: (lambda p: p if p != hp else None)(host_main_pid(si, "f")),
                     what="f to run a third time")
    wait_program(reaper_of(hp2))
    assert si.stop() == 0


def test_fallback_when_memfds_may_not_be_executed(svcinit):
    """vm.memfd_noexec=2 in svcinit's PID namespace (the sysctl is per
    namespace, the host keeps its value): no executable memfd, svcinit says
    so at start, and its units reap in process."""
    knob = Path("/proc/sys/vm/memfd_noexec")
    if not knob.exists():
        pytest.skip("vm.memfd_noexec needs Linux 6.3")
    host_value = knob.read_text()
    si = svcinit({"n": iso_unit("/bin/sh -c 'sleep 0.3; exit 5'", {"Restart": "no"}),
                  "m": iso_unit("/bin/sleep 1000")}, start=False)
    argv = si.argv()
    assert argv[4] == str(SVCINIT)
    si.argv = lambda: argv[:4] + ["/bin/sh", "-c", 'echo 2 > /proc/sys/vm/memfd_noexec && exec "$@"',
                                  "sh"] + argv[4:]
    si.start()
    si.wait_log(r"reaper program: unable to create its memfd: Permission denied; units reap in process")
    hp = host_main_pid(si, "m")
    rp = reaper_of(hp)
    assert exe(rp) == os.path.realpath(SVCINIT) and comm(rp) == "svcinit-reaper"
    assert si.wait_for("n", "failed", exit_code=5)
    assert prog_memfd(si) is None
    assert si.stop() == 0
    assert knob.read_text() == host_value
