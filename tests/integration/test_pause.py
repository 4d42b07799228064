# SPDX-License-Identifier: MIT
"""Issue 4: pause and resume through the cgroup freezer, and the accounting
that status shows.

What a paused unit does is checked from outside: a counter it writes into a
host directory stops moving, the kernel's own freezer files
(cgroup.freeze / cgroup.events of the v2 hierarchy, else freezer.state of v1)
say frozen, and restart logic leaves it alone.
"""
import os
import signal
import time
from pathlib import Path

from conftest import poll_until, unit_text
from harness import cg_dir, wait_gone
from harness import read_text as read


# ---------------------------------------------------------------- helpers

def iso_unit(exec_start, service=None):
    """A unit with the default isolation (no Namespaces= line)."""
    return unit_text(exec_start, service=service, namespaces=None)


def share_dir(workdir, name="share"):
    d = Path(workdir) / name
    d.mkdir(exist_ok=True)
    os.chmod(d, 0o777)
    return d


def script(directory, name, text, mode=0o755):
    p = Path(directory) / name
    p.write_text(text)
    os.chmod(p, mode)
    return p


def frozen_state(si, name):
    """What the kernel says: True frozen, False not, None no freezer file."""
    d = cg_dir(si, name)
    ev = read(d / "cgroup.events")
    if ev is not None and (d / "cgroup.freeze").exists():
        fields = dict(l.split() for l in ev.splitlines() if l.strip())
        return fields.get("frozen") == "1"
    st = read(cg_dir(si, name, "freezer") / "freezer.state")
    if st is not None:
        return st.strip() == "FROZEN"
    return None


def unit_procs(si, name):
    """Host pids in the unit's cgroup (v2, else the v1 pids hierarchy)."""
    for h in ("unified", "pids", "memory", "freezer"):
        s = read(cg_dir(si, name, h) / "cgroup.procs")
        if s is not None:
            return [int(p) for p in s.split()]
    return []


def counter(path):
    s = read(path)
    return int(s) if s and s.strip().isdigit() else None


def ctl_ok(si, *args):
    t0 = time.monotonic()
    r = si.ctl(*args)
    dt = time.monotonic() - t0
    assert r.returncode == 0, f"svcctl {' '.join(args)}: exit {r.returncode}: {r.stdout}{r.stderr}"
    return dt


COUNTER = """#!/bin/sh
i=0
while :; do
  i=$((i+1))
  echo $i > /share/count.tmp
  mv /share/count.tmp /share/count
  sleep 0.02
done
"""


# ---------------------------------------------------------------- pause and resume

def test_paused_unit_stops_counting_and_goes_on_after_resume(svcinit, workdir):
    share = share_dir(workdir)
    script(share, "count.sh", COUNTER)
    si = svcinit({"count": iso_unit("/bin/sh /share/count.sh", {"BindPaths": f"{share}:/share"})})
    si.wait_for("count", "running")
    c = share / "count"
    first = poll_until(lambda: counter(c), what="the counter to start")
    poll_until(lambda: (counter(c) or 0) > first + 5, what="the counter to move")
    assert frozen_state(si, "count") is False

    ctl_ok(si, "pause", "count")
    # pause returns once the kernel reports the cgroup frozen
    assert frozen_state(si, "count") is True
    assert read(cg_dir(si, "count") / "cgroup.freeze").strip() == "1"
    u = si.unit("count")
    assert u["state"] == "paused", u
    held = counter(c)
    assert held is not None
    for _ in range(5):                       # ~1 s, looked at a few times
        time.sleep(0.2)
        assert counter(c) == held, "the counter moved while paused"
    assert si.ctl("is-active", "count").returncode == 0   # paused counts as active

    ctl_ok(si, "resume", "count")
    assert frozen_state(si, "count") is False
    assert si.unit("count")["state"] == "running"
    assert si.unit("count")["pid"] == u["pid"]
    poll_until(lambda: (counter(c) or 0) > held + 5, what="the counter to go on after resume")


