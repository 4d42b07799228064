# SPDX-License-Identifier: MIT
"""systemd's sandboxing keys seen from inside a unit, as an attacker would try
them (tests/integration/sandbox_probe.py does the calls): writes under
ProtectSystem=strict fail with EROFS but reach the host through
ReadWritePaths=, /home is empty under ProtectHome=, /tmp is private,
InaccessiblePaths= refuses, /dev under PrivateDevices= holds only the API
devices, /proc/sys is read-only, ... Each key is tried both as systemd runs
it (Namespaces=none: the key adds the mount namespace it needs, on the
host's own root) and, where it matters, under svcinit's default isolation
(overlay root). The results travel through StandardOutput=append:FILE,
which svcinit opens on the host: the sandbox cannot hide them."""
import os
import secrets
import shutil
from pathlib import Path

import pytest

from conftest import SVCINIT, descendants, poll_until, proc_nspids, unit_text

PROBE = Path(__file__).resolve().parent / "sandbox_probe.py"
PY = "/usr/bin/python3"
MODES = ["none", None]   # None: svcinit's default isolation


def probe(svcinit, workdir, keys, *actions, user=None, namespaces="none", wait=True):
    """Run the probe once as unit "a" with keys (dict or list of lines);
    returns (svcinit, unit status, {action: result})."""
    out = workdir / "probe.out"
    out.touch()
    out.chmod(0o666)
    svc = ["Type=oneshot", "Restart=no", f"StandardOutput=append:{out}"]
    svc += [f"{k}={v}" for k, v in keys.items()] if isinstance(keys, dict) else list(keys)
    if user:
        svc.append(f"User={user}")
    si = svcinit({"a": unit_text(f"{PY} {PROBE} - {' '.join(actions)}", svc,
                                 namespaces=namespaces)})
    if not wait:
        return si, None, out
    u = si.wait_for("a", ("exited", "failed"))
    got = {}
    for line in out.read_text().splitlines():
        name, _, res = line.partition(" ")
        got[name] = res
    return si, u, got


def host_dir(workdir, name, mode=0o777):
    d = workdir / name
    d.mkdir(exist_ok=True)
    d.chmod(mode)
    return d


@pytest.mark.parametrize("namespaces", MODES)
def test_protect_system_strict_with_read_write_paths(svcinit, workdir, namespaces):
    rw = host_dir(workdir, "rw")
    tok = secrets.token_hex(4)
    si, u, got = probe(svcinit, workdir, {"ProtectSystem": "strict", "ReadWritePaths": rw},
                       f"write:/usr/svcit-{tok}", f"write:/etc/svcit-{tok}",
                       f"write:/var/svcit-{tok}", f"write:{rw}/kept", "write:/dev/null",
                       namespaces=namespaces)
    for p in (f"/usr/svcit-{tok}", f"/etc/svcit-{tok}", f"/var/svcit-{tok}"):
        assert got.get(f"write:{p}") == "EROFS", (got, u)
        assert not os.path.exists(p)
    assert got.get(f"write:{rw}/kept") == "ok", (got, u)
    assert got.get("write:/dev/null") == "ok", (got, u)
    # on the host afterwards, whatever the root (the overlay's upper layer is gone)
    assert (rw / "kept").read_text() == "written from the unit\n"
    assert u["state"] == "exited", u


def test_protect_system_yes_and_full(svcinit, workdir):
    tok = secrets.token_hex(4)
    si, u, got = probe(svcinit, workdir, {"ProtectSystem": "full"},
                       f"write:/usr/svcit-{tok}", f"write:/etc/svcit-{tok}")
    assert got == {f"write:/usr/svcit-{tok}": "EROFS", f"write:/etc/svcit-{tok}": "EROFS"}, got


def test_protect_system_yes_leaves_etc(svcinit, workdir):
    rw = host_dir(workdir, "rw")
    si, u, got = probe(svcinit, workdir, {"ProtectSystem": "yes"}, "write:/usr/svcit-x",
                       f"write:{rw}/f")
    assert got == {"write:/usr/svcit-x": "EROFS", f"write:{rw}/f": "ok"}, got


