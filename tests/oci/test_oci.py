# SPDX-License-Identifier: MIT
"""svcinit as the PID 1 of real OCI containers, under runc and crun.

Entrypoint mode (`svcinit -- COMMAND`): the container's exit code is
COMMAND's, signals sent by the runtime reach COMMAND. Multi-unit mode
(`svcinit` alone): units run, orphans are reaped, `RUNTIME kill ID TERM` is
a graceful stop with exit code 0. With what nested isolation needs granted
(spec="nested"), units get their own namespaces, overlay root and cgroup
limits inside the container; under the runtime's default spec (3
capabilities, read-only /sys/fs/cgroup) svcinit warns and runs the units
anyway.
"""
import re
import time

import pytest

from ocilib import poll_until

TICKER = """[Unit]
Description=Stops cleanly on SIGTERM

[Service]
Namespaces=none
ExecStart=/usr/libexec/octest/ticker
"""

ORPHANS = """[Unit]
Description=Makes orphans for svcinit to reap

[Service]
Namespaces=none
ExecStart=/usr/libexec/octest/orphans 50
"""

LIMITED = """[Service]
Namespaces=none
ExecStart=/bin/sh -c 'echo limited: up; exec sleep 100000'
MemoryMax=32M
TasksMax=16
"""

ISO = """[Service]
ExecStart=/usr/libexec/octest/iso-report
Hostname=inner
MemoryMax=32M
TasksMax=16
"""


def report(c, unit):
    """key=value lines a unit printed, from `svcctl logs`."""
    r = c.exec("svcctl", "logs", "-n", "100", unit, check=True)
    out = {}
    for line in r.stdout.splitlines():
        line = line.split(": ", 1)[1] if line.startswith(f"{unit}: ") else line
        k, sep, v = line.partition("=")
        if sep:
            out[k.strip()] = v
    return out


def svcinit_pid1(c):
    pid = c.pid()
    assert pid, f"no container pid\n{c.log()}"
    with open(f"/proc/{pid}/comm") as f:
        assert f.read().strip() == "svcinit", "the container's PID 1 is not svcinit"
    return pid


# ---------------------------------------------------------------- entrypoint mode

def test_entrypoint_exit_code(oci):
    c = oci(args=["/sbin/svcinit", "--", "/bin/sh", "-c",
                  'echo "hello from pid $$ under $(cat /proc/1/comm)"; exit 7'])
    c.start(wait_pid=False)
    assert c.wait() == 7, c.log()
    log = c.log()
    assert re.search(r"^hello from pid [0-9]+ under svcinit$", log, re.M), log
    assert "starting in container mode" in log, log


def test_entrypoint_killed_by_signal(oci):
    c = oci(args=["/sbin/svcinit", "--", "/bin/sh", "-c", "kill -KILL $$"])
    c.start(wait_pid=False)
    assert c.wait() == 128 + 9, c.log()


def test_entrypoint_command_not_found(oci):
    c = oci(args=["/sbin/svcinit", "--", "/no/such/command"])
    c.start(wait_pid=False)
    assert c.wait() == 127, c.log()


def test_entrypoint_runs_after_units(oci):
    setup = """[Service]
Type=oneshot
Namespaces=none
ExecStart=/bin/sh -c 'sleep 0.5 && echo ready >/tmp/setup-done'
"""
    c = oci(units={"setup": setup},
            args=["/sbin/svcinit", "--", "/bin/sh", "-c", "test -e /tmp/setup-done && exit 7"])
    c.start(wait_pid=False)
    assert c.wait() == 7, f"COMMAND ran before the oneshot unit was done\n{c.log()}"


def test_entrypoint_gets_the_runtimes_signal(oci):
    script = ('trap \'echo "got TERM"; exit 42\' TERM; echo command-ready; '
              'while :; do sleep 0.1; done')
    c = oci(units={"ticker": TICKER}, args=["/sbin/svcinit", "--", "/bin/sh", "-c", script])
    c.start()
    c.wait_log(r"^command-ready")
    svcinit_pid1(c)
    c.kill("TERM")
    assert c.wait() == 42, c.log()
    log = c.log()
    assert "got TERM" in log, log
    assert "ticker: stopping cleanly" in log, f"the units were not stopped gracefully\n{log}"


# ---------------------------------------------------------------- multi-unit mode

def test_multi_unit_reaps_and_stops_gracefully(oci):
    c = oci(units={"ticker": TICKER, "orphans": ORPHANS})
    c.start()
    pid1 = svcinit_pid1(c)
    c.wait_log(r"^orphans: made 50 orphans")
    c.wait_unit("ticker", lambda u: u["state"] == "running")

    # the orphans were handed to svcinit, PID 1 of the container
    sleepers = [p for p in c.ns_procs() if p["cmdline"] == ["sleep", "1"]]
    adopted = [p for p in sleepers if p["ppid"] == pid1]
    assert adopted, f"no orphan `sleep 1` was re-parented to svcinit: {sleepers}"

    # ... and reaped when they ended: no zombie, no sleeper left
    def clean():
        procs = c.ns_procs()
        z = [p for p in procs if p["state"] == "Z"]
        s = [p for p in procs if p["cmdline"] == ["sleep", "1"]]
        return (not z and not s) or None
    poll_until(clean, what="every orphan to end and be reaped")

    st = c.status()
    assert st["ticker"]["state"] == "running" and st["orphans"]["state"] == "running", st

    t0 = time.monotonic()
    c.kill("TERM")
    assert c.wait() == 0, c.log()
    took = time.monotonic() - t0
    log = c.log()
    assert "ticker: stopping cleanly" in log, log
    assert "svcinit: info: all stopped" in log, log
    assert took < 8, f"graceful stop took {took:.1f}s (units stop on SIGTERM at once)"


