# SPDX-License-Identifier: MIT
"""Health checks (HealthCheck= and its keys), svcctl health, kill and
daemon-reload: each check kind healthy and unhealthy, retries, the deadline,
the output bound, the start period, every OnHealthFailure=, ReadyWhenHealthy=,
the check inside the unit's network namespace, status and metrics."""
import json
import os
import socket
import time

from prometheus_client.parser import text_string_to_metric_families

from conftest import NOBODY, unit_text
from harness import PY, cg_dir, poll_until

# a tiny HTTP server in the unit: / is 200, /missing is 404
HTTP_SERVER = f"{PY} -m http.server {{port}} --bind 127.0.0.1 --directory /"
FAST = {"HealthIntervalSec": "300ms", "HealthTimeoutSec": "5s"}


def health_of(si, name):
    u = si.unit(name)
    return u["health"], u["health_failures"], u["health_output"]


def wait_health(si, name, health, timeout=30, **fields):
    return si.wait_for(name, health=health, timeout=timeout, **fields)


def outdir(workdir):
    """workdir/out before svcinit makes it (world-writable: units as nobody read there)."""
    d = workdir / "out"
    d.mkdir(exist_ok=True)
    os.chmod(d, 0o777)
    return d


def host_port_free(port):
    """Nothing listens on the host's loopback at port."""
    s = socket.socket()
    try:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        s.close()


# ---- the three kinds ---------------------------------------------------------

def test_http_check_healthy_and_unhealthy(svcinit):
    # the default isolation: each unit has a loopback of its own, so both
    # can listen on the same port; the checks connect inside each
    si = svcinit({
        "good": unit_text(HTTP_SERVER.format(port=8181), {
            "HealthCheck": "http://127.0.0.1:8181/", **FAST}, namespaces=None),
        "bad": unit_text(HTTP_SERVER.format(port=8181), {
            "HealthCheck": "http://localhost:8181/missing", "OnHealthFailure": "none",
            "HealthRetries": "2", **FAST}, namespaces=None),
    })
    u = wait_health(si, "good", "healthy")
    assert u["health_failures"] == 0
    assert "200" in u["health_output"], u
    # refused until python listens, then 404
    u = wait_health(si, "bad", "unhealthy", health_output=lambda o: o and "404" in o)
    assert u["state"] == "running"   # none: reported only
    assert host_port_free(8181), "the units' servers must not be on the host's loopback"


def test_tcp_check_runs_in_the_units_network_namespace(svcinit):
    # the port is open only on the unit's own loopback: a check from the
    # host's network namespace would be refused
    si = svcinit({
        "srv": unit_text(HTTP_SERVER.format(port=8282), {
            "HealthCheck": "tcp:127.0.0.1:8282", **FAST}, namespaces=None),
        "none": unit_text("sleep 1000", {
            "HealthCheck": "tcp:127.0.0.1:8283", "OnHealthFailure": "none", **FAST},
            namespaces=None),
    })
    u = wait_health(si, "srv", "healthy")
    assert "connected to 127.0.0.1:8282" in u["health_output"], u
    assert host_port_free(8282)
    u = wait_health(si, "none", "unhealthy")
    assert "refused" in u["health_output"], u


def test_exec_check_healthy_unhealthy_and_as_the_unit(svcinit, workdir):
    flag = outdir(workdir) / "ok"
    flag.write_text("")
    si = svcinit({
        "e": unit_text("sleep 1000", {
            "User": "nobody", "Environment": f"FLAG={flag}",
            "HealthCheck": "exec:/bin/sh -c 'id -u; hostname; test -e ${FLAG}'",
            "OnHealthFailure": "none", "HealthRetries": "1", **FAST}),
        "iso": unit_text("sleep 1000", {
            "Hostname": "isohost",
            "HealthCheck": "exec:/bin/sh -c 'hostname; readlink /proc/self/ns/pid'",
            **FAST}, namespaces=None),
    })
    u = wait_health(si, "e", "healthy")
    lines = u["health_output"].split()
    assert lines[0] == str(NOBODY), u   # as the unit's user
    flag.unlink()
    u = wait_health(si, "e", "unhealthy")
    assert u["health_output"].startswith(str(NOBODY)), u
    flag.write_text("")
    wait_health(si, "e", "healthy", health_failures=0)
    # inside the unit's uts and pid namespaces (and its mount namespace's /proc)
    u = wait_health(si, "iso", "healthy")
    out = u["health_output"].split()
    assert out[0] == "isohost", u
    procs = (cg_dir(si, "iso") / "cgroup.procs").read_text().split()
    unit_ns = set()
    for p in procs:
        try:
            unit_ns.add(os.readlink(f"/proc/{p}/ns/pid"))
        except FileNotFoundError:
            pass
    # (a check's first process stays in svcinit's: it forks the command into the unit's)
    assert unit_ns - {si.ns} == {out[1]}, (out, unit_ns)
    assert out[1] != si.ns, "the check ran in svcinit's PID namespace"


