# SPDX-License-Identifier: MIT
"""After=, Requires=, Wants=: start order, dependency failures, parallel
start, reverse-order shutdown and cycles. As in systemd, only After= (and
Before=) order; Requires= and Wants= pull units in (SPEC, "What the keys do")."""
import os
import re
import subprocess
import time

from conftest import SVCCTL, poll_until, unit_text
from harness import ready_when, script


def unit(exec_start, unit_keys=None, **service):
    svc = {"TimeoutStopSec": "3s"}
    svc.update(service)
    return unit_text(exec_start, svc, unit=unit_keys)


def lines(path):
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []


def marker_unit(workdir, name, unit_keys=None, **service):
    """A simple unit that appends `NAME start` to out/events, then sleeps."""
    ev = workdir / "out" / "events"
    return unit(f"sh -c 'echo {name} start >> {ev}; exec sleep 1000'", unit_keys, **service)


# ---------------------------------------------------------------- After=

def test_after_waits_until_ready(svcinit, workdir):
    gate = workdir / "gate"
    ev = workdir / "out" / "events"
    si = svcinit({
        "db": unit(ready_when(workdir, gate), Type="notify"),
        "web": marker_unit(workdir, "web", {"After": "db"}),
    })
    si.wait_for("db", "starting")
    time.sleep(1)   # a negative check: web must not start while db is not ready
    u = si.unit("web")
    assert u["state"] == "stopped" and u["pid"] is None, u
    assert u.get("waiting") in (True, None), u
    assert lines(ev) == []
    gate.touch()
    si.wait_for("web", "running")
    assert si.unit("db")["state"] == "running"
    assert lines(ev) == ["web start"]


def test_after_chain_starts_in_order(svcinit, workdir):
    ev = workdir / "out" / "events"
    # each notify unit records its start, gets ready only after a pause
    s = script(workdir, "step.sh", f"""
echo "$1 start" >> {ev}
sleep 0.3
echo "$1 ready" >> {ev}
exec {ready_when(workdir)}
""")
    si = svcinit({
        "c": unit(f"{s} c", {"After": "b"}, Type="notify"),
        "b": unit(f"{s} b", {"After": "a"}, Type="notify"),
        "a": unit(f"{s} a", Type="notify"),
    })
    for n in "abc":
        si.wait_for(n, "running", ready=True)
    got = lines(ev)
    assert got == ["a start", "a ready", "b start", "b ready", "c start", "c ready"], got


def test_after_a_failed_or_missing_unit_does_not_block(svcinit, workdir):
    si = svcinit({
        "broken": unit("sh -c 'exit 1'", Restart="no"),
        "afterbroken": unit("sleep 1000", {"After": "broken"}),
        "aftermissing": unit("sleep 1000", {"After": "no-such-unit"}),
    })
    si.wait_for("broken", "failed")
    si.wait_for("afterbroken", "running")
    si.wait_for("aftermissing", "running")


def test_independent_units_start_in_parallel(svcinit, workdir):
    """Each unit gets ready only once all of them have started: only a
    parallel start can make them all ready."""
    names = ["p1", "p2", "p3", "p4"]
    marks = [workdir / "out" / f"{n}.started" for n in names]
    s = script(workdir, "par.sh", f"""
touch {workdir}/out/$1.started
exec {ready_when(workdir, *marks)}
""")
    units = {n: unit(f"{s} {n}", Type="notify", TimeoutStartSec="60s") for n in names}
    si = svcinit(units)
    for n in names:
        si.wait_for(n, "running", ready=True, timeout=30)


# ---------------------------------------------------------------- Requires=

def test_requires_fails_when_the_required_unit_fails(svcinit, workdir):
    """Requires= and After=: app waits for db, and never starts when db fails."""
    ev = workdir / "out" / "events"
    si = svcinit({
        "db": unit(ready_when(workdir, workdir / "never"), Type="notify",
                   TimeoutStartSec="1s", Restart="no"),
        "app": marker_unit(workdir, "app", {"Requires": "db", "After": "db"}),
        "other": marker_unit(workdir, "other"),
    })
    si.wait_for("db", "failed")
    u = si.wait_for("app", result="dependency")
    assert u["state"] in ("stopped", "failed"), u
    assert u["pid"] is None, u
    assert "db" in u["error"], u
    assert "app start" not in lines(ev)
    si.wait_for("other", "running")
    assert si.ctl("is-active", "app").returncode == 3