def test_pause_and_resume_300_processes(svcinit, workdir):
    share = share_dir(workdir)
    script(share, "many.sh", """#!/bin/sh
i=0
while [ $i -lt 300 ]; do sleep 1000 & i=$((i+1)); done
echo started > /share/started
wait
""")
    si = svcinit({"many": iso_unit("/bin/sh /share/many.sh", {
        "BindPaths": f"{share}:/share", "TimeoutStopSec": "30s"})})
    poll_until(lambda: read(share / "started"), 60, "300 sleeps to be started")
    procs = poll_until(lambda: (lambda p: p if len(p) >= 300 else None)(unit_procs(si, "many")),
                       what="300 processes in the unit's cgroup")
    assert si.wait_for("many", "running", tasks=lambda n: n is not None and n >= 300)

    dt = ctl_ok(si, "pause", "many")
    assert dt < 10, f"pause of 300 processes took {dt:.1f}s"
    assert frozen_state(si, "many") is True
    assert read(cg_dir(si, "many") / "cgroup.freeze").strip() == "1"
    assert si.unit("many")["state"] == "paused"

    dt = ctl_ok(si, "resume", "many")
    assert dt < 10, f"resume of 300 processes took {dt:.1f}s"
    assert frozen_state(si, "many") is False
    assert read(cg_dir(si, "many") / "cgroup.freeze").strip() == "0"
    assert si.unit("many")["state"] == "running"
    assert len(unit_procs(si, "many")) >= 300   # nothing was lost on the way

    ctl_ok(si, "stop", "many")
    wait_gone(procs, what="the 300 processes to be gone after stop")


def test_stop_of_a_paused_unit_is_prompt_and_complete(svcinit, workdir):
    share = share_dir(workdir)
    script(share, "count.sh", COUNTER)
    si = svcinit({"p": iso_unit("/bin/sh /share/count.sh", {
        "BindPaths": f"{share}:/share", "TimeoutStopSec": "30s"})})
    si.wait_for("p", "running")
    poll_until(lambda: counter(share / "count"), what="the counter to start")
    procs = unit_procs(si, "p")
    assert len(procs) >= 2, procs
    ctl_ok(si, "pause", "p")
    assert frozen_state(si, "p") is True

    dt = ctl_ok(si, "stop", "p")
    # a frozen process cannot act on SIGTERM: without a thaw this would take
    # TimeoutStopSec (30 s). 10 s is a bound, not a benchmark.
    assert dt < 10, f"stop of a paused unit took {dt:.1f}s"
    u = si.unit("p")
    assert u["state"] == "stopped", u
    assert u["exit_signal"] == signal.SIGTERM, u    # KillSignal did it, not the SIGKILL fallback
    wait_gone(procs, what="the paused unit's processes to be gone")
    assert unit_procs(si, "p") == []
    held = counter(share / "count")
    time.sleep(0.3)
    assert counter(share / "count") == held


def test_sigterm_shutdown_with_a_paused_unit(svcinit, workdir):
    share = share_dir(workdir)
    script(share, "count.sh", COUNTER)
    si = svcinit({
        "p": iso_unit("/bin/sh /share/count.sh", {"BindPaths": f"{share}:/share",
                                                  "TimeoutStopSec": "30s"}),
        "q": unit_text("/bin/sleep 1000"),
    })
    si.wait_for("p", "running")
    si.wait_for("q", "running")
    procs = unit_procs(si, "p") + unit_procs(si, "q")
    ctl_ok(si, "pause", "p")
    assert frozen_state(si, "p") is True
    assert si.cgroup_leftovers()

    t0 = time.monotonic()
    assert si.stop() == 0
    assert time.monotonic() - t0 < 10, "shutdown with a paused unit waited for TimeoutStopSec"
    wait_gone(procs, what="every unit process to be gone after shutdown")
    assert si.cgroup_leftovers() == []


