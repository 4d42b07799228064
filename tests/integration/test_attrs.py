# SPDX-License-Identifier: MIT
"""Process attributes of systemd.exec(5), observed from outside as a user
would: Limit*= in /proc/PID/limits, UMask= in /proc/PID/status, Nice=,
OOMScoreAdjust=, IOSchedulingClass=, CPUSchedulingPolicy=, CPUAffinity=
from /proc and the kernel; StandardInput=; SyslogIdentifier= on the console;
the order of interleaved stdout and stderr lines in `svcctl logs`; the
*Directory= keys (owner, mode, environment, removal at stop, the host's
directory under the overlay root, a planted symlink not followed)."""
import ctypes
import json
import os
import re
import resource
import secrets
import select
import shutil
import stat
import termios
from pathlib import Path

import pytest

from conftest import NOBODY, poll_until, unit_text


def running_proc(si, name):
    """The host view of a running unit's main process."""
    u = si.wait_for(name, "running")
    p = poll_until(lambda: si.ns_proc(u["pid"]), what=f"{name}'s process in /proc")
    return Path(f"/proc/{p['host']}")


def limits(proc):
    """/proc/PID/limits as {name: (soft, hard)}."""
    out = {}
    for line in (proc / "limits").read_text().splitlines()[1:]:
        m = re.match(r"^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)", line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3))
    return out