@pytest.mark.parametrize("namespaces", MODES)
def test_protect_home_tmpfs_is_empty_and_read_only(svcinit, workdir, namespaces):
    si, u, got = probe(svcinit, workdir, {"ProtectHome": "tmpfs"}, "ls:/home", "ls:/root",
                       "write:/home/svcit-x", namespaces=namespaces)
    assert got == {"ls:/home": "-", "ls:/root": "-", "write:/home/svcit-x": "EROFS"}, (got, u)


def test_protect_home_yes_is_inaccessible(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, {"ProtectHome": "yes"}, "ls:/home", "ls:/root",
                       user="nobody")
    assert got == {"ls:/home": "EACCES", "ls:/root": "EACCES"}, (got, u)


def test_protect_home_yes_root_sees_nothing(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, {"ProtectHome": "yes"}, "ls:/root", "write:/root/x")
    assert got == {"ls:/root": "-", "write:/root/x": "EROFS"}, (got, u)


def test_protect_home_bind_inside_tmpfs(svcinit, workdir):
    # systemd.exec(5): tmpfs hides the homes, a BindPaths= below it shows one
    src = host_dir(workdir, "alice")
    (src / "notes").write_text("hi\n")
    si, u, got = probe(svcinit, workdir, ["ProtectHome=tmpfs", f"BindPaths={src}:/home/alice"],
                       "ls:/home", "ls:/home/alice", "write:/home/alice/new")
    assert got == {"ls:/home": "alice", "ls:/home/alice": "notes",
                   "write:/home/alice/new": "ok"}, (got, u)
    assert (src / "new").exists()


@pytest.mark.parametrize("namespaces", MODES)
def test_private_tmp_is_private_and_gone_after_stop(svcinit, workdir, namespaces):
    tok = secrets.token_hex(4)
    si, u, got = probe(svcinit, workdir, {"PrivateTmp": "yes"}, "ls:/tmp", "ls:/var/tmp",
                       f"write:/tmp/m-{tok}", f"write:/var/tmp/m-{tok}", "ls:/tmp",
                       namespaces=namespaces)
    assert got.get(f"write:/tmp/m-{tok}") == "ok" and got.get(f"write:/var/tmp/m-{tok}") == "ok"
    assert got.get("ls:/var/tmp") == "-", got
    assert not os.path.exists(f"/tmp/m-{tok}") and not os.path.exists(f"/var/tmp/m-{tok}")
    # a second run starts from an empty /tmp again
    out = workdir / "probe.out"
    out.write_text("")
    r = si.ctl("restart", "a")
    assert r.returncode == 0, r.stderr
    poll_until(lambda: "ls:/tmp" in out.read_text() and out.read_text().count("\n") >= 5,
               what="the second run")
    lines = out.read_text().splitlines()
    # (svcinit's control socket directory, under /tmp in these tests, is bound in)
    assert lines[0].startswith("ls:/tmp ") and f"m-{tok}" not in lines[0], lines
    assert lines[1] == "ls:/var/tmp -", lines


def test_private_tmp_seen_from_the_host_while_running(svcinit, workdir):
    tok = secrets.token_hex(4)
    si, _, out = probe(svcinit, workdir, ["PrivateTmp=yes", "Type=simple"],
                       f"hold:/tmp/h-{tok}", wait=False)
    si.wait_for("a", "running")

    def holder():
        for p in descendants(si.pid):
            try:
                if os.path.exists(f"/proc/{p}/root/tmp/h-{tok}"):
                    return p
            except OSError:
                pass
        return None
    pid = poll_until(holder, what="the unit's marker in its own /tmp")
    assert not os.path.exists(f"/tmp/h-{tok}")
    r = si.ctl("stop", "a")
    assert r.returncode == 0, r.stderr
    si.wait_for("a", ("stopped", "exited", "failed"))
    poll_until(lambda: not os.path.exists(f"/proc/{pid}"), what="the unit gone")
    assert not os.path.exists(f"/tmp/h-{tok}")


