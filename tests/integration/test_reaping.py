# SPDX-License-Identifier: MIT
"""svcinit is PID 1: every orphan that reaches it is reaped."""
import os

from conftest import children, poll_until, unit_text


def script(workdir, name, text):
    p = workdir / name
    p.write_text("#!/bin/sh\n" + text)
    os.chmod(p, 0o755)
    return p


def no_zombies_and_no_sleepers(si):
    procs = si.ns_procs()
    z = [p for p in procs if p["state"] == "Z"]
    sleepers = [p for p in procs if p["cmdline"][:2] == ["sleep", "0.1"]]
    return (not z and not sleepers) or None


def test_orphans_of_a_running_unit_are_reaped(svcinit, workdir):
    # 300 double-forked sleeps: each orphan is re-parented to svcinit (PID 1)
    # while the unit itself stays up
    done = workdir / "spawned"
    s = script(workdir, "orphans.sh", f"""
i=0
while [ $i -lt 300 ]; do
    ( sleep 0.1 & )
    i=$((i+1))
done
echo ok > {done}
exec sleep 1000
""")
    si = svcinit({"spawner": unit_text(f"/bin/sh {s}", {"TimeoutStopSec": "2s"})})
    u = si.wait_for("spawner", "running")
    poll_until(done.exists, 60, "the unit to spawn 300 orphans")
    try:
        poll_until(lambda: no_zombies_and_no_sleepers(si), 30, "every orphan to exit and be reaped")
    except AssertionError:
        z = si.zombies()
        raise AssertionError(f"{len(z)} zombies left in the namespace, e.g. {z[:3]}") from None
    # the orphans' deaths were not mistaken for the unit's own
    u2 = si.unit("spawner")
    assert u2["state"] == "running" and u2["pid"] == u["pid"] and u2["restarts"] == 0, u2
    assert si.pid_alive(u["pid"])
    # svcinit's only children now: the unit's main process
    kids = children(si.pid)
    assert kids == [si.ns_proc(u["pid"])["host"]], kids


def test_orphans_of_an_exiting_unit_are_reaped(svcinit, workdir):
    s = script(workdir, "burst.sh", """
i=0
while [ $i -lt 300 ]; do
    sleep 0.1 &
    i=$((i+1))
done
exit 0
""")
    si = svcinit({
        "burst": unit_text(f"/bin/sh {s}", {"Type": "oneshot"}),
        "bystander": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}),
    })
    si.wait_for("burst", "exited", timeout=60)
    try:
        poll_until(lambda: no_zombies_and_no_sleepers(si), 30, "every orphan to be reaped")
    except AssertionError:
        z = si.zombies()
        raise AssertionError(f"{len(z)} zombies left in the namespace, e.g. {z[:3]}") from None
    b = si.unit("bystander")
    assert b["state"] == "running" and b["restarts"] == 0
    assert si.unit("burst")["exit_code"] == 0