def status_field(proc, key):
    for line in (proc / "status").read_text().splitlines():
        if line.startswith(key + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {key} in {proc}/status")


# ---------------------------------------------------------------- limits, umask, priorities

def test_limits_are_the_units(svcinit):
    # below the hard limits svcinit has (a container may lack
    # CAP_SYS_RESOURCE: then no hard limit can be raised)
    nice_hard = resource.getrlimit(resource.RLIMIT_NICE)[1]
    nice = min(nice_hard, 25) if nice_hard != resource.RLIM_INFINITY else 25
    rtprio_hard = resource.getrlimit(resource.RLIMIT_RTPRIO)[1]
    rtprio = min(rtprio_hard, 3) if rtprio_hard != resource.RLIM_INFINITY else 3
    si = svcinit({"lim": unit_text("sleep 1000", [
        "LimitNOFILE=1234:5678", "LimitCORE=infinity", "LimitCPU=2min",
        "LimitFSIZE=1M", "LimitNPROC=777", "LimitSTACK=4M:16M",
        f"LimitNICE={'-' + str(nice - 20) if nice > 20 else nice}",
        "LimitRTTIME=500ms:1s", "LimitMEMLOCK=64K", "LimitAS=infinity",
        "LimitMSGQUEUE=1000", "LimitSIGPENDING=321", f"LimitRTPRIO={rtprio}",
        "LimitLOCKS=99"])})
    lim = limits(running_proc(si, "lim"))
    assert lim["Max open files"] == ("1234", "5678"), lim
    assert lim["Max core file size"] == ("unlimited", "unlimited")
    assert lim["Max cpu time"] == ("120", "120")
    assert lim["Max file size"] == (str(1 << 20), str(1 << 20))
    assert lim["Max processes"] == ("777", "777")
    assert lim["Max stack size"] == (str(4 << 20), str(16 << 20))
    assert lim["Max nice priority"] == (str(nice), str(nice)), "LimitNICE=-5 is 20 - (-5)"
    assert lim["Max realtime timeout"] == ("500000", "1000000")
    assert lim["Max locked memory"] == ("65536", "65536")
    assert lim["Max msgqueue size"] == ("1000", "1000")
    assert lim["Max pending signals"] == ("321", "321")
    assert lim["Max realtime priority"] == (str(rtprio), str(rtprio))
    assert lim["Max file locks"] == ("99", "99")


def test_limit_as_the_units_user_and_a_bad_one(svcinit):
    si = svcinit({
        "nob": unit_text("sleep 1000", {"User": "nobody", "LimitNOFILE": "4096:8192"}),
        "bad": unit_text("sleep 1000", {"LimitNOFILE": "10:5"}),
    })
    lim = limits(running_proc(si, "nob"))
    assert lim["Max open files"] == ("4096", "8192"), "set before the switch to nobody"
    si.wait_log(r"LimitNOFILE=.*soft limit above the hard one")
    assert "bad" not in si.units()


def test_umask_nice_oom(svcinit):
    si = svcinit({"attrs": unit_text("sleep 1000", {
        "UMask": "0027", "Nice": "7", "OOMScoreAdjust": "123"}),
        "plain": unit_text("sleep 1000")})
    proc = running_proc(si, "attrs")
    assert status_field(proc, "Umask") == "0027"
    assert (proc / "stat").read_text().rsplit(")", 1)[1].split()[16] == "7", "nice in /proc/PID/stat"
    assert (proc / "oom_score_adj").read_text().strip() == "123"
    plain = running_proc(si, "plain")
    assert status_field(plain, "Umask") == "0022", "systemd's default umask"
    assert (plain / "oom_score_adj").read_text().strip() == "0"


def test_oom_score_of_a_unit_is_its_own(svcinit):
    """A unit's OOMScoreAdjust= is its own, start after start: not svcinit's
    (which keeps what it had: -1000 where it may set that) and not a unit's
    started at the same time. (A child that shares svcinit's memory until
    its exec would pass its score on: the kernel gives a write to
    oom_score_adj to every process sharing the writer's memory.)"""
    si = svcinit({"hi": unit_text("sleep 1000", {"OOMScoreAdjust": "300"}),
                  "lo": unit_text("sleep 1000", {"OOMScoreAdjust": "100"}),
                  "plain": unit_text("sleep 1000")})
    own = Path(f"/proc/{si.pid}/oom_score_adj").read_text().strip()
    assert own in ("-1000", "0"), own
    for _ in range(3):   # restarts: the first start of a kind may be a plain fork
        for name, want in (("hi", "300"), ("lo", "100"), ("plain", "0")):
            assert (running_proc(si, name) / "oom_score_adj").read_text().strip() == want, name
        assert Path(f"/proc/{si.pid}/oom_score_adj").read_text().strip() == own
        r = si.ctl("restart", "hi", "lo", "plain")
        assert r.returncode == 0, r.stderr
    assert Path(f"/proc/{si.pid}/oom_score_adj").read_text().strip() == own


def ioprio_get(pid):
    libc = ctypes.CDLL(None, use_errno=True)
    SYS_ioprio_get = 252 if os.uname().machine == "x86_64" else 31
    r = libc.syscall(SYS_ioprio_get, 1, pid)
    assert r >= 0, os.strerror(ctypes.get_errno())
    return r >> 13, r & 0x1fff


def test_io_and_cpu_scheduling_and_affinity(svcinit):
    si = svcinit({
        "io": unit_text("sleep 1000", {"IOSchedulingClass": "idle"}),
        "io2": unit_text("sleep 1000", {"IOSchedulingClass": "best-effort",
                                        "IOSchedulingPriority": "6"}),
        "rt": unit_text("sleep 1000", {"CPUSchedulingPolicy": "rr", "CPUSchedulingPriority": "5",
                                       "CPUSchedulingResetOnFork": "yes"}),
        "rtw": unit_text("sleep 1000", {"CPUSchedulingPolicy": "rr", "CPUSchedulingPriority": "5",
                                        "CPUWeight": "200", "Restart": "no"}),
        "batch": unit_text("sleep 1000", {"CPUSchedulingPolicy": "batch"}),
        "idlereset": unit_text("sleep 1000", {"CPUSchedulingPolicy": "idle",
                                              "CPUSchedulingResetOnFork": "yes"}),
        "aff": unit_text("sleep 1000", {"CPUAffinity": "0"}),
    })
    io = running_proc(si, "io")
    assert ioprio_get(int(io.name)) == (3, 0), "IOPRIO_CLASS_IDLE"
    assert ioprio_get(int(running_proc(si, "io2").name)) == (2, 6)
    # a unit without CPUWeight=/CPUQuota= stays in its parent's v1 cpu
    # cgroup (as under systemd without CPUAccounting=): real-time works
    rt = int(running_proc(si, "rt").name)
    pol = os.sched_getscheduler(rt)
    assert pol & ~0x40000000 == os.SCHED_RR and pol & 0x40000000, pol
    assert os.sched_getparam(rt).sched_priority == 5
    if Path("/sys/fs/cgroup/cpu/cpu.rt_runtime_us").exists():
        # v1 with CONFIG_RT_GROUP_SCHED: a new cpu cgroup (CPUWeight=) has
        # no real-time budget, the kernel refuses (as it does under
        # systemd); the unit fails and says why
        u = si.wait_for("rtw", "failed")
        assert "CPUSchedulingPolicy=" in u["error"] and "not permitted" in u["error"], u
    reset = int(running_proc(si, "idlereset").name)
    assert os.sched_getscheduler(reset) == os.SCHED_IDLE | 0x40000000
    assert os.sched_getscheduler(int(running_proc(si, "batch").name)) == os.SCHED_BATCH
    assert os.sched_getaffinity(int(running_proc(si, "aff").name)) == {0}


# ---------------------------------------------------------------- input and output

def test_standard_input_file_and_data(svcinit, workdir):
    out = workdir / "out"
    src = workdir / "in.txt"
    src.write_text("from the file\n")
    si = svcinit({
        "fin": unit_text(f"sh -c 'cat > {out}/fin'", {"Type": "oneshot",
                                                      "StandardInput": f"file:{src}"}),
        "text": unit_text(f"sh -c 'cat > {out}/text'", [
            "Type=oneshot", "StandardInput=data", "StandardInputText=line one\\tTAB",
            "StandardInputText=line two"]),
        "b64": unit_text(f"sh -c 'cat > {out}/b64'", [
            "Type=oneshot", "StandardInput=data", "StandardInputData=aGVsbG8gYmFzZTY0Cg=="]),
        "null": unit_text(f"sh -c 'cat > {out}/null'", {"Type": "oneshot"}),
    })
    for n in ("fin", "text", "b64", "null"):
        u = si.wait_for(n, ("exited", "failed"))
        assert u["state"] == "exited", (u, si.log())
    assert (out / "fin").read_text() == "from the file\n"
    assert (out / "text").read_text() == "line one\tTAB\nline two\n"
    assert (out / "b64").read_text() == "hello base64\n"
    assert (out / "null").read_text() == ""


def test_syslog_identifier_prefixes_console_lines(svcinit):
    si = svcinit({"ident": unit_text("sh -c 'echo marked-line; exec sleep 1000'",
                                     {"SyslogIdentifier": "my-daemon"})})
    si.wait_log(r"^my-daemon: marked-line$")
    assert not re.search(r"^ident: marked-line$", si.log(), re.M)


def test_stdout_and_stderr_keep_their_order(svcinit):
    lines = "; ".join(f"echo out{i}; echo err{i} >&2" for i in range(20))
    si = svcinit({"mix": unit_text(f"sh -c '{lines}; exec sleep 1000'")})
    want = [f"{s}{i}" for i in range(20) for s in ("out", "err")]
    got = poll_until(lambda: (lambda l: l if len(l) >= 40 else None)(
        si.ctl("logs", "mix").stdout.splitlines()), what="the 40 lines in svcctl logs")
    assert got == want
    # one pipe: the ring records them as stdout
    j = si.ctl("logs", "--json", "mix")
    assert j.returncode == 0, j
    recs = [json.loads(l) for l in j.stdout.splitlines()]
    assert [r["line"] for r in recs] == want
    assert {r["stream"] for r in recs} == {"stdout"}


def test_stderr_alone_is_a_stream_of_its_own(svcinit):
    si = svcinit({"split": unit_text("sh -c 'echo gone; echo kept >&2; exec sleep 1000'",
                                     {"StandardOutput": "null"})})
    got = poll_until(lambda: si.ctl("logs", "split").stdout.splitlines() or None,
                     what="the stderr line in svcctl logs")
    assert got == ["kept"]


# ---------------------------------------------------------------- RuntimeDirectory= and friends

BASES = {"Runtime": "/run", "State": "/var/lib", "Cache": "/var/cache", "Logs": "/var/log",
         "Configuration": "/etc"}


@pytest.fixture
def dirname():
    """A fresh name for the directory keys; whatever was made under the
    five bases with it is removed after the test."""
    name = "svcit-" + secrets.token_hex(4)
    yield name
    for base in BASES.values():
        p = Path(base) / name
        if p.is_symlink() or p.is_file():
            p.unlink()
        elif p.exists():
            shutil.rmtree(p)
    for p in Path("/run").glob(".svcinit-gone-*"):
        shutil.rmtree(p, ignore_errors=True)


def owner_mode(p):
    st = os.lstat(p)
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def test_directories_made_owned_and_named_in_env(svcinit, workdir, dirname):
    out = workdir / "out"
    n = dirname
    si = svcinit({"dirs": unit_text(f"sh -c 'env > {out}/env; exec sleep 1000'", [
        "User=nobody", f"RuntimeDirectory={n} {n}-b", f"StateDirectory={n}/inner",
        "StateDirectoryMode=0700", f"CacheDirectory={n}", "CacheDirectoryMode=0750",
        f"LogsDirectory={n}", f"ConfigurationDirectory={n}"])})
    si.wait_for("dirs", "running")
    env = poll_until(lambda: (out / "env").exists() and dict(
        l.split("=", 1) for l in (out / "env").read_text().splitlines() if "=" in l),
        what="the unit's environment")
    assert env["RUNTIME_DIRECTORY"] == f"/run/{n}:/run/{n}-b", env
    assert env["STATE_DIRECTORY"] == f"/var/lib/{n}/inner"
    assert env["CACHE_DIRECTORY"] == f"/var/cache/{n}"
    assert env["LOGS_DIRECTORY"] == f"/var/log/{n}"
    assert env["CONFIGURATION_DIRECTORY"] == f"/etc/{n}"
    assert owner_mode(f"/run/{n}") == (NOBODY, NOBODY, 0o755)
    assert owner_mode(f"/run/{n}-b") == (NOBODY, NOBODY, 0o755)
    assert owner_mode(f"/var/lib/{n}") == (0, 0, 0o755), "only the innermost is the unit's"
    assert owner_mode(f"/var/lib/{n}/inner") == (NOBODY, NOBODY, 0o700)
    assert owner_mode(f"/var/cache/{n}") == (NOBODY, NOBODY, 0o750)
    assert owner_mode(f"/var/log/{n}") == (NOBODY, NOBODY, 0o755)
    assert owner_mode(f"/etc/{n}") == (0, 0, 0o755), "ConfigurationDirectory= stays root's"


def test_runtime_directory_removed_at_stop_unless_preserved(svcinit, dirname):
    n = dirname
    si = svcinit({
        "gone": unit_text("sleep 1000", {"RuntimeDirectory": f"{n}-gone", "User": "nobody"}),
        "kept": unit_text("sleep 1000", {"RuntimeDirectory": f"{n}-kept",
                                         "RuntimeDirectoryPreserve": "yes"}),
        "state": unit_text("sleep 1000", {"StateDirectory": n}),
    })
    for u in ("gone", "kept", "state"):
        si.wait_for(u, "running")
    Path(f"/run/{n}-gone/file").write_text("x")
    os.mkdir(f"/run/{n}-gone/sub")
    os.symlink("/etc/passwd", f"/run/{n}-gone/sub/link")
    for u in ("gone", "kept", "state"):
        assert si.ctl("stop", u).returncode == 0
    poll_until(lambda: not os.path.lexists(f"/run/{n}-gone"),
               what="RuntimeDirectory= to be removed at the stop")
    assert os.path.isdir(f"/run/{n}-kept"), "RuntimeDirectoryPreserve=yes keeps it"
    assert os.path.isdir(f"/var/lib/{n}"), "StateDirectory= is never removed"
    assert os.path.exists("/etc/passwd"), "a symlink inside is removed, not followed"
    poll_until(lambda: not list(Path("/run").glob(".svcinit-gone-*")),
               what="the renamed directory to be gone too")
    # started again: a fresh one
    assert si.ctl("start", "gone").returncode == 0
    si.wait_for("gone", "running")
    assert os.listdir(f"/run/{n}-gone") == []
    Path(f"/run/{n}-kept").rmdir()


def test_state_directory_reaches_the_host_under_the_overlay(svcinit, dirname):
    n = dirname
    # svcinit's default isolation: an overlay of / whose writes vanish,
    # but for the unit's state directories
    si = svcinit({"writer": unit_text(
        "sh -c 'echo kept > $STATE_DIRECTORY/f; echo also > $LOGS_DIRECTORY/l; "
        "echo lost > /var/lib/svcit-not-a-state-dir; exec sleep 1000'",
        {"StateDirectory": n, "LogsDirectory": n, "User": "nobody"}, namespaces=None)})
    si.wait_for("writer", "running")
    poll_until(lambda: Path(f"/var/lib/{n}/f").exists(), what="the unit's write on the host")
    assert Path(f"/var/lib/{n}/f").read_text() == "kept\n"
    poll_until(lambda: Path(f"/var/log/{n}/l").exists(), what="the unit's log write on the host")
    assert os.stat(f"/var/lib/{n}/f").st_uid == NOBODY
    assert not Path("/var/lib/svcit-not-a-state-dir").exists()


def test_planted_symlink_in_a_state_directory_is_not_followed(svcinit, workdir, dirname):
    n = dirname
    victim = workdir / "victim"
    victim.mkdir()
    os.chmod(victim, 0o755)
    # the unit's user owns /var/lib/N (an earlier StateDirectory=N) and
    # plants N/sub -> a directory of root's
    os.mkdir(f"/var/lib/{n}")
    os.chown(f"/var/lib/{n}", NOBODY, NOBODY)
    os.symlink(str(victim), f"/var/lib/{n}/sub")
    si = svcinit({"planted": unit_text("sleep 1000", {
        "StateDirectory": f"{n}/sub", "StateDirectoryMode": "0777", "User": "nobody",
        "Restart": "no"})})
    u = si.wait_for("planted", "failed")
    assert "not followed" in u["error"] and f"/var/lib/{n}/sub" in u["error"], u
    assert owner_mode(victim) == (0, 0, 0o755), "the symlink's target was left alone"
    assert os.path.islink(f"/var/lib/{n}/sub")


# ---------------------------------------------------------------- terminals

def read_until(fd, text, what):
    buf = b""

    def got():
        nonlocal buf
        while select.select([fd], [], [], 0)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        return text in buf and buf
    return poll_until(got, what=what)


def test_standard_input_tty_is_the_controlling_terminal(svcinit):
    master, slave = os.openpty()
    try:
        path = os.ttyname(slave)
        # a line discipline a TTYReset= puts right
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        os.close(slave)
        slave = -1
        si = svcinit({"term": unit_text(
            "sh -c 'tty; stty -a | grep -o -- \"[-]*echo \"; read line; echo got:$line; "
            "exec sleep 1000'",
            {"StandardInput": "tty", "TTYPath": path, "TTYReset": "yes"})})
        proc = running_proc(si, "term")
        out = read_until(master, b"echo", "the unit's lines on the terminal")
        assert path.encode() in out, out
        assert b"-echo" not in out, "TTYReset= turned echo back on"
        # it is the unit's controlling terminal (tty_nr of /proc/PID/stat)
        tty_nr = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[4])
        assert tty_nr == os.stat(path).st_rdev, (tty_nr, os.stat(path).st_rdev)
        os.write(master, b"hello\n")
        read_until(master, b"got:hello", "the unit to read its input from the terminal")
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)