@pytest.mark.parametrize("namespaces", MODES)
def test_inaccessible_paths(svcinit, workdir, namespaces):
    # paths of the root itself: under svcinit's isolation the host's /tmp is not there
    si, u, got = probe(svcinit, workdir, ["InaccessiblePaths=/usr/share /etc/passwd "
                                          "-/nonexistent-svcit"],
                       "ls:/usr/share", "read:/usr/share/dict", "read:/etc/passwd", "ls:/usr",
                       user="nobody", namespaces=namespaces)
    assert got["ls:/usr/share"] == "EACCES", (got, u)
    assert got["read:/usr/share/dict"] == "EACCES", (got, u)
    assert got["read:/etc/passwd"] == "EACCES", (got, u)
    assert "share" in got["ls:/usr"].split(","), got   # masked, not removed
    assert os.listdir("/usr/share")   # on the host nothing changed


def test_inaccessible_paths_root_reads_nothing(svcinit, workdir):
    secret = host_dir(workdir, "secret", 0o755)
    (secret / "key").write_text("k\n")
    si, u, got = probe(svcinit, workdir, [f"InaccessiblePaths={secret}"], f"ls:{secret}",
                       f"write:{secret}/new")
    assert got == {f"ls:{secret}": "-", f"write:{secret}/new": "EROFS"}, (got, u)


def test_inaccessible_path_missing_fails_the_unit(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, ["InaccessiblePaths=/nonexistent-svcit"], "uid")
    assert u["state"] == "failed", u
    assert "nonexistent-svcit" in u.get("error", ""), u


def test_read_only_paths_with_writable_nested(svcinit, workdir):
    a = host_dir(workdir, "a")
    b = host_dir(a, "b")
    si, u, got = probe(svcinit, workdir, [f"ReadOnlyPaths={a}", f"ReadWritePaths={b}"],
                       f"write:{a}/x", f"write:{b}/y")
    assert got == {f"write:{a}/x": "EROFS", f"write:{b}/y": "ok"}, (got, u)
    assert (b / "y").exists() and not (a / "x").exists()


def test_temporary_file_system_hides_and_read_only(svcinit, workdir):
    t = host_dir(workdir, "t")
    (t / "old").write_text("o\n")
    si, u, got = probe(svcinit, workdir, [f"TemporaryFileSystem={t}:ro"], f"ls:{t}",
                       f"write:{t}/n")
    assert got == {f"ls:{t}": "-", f"write:{t}/n": "EROFS"}, (got, u)
    assert (t / "old").exists() and not (t / "n").exists()


def test_no_exec_paths_and_exec_paths(svcinit, workdir):
    ne = host_dir(workdir, "ne", 0o755)
    ok = host_dir(ne, "ok", 0o755)
    for d in (ne, ok):
        shutil.copy("/bin/true", d / "true")
    si, u, got = probe(svcinit, workdir, [f"NoExecPaths={ne}", f"ExecPaths={ok}"],
                       f"exec:{ne}/true", f"exec:{ok}/true", "exec:/bin/true")
    assert got == {f"exec:{ne}/true": "EACCES", f"exec:{ok}/true": "ok",
                   "exec:/bin/true": "ok"}, (got, u)


DEV_API = {"null", "zero", "full", "random", "urandom", "tty", "pts", "ptmx", "shm", "fd",
           "stdin", "stdout", "stderr", "mqueue", "hugepages", "log", "console", "core"}


