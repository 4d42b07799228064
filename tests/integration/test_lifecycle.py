# SPDX-License-Identifier: MIT
"""A unit's basic life: running, exited, failed."""
import os
import signal

from conftest import poll_until, unit_text
from harness import script
from procfs import proc_cgroup_v2


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
    # svcinit itself is not in <base> (--cgroup names another): it stays in
    # the cgroup it started in, as the tests' own process
    svc = si.ns_proc(1)
    assert svc["cgroup"] == proc_cgroup_v2(os.getpid()), svc["cgroup"]

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
    si = svcinit({"victim": unit_text("sh -c 'kill -KILL $$$$'", {"Restart": "no"})})
    u = si.wait_for("victim", "failed")
    assert u["exit_signal"] == 9, u
    assert u["exit_code"] is None, u


# ---- systemd's life cycle: hooks, types, kill modes (issue 16) ----------------

def _lines(path):
    return path.read_text().split() if path.exists() else []


def _hooked_unit(workdir, log, extra=None, namespaces="none"):
    """A unit whose every hook appends its name (and $MAINPID) to log."""
    rec = script(workdir, "rec", f'echo "$1${{MAINPID:+:$MAINPID}}" >> {log}\n')
    svc = [
        f"ExecCondition={rec} condition",
        f"ExecStartPre={rec} pre1",
        "ExecStartPre=-/bin/false",
        f"ExecStartPre=@{rec} ignored-argv0 pre2",
        f"ExecStartPost={rec} post",
        f"ExecReload={rec} reload",
        f"ExecStop={rec} stop",
        f"ExecStopPost={rec} stoppost",
        "TimeoutStopSec=5s",
    ] + list(extra or [])
    main = script(workdir, "main", f"echo start:$$ >> {log}\nexec sleep 1000\n")
    return unit_text(str(main), svc, namespaces=namespaces)


def test_hooks_run_in_systemds_order(svcinit, workdir):
    log = workdir / "order"
    si = svcinit({"h": _hooked_unit(workdir, log)})
    u = si.wait_for("h", "running")
    pid = u["pid"]
    poll_until(lambda: {f"post:{pid}", f"start:{pid}"} <= set(_lines(log)),
               what="ExecStartPost and the main process to run")
    # the main process and ExecStartPost run side by side (Type=simple)
    assert _lines(log)[:3] == ["condition", "pre1", "pre2"], _lines(log)
    assert sorted(_lines(log)[3:]) == [f"post:{pid}", f"start:{pid}"], _lines(log)
    assert u["sub_state"] == "running" and u["type"] == "simple" and u["main_pid"] == pid, u
    assert u["unit_type"] == "service" and u["result"] == "success", u

    r = si.ctl("reload", "h")
    assert r.returncode == 0, r.stderr
    assert _lines(log)[-1] == f"reload:{pid}", _lines(log)
    u = si.unit("h")
    assert u["pid"] == pid and u["state"] == "running", "a reload keeps the main process"

    r = si.ctl("stop", "h")
    assert r.returncode == 0, r.stderr
    # ExecStop sees the main process, ExecStopPost runs after it is gone
    assert _lines(log)[-2:] == [f"stop:{pid}", "stoppost"], _lines(log)
    u = si.unit("h")
    assert u["state"] == "stopped" and u["sub_state"] == "dead" and u["pid"] is None, u
    assert not si.pid_alive(pid)


def test_hooks_enter_the_units_namespaces(svcinit, workdir):
    """ExecStartPost (main running) enters the main process's namespaces;
    ExecStartPre (before it) gets namespaces of its own made as its are."""
    out = workdir / "ns.out"
    rec = script(workdir, "ns", f'echo "$1 $(readlink /proc/self/ns/pid) '
                 f'$(readlink /proc/self/ns/net) ${{MAINPID:-}}" >> {out}\n')
    main = script(workdir, "main", f'{rec} main; exec sleep 1000\n')
    si = svcinit({"n": unit_text(str(main), [f"ExecStartPre={rec} pre", f"ExecStartPost={rec} post",
                                           "TimeoutStopSec=5s", f"BindPaths={workdir}"],
                                 namespaces="pid net mnt")})
    si.wait_for("n", "running")
    poll_until(lambda: len(out.read_text().splitlines()) >= 3 if out.exists() else False,
               what="three records")
    rows = {l.split()[0]: l.split()[1:] for l in out.read_text().splitlines()}
    assert rows["post"][:2] == rows["main"][:2], rows
    assert rows["pre"][:2] != rows["main"][:2], "a pre hook cannot enter namespaces not made yet"
    host_pidns = os.readlink("/proc/self/ns/pid")
    assert rows["post"][0] != host_pidns
    # $MAINPID as the unit's PID namespace numbers it (its reaper is 1)
    assert rows["post"][2] == "2", rows


