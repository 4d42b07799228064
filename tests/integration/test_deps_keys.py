# SPDX-License-Identifier: MIT
"""The dependency keys beyond After=/Requires=/Wants= (systemd.unit(5)):
Before=, BindsTo=, PartOf=, Conflicts=, Requisite=, Upholds=, OnFailure=,
OnSuccess=, StopWhenUnneeded=, RequiresMountsFor=. Observed from outside:
states and pids in svcctl --json status, files the units write."""
import os
import signal
import subprocess

from conftest import SVCINIT, poll_until, unit_text
from harness import ready_when


def unit(unit_keys=None, exec_start="sleep 1000", **service):
    svc = {"TimeoutStopSec": "3s", "Restart": "no"}
    svc.update(service)
    return unit_text(exec_start, svc, unit=unit_keys)


def lines(path):
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []


def test_before_orders_the_other(svcinit, workdir):
    gate = workdir / "gate"
    ev = workdir / "out" / "events"
    si = svcinit({
        "first": unit({"Before": "second"}, ready_when(workdir, gate), Type="notify"),
        "second": unit(None, f"sh -c 'echo second >> {ev}; exec sleep 1000'"),
    })
    si.wait_for("first", "starting")
    u = si.unit("second")
    assert u["state"] == "stopped" and u.get("waiting") in (True, None), u
    assert lines(ev) == []
    gate.touch()
    si.wait_for("second", "running")
    assert lines(ev) == ["second"]


def test_bindsto_stops_the_binder_when_the_bound_stops(svcinit, workdir):
    si = svcinit({
        "bound": unit(),
        "binder": unit({"BindsTo": "bound", "After": "bound"}),
    })
    si.wait_for("binder", "running")
    assert si.ctl("stop", "bound").returncode == 0
    si.wait_for("bound", "stopped")
    u = si.wait_for("binder", ("stopped", "failed"))
    assert "BindsTo=bound" in u["error"], u


def test_bindsto_a_skipped_unit_is_not_up(svcinit, workdir):
    """Requires= on a unit its conditions skip starts; BindsTo= does not."""
    si = svcinit({
        "skipped": unit({"ConditionPathExists": workdir / "nope"}),
        "binder": unit({"BindsTo": "skipped", "After": "skipped"}),
        "requirer": unit({"Requires": "skipped", "After": "skipped"}),
    })
    si.wait_for("skipped", "condition-failed")
    si.wait_for("requirer", "running")
    u = si.wait_for("binder", ("stopped", "failed"))
    assert u["pid"] is None and "BindsTo=skipped" in u["error"], u


def test_bindsto_pulls_the_bound_in(svcinit, workdir):
    si = svcinit({"bound": unit(), "binder": unit({"BindsTo": "bound"})})
    si.wait_for("binder", "running")
    assert si.ctl("stop", "binder", "bound").returncode == 0
    si.wait_for("bound", "stopped")
    assert si.ctl("start", "binder").returncode == 0
    si.wait_for("bound", "running")


def test_partof_stop_and_restart_propagate(svcinit, workdir):
    si = svcinit({
        "main": unit(),
        "part": unit({"PartOf": "main"}),
        "partofpart": unit({"PartOf": "part"}),
    })
    for n in ("main", "part", "partofpart"):
        si.wait_for(n, "running")
    old = {n: si.unit(n)["pid"] for n in ("main", "part", "partofpart")}
    assert si.ctl("restart", "main").returncode == 0
    for n in ("main", "part", "partofpart"):
        si.wait_for(n, "running", pid=lambda p, o=old[n]: p is not None and p != o)
    assert si.ctl("stop", "main").returncode == 0
    for n in ("main", "part", "partofpart"):
        si.wait_for(n, "stopped")
    # PartOf= does not pull: starting main starts main only
    assert si.ctl("start", "main").returncode == 0
    si.wait_for("main", "running")
    assert si.unit("part")["state"] == "stopped"
    # and stopping the part leaves main alone
    assert si.ctl("start", "part").returncode == 0
    si.wait_for("part", "running")
    assert si.ctl("stop", "part").returncode == 0
    si.wait_for("part", "stopped")
    assert si.unit("main")["state"] == "running"


def test_conflicts_stops_the_other(svcinit, workdir):
    si = svcinit({"a": unit({"Conflicts": "b"}), "b": unit()})
    # at boot both are wanted: the first to start stops the other
    poll_until(lambda: sorted(si.unit(n)["state"] for n in "ab") == ["running", "stopped"],
               what="one of a, b running and the other stopped")
    assert si.ctl("start", "b").returncode == 0
    si.wait_for("b", "running")
    si.wait_for("a", "stopped")
    # both ways: starting a stops b again
    assert si.ctl("start", "a").returncode == 0
    si.wait_for("a", "running")
    si.wait_for("b", "stopped")


def test_requisite_fails_if_not_active(svcinit, workdir):
    si = svcinit({
        "base": unit(),
        "needy": unit({"Requisite": "base", "After": "base"}),
    })
    si.wait_for("needy", "running")
    # a stop of base takes needy down, as Requires= would
    assert si.ctl("stop", "base").returncode == 0
    si.wait_for("needy", ("stopped", "failed"))
    # and starting needy now fails: base is not pulled in
    r = si.ctl("start", "needy")
    assert r.returncode != 0, r
    u = si.unit("needy")
    assert "Requisite=base" in u["error"], u
    assert si.unit("base")["state"] == "stopped"
    assert si.ctl("start", "base").returncode == 0
    assert si.ctl("start", "needy").returncode == 0
    si.wait_for("needy", "running")