@pytest.mark.parametrize("namespaces", MODES)
def test_private_devices(svcinit, workdir, namespaces):
    si, u, got = probe(svcinit, workdir, {"PrivateDevices": "yes"}, "ls:/dev", "write:/dev/null",
                       "capbnd", "write:/dev/sda", "write:/dev/shm/svcit-x",
                       namespaces=namespaces)
    assert got["write:/dev/sda"] == "EROFS", got          # no disks, and no new nodes
    assert got["write:/dev/shm/svcit-x"] == "ok", got     # below it: writable
    names = set(got["ls:/dev"].split(","))
    assert names <= DEV_API and {"null", "zero", "urandom"} <= names, got
    assert got["write:/dev/null"] == "ok"
    bnd = int(got["capbnd"], 16)
    assert not bnd & (1 << 27) and not bnd & (1 << 17), got   # CAP_MKNOD, CAP_SYS_RAWIO


def test_protect_kernel_tunables_logs_modules(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, ["ProtectKernelTunables=yes", "ProtectKernelLogs=yes",
                                          "ProtectKernelModules=yes"],
                       "write:/proc/sys/kernel/domainname", "size:/proc/kallsyms",
                       "read:/dev/kmsg", "capbnd")
    assert got["write:/proc/sys/kernel/domainname"] == "EROFS", got
    assert got["size:/proc/kallsyms"] == "0", got
    assert got["read:/dev/kmsg"] in ("ok", "EACCES", "ENOENT"), got
    bnd = int(got["capbnd"], 16)
    assert not bnd & (1 << 16) and not bnd & (1 << 34), got   # CAP_SYS_MODULE, CAP_SYSLOG


def test_protect_kernel_tunables_under_default_isolation(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, ["ProtectKernelTunables=yes"],
                       "write:/proc/sys/kernel/domainname", "size:/proc/kcore",
                       namespaces=None)
    assert got["write:/proc/sys/kernel/domainname"] == "EROFS", got
    assert got["size:/proc/kcore"] in ("0", "ENOENT"), got   # masked, or absent there


def test_protect_control_groups(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, {"ProtectControlGroups": "yes"},
                       "write:/sys/fs/cgroup/svcit-x")
    assert got == {"write:/sys/fs/cgroup/svcit-x": "EROFS"}, (got, u)


def test_private_network(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, {"PrivateNetwork": "yes"}, "ifaces")
    assert got == {"ifaces": "lo"}, (got, u)


def test_protect_hostname_keeps_the_host_name(svcinit, workdir):
    host = os.uname().nodename
    si, u, got = probe(svcinit, workdir, {"ProtectHostname": "yes"}, "gethostname",
                       "hostname:svcit-evil")
    assert got["gethostname"] == host, got
    assert os.uname().nodename == host


def test_protect_clock_drops_capabilities(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, {"ProtectClock": "yes"}, "capbnd")
    bnd = int(got["capbnd"], 16)
    assert not bnd & (1 << 25) and not bnd & (1 << 35), got   # CAP_SYS_TIME, CAP_WAKE_ALARM


def test_protect_proc_invisible(svcinit, workdir):
    si, u, got = probe(svcinit, workdir, {"ProtectProc": "invisible", "ProcSubset": "pid"},
                       "ls:/proc/1", "size:/proc/cpuinfo", user="nobody")
    assert got["ls:/proc/1"] == "ENOENT", got
    assert got["size:/proc/cpuinfo"] == "ENOENT", got


def host_uid_of_marker(si, marker):
    """(host pid, host Uid line) of the unit process that made marker."""
    def find():
        for p in descendants(si.pid):
            try:
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    if f"hold:{marker}".encode() not in f.read():
                        continue
                with open(f"/proc/{p}/status") as f:
                    for line in f:
                        if line.startswith("Uid:"):
                            return p, [int(x) for x in line.split()[1:]]
            except OSError:
                pass
        return None
    return poll_until(find, what="the unit's process seen from the host")