# A notify unit that waits for PATH, then exits 1 without READY=1.
FAIL_WHEN_SH = "sh -c 'while [ ! -e {gate} ]; do sleep 0.05; done; exit 1'"


def test_requires_without_after_starts_in_parallel(svcinit, workdir):
    """Requires= alone does not order (systemd.unit(5)): app starts while db
    is still starting; db failing still takes app down. It used to wait."""
    gate = workdir / "gate"
    si = svcinit({
        "db": unit(FAIL_WHEN_SH.format(gate=gate), Type="notify", TimeoutStartSec="60s",
                   Restart="no"),
        "app": marker_unit(workdir, "app", {"Requires": "db"}),
    })
    si.wait_for("db", "starting")
    si.wait_for("app", "running", timeout=20)
    assert si.unit("db")["state"] == "starting", si.unit("db")
    # running is the exec; the line comes after it
    poll_until(lambda: lines(workdir / "out" / "events") == ["app start"], what="app's start line")
    gate.touch()
    si.wait_for("db", "failed")
    u = si.wait_for("app", "stopped", result="dependency")
    assert "db" in u["error"], u
    assert u["pid"] is None, u


def test_requires_stops_the_unit_when_the_required_one_stops(svcinit, workdir):
    si = svcinit({
        "db": unit("sleep 1000"),
        "app": unit("sleep 1000", {"Requires": "db"}),
    })
    si.wait_for("db", "running")
    app = si.wait_for("app", "running")
    r = si.ctl("stop", "db")
    assert r.returncode == 0, r.stderr
    u = si.wait_for("app", "stopped", result="dependency")
    assert "db" in u["error"], u
    assert u["pid"] is None
    poll_until(lambda: not si.pid_alive(app["pid"]), what="app's process to end")

    # `svcctl start app` brings db up too
    r = si.ctl("start", "app")
    assert r.returncode == 0, (r.stdout, r.stderr)
    si.wait_for("db", "running")
    si.wait_for("app", "running")


def test_requires_stops_the_unit_when_the_required_one_fails(svcinit, workdir):
    si = svcinit({
        "db": unit("sleep 1000", Restart="no"),
        "app": unit("sleep 1000", {"Requires": "db"}),
    })
    db = si.wait_for("db", "running")
    si.wait_for("app", "running")
    p = si.ns_proc(db["pid"])
    assert p, db
    os.kill(p["host"], 9)
    si.wait_for("db", "failed")
    u = si.wait_for("app", "stopped", result="dependency")
    assert "db" in u["error"], u


def test_requires_a_oneshot_that_succeeded(svcinit, workdir):
    ev = workdir / "out" / "events"
    s = script(workdir, "setup.sh", f"sleep 0.5\necho setup done >> {ev}\n")
    si = svcinit({
        "setup": unit(str(s), Type="oneshot"),
        "app": marker_unit(workdir, "app", {"Requires": "setup", "After": "setup"}),
    })
    si.wait_for("setup", "exited", ready=True)
    si.wait_for("app", "running")
    assert lines(ev) == ["setup done", "app start"]
    time.sleep(0.5)   # a negative check: a oneshot that is done is not a stop
    u = si.unit("app")
    assert u["state"] == "running" and u["result"] != "dependency", u


def test_requires_a_missing_unit(svcinit, workdir):
    ev = workdir / "out" / "events"
    si = svcinit({
        "app": marker_unit(workdir, "app", {"Requires": "ghost"}),
        "fine": marker_unit(workdir, "fine"),
    })
    si.wait_for("fine", "running")
    u = si.wait_for("app", result="dependency")
    assert u["state"] != "running" and u["pid"] is None, u
    assert "ghost" in u["error"] and "no such unit" in u["error"], u
    assert "app start" not in lines(ev)