def test_upholds_restarts(svcinit, workdir):
    si = svcinit({
        "holder": unit({"Upholds": "held"}),
        "held": unit(),
    })
    si.wait_for("holder", "running")
    u = si.wait_for("held", "running")
    # killed, with Restart=no: started again because holder is up
    os.kill(si.ns_proc(u["pid"])["host"], signal.SIGKILL)
    si.wait_for("held", "running", pid=lambda p, o=u["pid"]: p is not None and p != o)
    # even a stop: Upholds= starts it again while holder is up
    u = si.unit("held")
    assert si.ctl("stop", "held").returncode == 0
    si.wait_for("held", "running", pid=lambda p, o=u["pid"]: p is not None and p != o)
    # once holder is down, held stays down
    assert si.ctl("stop", "holder").returncode == 0
    si.wait_for("holder", "stopped")
    assert si.ctl("stop", "held").returncode == 0
    si.wait_for("held", "stopped")


def test_upholds_is_bounded_by_the_start_limit(svcinit, workdir):
    si = svcinit({
        "holder": unit({"Upholds": "crasher"}),
        "crasher": unit(None, "sh -c 'exit 1'", StartLimitBurst="3",
                        StartLimitIntervalSec="1h"),
    })
    u = si.wait_for("crasher", "failed",
                    warnings=lambda w: any("Upholds=" in x for x in (w or [])))
    assert si.unit("holder")["state"] == "running"
    assert u["state"] == "failed"


def test_onfailure_and_onsuccess_start_the_named_unit(svcinit, workdir):
    gate = workdir / "gate"
    fail_log, ok_log = workdir / "out" / "onfailure", workdir / "out" / "onsuccess"
    wait_gate = f"while [ ! -e {gate} ]; do sleep 0.05; done"
    si = svcinit({
        "breaks": unit({"OnFailure": "onfail"}, f"sh -c '{wait_gate}; exit 3'"),
        "works": unit({"OnSuccess": "onok"}, f"sh -c '{wait_gate}; exit 0'"),
        "onfail": unit(None, f"sh -c 'echo ran >> {fail_log}'", Type="oneshot"),
        "onok": unit(None, f"sh -c 'echo ran >> {ok_log}'", Type="oneshot"),
    })
    # both handlers run once at boot (they are in the unit directory too)
    si.wait_for("onfail", "exited")
    si.wait_for("onok", "exited")
    assert lines(fail_log) == ["ran"] and lines(ok_log) == ["ran"]
    gate.touch()
    si.wait_for("breaks", "failed")
    si.wait_for("works", "exited")
    poll_until(lambda: lines(fail_log) == ["ran", "ran"], what="OnFailure= unit ran again")
    poll_until(lambda: lines(ok_log) == ["ran", "ran"], what="OnSuccess= unit ran again")
    # the failure did not start the success handler, nor the reverse
    si.wait_for("onfail", "exited")
    si.wait_for("onok", "exited")
    assert lines(fail_log) == ["ran", "ran"] and lines(ok_log) == ["ran", "ran"]


def test_stop_when_unneeded(svcinit, workdir):
    si = svcinit({
        "lib": unit({"StopWhenUnneeded": "yes"}),
        "app": unit({"Requires": "lib", "After": "lib"}),
        "app2": unit({"Wants": "lib", "After": "lib"}),
    })
    si.wait_for("app", "running")
    si.wait_for("app2", "running")
    si.wait_for("lib", "running")
    assert si.ctl("stop", "app").returncode == 0
    si.wait_for("app", "stopped")
    assert si.unit("lib")["state"] == "running"   # app2 still wants it
    assert si.ctl("stop", "app2").returncode == 0
    si.wait_for("lib", "stopped")
    # needed again: pulled in again
    assert si.ctl("start", "app").returncode == 0
    si.wait_for("lib", "running")


def test_requires_mounts_for_warns_and_waits_for_nothing(svcinit, workdir):
    si = svcinit({
        "m": unit({"RequiresMountsFor": f"{workdir} {workdir}/not-there"}),
    })
    u = si.wait_for("m", "running")
    assert any(w == f"RequiresMountsFor={workdir}/not-there: No such file or directory"
               for w in u["warnings"]), u


def test_targets_and_other_types_in_the_new_keys_are_dropped(svcinit, workdir):
    """Debian's units say Conflicts=shutdown.target, Before=multi-user.target,
    BindsTo=x.device: targets are reached, other types not run by svcinit;
    none of them fails or holds the unit."""
    si = svcinit({
        "deb": unit({"Before": "multi-user.target shutdown.target",
                     "Conflicts": "shutdown.target", "BindsTo": "dev-foo.device",
                     "PartOf": "network.target", "Requisite": "local-fs.target"}),
    })
    u = si.wait_for("deb", "running")
    assert u["error"] == "", u
    r = si.ctl("stop", "deb")
    assert r.returncode == 0, r


def test_check_names_a_missing_bindsto_or_requisite(workdir):
    d = workdir / "chk"
    d.mkdir()
    (d / "a.service").write_text(unit({"BindsTo": "ghost", "Requisite": "ghost2"}))
    r = subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True)
    assert r.returncode == 1, r
    assert "BindsTo=ghost: no such unit" in r.stderr + r.stdout, r
    assert "Requisite=ghost2: no such unit" in r.stderr + r.stdout, r