def test_unhealthy_after_exactly_retries_failures(svcinit):
    si = svcinit({"r": unit_text("sleep 1000", {
        "HealthCheck": "exec:/bin/false", "HealthRetries": "4", "OnHealthFailure": "none",
        "HealthIntervalSec": "200ms"})})
    seen = []

    def observe():
        h, n, _ = health_of(si, "r")
        seen.append((h, n))
        return n >= 6
    poll_until(observe, 30, "six failures")
    for h, n in seen:
        if n < 4:
            assert h == "starting", seen
        else:
            assert h == "unhealthy", seen


def test_hanging_check_is_killed_at_its_timeout(svcinit):
    si = svcinit({"h": unit_text("sleep 1000", {
        "HealthCheck": "exec:/bin/sh -c 'echo begun; exec sleep 1000'",
        "HealthTimeoutSec": "1s", "HealthIntervalSec": "30s", "HealthRetries": "1",
        "OnHealthFailure": "none"})})
    u = wait_health(si, "h", "unhealthy")
    assert u["health_output"] == "timed out after 1s", u
    # the check's process is gone: only the unit's sleep is left
    poll_until(lambda: not [p for p in si.ns_procs()
                            if p["cmdline"] == ["sleep", "1000"] and p["host"] != 0
                            and p["nspid"] != u["pid"]], 10, "the check's sleep to be killed")


def test_output_is_cut_at_1k_and_stays_valid_json(svcinit):
    si = svcinit({
        "big": unit_text("sleep 1000", {
            "HealthCheck": "exec:/bin/sh -c 'head -c 100000 /dev/zero | tr \"\\\\000\" x; exit 1'",
            "OnHealthFailure": "none", "HealthRetries": "1", **FAST}),
        "bin": unit_text("sleep 1000", {
            "HealthCheck": "exec:/bin/sh -c 'printf \"\\\\377\\\\000\\\\033x\\\\n\"'",
            **FAST}),
    })
    u = wait_health(si, "big", "unhealthy")
    assert u["health_output"] == "x" * 1024, len(u["health_output"])
    # status --json parsed it (si.unit): the binary output came through as JSON
    u = wait_health(si, "bin", "healthy")
    assert "\x1b" in u["health_output"] and "\x00" in u["health_output"], repr(u["health_output"])
    raw = si.ctl("--json", "status", "bin").stdout
    json.loads(raw)


def test_start_period_failures_do_not_count(svcinit, workdir):
    # every check leaves a line: more checks ran than failures counted
    runs = outdir(workdir) / "runs"
    si = svcinit({"sp": unit_text("sleep 1000", {
        "HealthCheck": f"exec:/bin/sh -c 'echo x >> {runs}; exit 1'",
        "HealthStartPeriodSec": "3s", "HealthRetries": "1",
        "HealthIntervalSec": "200ms", "OnHealthFailure": "none"})})
    seen = []

    def observe():
        h, n, out = health_of(si, "sp")
        seen.append((h, n, out))
        return h == "unhealthy"
    poll_until(observe, 30, "unhealthy after the start period")
    assert seen[-1][1] == 1, seen      # HealthRetries=1: the first failure that counts
    for h, n, out in seen[:-1]:
        assert h == "starting" and n == 0, seen
    # runs first, then the count: a run in between only raises the count
    n_runs = len(runs.read_text().split())
    counted = health_of(si, "sp")[1]
    assert n_runs > counted, f"{n_runs} checks, {counted} counted: none ran in the start period"


# ---- OnHealthFailure= ------------------------------------------------------------