@pytest.mark.parametrize("namespaces", ["user", "pid user", "pid net ipc mnt uts user"])
def test_namespaces_user_root_is_unprivileged_on_the_host(svcinit, workdir, namespaces):
    tok = secrets.token_hex(4)
    si, _, out = probe(svcinit, workdir, ["Type=simple"], "uid", "write:/proc/sys/kernel/domainname",
                       f"hold:/dev/shm/svcit-{tok}", namespaces=namespaces, wait=False)
    si.wait_for("a", "running")
    pid, uids = host_uid_of_marker(si, f"/dev/shm/svcit-{tok}")
    assert all(u >= 100000 for u in uids), uids
    poll_until(lambda: out.read_text().count("\n") >= 2, what="the probe's results")
    got = dict(line.split(" ", 1) for line in out.read_text().splitlines())
    assert got["uid"] == "0", got   # root inside
    # root inside is not root on the host: the host's sysctls refuse it
    assert got["write:/proc/sys/kernel/domainname"] in ("EACCES", "EPERM", "EROFS"), got
    with open(f"/proc/{pid}/uid_map") as f:
        assert f.read().split() == ["0", str(uids[0]), "65536"]
    si.ctl("stop", "a")
    if os.path.exists(f"/dev/shm/svcit-{tok}"):
        os.unlink(f"/dev/shm/svcit-{tok}")


def test_private_users_maps_root_and_the_unit_user(svcinit, workdir):
    tok = secrets.token_hex(4)
    si, _, out = probe(svcinit, workdir, ["Type=simple", "PrivateUsers=yes", "PrivateTmp=yes"],
                       "uid", f"hold:/tmp/svcit-{tok}", user="nobody", wait=False)
    si.wait_for("a", "running")
    pid, uids = host_uid_of_marker(si, f"/tmp/svcit-{tok}")
    nobody = 65534
    assert uids == [nobody] * 4, uids
    with open(f"/proc/{pid}/uid_map") as f:
        rows = [line.split() for line in f.read().splitlines()]
    assert rows == [["0", "0", "1"], [str(nobody), str(nobody), "1"]], rows
    poll_until(lambda: out.read_text().count("\n") >= 1, what="the probe's results")
    got = dict(line.split(" ", 1) for line in out.read_text().splitlines())
    assert got["uid"] == str(nobody)


def test_userns_range_is_configurable(svcinit, workdir):
    out = workdir / "probe.out"
    out.touch()
    out.chmod(0o666)
    svc = ["Type=simple", f"StandardOutput=append:{out}"]
    units = {n: unit_text(f"{PY} {PROBE} - uid hold:/dev/shm/svcit-{n}-{secrets.token_hex(3)}",
                          svc, namespaces="user") for n in ("a", "b")}
    si = svcinit(units, extra_args=["--userns-range", "300000:1000"])
    seen = {}
    for n in ("a", "b"):
        si.wait_for(n, "running")
        pid, uids = host_uid_of_marker(si, f"/dev/shm/svcit-{n}-")
        seen[n] = uids[0]
    # one range each, 1000 ids apart, from 300000
    assert sorted(seen.values()) == [300000, 301000], seen
    for f in Path("/dev/shm").glob("svcit-[ab]-*"):
        f.unlink()


