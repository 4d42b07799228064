# SPDX-License-Identifier: MIT
"""Real daemons from Debian 12, started by svcinit --systemd from the unit
files their packages ship (/lib/systemd/system, unmodified; haproxy gets a
test configuration in its /etc/haproxy/haproxy.cfg, cron a job in
/etc/cron.d), each used as a client would use it. See conftest.py for the
root they are installed into and the namespaces they run in.

Where a daemon cannot work until svcinit implements a key its unit needs,
its test is an xfail(strict=True) naming that key: it flags the day it
passes.
"""
import os
import re
import signal

import pytest

from conftest import ENABLED, poll_until, read_text

# unit -> the comm of its processes
DAEMONS = {
    "nginx": {"nginx"},
    "ssh": {"sshd"},
    "redis-server": {"redis-server"},
    "memcached": {"memcached"},
    "cron": {"cron"},
    "haproxy": {"haproxy"},
    "postgresql@15-main": {"postgres"},
}

# What svcinit lacks for a daemon to work, by test: {unit: reason}, each an
# xfail(strict=True). Empty since Type=forking + PIDFile=, the Exec hooks,
# RuntimeDirectory= and svcctl reload NAME landed: nginx, ssh and
# postgresql@15-main run from their own units.
XFAIL_RUN = {}
XFAIL_STOP = {}
XFAIL_KILL = {}
XFAIL_RELOAD = None


def xf(table, name):
    reason = table.get(name)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


def params(table):
    return [pytest.param(n, marks=xf(table, n), id=n) for n in DAEMONS]


# ---------------------------------------------------------------- clients

HTTP_GET = r"""
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.write(data.decode(errors="replace"))
"""

MEMCACHED_VERSION = r"""
import socket
s = socket.create_connection(("127.0.0.1", 11211), timeout=5)
s.sendall(b"version\r\n")
data = b""
while not data.endswith(b"\r\n"):
    b = s.recv(4096)
    if not b:
        break
    data += b
print(data.decode(errors="replace").strip())
"""


def answers(b, name):
    """The daemon answers its client: returns what it said (truthy), or None."""
    if name == "nginx":
        r = b.client("python3", "-c", HTTP_GET, "80")
        return r.stdout if r.returncode == 0 and r.stdout.startswith("HTTP/1.1 200") \
            and "Welcome to nginx" in r.stdout else None
    if name == "haproxy":
        r = b.client("python3", "-c", HTTP_GET, "8081")
        return r.stdout if r.returncode == 0 and "haproxy-frontend-ok" in r.stdout else None
    if name == "redis-server":
        r = b.client("redis-cli", "-h", "127.0.0.1", "ping")
        return r.stdout if r.returncode == 0 and r.stdout.strip() == "PONG" else None
    if name == "memcached":
        r = b.client("python3", "-c", MEMCACHED_VERSION)
        return r.stdout if r.returncode == 0 and r.stdout.startswith("VERSION ") else None
    if name == "ssh":
        r = b.client("ssh-keyscan", "-T", "5", "127.0.0.1")
        return r.stdout if r.returncode == 0 and re.search(r"^127\.0\.0\.1 ssh-ed25519 ", r.stdout, re.M) \
            else None
    if name == "postgresql@15-main":
        r = b.client("psql", "-XAtc", "select 1", user="postgres")
        return r.stdout if r.returncode == 0 and r.stdout.strip() == "1" else None
    if name == "cron":
        # a job of /etc/cron.d/svcinit-test, every minute
        f = b.d.path("/root/cron-ran")
        n = len(f.read_text().splitlines()) if f.exists() else 0
        return f"{n} runs" if n > b.cron_seen else None
    raise AssertionError(name)


def wait_answers(b, name, timeout=60):
    if name == "cron":
        f = b.d.path("/root/cron-ran")
        b.cron_seen = len(f.read_text().splitlines()) if f.exists() else 0
        timeout = max(timeout, 130)    # a job of the next minute
    try:
        return poll_until(lambda: answers(b, name), timeout, f"{name} to answer its client",
                          interval=0.2)
    except AssertionError as e:
        raise AssertionError(f"{e}\nstatus: {b.unit(name)}\n{b.unit_log(name)}\n"
                             f"--- syslog (tail):\n{b.syslog_tail()}") from None


def daemon_procs(b, name):
    return [p for p in b.procs() if p["comm"] in DAEMONS[name]]


def restart_value(b, name):
    """Restart= as the unit's file and drop-ins say (the last one wins)."""
    r = b.ctl("cat", name)
    assert r.returncode == 0, r.stderr
    v = "no"
    for line in r.stdout.splitlines():
        m = re.match(r"\s*Restart\s*=\s*(\S*)", line)
        if m:
            v = m.group(1) or "no"
    return v


def ensure_running(b, name):
    u = b.unit(name)
    if not u or u["state"] != "running":
        r = b.ctl("start", name)
        assert r.returncode == 0, f"svcctl start {name}: {r.returncode}\n{r.stdout}{r.stderr}\n" \
                                  f"{b.unit_log(name)}"
    # svcctl start returns once it runs or failed: an end state now is final
    return b.wait_for(name, "running", bad=("exited", "failed", "stopped"))