def test_pause_and_resume_exit_codes(svcinit):
    si = svcinit({
        "run": unit_text("/bin/sleep 1000"),
        "done": unit_text("/bin/true", {"Type": "oneshot", "Restart": "no"}),
        "halt": unit_text("/bin/sleep 1001"),
    })
    si.wait_for("run", "running")
    si.wait_for("done", "exited")
    si.wait_for("halt", "running")
    ctl_ok(si, "stop", "halt")
    si.wait_for("halt", "stopped")

    assert si.ctl("pause", "done").returncode == 1     # exited
    assert si.ctl("pause", "halt").returncode == 1     # stopped
    assert si.ctl("pause", "no-such-unit").returncode == 3
    assert si.ctl("resume", "no-such-unit").returncode == 3
    assert si.unit("done")["state"] == "exited"
    assert si.unit("halt")["state"] == "stopped"

    assert si.ctl("resume", "run").returncode == 0     # running: nothing to do
    assert si.unit("run")["state"] == "running"
    assert si.ctl("pause", "run").returncode == 0
    assert si.ctl("pause", "run").returncode == 0      # twice: still paused
    assert si.unit("run")["state"] == "paused"
    assert frozen_state(si, "run") is True
    assert si.ctl("resume", "run").returncode == 0
    assert si.ctl("resume", "run").returncode == 0
    assert si.unit("run")["state"] == "running"
    assert frozen_state(si, "run") is False


def test_no_restart_logic_runs_while_paused(svcinit, workdir):
    share = share_dir(workdir)
    script(share, "quit.sh", """#!/bin/sh
echo up >> /share/starts
while [ ! -e /share/go ]; do sleep 0.05; done
exit 3
""")
    si = svcinit({"quit": iso_unit("/bin/sh /share/quit.sh", {
        "BindPaths": f"{share}:/share", "Restart": "always", "RestartSec": "100ms",
        "StartLimitBurst": "0"})})
    u = si.wait_for("quit", "running")
    poll_until(lambda: read(share / "starts"), what="the unit to start")
    ctl_ok(si, "pause", "quit")
    (share / "go").write_text("")            # it would exit now, if it could run
    for _ in range(10):                      # ~2 s: nothing happens to a paused unit
        time.sleep(0.2)
        now = si.unit("quit")
        assert now["state"] == "paused", now
        assert now["pid"] == u["pid"] and now["restarts"] == 0, now
    assert read(share / "starts").split() == ["up"]

    ctl_ok(si, "resume", "quit")
    # thawed, it sees the file, exits 3 and Restart=always takes over
    si.wait_for("quit", restarts=lambda n: n >= 1)
    poll_until(lambda: len(read(share / "starts").split()) >= 2, what="the restart to run")
    os.unlink(share / "go")


# ---------------------------------------------------------------- accounting

def test_status_tasks_follow_the_unit(svcinit, workdir):
    share = share_dir(workdir)
    script(share, "spawn.sh", """#!/bin/sh
while [ ! -e /share/go ]; do sleep 0.05; done
i=0
while [ $i -lt 40 ]; do sleep 1000 & i=$((i+1)); done
echo done > /share/done
wait
""")
    si = svcinit({"spawn": iso_unit("/bin/sh /share/spawn.sh", {"BindPaths": f"{share}:/share"})})
    before = si.wait_for("spawn", "running", tasks=lambda n: n is not None and n >= 1)
    assert before["tasks"] <= 5, before
    (share / "go").write_text("")
    after = si.wait_for("spawn", "running", tasks=lambda n: n is not None and n >= 40)
    assert after["tasks"] <= 50, after
    assert len(unit_procs(si, "spawn")) >= 40


ALLOC = """import os, time
while not os.path.exists("/share/go"):
    time.sleep(0.05)
b = bytearray(96 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1
open("/share/done", "w").close()
time.sleep(1000)
"""


def test_status_memory_follows_the_unit(svcinit, workdir):
    share = share_dir(workdir)
    script(share, "alloc.py", ALLOC, 0o644)
    si = svcinit({"mem": iso_unit("/usr/bin/python3 /share/alloc.py", {
        "BindPaths": f"{share}:/share"})})
    si.wait_for("mem", "running")
    # python is up once its memory settles; take the low reading before the trigger
    before = si.wait_for("mem", "running", memory_bytes=lambda m: m is not None and m > 1 << 20)
    low = before["memory_bytes"]
    assert low < 64 << 20, before
    (share / "go").write_text("")
    poll_until(lambda: (share / "done").exists(), what="the allocation to finish")
    after = si.wait_for("mem", "running",
                        memory_bytes=lambda m: m is not None and m >= low + (80 << 20))
    assert after["memory_bytes"] < low + (400 << 20), after