def test_userns_range_refused(svcinit, workdir):
    si = svcinit({}, extra_args=["--userns-range", "1000:10"], start=False)
    import subprocess
    r = subprocess.run(si.argv(), capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "--userns-range 1000:10" in r.stderr, r


def unprivileged(si):
    """Run svcinit without CAP_SYS_ADMIN, as in a container started without
    --privileged: no new namespaces, no mounts."""
    base = si.argv

    def argv():
        a = base()
        i = a.index(str(SVCINIT))
        return a[:i] + ["setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin"] + a[i:]
    si.argv = argv
    return si


def test_unprivileged_default_isolation_degrades_with_one_warning(svcinit, workdir):
    out = workdir / "probe.out"
    out.touch()
    out.chmod(0o666)
    svc = ["Type=oneshot", "Restart=no", f"StandardOutput=append:{out}"]
    units = {
        # svcinit's default isolation, not asked for: runs without it
        "plain": unit_text(f"{PY} {PROBE} - uid", svc, namespaces=None),
        # asked for explicitly: fails with the reason
        "asked": unit_text(f"{PY} {PROBE} - uid", svc, namespaces="pid mnt"),
        "tmp": unit_text(f"{PY} {PROBE} - uid", svc + ["PrivateTmp=yes"], namespaces="none"),
    }
    si = unprivileged(svcinit(units, start=False))
    si.start()
    u = si.wait_for("plain", "exited")
    warns = [w for w in u["warnings"] if "namespaces are not permitted" in w]
    assert len(warns) == 1, u["warnings"]
    assert "Namespaces=none (not permitted here)" in u["sandbox"], u
    assert u["namespaces"] == [] or u["exit_code"] == 0, u
    for n in ("asked", "tmp"):
        a = si.wait_for(n, "failed")
        assert "unable to clone: Operation not permitted" in a["error"], a
    # a restart warns no second time
    r = si.ctl("restart", "plain")
    assert r.returncode == 0, r.stderr
    u = si.wait_for("plain", "exited", restarts=lambda n: True)
    assert len([w for w in u["warnings"] if "namespaces are not permitted" in w]) == 1, u


REDIS_UNIT = Path("/lib/systemd/system/redis-server.service")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_cli(port, *args):
    import subprocess
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)


def test_debian_redis_unit_runs_confined(svcinit, workdir):
    """Debian 12's redis-server.service as the package ships it (30 sandboxing
    keys: ProtectSystem=strict, PrivateUsers=, NoExecPaths=/, ...), only its
    port changed by a drop-in: it runs, serves, and its writes reach the host
    only where ReadWritePaths= says."""
    assert REDIS_UNIT.exists() and shutil.which("redis-cli"), \
        "redis-server is not installed (apt-get install redis-server; .ci/run does)"
    root = workdir / "root"
    lib = root / "lib/systemd/system"
    (lib / "multi-user.target.wants").mkdir(parents=True)
    shutil.copy(REDIS_UNIT, lib / "redis-server.service")
    os.symlink("/lib/systemd/system/redis-server.service",
               lib / "multi-user.target.wants/redis-server.service")
    port = free_port()
    dropin = root / "etc/systemd/system/redis-server.service.d"
    dropin.mkdir(parents=True)
    (dropin / "port.conf").write_text(
        "[Service]\nExecStart=\nExecStart=/usr/bin/redis-server /etc/redis/redis.conf "
        f"--supervised systemd --daemonize no --port {port} --save ''\n")
    dump = Path("/var/lib/redis/dump.rdb")
    assert not dump.exists(), f"{dump} is there already: not this test's to remove"
    si = svcinit({}, extra_args=["--systemd", "--root", str(root)])
    try:
        u = si.wait_for("redis-server", "running")
        assert redis_cli(port, "ping").stdout.strip() == "PONG"
        # what it got, key by key, as svcctl shows it
        sb = u["sandbox"]
        for k in ("ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                  "PrivateUsers=yes", "PrivateDevices=yes", "ReadWritePaths=-/var/lib/redis",
                  "NoExecPaths=/", "ProtectProc=invisible", "NamespacesAdded=mnt uts user"):
            assert k in sb, (k, sb)
        assert "sandbox: ProtectSystem=strict" in si.ctl("status", "redis-server").stdout
        pid = next(p for p in descendants(si.pid)
                   if "redis-server" in open(f"/proc/{p}/comm").read())
        st = {k: v.split() for k, _, v in
              (line.partition(":") for line in open(f"/proc/{pid}/status"))}
        assert st["CapBnd"] == ["0000000000000000"], st["CapBnd"]   # CapabilityBoundingSet=
        assert st["NoNewPrivs"] == ["1"] and st["Seccomp"] == ["2"]
        # PrivateUsers=: root and redis mapped to themselves, nothing else
        rows = [line.split() for line in open(f"/proc/{pid}/uid_map").read().splitlines()]
        redis_uid = st["Uid"][0]
        assert rows == [["0", "0", "1"], [redis_uid, redis_uid, "1"]], rows
        mounts = {}
        for line in open(f"/proc/{pid}/mountinfo"):
            f = line.split()
            mounts.setdefault(f[4], []).append(set(f[5].split(",")))
        assert {"ro", "noexec"} <= mounts["/"][-1], mounts["/"]        # strict, NoExecPaths=/
        assert "ro" in mounts["/home"][-1], mounts.get("/home")       # ProtectHome=
        assert "rw" in mounts["/var/lib/redis"][-1]                   # ReadWritePaths=
        assert "rw" in mounts["/tmp"][-1]                             # PrivateTmp=
        # its data reaches the host through ReadWritePaths=-/var/lib/redis
        assert redis_cli(port, "set", "k", "v").stdout.strip() == "OK"
        assert redis_cli(port, "save").stdout.strip() == "OK"
        assert dump.exists(), "the dump did not reach the host"
    finally:
        si.ctl("stop", "redis-server")
        if dump.exists():
            dump.unlink()


