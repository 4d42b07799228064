# SPDX-License-Identifier: MIT
"""A unit's basic life: running, exited, failed."""
from conftest import unit_text


def test_simple_unit_runs(svcinit):
    si = svcinit({"web": unit_text("sleep 1000", {"TimeoutStopSec": "2s"})})
    u = si.wait_for("web", "running")
    assert isinstance(u["pid"], int) and u["pid"] > 1
    assert u["ready"] is True
    assert u["exit_code"] is None and u["exit_signal"] is None
    assert u["warnings"] == [], "Namespaces=none asks for nothing that could be missing"

    p = si.ns_proc(u["pid"])
    assert p is not None, f"pid {u['pid']} is not a process of svcinit's namespace"
    assert p["state"] != "Z"
    assert p["cmdline"] == ["sleep", "1000"], p["cmdline"]
    # its own cgroup, <base>/NAME.service, from the start
    assert p["cgroup"] == f"{si.cgroup_base}/web.service", p["cgroup"]
    assert u["cgroup"] and u["cgroup"].endswith("web.service"), u["cgroup"]
    # svcinit itself sits in <base>/init.scope
    svc = si.ns_proc(1)
    assert svc["cgroup"] == f"{si.cgroup_base}/init.scope", svc["cgroup"]

    assert si.ctl("is-active", "web").returncode == 0
    # it stays up: same pid a moment later
    assert si.wait_for("web", "running", pid=u["pid"])


def test_stop_and_start(svcinit):
    si = svcinit({"web": unit_text("sleep 1000", {"TimeoutStopSec": "2s"})})
    pid = si.wait_for("web", "running")["pid"]
    r = si.ctl("stop", "web")
    assert r.returncode == 0, r.stderr
    u = si.unit("web")
    assert u["state"] == "stopped" and u["pid"] is None
    assert not si.pid_alive(pid)
    assert si.ctl("is-active", "web").returncode == 3

    r = si.ctl("start", "web")
    assert r.returncode == 0, r.stderr
    u = si.unit("web")
    assert u["state"] == "running" and si.pid_alive(u["pid"]) and u["pid"] != pid

    r = si.ctl("restart", "web")
    assert r.returncode == 0, r.stderr
    u2 = si.unit("web")
    assert u2["state"] == "running" and u2["pid"] != u["pid"] and si.pid_alive(u2["pid"])
    assert not si.pid_alive(u["pid"])


def test_oneshot_exits_0(svcinit, workdir):
    out = workdir / "job.out"
    si = svcinit({"job": unit_text(f"sh -c 'echo done > {out}; exit 0'", {"Type": "oneshot"})})
    u = si.wait_for("job", "exited")
    assert u["exit_code"] == 0 and u["exit_signal"] is None
    assert u["pid"] is None
    assert u["restarts"] == 0
    assert out.read_text() == "done\n"
    assert si.ctl("is-active", "job").returncode == 3


def test_exit_1_without_restart_fails(svcinit):
    si = svcinit({"bad": unit_text("sh -c 'exit 1'", {"Restart": "no"})})
    u = si.wait_for("bad", "failed")
    assert u["exit_code"] == 1
    assert u["exit_signal"] is None
    assert u["pid"] is None
    assert u["restarts"] == 0


def test_killed_by_signal_reports_it(svcinit):
    si = svcinit({"victim": unit_text("sh -c 'kill -KILL $$'", {"Restart": "no"})})
    u = si.wait_for("victim", "failed")
    assert u["exit_signal"] == 9, u
    assert u["exit_code"] is None, u
