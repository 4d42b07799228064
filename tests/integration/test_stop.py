# SPDX-License-Identifier: MIT
"""Stopping: KillSignal=, TimeoutStopSec= escalation to SIGKILL, and every
process of the unit's cgroup goes, including ones that left the session."""
import os
import time

from conftest import descendants, poll_until, proc_stat, unit_text
from harness import script


def snapshot(si, nspid):
    """(host pid, start time) of a unit's main process and its descendants."""
    p = si.ns_proc(nspid)
    assert p is not None, f"no process {nspid} in the namespace"
    procs = [p["host"]] + descendants(p["host"])
    return [(h, proc_stat(h)[2]) for h in procs if proc_stat(h)]


def gone(snap):
    """True when none of the snapshotted processes exists any more (a zombie
    still counts as there: nobody reaped it)."""
    for host, start in snap:
        st = proc_stat(host)
        if st and st[2] == start:
            return False
    return True


def unit_procs(si, name):
    cg = f"{si.cgroup_base}/{name}.service"
    return [p for p in si.ns_procs() if p["cgroup"] and p["cgroup"].startswith(cg)]


def test_stop_escalates_to_sigkill(svcinit):
    si = svcinit({"stubborn": unit_text(
        "sh -c 'trap \"\" TERM; while :; do sleep 1; done'", {"TimeoutStopSec": "1s"})})
    u = si.wait_for("stubborn", "running")
    # wait for the loop's `sleep` so that a child is part of the picture
    poll_until(lambda: len(snapshot(si, u["pid"])) >= 2, 10, "the sleep child")
    snap = snapshot(si, u["pid"])

    t0 = time.monotonic()
    r = si.ctl("stop", "stubborn", timeout=60)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert took >= 0.8, f"stop returned after {took:.2f}s: SIGTERM cannot have stopped it"
    assert took < 9, f"stop took {took:.2f}s with TimeoutStopSec=1s"
    u = si.unit("stubborn")
    assert u["state"] == "stopped" and u["pid"] is None, u
    poll_until(lambda: gone(snap), 5, f"every process of the unit to be gone: {snap}")
    # the SIGKILLed leftovers are reaped by svcinit on its loop, maybe just after
    poll_until(lambda: unit_procs(si, "stubborn") == [] and si.zombies() == [], 10,
               "no process of the unit and no zombie left")


def test_kill_signal_is_honoured(svcinit, workdir):
    got = workdir / "got"
    s = script(workdir, "sig.sh", f"""
trap 'echo INT > {got}; exit 0' INT
trap 'echo TERM > {got}; exit 0' TERM
echo up > {got}.up
while :; do sleep 0.1; done
""")
    si = svcinit({"sigint": unit_text(f"/bin/sh {s}", {"KillSignal": "SIGINT",
                                                       "TimeoutStopSec": "5s"})})
    si.wait_for("sigint", "running")
    poll_until(lambda: (workdir / "got.up").exists(), 10, "the unit to set its traps")
    r = si.ctl("stop", "sigint")
    assert r.returncode == 0, r.stderr
    assert got.read_text().strip() == "INT"
    assert si.unit("sigint")["state"] == "stopped"


def test_setsid_child_is_stopped_too(svcinit, workdir):
    s = script(workdir, "escape.sh", """
setsid sh -c 'trap "" TERM; while :; do sleep 1; done' svcit-setsid-marker &
exec sleep 1000
""")
    si = svcinit({"escaper": unit_text(f"/bin/sh {s}", {"TimeoutStopSec": "1s"})})
    u = si.wait_for("escaper", "running")

    def marker():
        return [p for p in si.ns_procs() if "svcit-setsid-marker" in p["cmdline"]]
    esc = poll_until(marker, 10, "the setsid child")[0]
    main = si.ns_proc(u["pid"])
    assert os.getsid(esc["host"]) != os.getsid(main["host"]), "the child is in its own session"
    snap = [(esc["host"], proc_stat(esc["host"])[2])] + snapshot(si, u["pid"])

    r = si.ctl("stop", "escaper", timeout=60)
    assert r.returncode == 0, r.stderr
    assert si.unit("escaper")["state"] == "stopped"
    poll_until(lambda: gone(snap), 5, f"every process of the unit to be gone: {snap}")
    assert marker() == []
    assert unit_procs(si, "escaper") == []


def test_leftovers_killed_when_main_exits(svcinit, workdir):
    """After the main process exits, what it left in the cgroup is killed.
    The main process exits only once the test has seen the leftover alive in
    the unit's cgroup, so the test cannot pass without a leftover."""
    go = workdir / "go"
    s = script(workdir, "leave.sh", f"""
sh -c 'trap "" TERM; while :; do sleep 1; done' svcit-left-marker &
while [ ! -e {go} ]; do sleep 0.05; done
exit 0
""")
    si = svcinit({"leaver": unit_text(f"/bin/sh {s}", {"Type": "oneshot", "TimeoutStopSec": "1s",
                                                       "TimeoutStartSec": "60s"})})

    def leftover():
        return [p for p in unit_procs(si, "leaver")
                if "svcit-left-marker" in p["cmdline"] and p["state"] != "Z"]
    # the precondition: the leftover runs in the unit's cgroup while main does
    left = poll_until(leftover, 20, "the leftover process in the unit's cgroup")
    assert len(left) == 1, left
    snap = [(left[0]["host"], left[0]["start"])]
    assert not gone(snap)
    go.touch()
    si.wait_for("leaver", "exited")
    poll_until(lambda: gone(snap), 10, f"the leftover process to be killed: {snap}")
    assert leftover() == []
    assert unit_procs(si, "leaver") == []