def test_on_failure_restart_gives_a_new_pid(svcinit, workdir):
    flag = outdir(workdir) / "sick"
    si = svcinit({"w": unit_text("sleep 1000", {
        "HealthCheck": f"exec:/bin/sh -c 'test ! -e {flag}'", "HealthRetries": "2",
        "StartLimitBurst": "100", **FAST})})   # a slow poll must not see the start limit
    u = wait_health(si, "w", "healthy")
    pid = u["pid"]
    flag.write_text("")
    si.wait_for("w", restarts=lambda n: n >= 1)
    flag.unlink()
    u = si.wait_for("w", "running", health="healthy", pid=lambda p: p and p != pid)
    assert u["restarts"] >= 1


def test_on_failure_stop_fails_with_result_unhealthy(svcinit):
    si = svcinit({"s": unit_text("sleep 1000", {
        "HealthCheck": "exec:/bin/false", "HealthRetries": "2", "OnHealthFailure": "stop",
        "Restart": "always", **FAST})})
    u = si.wait_for("s", "failed")
    assert u["result"] == "unhealthy", u
    assert u["restarts"] == 0, u
    assert u["pid"] is None
    assert u["health"] == "unhealthy"
    # the table shows it too
    table = si.ctl("status").stdout
    assert any(l.split()[:2] == ["s", "failed"] and "unhealthy" in l for l in table.splitlines()), table


def test_on_failure_none_is_only_reported(svcinit):
    si = svcinit({"n": unit_text("sleep 1000", {
        "HealthCheck": "exec:/bin/false", "HealthRetries": "1", "OnHealthFailure": "none",
        **FAST})})
    u = wait_health(si, "n", "unhealthy", health_failures=lambda n: n >= 3)
    assert u["state"] == "running" and u["restarts"] == 0, u


def test_on_failure_exit_makes_svcinit_exit_1(svcinit):
    si = svcinit({
        "x": unit_text("sleep 1000", {
            "HealthCheck": "exec:/bin/false", "HealthRetries": "2", "OnHealthFailure": "exit",
            **FAST}),
        "other": unit_text("sleep 1000"),
    })
    assert si.wait_exit() == 1, si.log()


# ---- ReadyWhenHealthy= --------------------------------------------------------------

def test_ready_when_healthy_gates_dependents_and_wait(svcinit, workdir):
    flag = outdir(workdir) / "up"
    si = svcinit({
        "db": unit_text("sleep 1000", {
            "HealthCheck": f"exec:/bin/test -e {flag}", "ReadyWhenHealthy": "yes",
            "OnHealthFailure": "none", **FAST}),
        "app": unit_text("sleep 1000", unit={"After": "db", "Wants": "db"}),
    })
    u = si.wait_for("db", "starting", health_failures=lambda n: n >= 2)
    assert u["ready"] is False
    assert si.unit("app")["state"] == "stopped" and si.unit("app")["waiting"], si.unit("app")
    r = si.ctl("wait", "--timeout", "500ms", "db")
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    flag.write_text("")
    assert si.ctl("wait", "--timeout", "30", "db").returncode == 0
    u = si.unit("db")
    assert u["state"] == "running" and u["ready"] and u["health"] == "healthy", u
    si.wait_for("app", "running")


def test_ready_when_healthy_holds_the_entrypoint_command(svcinit, workdir):
    flag = outdir(workdir) / "up"
    seen = outdir(workdir) / "seen"
    si = svcinit({"db": unit_text("sleep 1000", {
        "HealthCheck": f"exec:/bin/test -e {flag}", "ReadyWhenHealthy": "yes",
        "OnHealthFailure": "none", **FAST})},
        command=["/bin/sh", "-c", f"touch {seen}; exit 7"])
    si.wait_for("db", "starting", health_failures=lambda n: n >= 2)
    assert not seen.exists(), "COMMAND ran before the unit was healthy"
    flag.write_text("")
    assert si.wait_exit() == 7
    assert seen.exists()


# ---- svcctl health, status, metrics ---------------------------------------------------

