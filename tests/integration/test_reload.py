# SPDX-License-Identifier: MIT
"""svcctl reload and SIGHUP: new units start, removed ones stop, changed ones
restart, unchanged ones are left alone; a broken file keeps the old one."""
import os
import re
import signal
import time

from conftest import poll_until, unit_text, write_units


def versioned(workdir, name, version, extra=None):
    """A unit that records which definition it runs, then sleeps."""
    svc = {"TimeoutStopSec": "3s"}
    svc.update(extra or {})
    return unit_text(f"sh -c 'echo {version} > {workdir}/out/{name}.v; exec sleep 1000'", svc)


def version_of(workdir, name):
    try:
        return (workdir / "out" / f"{name}.v").read_text().strip()
    except FileNotFoundError:
        return None


def host_pid(si, nspid):
    p = si.ns_proc(nspid)
    return p["host"] if p else None


def gone(si, nspid, host):
    """The process that had nspid (host pid `host`) has ended (not a zombie)."""
    p = si.ns_proc(nspid)
    return p is None or p["host"] != host


def start_four(svcinit, workdir):
    si = svcinit({
        "keep": versioned(workdir, "keep", "k1"),
        "change": versioned(workdir, "change", "c1"),
        "drop": versioned(workdir, "drop", "d1"),
    })
    before = {n: si.wait_for(n, "running") for n in ("keep", "change", "drop")}
    poll_until(lambda: version_of(workdir, "change") == "c1", what="change to run")
    hosts = {n: host_pid(si, u["pid"]) for n, u in before.items()}
    assert all(hosts.values()), hosts
    # the new directory: one new, one removed, one changed, one as it was
    (si.units_dir / "drop.service").unlink()
    write_units(si.units_dir, {
        "change": versioned(workdir, "change", "c2"),
        "new": versioned(workdir, "new", "n1"),
        # rewritten, but the same definition
        "keep": versioned(workdir, "keep", "k1"),
    })
    return si, before, hosts


def check_reloaded(si, workdir, before, hosts):
    si.wait_for("new", "running")
    poll_until(lambda: version_of(workdir, "new") == "n1", what="the new unit to run")
    # changed: restarted on the new definition
    u = si.wait_for("change", "running", pid=lambda p: p is not None and p != before["change"]["pid"])
    poll_until(lambda: version_of(workdir, "change") == "c2", what="change to run its new definition")
    poll_until(lambda: gone(si, before["change"]["pid"], hosts["change"]),
               what="change's old process to end")
    assert si.pid_alive(u["pid"])
    # removed: stopped, and no longer known
    poll_until(lambda: "drop" not in si.units(), what="drop to vanish from status")
    poll_until(lambda: gone(si, before["drop"]["pid"], hosts["drop"]), what="drop's process to end")
    assert si.ctl("status", "drop").returncode == 3
    # unchanged: the very same process
    k = si.unit("keep")
    assert k["state"] == "running" and k["pid"] == before["keep"]["pid"], k
    assert host_pid(si, k["pid"]) == hosts["keep"]
    assert k["restarts"] == 0


def test_svcctl_reload(svcinit, workdir):
    si, before, hosts = start_four(svcinit, workdir)
    r = si.ctl("reload")
    assert r.returncode == 0, (r.stdout, r.stderr)
    check_reloaded(si, workdir, before, hosts)


def test_sighup_reloads(svcinit, workdir):
    si, before, hosts = start_four(svcinit, workdir)
    si.signal(signal.SIGHUP)
    check_reloaded(si, workdir, before, hosts)
    assert si.alive()


def test_reload_with_nothing_changed(svcinit, workdir):
    si = svcinit({"a": versioned(workdir, "a", "1"), "b": versioned(workdir, "b", "1")})
    before = {n: si.wait_for(n, "running")["pid"] for n in "ab"}
    for _ in range(3):
        r = si.ctl("reload")
        assert r.returncode == 0, (r.stdout, r.stderr)
    time.sleep(0.5)   # a negative check: nobody restarts
    after = {n: si.unit(n) for n in "ab"}
    assert {n: u["pid"] for n, u in after.items()} == before, after
    assert all(u["state"] == "running" and u["restarts"] == 0 for u in after.values()), after