def test_start_pre_failure_fails_the_start_and_runs_stop_post(svcinit, workdir):
    log = workdir / "log"
    rec = script(workdir, "rec", f'echo "$1" >> {log}\n')
    si = svcinit({"f": unit_text(f"{rec} main", [
        "ExecStartPre=/bin/sh -c 'exit 3'", f"ExecStopPost={rec} stoppost", "Restart=no"])})
    u = si.wait_for("f", "failed")
    assert u["result"] == "exit-code" and u["sub_state"] == "failed", u
    poll_until(lambda: _lines(log) == ["stoppost"], what="ExecStopPost after the failed start")
    assert "main" not in _lines(log)
    assert si.ctl("start", "f").returncode != 0


def test_exec_condition_skips_cleanly_or_fails(svcinit, workdir):
    log = workdir / "log"
    rec = script(workdir, "rec", f'echo "$1" >> {log}\n')
    si = svcinit({
        "skip": unit_text(f"{rec} skip-main", ["ExecCondition=/bin/sh -c 'exit 1'", "Restart=no"]),
        "bad": unit_text(f"{rec} bad-main", ["ExecCondition=/bin/sh -c 'exit 255'", "Restart=no"]),
    })
    u = si.wait_for("skip", "stopped", result="exec-condition")
    assert u["error"] == "" or "condition" in u["error"], u
    b = si.wait_for("bad", "failed")
    assert b["result"] == "exit-code", b
    assert _lines(log) == []


def test_forking_daemon_with_pidfile(svcinit, workdir):
    pidfile = workdir / "d.pid"
    seen = workdir / "seen"
    daemon = script(workdir, "daemon", f"""
(
  trap 'echo HUP >> {seen}' HUP
  trap 'echo TERM >> {seen}; exit 0' TERM
  echo $$ > /dev/null
  sh -c 'echo $PPID' > {pidfile}.tmp
  mv {pidfile}.tmp {pidfile}
  while :; do sleep 0.1; done
) &
exit 0
""")
    si = svcinit({"d": unit_text(str(daemon), {
        "Type": "forking", "PIDFile": str(pidfile), "ExecReload": "/bin/kill -HUP $MAINPID",
        "TimeoutStopSec": "5s"})})
    u = si.wait_for("d", "running")
    want = int(pidfile.read_text())
    assert u["main_pid"] == want and u["type"] == "forking", (u, want)
    assert si.pid_alive(want)
    r = si.ctl("reload", "d")
    assert r.returncode == 0, r.stderr
    poll_until(lambda: "HUP" in _lines(seen), what="the daemon to see SIGHUP")
    assert si.unit("d")["main_pid"] == want, "a reload keeps the main PID"
    show = si.ctl("show", "d", "-p", "MainPID", "--value")
    assert show.returncode == 0 and show.stdout.strip() == str(want), show
    assert si.ctl("stop", "d").returncode == 0
    assert "TERM" in _lines(seen)
    assert not si.pid_alive(want)


def test_forking_pidfile_symlink_is_not_followed(svcinit, workdir):
    real = workdir / "real.pid"
    link = workdir / "link.pid"
    daemon = script(workdir, "daemon", f"(sh -c 'echo $PPID' > {real}; exec sleep 1000) &\n")
    os.symlink(real, link)
    si = svcinit({"d": unit_text(str(daemon), {"Type": "forking", "PIDFile": str(link),
                                               "Restart": "no"})})
    u = si.wait_for("d", "failed")
    assert u["result"] == "resources" and "symbolic link" in u["error"], u


def test_oneshot_remain_after_exit_is_active_exited(svcinit, workdir):
    out = workdir / "oneshot.out"
    si = svcinit({"o": unit_text(f"sh -c 'echo one >> {out}'", [
        "Type=oneshot", f"ExecStart=sh -c 'echo two >> {out}'", "RemainAfterExit=yes",
        f"ExecStop=sh -c 'echo stop >> {out}'"])})
    u = si.wait_for("o", "exited", sub_state="exited")
    assert _lines(out) == ["one", "two"]
    assert si.ctl("is-active", "o").returncode == 0, "RemainAfterExit=yes: active"
    show = si.ctl("show", "o", "-p", "ActiveState,SubState,Type")
    assert show.stdout.split() == ["ActiveState=active", "SubState=exited", "Type=oneshot"], show
    assert si.ctl("stop", "o").returncode == 0
    assert _lines(out) == ["one", "two", "stop"]
    assert si.unit("o")["state"] == "stopped"


def test_kill_mode_process_leaves_a_child(svcinit, workdir):
    child = workdir / "child"
    main = script(workdir, "main", f"sleep 1000 & echo $! > {child}\nexec sleep 1000\n")
    si = svcinit({"k": unit_text(str(main), {"KillMode": "process", "TimeoutStopSec": "5s"})})
    u = si.wait_for("k", "running")
    poll_until(lambda: child.exists() and child.read_text().strip(), what="the child's pid")
    cpid = int(child.read_text())
    assert si.ctl("stop", "k").returncode == 0
    assert not si.pid_alive(u["pid"])
    assert si.pid_alive(cpid), "KillMode=process leaves the rest running"
    os.kill(si.ns_proc(cpid)["host"], signal.SIGKILL)
    poll_until(lambda: not si.pid_alive(cpid), what="the child to go")