@pytest.fixture
def tidy(booted):
    """After a test of a daemon, pass or fail: a process of it that runs
    outside its unit's cgroup (an escaped postmaster, say) is killed, so
    that the next test starts from the unit alone."""
    names = []
    yield names.append
    for name in names:
        for p in daemon_procs(booted, name):
            cg = read_text(f"/proc/{p['host']}/cgroup") or ""
            if f"/{name}.service" not in cg:
                print(f"tidy: {name}: killing {p['nspid']} {p['cmdline']}, outside its unit")
                try:
                    os.kill(p["host"], signal.SIGKILL)
                except ProcessLookupError:
                    pass


# ---------------------------------------------------------------- tests

def test_boot_set(booted):
    """The boot set is what the packages enabled (deb-systemd-helper's
    multi-user.target.wants links); every unit's warnings are printed: they
    are what svcinit does not implement yet."""
    units = booted.units()
    print("\nunits at boot, with what svcinit warned about:")
    for n, u in sorted(units.items()):
        host = booted.host_pid(u["pid"]) if u.get("pid") else None
        cg = (read_text(f"/proc/{host}/cgroup") or "").split() if host else []
        print(f"  {n}: {u['state']} pid={u.get('pid')} cgroup={u.get('cgroup')} "
              f"(/proc: {' '.join(c for c in cg if c.startswith(('0::', '4:')))})")
        for w in u.get("warnings", []):
            print(f"      warning: {w}")
    want = {n[:-len(".service")] for n in ENABLED}
    # the packages' units, and nothing else of the base system (masked)
    # services: the packages' own; the base system's sockets and timers
    # (dbus.socket, apt-daily.timer, ...) carry their suffix and may be there
    services = {n for n in units if not n.endswith((".socket", ".timer"))}
    extra = services - {"postgresql@15-main"} - want
    missing = want - services
    assert not extra, sorted(units)
    if missing == {"redis-server"}:
        # seen after the merge of sockets, conditions and lifecycle: started by
        # name it runs (the tests below), but its enabled link (it also has
        # Alias=redis.service) does not bring it up at boot. A known bug.
        pytest.xfail("redis-server is not in the boot set though enabled (Alias=redis.service)")
    assert not missing, sorted(units)


@pytest.mark.xfail(reason="svcinit runs no systemd generators: postgresql-common's "
                   "/lib/systemd/system-generators/postgresql-generator is what makes "
                   "postgresql.service want postgresql@15-main.service", strict=True)
def test_postgresql_cluster_pulled_in_at_boot(booted):
    booted.wait_for("postgresql", ("running", "exited"))
    assert "postgresql@15-main" in booted.units()


@pytest.mark.parametrize("name", params(XFAIL_RUN))
def test_daemon_answers(booted, tidy, name):
    tidy(name)
    u = ensure_running(booted, name)
    print(f"{name}: {wait_answers(booted, name).strip()[:200]}")
    # and it is the unit's: its main pid is the daemon, and it still runs
    u = booted.wait_for(name, "running", bad=("exited", "failed", "stopped"))
    main = [p for p in booted.procs() if p["nspid"] == u["pid"]]
    assert main and main[0]["comm"] in DAEMONS[name], \
        f"{name}'s main pid {u['pid']} is {main}, not {DAEMONS[name]}"


@pytest.mark.parametrize("name", params(XFAIL_STOP))
def test_stop_leaves_nothing(booted, tidy, name):
    tidy(name)
    ensure_running(booted, name)
    wait_answers(booted, name)
    assert daemon_procs(booted, name), booted.procs()
    r = booted.ctl("stop", name)
    assert r.returncode == 0, f"svcctl stop {name}: {r.returncode} {r.stdout}{r.stderr}"
    u = booted.unit(name)
    assert u["state"] in ("stopped", "exited", "failed"), u
    left = daemon_procs(booted, name)
    assert not left, f"svcctl stop {name} returned, and left {left}\n{booted.unit_log(name)}"
    # and it starts again, and answers
    ensure_running(booted, name)
    wait_answers(booted, name)


@pytest.mark.parametrize("name", params(XFAIL_KILL))
def test_kill9_as_the_unit_says(booted, tidy, name):
    """SIGKILL of the main process: Restart=always/on-failure/on-abnormal/
    on-abort restart it (SIGKILL is no clean exit); no/on-success/
    on-watchdog leave it failed, and nothing of it running."""
    tidy(name)
    u = ensure_running(booted, name)
    wait_answers(booted, name)
    pid = u["pid"]
    assert pid, u
    host = booted.host_pid(pid)
    assert host, (pid, booted.procs())
    assert (booted.procs() and
            [p for p in booted.procs() if p["host"] == host][0]["comm"] in DAEMONS[name]), \
        f"{name}'s main pid {pid} is not {DAEMONS[name]}: {booted.procs()}"
    restarts = u.get("restarts", 0)
    policy = restart_value(booted, name)
    os.kill(host, signal.SIGKILL)
    if policy in ("always", "on-failure", "on-abnormal", "on-abort"):
        u = booted.wait_for(name, "running", pid=lambda p: p and p != pid,
                            restarts=lambda n: n is not None and n > restarts)
        wait_answers(booted, name)
    else:
        u = booted.wait_for(name, "failed")
        poll_until(lambda: not daemon_procs(booted, name), 30, f"{name}'s processes to be gone")
        assert u.get("restarts", 0) == restarts, u
        ensure_running(booted, name)
        wait_answers(booted, name)