def test_planted_symlink_is_not_followed_as_root(svcinit, workdir):
    # the unit's user owns d and plants d/data -> private/sub, below a
    # directory it cannot enter; ReadWritePaths=+ (a key that loosens) looks
    # the path up as that user, so it fails rather than reach private/sub
    private = host_dir(workdir, "private", 0o700)
    (private / "sub").mkdir()
    d = host_dir(workdir, "d", 0o755)
    os.chown(d, 65534, 65534)
    os.symlink(private / "sub", d / "data")
    si, u, got = probe(svcinit, workdir, ["ProtectSystem=strict", f"ReadWritePaths=+{d}/data"],
                       "uid", user="nobody")
    assert u["state"] == "failed" and "Permission denied" in u["error"], u
    assert got == {}, got


def test_namespaces_user_paths_opened_as_its_range(svcinit, workdir):
    # root in a Namespaces=user unit is uid 100000+ on the host: svcinit
    # opens the paths it names as that uid, not as root
    private = host_dir(workdir, "private", 0o700)
    (private / "sub").mkdir()
    si, u, got = probe(svcinit, workdir, [f"BindPaths={private}/sub"], "uid",
                       namespaces="pid mnt user")
    assert u["state"] == "failed" and "Permission denied" in u["error"], u
    open_dir = host_dir(workdir, "open", 0o755)
    si, u, got = probe(svcinit, workdir, [f"BindReadOnlyPaths={open_dir}"], "uid",
                       f"ls:{open_dir}", namespaces="pid mnt user")
    assert got == {"uid": "0", f"ls:{open_dir}": "-"}, (got, u)


def test_keys_on_another_root_get_the_api_file_systems(svcinit, workdir):
    # RootDirectory= with Namespaces=none and a sandboxing key: the host's
    # root is not the unit's, /proc /sys /dev are bound into it
    assert os.path.exists("/bin/busybox"), "apt-get install busybox-static"
    root = host_dir(workdir, "newroot", 0o755)
    for d in ("bin", "proc", "sys", "dev", "tmp", "var/tmp"):
        (root / d).mkdir(parents=True, exist_ok=True)
    shutil.copy("/bin/busybox", root / "bin/busybox")
    out = workdir / "probe.out"
    out.touch()
    out.chmod(0o666)
    cmd = ("/bin/busybox sh -c '/bin/busybox ls /proc/self/fd >/dev/null && echo proc-ok; "
           "echo x >/dev/null && echo dev-ok; /bin/busybox ls /sys/kernel >/dev/null && echo sys-ok'")
    si = svcinit({"a": unit_text(cmd, ["Type=oneshot", "Restart=no", f"RootDirectory={root}",
                                       "PrivateTmp=yes", f"StandardOutput=append:{out}"],
                                 namespaces="none")})
    u = si.wait_for("a", ("exited", "failed"))
    assert out.read_text().split() == ["proc-ok", "dev-ok", "sys-ok"], (out.read_text(), u)
    assert not os.listdir(root / "proc"), "the host's /proc bound on the host"