def test_svcctl_health_exit_codes_and_output(svcinit, workdir):
    flag = outdir(workdir) / "fine"
    flag.write_text("")
    esc = outdir(workdir) / "esc.sh"
    esc.write_text("printf 'a\\033]0;pwned\\007b\\tc\\n'\n")
    si = svcinit({
        "c": unit_text("sleep 1000", {
            "HealthCheck": f"exec:/bin/sh -c 'echo checked; test -e {flag}'",
            "HealthIntervalSec": "1h", "OnHealthFailure": "none", "HealthRetries": "1"}),
        "plain": unit_text("sleep 1000"),
        # a check whose output would drive root's terminal (a title, a bell)
        "esc": unit_text("sleep 1000", {
            "HealthCheck": f"exec:/bin/sh {esc}",
            "HealthIntervalSec": "1h", "OnHealthFailure": "none"}),
        "slow": unit_text("sleep 1000", {
            "HealthCheck": "exec:/bin/sleep 1000", "HealthTimeoutSec": "1s",
            "HealthIntervalSec": "1h", "OnHealthFailure": "none"}),
    })
    si.wait_for("c", "running", health="healthy")
    r = si.ctl("health", "c")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert "checked" in r.stdout
    flag.unlink()
    r = si.ctl("health", "c.service")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "checked" in r.stderr
    assert si.unit("c")["health"] == "unhealthy"   # the check counts as any other
    r = si.ctl("health", "plain")
    assert r.returncode == 3 and "HealthCheck" in r.stderr, (r.returncode, r.stderr)
    r = si.ctl("health", "nosuch")
    assert r.returncode == 3, (r.returncode, r.stderr)
    # a check that hangs answers at its deadline
    si.wait_for("slow", "running")
    t = time.monotonic()
    r = si.ctl("health", "slow")
    assert r.returncode == 1 and "timed out after 1s" in r.stderr, (r.returncode, r.stderr)
    assert time.monotonic() - t < 20
    # root only
    assert si.ctl("health", "c", user=NOBODY).returncode == 4
    # the unit's bytes reach the terminal without their control characters
    si.wait_for("esc", "running")
    r = si.ctl("health", "esc")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert "a?]0;pwned?b\tc\n" in r.stdout and "\033" not in r.stdout, repr(r.stdout)
    # and the loop was never blocked meanwhile
    assert si.ctl("status").returncode == 0


def test_status_json_fields_and_metrics(svcinit):
    si = svcinit({
        "ok": unit_text("sleep 1000", {"HealthCheck": "exec:/bin/true", **FAST}),
        "ko": unit_text("sleep 1000", {"HealthCheck": "exec:/bin/false",
                                       "OnHealthFailure": "none", **FAST}),
        "plain": unit_text("sleep 1000"),
    })
    wait_health(si, "ok", "healthy")
    wait_health(si, "ko", "unhealthy")
    units = si.units()
    assert units["plain"]["health"] is None and units["plain"]["health_output"] is None
    assert units["plain"]["health_failures"] == 0
    assert units["ok"]["health_failures"] == 0 and units["ok"]["health_output"] == ""
    assert units["ko"]["health_failures"] >= 3
    assert units["ko"]["health_output"] == "exit code 1"
    r = si.ctl("metrics")
    assert r.returncode == 0
    samples = {}
    for fam in text_string_to_metric_families(r.stdout):
        if fam.name == "svcinit_unit_health":
            for s in fam.samples:
                samples[s.labels["unit"]] = s.value
    assert samples == {"ok": 1.0, "ko": 0.0}, samples
    # svcctl top's health column reads the same field
    r = si.ctl("top", "-n", "1")
    rows = {l.split()[0]: l.split() for l in r.stdout.splitlines() if l.split()}
    assert "healthy" in rows["ok"] and "unhealthy" in rows["ko"], r.stdout
    assert "healthy" not in rows["plain"] and "unhealthy" not in rows["plain"], r.stdout


# ---- svcctl kill, daemon-reload ---------------------------------------------------------

KILL_SCRIPT = """
sh -c 'trap "echo child >> {out}/k" USR1; while :; do sleep 0.1; done' &
trap "echo main >> {out}/k" USR1
while :; do sleep 0.1; done
"""


def test_kill_main_and_all(svcinit, workdir):
    out = workdir / "out"
    script = workdir / "k.sh"
    script.write_text(KILL_SCRIPT.format(out=out))
    si = svcinit({"k": unit_text(f"/bin/sh {script}")})
    si.wait_for("k", "running")
    r = si.ctl("kill", "-s", "USR1", "--main", "k")
    assert r.returncode == 0, r.stderr
    poll_until(lambda: (out / "k").exists() and "main" in (out / "k").read_text(), 10,
               "the main process's trap")
    assert (out / "k").read_text().split() == ["main"], "--main reached the child too"
    r = si.ctl("kill", "--signal=SIGUSR1", "k.service")
    assert r.returncode == 0, r.stderr
    poll_until(lambda: sorted((out / "k").read_text().split()) == ["child", "main", "main"], 10,
               "both traps")
    assert si.unit("k")["state"] == "running"