def test_kill_signals_seen_by_a_trap(svcinit, workdir):
    seen = workdir / "seen"
    main = script(workdir, "main", f"""
trap 'echo INT >> {seen}' INT
trap 'echo HUP >> {seen}' HUP
trap 'echo TERM >> {seen}' TERM
while :; do sleep 0.1; done
""")
    si = svcinit({"t": unit_text(str(main), {"KillSignal": "SIGINT", "SendSIGHUP": "yes",
                                            "TimeoutStopSec": "1s"})})
    si.wait_for("t", "running")
    assert si.ctl("stop", "t").returncode == 0
    s = _lines(seen)
    # both are pending when the shell's sleep ends: it runs the traps in
    # signal-number order, whatever order they were sent in
    assert sorted(s[:2]) == ["HUP", "INT"], s
    assert "TERM" not in s
    u = si.unit("t")
    assert u["state"] == "stopped" and u["exit_signal"] == 9, "SIGKILL after TimeoutStopSec"


def test_reload_without_exec_reload_is_an_error(svcinit):
    si = svcinit({"p": unit_text("sleep 1000", {"TimeoutStopSec": "2s"})})
    si.wait_for("p", "running")
    r = si.ctl("reload", "p")
    assert r.returncode != 0 and "ExecReload" in r.stderr, r


def test_show_properties(svcinit):
    si = svcinit({"w": unit_text("sleep 1000", {"Restart": "on-abnormal", "TimeoutStartSec": "90s"},
                                 unit={"Description": "web"})})
    u = si.wait_for("w", "running")
    r = si.ctl("show", "w")
    assert r.returncode == 0, r.stderr
    p = dict(l.split("=", 1) for l in r.stdout.splitlines())
    assert p["Id"] == "w.service" and p["Description"] == "web"
    assert p["MainPID"] == str(u["pid"]) and p["ActiveState"] == "active"
    assert p["SubState"] == "running" and p["Restart"] == "on-abnormal"
    assert p["TimeoutStartUSec"] == "1min 30s" and p["LoadState"] == "loaded"
    assert p["FragmentPath"].endswith("w.service") and p["NRestarts"] == "0"


WATCHDOG_PY = r"""
import os, signal, socket, sys, time
out = sys.argv[1]
def note(s):
    with open(out, "a") as f:
        f.write(s + "\n")
signal.signal(signal.SIGABRT, lambda *a: (note("ABRT"), os._exit(134)))
note("usec=" + os.environ.get("WATCHDOG_USEC", ""))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
for _ in range(6):          # 1.2s of pings, more than the 0.5s watchdog
    s.sendto(b"WATCHDOG=1", os.environ["NOTIFY_SOCKET"])
    time.sleep(0.2)
note("silent")
while True:
    time.sleep(1)
"""


def test_watchdog_missed_is_a_failure(svcinit, workdir):
    out = workdir / "wd.out"
    prog = workdir / "wd.py"
    prog.write_text(WATCHDOG_PY)
    si = svcinit({"w": unit_text(f"/usr/bin/python3 {prog} {out}", {
        "Type": "notify", "WatchdogSec": "500ms", "Restart": "on-watchdog", "RestartSec": "10s",
        "TimeoutAbortSec": "2s", "NotifyAccess": "main"})})
    si.wait_for("w", "running")
    u = si.wait_for("w", "restarting", timeout=30)
    assert u["result"] == "watchdog", u
    assert u["sub_state"] == "auto-restart" and u["restarts"] == 1, u
    lines = _lines(out)
    assert lines[0] == "usec=500000" and lines[1:] == ["silent", "ABRT"], lines


def test_notify_access_main_ignores_other_processes(svcinit, workdir):
    # READY=1 from a child of the main process: NotifyAccess=main ignores it
    send = workdir / "send.py"
    send.write_text("import os, socket\nsocket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)"
                    ".sendto(b'READY=1', os.environ['NOTIFY_SOCKET'])\n")
    main = script(workdir, "main", f"/usr/bin/python3 {send}\nexec sleep 1000\n")
    si = svcinit({"n": unit_text(str(main), {"Type": "notify", "NotifyAccess": "main",
                                            "TimeoutStartSec": "2s", "Restart": "no"}),
                  "a": unit_text(str(main), {"Type": "notify", "NotifyAccess": "all",
                                            "TimeoutStopSec": "2s"})})
    si.wait_for("a", "running")
    u = si.wait_for("n", "failed")
    assert u["result"] == "timeout", u
    assert any("NotifyAccess=main" in l for l in si.log().splitlines())