def test_wait_on_a_unit_whose_requirement_failed(svcinit, workdir):
    si = svcinit({
        "db": unit("sh -c 'exit 1'", Restart="no"),
        "app": unit("sleep 1000", {"Requires": "db"}),
    })
    si.wait_for("app", result="dependency")
    t0 = time.monotonic()
    r = si.ctl("wait", "--timeout", "10", "app")
    took = time.monotonic() - t0
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert took < 5, f"svcctl wait took {took:.1f}s to report a unit that cannot start"


# ---------------------------------------------------------------- Wants=

def test_wants_starts_the_unit_and_never_fails_because_of_it(svcinit, workdir):
    si = svcinit({
        "helper": unit("sleep 1000"),
        "app": unit("sleep 1000", {"Wants": "helper flaky ghost"}),
        "flaky": unit("sh -c 'exit 1'", Restart="no"),
    })
    si.wait_for("helper", "running")
    si.wait_for("flaky", "failed")
    app = si.wait_for("app", "running")

    # stop both; starting app brings helper up again
    assert si.ctl("stop", "app", "helper").returncode == 0
    si.wait_for("helper", "stopped")
    r = si.ctl("start", "app")
    assert r.returncode == 0, (r.stdout, r.stderr)
    si.wait_for("helper", "running")
    si.wait_for("app", "running")

    # helper stopping or failing never takes app down
    assert si.ctl("stop", "helper").returncode == 0
    time.sleep(0.5)   # a negative check
    u = si.unit("app")
    assert u["state"] == "running" and u["result"] != "dependency", u
    assert app["pid"] != u["pid"] or si.pid_alive(u["pid"])


# ---------------------------------------------------------------- shutdown

def test_shutdown_in_reverse_order(svcinit, workdir):
    ev = workdir / "out" / "events"
    # on SIGTERM: note the begin, take a while, note the end
    s = script(workdir, "slowstop.sh", f"""
trap 'echo "$1 stop-begin" >> {ev}; sleep 0.5; echo "$1 stop-end" >> {ev}; exit 0' TERM
echo "$1 start" >> {ev}
while :; do sleep 0.1; done
""")
    si = svcinit({
        "base": unit(f"{s} base"),
        "mid": unit(f"{s} mid", {"After": "base"}),
        "top": unit(f"{s} top", {"Requires": "mid", "After": "mid"}),
        "side": unit(f"{s} side"),
    })
    for n in ("base", "mid", "top", "side"):
        si.wait_for(n, "running")
    poll_until(lambda: len([x for x in lines(ev) if x.endswith(" start")]) == 4,
               what="every unit to record its start")
    assert si.stop() == 0, si.log()
    got = [x for x in lines(ev) if "stop" in x]
    for n in ("base", "mid", "top", "side"):
        assert f"{n} stop-begin" in got and f"{n} stop-end" in got, got
    # top stops before mid, mid before base (After=)
    assert got.index("top stop-end") < got.index("mid stop-begin"), got
    assert got.index("mid stop-end") < got.index("base stop-begin"), got


def test_requires_alone_does_not_order_shutdown(svcinit, workdir):
    """top: Requires=mid without After=: both get their stop at once (each
    takes 2 s to stop; in order, mid's would begin after top's ended)."""
    ev = workdir / "out" / "events"
    s = script(workdir, "slowstop.sh", f"""
trap 'echo "$1 stop-begin" >> {ev}; sleep 2; echo "$1 stop-end" >> {ev}; exit 0' TERM
echo "$1 start" >> {ev}
while :; do sleep 0.1; done
""")
    si = svcinit({
        "mid": unit(f"{s} mid", TimeoutStopSec="20s"),
        "top": unit(f"{s} top", {"Requires": "mid"}, TimeoutStopSec="20s"),
    })
    for n in ("mid", "top"):
        si.wait_for(n, "running")
    poll_until(lambda: len([x for x in lines(ev) if x.endswith(" start")]) == 2,
               what="both units to record their start")
    assert si.stop(timeout=60) == 0, si.log()
    got = [x for x in lines(ev) if "stop" in x]
    assert got.index("mid stop-begin") < got.index("top stop-end"), got
    assert got.index("top stop-begin") < got.index("mid stop-end"), got


# ---------------------------------------------------------------- cycles