def test_tty_fail_on_a_terminal_that_is_not_free(svcinit):
    master, slave = os.openpty()
    try:
        path = os.ttyname(slave)
        si = svcinit({
            "first": unit_text("sleep 1000", {"StandardInput": "tty-force", "TTYPath": path,
                                              "StandardOutput": "null"}),
        })
        si.wait_for("first", "running")
        # another session holds it now: tty-fail refuses, tty-force takes it
        (si.units_dir / "second.service").write_text(unit_text("sleep 1000", {
            "StandardInput": "tty-fail", "TTYPath": path, "Restart": "no"}))
        assert si.ctl("daemon-reload").returncode == 0 or si.ctl("reload").returncode == 0
        u = si.wait_for("second", "failed")
        assert "acquire the terminal" in u["error"], u
    finally:
        os.close(master)
        os.close(slave)


def test_tty_vhangup_hangs_up_the_others_and_keeps_the_unit(svcinit):
    master, slave = os.openpty()
    path = os.ttyname(slave)
    other = os.open(path, os.O_RDWR | os.O_NOCTTY)   # an earlier user of the terminal
    try:
        si = svcinit({"hup": unit_text("sh -c 'echo still-here; exec sleep 1000'", {
            "StandardInput": "tty", "TTYPath": path, "TTYVHangup": "yes", "Restart": "no"})})
        proc = running_proc(si, "hup")
        read_until(master, b"still-here", "the unit's line after the hangup")
        tty_nr = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[4])
        assert tty_nr == os.stat(path).st_rdev
        # the descriptor opened before is hung up: reads give end of file or EIO
        try:
            assert os.read(other, 1) == b""
        except OSError as e:
            assert e.errno == 5, e
    finally:
        for fd in (other, slave, master):
            os.close(fd)