def test_nested_isolation(oci):
    c = oci(units={"iso": ISO, "limited": LIMITED}, spec="nested")
    c.start()
    svcinit_pid1(c)
    c.wait_log(r"^iso: end=1")
    rep = report(c, "iso")
    assert rep.get("hostname") == "inner", rep
    assert int(rep.get("pid", "99")) <= 2, f"not its own pid namespace: {rep}"
    assert all(int(p) <= 16 for p in rep.get("pids", "").split()), rep
    # its PID 1: svcinit-reaper, the small program, executed from a memfd
    assert rep.get("pid1") == "svcinit-reaper", rep
    assert rep.get("pid1_exe") == "/memfd:svcinit-reaper (deleted)", rep
    assert rep.get("netdevs") == "lo ", rep
    assert rep.get("lo_up") == "1", rep
    assert rep.get("rootfs") == "overlay", rep
    assert rep.get("root_writable") == "yes", rep
    # its namespaces are not the container's
    for ns in ("pid", "net", "ipc", "mnt", "uts"):
        mine = c.exec("readlink", f"/proc/1/ns/{ns}", check=True).stdout.strip()
        assert rep.get(f"ns_{ns}") and rep[f"ns_{ns}"] != mine, (ns, rep)
    r = c.exec("test", "-e", "/leak-from-iso")
    assert r.returncode != 0, "a write to the unit's root reached the container's root"

    # cgroup limits applied inside the container's cgroup namespace
    for name in ("iso", "limited"):
        u = c.status(name)
        assert u["state"] == "running", u
        assert u["warnings"] == [], u
        assert u["cgroup"], u
        assert u["tasks"] is not None and u["tasks"] >= 1, u
        v2 = c.exec("cat", f"/sys/fs/cgroup{u['cgroup']}/memory.max")
        v1 = c.exec("cat", f"/sys/fs/cgroup/memory{u['cgroup']}/memory.limit_in_bytes")
        mem = v2.stdout.strip() if v2.returncode == 0 else v1.stdout.strip()
        assert mem == str(32 << 20), (name, v2, v1)

    # pause/resume through the freezer
    assert c.exec("svcctl", "pause", "limited").returncode == 0, c.log()
    assert c.status("limited")["state"] == "paused"
    assert c.exec("svcctl", "resume", "limited").returncode == 0, c.log()
    assert c.status("limited")["state"] == "running"

    c.kill("TERM")
    assert c.wait() == 0, c.log()
    # everything was allowed: not one warning (creating, limiting, freezing
    # and, at the end, removing the units' cgroups)
    bad = [l for l in c.log().splitlines() if l.startswith(("svcinit: warning", "svcinit: error"))]
    assert not bad, bad


# ---------------------------------------------------------------- the runtime's default spec

def test_default_spec_degrades_with_a_warning(oci):
    """Read-only /sys/fs/cgroup, 3 capabilities: the limits cannot be
    applied; svcinit says so and runs the units anyway."""
    c = oci(units={"limited": LIMITED, "ticker": TICKER})
    c.start()
    svcinit_pid1(c)
    u = c.wait_unit("limited", lambda u: u["state"] == "running")
    c.wait_unit("ticker", lambda u: u["state"] == "running")
    assert u["warnings"], f"no warning in status although the limits are not applied: {u}"
    assert any("cgroup" in w for w in u["warnings"]), u
    log = c.log()
    warn = [l for l in log.splitlines() if l.startswith("svcinit: warning:") and "limited" in l]
    assert warn, f"no warning about the unit's cgroup in the log\n{log}"
    assert any("Read-only file system" in l for l in warn), warn
    assert "limited: up" in log
    c.kill("TERM")
    assert c.wait() == 0, c.log()


def test_default_spec_warning_names_the_limits(oci):
    c = oci(units={"limited": LIMITED})
    c.start()
    u = c.wait_unit("limited", lambda u: u["state"] == "running")
    text = " ".join(u["warnings"])
    assert "MemoryMax" in text and "TasksMax" in text, u


def test_default_spec_isolated_unit_fails_clearly(oci):
    """Without CAP_SYS_ADMIN a unit that asks for namespaces cannot start:
    that unit fails with its reason in status and the log; svcinit and the
    other units carry on."""
    c = oci(units={"iso": ISO, "ticker": TICKER})
    c.start()
    svcinit_pid1(c)
    u = c.wait_unit("iso", lambda u: u["restarts"] >= 1 or u["state"] == "failed",
                    timeout=30)
    assert u["error"], f"no reason in status: {u}"
    assert "Operation not permitted" in u["error"] or "permission" in u["error"].lower(), u
    assert c.status("ticker")["state"] == "running"
    c.kill("TERM")
    assert c.wait() == 0, c.log()