def test_dependency_cycle(svcinit, workdir):
    """a After=b, b After=c, c After=a: logged, and the three run as if the
    ordering inside the cycle were absent (they used to stay down); the
    edges from and to units outside it still hold: b waits for base,
    follower for a; start, stop and shutdown work."""
    ev = workdir / "out" / "events"
    agate, bgate = workdir / "agate", workdir / "bgate"
    si = svcinit({
        "a": unit(f"sh -c 'echo a start >> {ev}; exec {ready_when(workdir, agate)}'",
                  {"After": "b"}, Type="notify", TimeoutStartSec="120s"),
        "b": marker_unit(workdir, "b", {"After": "c base"}),
        "c": marker_unit(workdir, "c", {"After": "a"}),
        "base": unit(ready_when(workdir, bgate), Type="notify", TimeoutStartSec="120s"),
        "free": marker_unit(workdir, "free"),
        "follower": marker_unit(workdir, "follower", {"After": "a"}),
    })
    m = si.wait_log(r"dependency cycle: (\S+) (\S+) (\S+)")
    assert sorted(m.groups()) == ["a", "b", "c"], m.group(0)
    si.wait_for("free", "running")
    si.wait_for("c", "running")
    si.wait_for("a", "starting")
    si.wait_for("base", "starting")
    time.sleep(1)   # a negative check: b waits for base, follower for a
    for n in ("b", "follower"):
        u = si.unit(n)
        assert u["state"] == "stopped" and u["pid"] is None, u
    assert sorted(lines(ev)) == ["a start", "c start", "free start"]
    bgate.touch()
    si.wait_for("b", "running")
    assert si.unit("follower")["state"] == "stopped"
    agate.touch()
    si.wait_for("a", "running", ready=True)
    si.wait_for("follower", "running")
    for n in "abc":
        assert si.unit(n)["error"] == "", si.unit(n)
    assert len(re.findall(r"dependency cycle: ", si.log())) == 1, si.log()   # logged once
    # stop and start on the cycle
    assert si.ctl("stop", "c").returncode == 0
    si.wait_for("c", "stopped")
    r = si.ctl("start", "c")
    assert r.returncode == 0, (r.stdout, r.stderr)
    si.wait_for("c", "running")
    assert si.stop(timeout=30) == 0, si.log()


# ---------------------------------------------------------------- pull cycles (issue 12, finding 2)
#
# As in systemd, Wants= and Requires= pull units in; a cycle of pulls is no
# error (both units run). Only an ordering cycle (After=/Before=) is one.

def test_start_on_a_wants_cycle(svcinit, workdir):
    """`svcctl start a` with a: Wants=b, b: Wants=a used to recurse without
    end in svc_start and crash PID 1 (stack overflow)."""
    si = svcinit({
        "a": marker_unit(workdir, "a", {"Wants": "b"}),
        "b": marker_unit(workdir, "b", {"Wants": "a"}),
        "other": marker_unit(workdir, "other"),
    })
    for n in ("a", "b", "other"):
        si.wait_for(n, "running")
    assert si.ctl("stop", "a", "b").returncode == 0
    si.wait_for("a", "stopped")
    si.wait_for("b", "stopped")
    r = si.ctl("start", "a")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr, si.log())
    assert si.alive(), si.log()
    si.wait_for("a", "running")
    si.wait_for("b", "running")
    assert si.unit("other")["state"] == "running"


def test_long_wants_ring(svcinit, workdir):
    """A ring of 300 Wants= (and Requires= one way) is pulled in without
    recursion: starting one unit brings all of them up."""
    n = 300
    units = {}
    for i in range(n):
        keys = {"Wants": f"r{(i + 1) % n}"}
        if i % 2:
            keys["Requires"] = f"r{(i - 1) % n}"
        units[f"r{i}"] = unit("sleep 1000", keys)
    si = svcinit(units)
    si.wait_for(lambda s: all(u["state"] == "running" for u in s.units().values()), timeout=120)
    names = [f"r{i}" for i in range(n)]
    for i in range(0, n, 100):
        assert si.ctl("stop", *names[i:i + 100], timeout=120).returncode == 0
    si.wait_for(lambda s: all(u["state"] == "stopped" for u in s.units().values()), timeout=120)
    r = si.ctl("start", "r0", timeout=120)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    si.wait_for(lambda s: all(u["state"] == "running" for u in s.units().values()), timeout=120)
    assert si.alive()


