# SPDX-License-Identifier: MIT
"""After=, Requires=, Wants=: start order, dependency failures, parallel
start, reverse-order shutdown and cycles."""
import os
import time

from conftest import poll_until, unit_text

PY = "/usr/bin/python3"

# sd_notify from a unit: READY=1 once every PATH given exists, then sleep.
READY_WHEN_PY = r"""
import os, socket, sys, time
for p in sys.argv[1:]:
    while not os.path.exists(p):
        time.sleep(0.05)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
while True:
    time.sleep(3600)
"""


def script(workdir, name, text):
    p = workdir / name
    p.write_text("#!/bin/sh\n" + text)
    os.chmod(p, 0o755)
    return p


def ready_when(workdir, *paths):
    p = workdir / "ready_when.py"
    if not p.exists():
        p.write_text(READY_WHEN_PY)
    return " ".join([PY, str(p), *map(str, paths)])


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
    ev = workdir / "out" / "events"
    si = svcinit({
        "db": unit(ready_when(workdir, workdir / "never"), Type="notify",
                   TimeoutStartSec="1s", Restart="no"),
        "app": marker_unit(workdir, "app", {"Requires": "db"}),
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
        "top": unit(f"{s} top", {"Requires": "mid"}),
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
    # top stops before mid (Requires=), mid before base (After=)
    assert got.index("top stop-end") < got.index("mid stop-begin"), got
    assert got.index("mid stop-end") < got.index("base stop-begin"), got


# ---------------------------------------------------------------- cycles

def test_dependency_cycle(svcinit, workdir):
    ev = workdir / "out" / "events"
    si = svcinit({
        "a": marker_unit(workdir, "a", {"After": "b"}),
        "b": marker_unit(workdir, "b", {"Requires": "c"}),
        "c": marker_unit(workdir, "c", {"After": "a"}),
        "free": marker_unit(workdir, "free"),
        "follower": marker_unit(workdir, "follower", {"After": "a"}),
    })
    si.wait_for("free", "running")
    si.wait_for("follower", "running")
    m = si.wait_log(r"dependency cycle: (\S+) (\S+) (\S+)")
    assert sorted(m.groups()) == ["a", "b", "c"], m.group(0)
    time.sleep(0.5)   # a negative check: nothing on the cycle starts
    for n in "abc":
        u = si.unit(n)
        assert u["state"] != "running" and u["pid"] is None, u
        assert "dependency cycle" in u["error"], u
    assert sorted(lines(ev)) == ["follower start", "free start"]
    # asking does not help
    r = si.ctl("start", "a")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "cycle" in r.stdout + r.stderr
