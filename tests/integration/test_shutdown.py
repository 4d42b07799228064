# SPDX-License-Identifier: MIT
"""Container mode: SIGTERM stops everything and exits; SuccessAction= and
FailureAction=exit end svcinit with the unit's exit code."""
import os

from conftest import poll_until, unit_text
from harness import script


def trapping_unit(workdir, name):
    """A unit that writes TERM to OUT/NAME.stopped when it gets SIGTERM."""
    s = script(workdir, f"{name}.sh", f"""
trap 'echo TERM > {workdir}/{name}.stopped; exit 0' TERM
while :; do sleep 0.1; done
""")
    return unit_text(f"/bin/sh {s}", {"TimeoutStopSec": "5s"})


def test_sigterm_stops_everything_and_exits_0(svcinit, workdir):
    si = svcinit({
        "a": trapping_unit(workdir, "a"),
        "b": trapping_unit(workdir, "b"),
        "c": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}),
    })
    pids = {n: si.wait_for(n, "running")["pid"] for n in ("a", "b", "c")}
    hosts = {n: si.ns_proc(p)["host"] for n, p in pids.items()}
    assert si.stop() == 0, si.log()
    for n in ("a", "b"):
        assert (workdir / f"{n}.stopped").read_text().strip() == "TERM", \
            f"{n} was not stopped gracefully"
    for n, h in hosts.items():
        assert not os.path.exists(f"/proc/{h}"), f"{n} (host pid {h}) survived"
    assert si.cgroup_leftovers() == [], "svcinit did not remove its cgroups"


def test_success_action_exit(svcinit, workdir):
    si = svcinit({
        "job": unit_text("sh -c 'sleep 1; exit 0'", {"Type": "oneshot", "SuccessAction": "exit"}),
        "other": trapping_unit(workdir, "other"),
    }, wait=False)
    code = si.wait_exit(30)
    assert code == 0, si.log()
    assert (workdir / "other.stopped").read_text().strip() == "TERM", \
        "the other unit was not stopped before svcinit exited"
    assert si.cgroup_leftovers() == []


def test_failure_action_exit(svcinit, workdir):
    si = svcinit({
        "job": unit_text("sh -c 'sleep 1; exit 3'", {"Restart": "no", "FailureAction": "exit"}),
        "other": trapping_unit(workdir, "other"),
    }, wait=False)
    code = si.wait_exit(30)
    assert code == 3, si.log()
    assert (workdir / "other.stopped").read_text().strip() == "TERM"
    assert si.cgroup_leftovers() == []


def test_failure_action_after_start_limit(svcinit, workdir):
    si = svcinit({
        "crash": unit_text("sh -c 'exit 4'", {"RestartSec": "100ms", "StartLimitBurst": "2",
                                              "StartLimitIntervalSec": "60s",
                                              "FailureAction": "exit"}),
    }, wait=False)
    assert si.wait_exit(30) == 4, si.log()


def test_poweroff_in_container_mode_exits(svcinit, workdir):
    si = svcinit({"other": trapping_unit(workdir, "other")})
    si.wait_for("other", "running")
    r = si.ctl("poweroff", timeout=30)
    assert r.returncode in (0, 5), r      # the reply may race svcinit's exit
    assert si.wait_exit(30) == 0, si.log()
    poll_until((workdir / "other.stopped").exists, 5, "the unit's TERM trap to have run")