def test_limit_above_the_hard_one_is_capped_as_systemd_does(svcinit):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    si = svcinit({"cap": unit_text("sleep 1000", {"LimitNOFILE": "infinity"}),
                  "half": unit_text("sleep 1000", {"LimitNOFILE": f"100:{hard * 4}"})})
    # infinity is above fs.nr_open: both sides get the hard limit svcinit has
    assert limits(running_proc(si, "cap"))["Max open files"] == (str(hard), str(hard))
    got = limits(running_proc(si, "half"))["Max open files"]
    assert got[0] == "100"
    assert int(got[1]) in (hard, hard * 4), "the hard limit raised (CAP_SYS_RESOURCE) or capped"


def test_runtime_directory_preserve_restart(svcinit, dirname):
    n = dirname
    si = svcinit({
        "keep": unit_text("sleep 1000", {"RuntimeDirectory": f"{n}-r",
                                         "RuntimeDirectoryPreserve": "restart"}),
        "fresh": unit_text("sleep 1000", {"RuntimeDirectory": f"{n}-n"}),
    })
    for u in ("keep", "fresh"):
        si.wait_for(u, "running")
    Path(f"/run/{n}-r/state").write_text("x")
    Path(f"/run/{n}-n/state").write_text("x")
    for u in ("keep", "fresh"):
        pid = si.unit(u)["pid"]
        assert si.ctl("restart", u).returncode == 0
        poll_until(lambda: si.unit(u)["pid"] not in (None, pid) and
                   si.unit(u)["state"] == "running", what=f"{u} to run again")
    assert Path(f"/run/{n}-r/state").exists(), "restart: kept across a restart"
    assert not Path(f"/run/{n}-n/state").exists(), "no: a restart gets a fresh directory"
    assert Path(f"/run/{n}-n").is_dir()
    assert si.ctl("stop", "keep").returncode == 0
    poll_until(lambda: not os.path.lexists(f"/run/{n}-r"), what="restart: removed at the stop")