def test_reload_adds_a_pull_cycle(svcinit, workdir):
    """A reload that adds a: Requires=b, b: Wants=a used to crash PID 1
    without any start (svcctl start): new units are started by the reload."""
    from conftest import write_units
    si = svcinit({"c": marker_unit(workdir, "c"), "d": marker_unit(workdir, "d")})
    pc = si.wait_for("c", "running")["pid"]
    si.wait_for("d", "running")
    write_units(si.units_dir, {
        "a": marker_unit(workdir, "a", {"Requires": "b"}),
        "b": marker_unit(workdir, "b", {"Wants": "a"}),
        # and changed ones: c Wants=d, d Wants=c
        "c": marker_unit(workdir, "c", {"Wants": "d"}),
        "d": marker_unit(workdir, "d", {"Wants": "c"}),
    })
    assert si.ctl("stop", "d").returncode == 0
    r = si.ctl("reload")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr, si.log())
    assert si.alive(), si.log()
    si.wait_for("a", "running")
    si.wait_for("b", "running")
    si.wait_for("c", "running", pid=lambda p: p is not None and p != pc)
    assert si.ctl("start", "c").returncode == 0
    si.wait_for("d", "running")
    assert si.alive()


def test_check_accepts_a_pull_cycle(svcinit, workdir):
    import subprocess
    from conftest import SVCINIT, write_units
    d = workdir / "check"
    write_units(d, {
        "a": unit("sleep 1", {"Wants": "b", "Requires": "c"}),
        "b": unit("sleep 1", {"Wants": "a"}),
        "c": unit("sleep 1", {"Wants": "a b"}),
    })
    r = subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, (r.stdout, r.stderr)
    # After= one way, Requires= the other: Requires= does not order, no cycle
    write_units(d, {"b": unit("sleep 1", {"After": "a", "Requires": "a"})})
    write_units(d, {"c": unit("sleep 1", {"After": "b"})})   # a Requires=c only
    r = subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, (r.stdout, r.stderr)
    # an ordering cycle is an error of --check naming its units: a -> c -> b -> a
    write_units(d, {"a": unit("sleep 1", {"Wants": "b", "Requires": "c", "After": "c"})})
    r = subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "dependency cycle: a b c" in r.stderr, r.stderr


# ---------------------------------------------------------------- cycles and reload (finding 3)

def test_cycle_added_by_a_reload_does_not_hang_shutdown(svcinit, workdir):
    """a: After=b, b: After=a added by a reload: the check used to look at the
    running definitions; both kept running and SIGTERM never ended. Now both
    run their new definitions (the cycle's ordering is as if absent) and
    shutdown ends."""
    from conftest import write_units
    si = svcinit({"a": marker_unit(workdir, "a"), "b": marker_unit(workdir, "b")})
    pids = {n: si.wait_for(n, "running")["pid"] for n in "ab"}
    write_units(si.units_dir, {
        "a": marker_unit(workdir, "a", {"After": "b"}),
        "b": marker_unit(workdir, "b", {"After": "a"}),
    })
    r = si.ctl("reload")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    m = si.wait_log(r"dependency cycle: (\S+) (\S+)")
    assert sorted(m.groups()) == ["a", "b"], m.group(0)
    for n in "ab":
        u = si.wait_for(n, "running", pid=lambda p, n=n: p is not None and p != pids[n])
        assert u["error"] == "", u
    assert si.stop(timeout=30) == 0, si.log()