def test_reload_with_errors_keeps_the_old_definition(svcinit, workdir):
    si = svcinit({"svc": versioned(workdir, "svc", "v1"), "other": versioned(workdir, "other", "o1")})
    old = si.wait_for("svc", "running")
    si.wait_for("other", "running")

    # break svc (an unknown key on line 4), add one good and one broken unit
    (si.units_dir / "svc.service").write_text(
        f"[Service]\nExecStart=sh -c 'echo v2 > {workdir}/out/svc.v; exec sleep 1000'\n"
        "Namespaces=none\nNoSuchKey=1\n")
    write_units(si.units_dir, {
        "fresh": versioned(workdir, "fresh", "f1"),
        "broken": "[Service]\nExecStart=sleep 1000\nNamespaces=none\nRestart=sometimes\n",
    })
    r = si.ctl("reload")
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    msg = r.stdout + r.stderr
    assert re.search(r"svc\.service:4:", msg), msg
    assert re.search(r"broken\.service:4:", msg), msg
    assert "NoSuchKey" in msg and "Restart" in msg, msg

    # the good news is applied, the broken files change nothing
    si.wait_for("fresh", "running")
    time.sleep(0.5)   # a negative check: svc keeps running its old definition
    u = si.unit("svc")
    assert u["state"] == "running" and u["pid"] == old["pid"], u
    assert version_of(workdir, "svc") == "v1"
    assert si.units().get("broken", {}).get("state") in (None, "stopped", "failed")
    assert si.unit("other")["state"] == "running"

    # again: still an error, still nothing happens
    r = si.ctl("reload")
    assert r.returncode == 1
    assert si.unit("svc")["pid"] == old["pid"]

    # fixed: now it changes
    (si.units_dir / "svc.service").write_text(versioned(workdir, "svc", "v3"))
    (si.units_dir / "broken.service").unlink()
    r = si.ctl("reload")
    assert r.returncode == 0, (r.stdout, r.stderr)
    si.wait_for("svc", "running", pid=lambda p: p is not None and p != old["pid"])
    poll_until(lambda: version_of(workdir, "svc") == "v3", what="svc to run v3")


def test_reload_starts_a_unit_whose_file_was_fixed(svcinit, workdir):
    si = svcinit({
        "ok": versioned(workdir, "ok", "1"),
        "late": "[Service]\nExecStart=sleep 1000\nNamespaces=none\nBogus=1\n",
    })
    si.wait_for("ok", "running")
    assert si.units().get("late", {}).get("state") in (None, "stopped", "failed")
    write_units(si.units_dir, {"late": versioned(workdir, "late", "1")})
    r = si.ctl("reload")
    assert r.returncode == 0, (r.stdout, r.stderr)
    si.wait_for("late", "running")
    poll_until(lambda: version_of(workdir, "late") == "1", what="late to run")


def test_reload_restarts_a_failed_unit_whose_definition_changed(svcinit, workdir):
    si = svcinit({"f": unit_text(f"sh -c 'echo 1 > {workdir}/out/f.v; exit 1'", {"Restart": "no"})})
    si.wait_for("f", "failed")
    write_units(si.units_dir, {"f": versioned(workdir, "f", "2")})
    assert si.ctl("reload").returncode == 0
    si.wait_for("f", "running")
    poll_until(lambda: version_of(workdir, "f") == "2", what="f to run its new definition")


def test_removing_a_required_unit_stops_its_dependents(svcinit, workdir):
    si = svcinit({
        "db": versioned(workdir, "db", "1"),
        "app": unit_text("sleep 1000", {"TimeoutStopSec": "3s"}, unit={"Requires": "db"}),
    })
    si.wait_for("db", "running")
    si.wait_for("app", "running")
    (si.units_dir / "db.service").unlink()
    assert si.ctl("reload").returncode == 0
    poll_until(lambda: "db" not in si.units(), what="db to vanish")
    u = si.wait_for("app", "stopped")
    assert u["result"] == "dependency" and "db" in u["error"], u


def test_reload_needs_root(svcinit, workdir):
    si = svcinit({"a": versioned(workdir, "a", "1")})
    si.wait_for("a", "running")
    write_units(si.units_dir, {"b": versioned(workdir, "b", "1")})
    r = si.ctl("reload", user=65534)
    assert r.returncode == 4, (r.returncode, r.stdout, r.stderr)
    time.sleep(0.3)   # a negative check
    assert "b" not in si.units()