def test_kill_restarts_per_restart_and_signal_names(svcinit):
    si = svcinit({"v": unit_text("sleep 1000", {"RestartSec": "100ms"})})
    pid = si.wait_for("v", "running")["pid"]
    for name in ("BOGUS", "SIGBOGUS", "99999"):
        r = si.ctl("kill", "-s", name, "v")
        assert r.returncode == 2, (name, r.returncode, r.stderr)
    r = si.ctl("kill", "-s", "9", "v")
    assert r.returncode == 0, r.stderr
    u = si.wait_for("v", "running", pid=lambda p: p and p != pid)
    assert u["restarts"] == 1 and u["exit_signal"] == 9, u
    pid = u["pid"]
    assert si.ctl("kill", "-s", "KILL", "--main", "v").returncode == 0
    si.wait_for("v", "running", pid=lambda p: p and p != pid, restarts=2)
    # the default, SIGTERM, is a clean end: Restart=on-failure leaves it down
    assert si.ctl("kill", "v").returncode == 0
    u = si.wait_for("v", "exited")
    assert u["exit_signal"] == 15
    r = si.ctl("kill", "v")
    assert r.returncode == 1 and "not running" in r.stderr
    assert si.ctl("kill", "nosuch").returncode == 3


def test_kill_is_root_only(svcinit):
    si = svcinit({"v": unit_text("sleep 1000")})
    pid = si.wait_for("v", "running")["pid"]
    r = si.ctl("kill", "-s", "KILL", "v", user=NOBODY)
    assert r.returncode == 4, (r.returncode, r.stderr)
    assert si.unit("v")["pid"] == pid and si.unit("v")["restarts"] == 0


def test_daemon_reload(svcinit):
    si = svcinit({"a": unit_text("sleep 1000")})
    si.wait_for("a", "running")
    (si.units_dir / "b.service").write_text(unit_text("sleep 1000"))
    r = si.ctl("daemon-reload")
    assert r.returncode == 0, r.stderr
    si.wait_for("b", "running")
    assert si.ctl("daemon-reload", "a").returncode == 2


def test_the_readmes_health_example_runs(svcinit):
    from test_readme import fenced_blocks, section
    ini = fenced_blocks(section("Health checks"), "ini")[0]
    assert "HealthCheck=" in ini
    si = svcinit({"web": ini})   # svcinit's default isolation: the unit's own loopback
    u = si.wait_for("web", "running", health="healthy")
    assert u["ready"] and "200" in u["health_output"], u
    assert si.ctl("wait", "--timeout", "5", "web").returncode == 0
    assert si.ctl("health", "web").returncode == 0
    r = si.ctl("--json", "status", "web")
    assert '"health":"healthy"' in r.stdout   # what the README's liveness probe greps


def test_exec_check_expands_as_execstart(svcinit):
    # $$ is a literal $ for svcinit (sh then sees $B, unset); with the ':'
    # prefix nothing is expanded and sh sees $$, its own pid
    si = svcinit({
        "x": unit_text("sleep 1000", {"Environment": "V=value",
                                      "HealthCheck": "exec:/bin/sh -c 'echo ${V} A$$B'", **FAST}),
        "y": unit_text("sleep 1000", {"Environment": "V=value",
                                      "HealthCheck": "exec::/bin/sh -c 'echo ${V} A$$B'", **FAST}),
    })
    assert wait_health(si, "x", "healthy")["health_output"] == "value A\n"
    out = wait_health(si, "y", "healthy")["health_output"]
    # ${V} left to sh, which has V in its environment; $$ its pid
    assert out.startswith("value A") and out.rstrip().endswith("B") and out[7:-2].isdigit(), out


def test_exec_check_gets_no_descriptor_of_svcinit(svcinit):
    si = svcinit({"f": unit_text("sleep 1000", {"HealthCheck": "exec:/bin/ls /proc/self/fd",
                                                **FAST})})
    out = wait_health(si, "f", "healthy")["health_output"].split()
    assert out == ["0", "1", "2", "3"], out   # stdio, and ls's own directory