def test_reload_puts_a_waiting_unit_on_a_cycle(svcinit, workdir):
    """w waits for base (After=); a reload makes w: After=base x and
    x: After=w. w used to be failed at once ("dependency cycle"); now the
    cycle's edges are as if absent: x runs its new definition, w still waits
    for base (an edge from outside the cycle) and starts once base is ready."""
    from conftest import write_units
    gate = workdir / "gate"
    si = svcinit({
        "base": unit(ready_when(workdir, gate), Type="notify", TimeoutStartSec="120s"),
        "w": marker_unit(workdir, "w", {"After": "base"}),
        "x": marker_unit(workdir, "x"),
    })
    si.wait_for("base", "starting")
    px = si.wait_for("x", "running")["pid"]
    u = si.unit("w")
    assert u["state"] == "stopped" and u.get("waiting") in (True, None), u
    write_units(si.units_dir, {
        "w": marker_unit(workdir, "w", {"After": "base x"}),
        "x": marker_unit(workdir, "x", {"After": "w"}),
    })
    r = si.ctl("reload")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    m = si.wait_log(r"dependency cycle: (\S+) (\S+)")
    assert sorted(m.groups()) == ["w", "x"], m.group(0)
    si.wait_for("x", "running", pid=lambda p: p is not None and p != px)
    time.sleep(1)   # a negative check: w still waits for base
    u = si.unit("w")
    assert u["state"] == "stopped" and u["pid"] is None and u["error"] == "", u
    assert u["result"] != "dependency", u
    gate.touch()
    si.wait_for("base", "running", ready=True)
    u = si.wait_for("w", "running")
    assert u["error"] == "", u
    # "running" is the exec; the line comes a moment later
    ev = workdir / "out" / "events"
    poll_until(lambda: "w start" in lines(ev), what="w's start line")
    assert lines(ev).count("w start") == 1
    assert len(re.findall(r"dependency cycle: ", si.log())) == 1, si.log()   # logged once
    assert si.stop(timeout=30) == 0, si.log()


def test_cycle_removed_by_a_reload_orders_its_units_again(svcinit, workdir):
    """a After=b, b After=a: both run at boot. A reload takes b's After= away:
    from then on a comes after b again (a restart of both shows it)."""
    from conftest import write_units
    ev_path = workdir / "out" / "events"
    si = svcinit({
        "a": marker_unit(workdir, "a", {"After": "b"}),
        "b": marker_unit(workdir, "b", {"After": "a"}),
        "free": marker_unit(workdir, "free"),
    })
    si.wait_for("free", "running")
    si.wait_log(r"dependency cycle")
    si.wait_for("a", "running")
    pb = si.wait_for("b", "running")["pid"]
    # b no longer comes after a; b gets ready 0.5 s after its start
    write_units(si.units_dir, {
        "b": unit(f"sh -c 'echo b start >> {ev_path}; sleep 0.5; echo b ready >> {ev_path}; "
                  f"exec {ready_when(workdir)}'", Type="notify")})
    r = si.ctl("reload")
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    si.wait_for("b", "running", ready=True, pid=lambda p: p is not None and p != pb)
    assert si.ctl("stop", "a", "b").returncode == 0
    si.wait_for("a", "stopped")
    si.wait_for("b", "stopped")
    ev_path.write_text("")
    # (b first: svcctl start looks at its names one by one, and a b that is
    # not wanted yet holds nobody back)
    assert si.ctl("start", "b", "a").returncode == 0
    si.wait_for("b", "running", ready=True)
    si.wait_for("a", "running")
    # "running" may come before a's shell has written its line
    poll_until(lambda: len(lines(ev_path)) >= 3, 20, "a's start line")
    ev = lines(ev_path)
    assert ev == ["b start", "b ready", "a start"], ev
    assert si.stop() == 0, si.log()


def test_start_of_several_units_keeps_their_order(svcinit, workdir):
    """svcctl start a b, a After=b: one request, so a waits for b, whatever
    the order of the names (it used to start a at once: b was not yet
    wanted when a was looked at)."""
    gate = workdir / "gate"
    gate.touch()
    si = svcinit({
        "b": unit_text(f"sh -c 'while [ ! -e {gate} ]; do sleep 0.05; done'", {"Type": "oneshot"}),
        "a": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}, unit={"After": "b"}),
    })
    si.wait_for("b", "exited")
    si.wait_for("a", "running")
    assert si.ctl("stop", "a", "b").returncode == 0
    si.wait_for("a", "stopped")
    gate.unlink()
    p = subprocess.Popen([str(SVCCTL), "-s", str(si.sock), "start", "a", "b"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        si.wait_for("b", "starting")
        a = si.wait_for("a", waiting=True)
        assert a["state"] != "running" and a["pid"] is None, a
        gate.touch()
        assert p.wait(timeout=60) == 0, p.stderr.read()
        si.wait_for("a", "running")
        assert si.unit("b")["state"] == "exited"
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