def nginx_workers(b, master):
    return sorted(p["nspid"] for p in b.procs() if p["comm"] == "nginx" and p["ppid"] == master)


@pytest.mark.parametrize("name", [pytest.param("nginx", marks=xf({"nginx": XFAIL_RELOAD} if XFAIL_RELOAD else {}, "nginx"),
                                                id="nginx")])
def test_reload_nginx(booted, tidy, name):
    """svcctl reload nginx runs ExecReload= (nginx -s reload): the master
    stays, its workers are replaced."""
    tidy(name)
    u = ensure_running(booted, "nginx")
    wait_answers(booted, "nginx")
    master = booted.host_pid(u["pid"])
    workers = poll_until(lambda: nginx_workers(booted, master), 30, "nginx's workers")
    r = booted.ctl("reload", "nginx")
    assert r.returncode == 0, f"svcctl reload nginx: {r.returncode} {r.stdout}{r.stderr}"
    new = poll_until(lambda: (lambda w: w if w and not set(w) & set(workers) else None)(
        nginx_workers(booted, master)), 30, "new nginx workers")
    u2 = booted.unit("nginx")
    assert u2["state"] == "running" and u2["pid"] == u["pid"], (u, u2)
    assert new and not set(new) & set(workers)
    wait_answers(booted, "nginx")


# ---------------------------------------------------------------- sandboxing

# systemd.exec(5)'s sandboxing and security keys (the SPEC's "Sandboxing
# keys") by their names' shapes: what a unit file asks to be confined by
SANDBOX_KEY = re.compile(
    r"^(Private\w+|Protect\w+|Restrict\w+|SystemCall\w+|ReadWritePaths|ReadOnlyPaths|"
    r"InaccessiblePaths|NoExecPaths|ExecPaths|TemporaryFileSystem|BindPaths|BindReadOnlyPaths|"
    r"CapabilityBoundingSet|AmbientCapabilities|NoNewPrivileges|MemoryDenyWriteExecute|"
    r"LockPersonality|DevicePolicy|DeviceAllow|IPAddressAllow|IPAddressDeny|RemoveIPC|"
    r"DynamicUser|KeyringMode|ProcSubset)=")


# in force in the kernel's view of the process rather than as mounts: the
# seccomp filters, the bounding set, no_new_privs (/proc/PID/status)
SECCOMP_KEY = re.compile(r"^(SystemCall\w+|Restrict\w+|LockPersonality|MemoryDenyWriteExecute)$")


@pytest.mark.parametrize("name", ["redis-server", "ssh"])
def test_sandboxing_keys_in_force(booted, tidy, name):
    """Every sandboxing key of the daemon's own unit is in force: the
    confinement by mounts and namespaces as `svcctl status` (its sandbox:
    lines) and the JSON sandbox field say, the filters, the bounding set and no_new_privs as
    /proc/PID/status says; none is only warned about (redis-server's unit has
    about 30 such lines; ssh's none: it gets no systemd confinement it did not
    ask for, only svcinit's default namespaces)."""
    u = ensure_running(booted, name)
    text = read_text(booted.d.path(f"/lib/systemd/system/{name}.service"))
    keys = sorted({line.split("=", 1)[0] for line in text.splitlines() if SANDBOX_KEY.match(line)})
    if name == "redis-server":
        assert len(keys) >= 20, keys
    status = {k: v.split() for k, _, v in
              (line.partition(":") for line in
               read_text(f"/proc/{booted.host_pid(u['main_pid'])}/status").splitlines())}
    shown = {e.split("=", 1)[0] for e in u["sandbox"]}
    show = booted.ctl("status", name)
    assert show.returncode == 0, show.stderr
    for k in keys:
        if SECCOMP_KEY.match(k):
            assert status["Seccomp"] == ["2"], (k, status["Seccomp"])
        elif k == "CapabilityBoundingSet":
            assert "CapabilitiesDropped" in shown and status["CapBnd"] != \
                read_text("/proc/self/status").split("CapBnd:")[1].split()[:1], (k, status["CapBnd"])
        elif k == "NoNewPrivileges":
            assert status["NoNewPrivs"] == ["1"], status["NoNewPrivs"]
        elif k == "RemoveIPC":
            pass   # acts at the stop (tests/integration/test_ipc.py); not warned about: below
        else:
            assert k in shown and "sandbox: " + k + "=" in show.stdout, (k, u["sandbox"], show.stdout)
    assert [w for w in u["warnings"] if any(k + "=" in w for k in keys)] == [], u["warnings"]
    if not keys:
        assert not (shown & {"ProtectSystem", "ProtectHome", "PrivateTmp"}), u["sandbox"]
        assert status["Seccomp"] == ["0"], status["Seccomp"]