def test_sighup_goes_to_the_command_when_there_is_one(svcinit, workdir):
    hup, ready, quit_ = workdir / "out" / "hup", workdir / "ready", workdir / "quit"
    cmd = workdir / "cmd.sh"
    cmd.write_text(f"""#!/bin/sh
trap 'echo HUP >> {hup}' HUP
echo > {ready}
while [ ! -e {quit_} ]; do sleep 0.05; done
exit 0
""")
    os.chmod(cmd, 0o755)
    si = svcinit({"a": versioned(workdir, "a", "1")}, command=[str(cmd)], wait=False)
    si.wait_ready()
    poll_until(ready.exists, what="COMMAND to set its trap")
    write_units(si.units_dir, {"b": versioned(workdir, "b", "1")})
    si.signal(signal.SIGHUP)
    poll_until(hup.exists, what="COMMAND to get SIGHUP")
    time.sleep(0.5)   # a negative check: no reload happened
    assert "b" not in si.units()
    # an explicit reload still works
    assert si.ctl("reload").returncode == 0
    si.wait_for("b", "running")
    quit_.touch()
    assert si.wait_exit() == 0, si.log()


# ---------------------------------------------------------------- issue 12, finding 9

def slow_stop(workdir, name, version):
    """Records its version, takes 1.5 s to stop on SIGTERM."""
    return unit_text(
        f"sh -c 'echo {version} > {workdir}/out/{name}.v; "
        f"trap \"sleep 1.5; exit 0\" TERM; while :; do sleep 0.1; done'",
        {"TimeoutStopSec": "10s"})


def test_reload_change_reverted_while_stopping(svcinit, workdir):
    """v1 -> v2 (reload: the unit is stopping) -> v1 again (reload): the unit
    comes back with v1. The second reload used to compare with the running
    v1, find no change, and start the pending v2."""
    si = svcinit({"s": slow_stop(workdir, "s", "v1")})
    old = si.wait_for("s", "running")
    poll_until(lambda: version_of(workdir, "s") == "v1", what="s to run v1")
    write_units(si.units_dir, {"s": slow_stop(workdir, "s", "v2")})
    assert si.ctl("reload").returncode == 0
    si.wait_for("s", "stopping")
    write_units(si.units_dir, {"s": slow_stop(workdir, "s", "v1")})
    (workdir / "out" / "s.v").unlink()
    assert si.ctl("reload").returncode == 0
    si.wait_for("s", "running", pid=lambda p: p is not None and p != old["pid"])
    poll_until(lambda: version_of(workdir, "s") is not None, what="s to record its version")
    assert version_of(workdir, "s") == "v1"


def test_reload_keeps_a_stopped_unit_stopped(svcinit, workdir):
    """A unit the admin stopped stays stopped when a reload changes its file;
    its next start runs the new definition."""
    si = svcinit({"s": versioned(workdir, "s", "v1"), "t": slow_stop(workdir, "t", "t1")})
    si.wait_for("s", "running")
    si.wait_for("t", "running")
    assert si.ctl("stop", "s").returncode == 0
    si.wait_for("s", "stopped")
    # t: stopped by the admin and still stopping when the reload comes
    import subprocess
    stopper = subprocess.Popen([str(__import__("conftest").SVCCTL), "-s", str(si.sock), "stop", "t"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        si.wait_for("t", "stopping")
        write_units(si.units_dir, {"s": versioned(workdir, "s", "v2"), "t": slow_stop(workdir, "t", "t2")})
        assert si.ctl("reload").returncode == 0
        assert stopper.wait(timeout=30) == 0
    finally:
        if stopper.poll() is None:
            stopper.kill()
            stopper.wait()
    si.wait_for("t", "stopped")
    time.sleep(1)   # a negative check: nothing starts them again
    for n in "st":
        u = si.unit(n)
        assert u["state"] == "stopped" and u["pid"] is None, u
    assert version_of(workdir, "s") == "v1" and version_of(workdir, "t") == "t1"
    # the next start takes the new definition
    assert si.ctl("start", "s", "t").returncode == 0
    poll_until(lambda: version_of(workdir, "s") == "v2", what="s to run v2")
    poll_until(lambda: version_of(workdir, "t") == "t2", what="t to run t2")
