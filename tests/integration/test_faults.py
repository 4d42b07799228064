# SPDX-License-Identifier: MIT
"""Faults: broken and changing unit files, signal storms, running out of file
descriptors, failing memory allocations. svcinit logs, degrades, recovers,
and never dies."""
import json
import os
import random
import resource
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from conftest import ROOT, SVCCTL, SVCINIT, poll_until, unit_text
import probes
from harness import asan_build
from probes import connect, cpu_seconds, fd_count, figure, max_fd

FAILMALLOC = Path(os.environ.get("FAILMALLOC_SO", ROOT / "build" / "fault" / "failmalloc.so"))
STEADY = unit_text("sleep 100000", {"TimeoutStopSec": "2s"})
LATENCY_MAX = 2.0


def raw_request(path, payload, timeout=30):
    """(code, body); a failed connect, a timeout or a close without reply
    gives code None (faults are expected here)."""
    return probes.raw_request(path, payload, timeout, lenient=True)


def ctl_bytes(si, *args, timeout=30):
    """svcctl, output kept as bytes (a reply may quote a broken unit file)."""
    e = dict(os.environ)
    e.pop("SVCINIT_SOCKET", None)
    return subprocess.run([str(SVCCTL), "-s", str(si.sock), *map(str, args)],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, env=e)


def ctl_quick(si, *args, timeout=10):
    """svcctl with a deadline; a hang is a result (None), not an exception."""
    try:
        return si.ctl(*args, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def assert_kept(si, before):
    now = si.units()
    for name, u in before.items():
        n = now.get(name)
        assert n is not None, f"{name} vanished"
        assert n["state"] == "running" and n["pid"] == u["pid"], \
            f"{name} changed: was {u['state']} pid {u['pid']}, now {n}"
        assert si.pid_alive(u["pid"]), f"{name}: pid {u['pid']} is gone"


def assert_answers(si, what):
    assert si.alive(), f"svcinit died ({what})"
    poll_until(lambda: (ctl_quick(si, "status") or subprocess.CompletedProcess([], 1)).returncode == 0,
               20, f"status to answer ({what})")


# ---------------------------------------------------------------- unit files

def test_hostile_unit_files(svcinit):
    """Huge, binary, symlink loops, a FIFO, a directory, a socket, a device, a
    dangling link: each reported, none blocks or harms svcinit, good units
    run. (An unreadable file cannot be made for root: chmod 000 does not stop
    it; the directory and the dangling link stand for it.)"""
    rng = random.Random(0xFA17)
    good = unit_text("sleep 100000", {"TimeoutStopSec": "2s"})
    # exactly at the limit (256 KiB) is still fine; one byte more is not
    pad = 256 * 1024 - len(good)
    at_limit = good + ("#" * 127 + "\n") * (pad // 128) + "#" * (pad % 128 - 1) + "\n"
    assert len(at_limit) == 256 * 1024
    si = svcinit({"good": good, "atlimit": at_limit}, start=False, verbose=False)
    d = si.units_dir
    (d / "huge.service").write_text(good + ("# padding " * 100 + "\n") * 300)          # ~300 KiB
    (d / "overlimit.service").write_text(at_limit + "#")
    (d / "binary.service").write_bytes(bytes(rng.getrandbits(8) for _ in range(8192)))
    (d / "nulbyte.service").write_bytes(b"[Service]\nExecStart=/bin/sleep\x00 100000\nNamespaces=none\n")
    (d / "longline.service").write_text("[Service]\nNamespaces=none\nExecStart=/bin/echo "
                                        + "a" * 200000 + "\n")
    os.symlink("loop2.service", d / "loop1.service")
    os.symlink("loop1.service", d / "loop2.service")
    os.symlink("self.service", d / "self.service")
    os.mkfifo(d / "fifo.service")
    (d / "dir.service").mkdir()
    os.symlink("/nonexistent/x.service", d / "dangling.service")
    os.symlink("/dev/zero", d / "zero.service")
    os.symlink("/", d / "root.service")
    sk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sk.bind(str(d / "sock.service"))
    try:
        t0 = time.monotonic()
        si.start()
        boot = time.monotonic() - t0
        si.wait_for("good", "running")
        si.wait_for("atlimit", "running")
        log = si.log()
        bad = ["huge", "overlimit", "binary", "loop1", "loop2", "self", "fifo", "dir",
               "dangling", "zero", "root", "sock"]
        for name in bad:
            assert f"{name}.service" in log, f"nothing said about {name}.service:\n{log}"
        names = set(si.units())
        assert not names & set(bad), f"broken files became units: {names & set(bad)}"
        assert boot < 10, f"svcinit took {boot:.1f}s to answer with these files"

        # a reload says the same and changes nothing
        before = {n: si.unit(n) for n in ("good", "atlimit")}
        r = ctl_bytes(si, "reload")
        assert r.returncode == 1, f"reload with broken files: exit {r.returncode}: {r.stderr[:500]!r}"
        for name in bad:
            assert f"{name}.service".encode() in r.stdout + r.stderr, \
                f"reload did not report {name}.service"
        assert_kept(si, before)
        assert si.alive()
    finally:
        sk.close()


def test_unit_file_not_utf8(svcinit):
    """A unit file in Latin-1 (Description=caf\\xe9): either it is refused
    with FILE:LINE, or it runs; either way `svcctl status --json` stays valid
    UTF-8 JSON for every client (RFC 8259), and the table stays UTF-8."""
    si = svcinit({"good": STEADY}, start=False, verbose=False)
    (si.units_dir / "latin.service").write_bytes(
        b"[Unit]\nDescription=caf\xe9 cr\xe8me \xff\xfe\n"
        b"[Service]\nExecStart=sleep 100000\nNamespaces=none\nTimeoutStopSec=2s\n")
    si.start(wait=False)
    poll_until(lambda: ctl_bytes(si, "status").returncode == 0, 20, "status to answer")
    for args in (("--json", "status"), ("--json", "status", "good"), ("status",)):
        r = ctl_bytes(si, *args)
        assert r.returncode == 0, r.stderr
        try:
            text = r.stdout.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError(f"svcctl {' '.join(args)} prints bytes that are not UTF-8 "
                                 f"({e}): {r.stdout[max(0, e.start - 40):e.end + 10]!r}") from None
        if args[0] == "--json":
            json.loads(text)
    assert si.alive()


def test_unit_file_rewritten_during_reloads(svcinit):
    """One thread rewrites a unit file as fast as it can, in place (so that a
    reload may read it half written), replaces it, deletes it, turns it into
    garbage; the test reloads 150 times meanwhile (svcctl and SIGHUP). svcinit
    survives, the other units keep their processes, and the final version
    wins."""
    si = svcinit({"steady": STEADY, "churn": unit_text("sleep 100000 0", {"TimeoutStopSec": "2s"})},
                 verbose=False)
    before = {"steady": si.wait_for("steady", "running")}
    si.wait_for("churn", "running")
    path = si.units_dir / "churn.service"
    tmp = si.units_dir / ".churn.tmp"
    stop = threading.Event()
    rng = random.Random(7)
    writes = [0]

    def churn():
        while not stop.is_set() and writes[0] < 200000:
            k = rng.randrange(6)
            text = unit_text(f"sleep 100000 {rng.randrange(5)}", {"TimeoutStopSec": "2s"})
            try:
                if k == 0:                        # in place, in two halves
                    with open(path, "w") as f:
                        f.write(text[:len(text) // 2])
                        f.flush()
                        f.write(text[len(text) // 2:])
                elif k == 1:                      # atomic replace
                    tmp.write_text(text)
                    os.rename(tmp, path)
                elif k == 2:
                    path.unlink(missing_ok=True)
                elif k == 3:
                    path.write_bytes(bytes(rng.getrandbits(8) for _ in range(200)))
                elif k == 4:
                    path.write_text("[Service]\nExecStart=\n")
                else:
                    path.write_text(text)
            except OSError:
                pass
            writes[0] += 1

    t = threading.Thread(target=churn)
    t.start()
    lat = []
    try:
        for i in range(150):
            if i % 3 == 0:
                si.signal(signal.SIGHUP)
            else:
                t0 = time.monotonic()
                r = ctl_bytes(si, "reload")
                lat.append(time.monotonic() - t0)
                assert r.returncode in (0, 1), f"reload: exit {r.returncode}: {r.stderr[:500]!r}"
            assert si.alive(), "svcinit died during the reloads"
    finally:
        stop.set()
        t.join(30)
    figure("reload_churn.file_writes", writes[0])
    figure("reload_churn.reload_latency_ms.max", f"{max(lat) * 1000:.0f}")
    assert max(lat) < 5, f"a reload took {max(lat):.1f}s"
    tmp.unlink(missing_ok=True)
    path.write_text(unit_text("sleep 100000 9", {"TimeoutStopSec": "2s"}))
    r = si.ctl("reload", timeout=30)
    assert r.returncode == 0, f"final reload: exit {r.returncode}: {r.stdout}{r.stderr}"

    def final_runs():
        u = si.units().get("churn")
        if not u or u["state"] != "running" or not u["pid"]:
            return None
        p = si.ns_proc(u["pid"])
        return p and p["cmdline"] == ["sleep", "100000", "9"]
    poll_until(final_runs, 20, "churn to run its final definition")
    assert_kept(si, before)


def test_stdout_to_a_fifo_without_reader(svcinit, workdir):
    """StandardOutput=file: naming a FIFO that nobody reads: opening it must
    not block PID 1 (open(2) of a FIFO for writing waits for a reader)."""
    fifo = workdir / "out.fifo"
    os.mkfifo(fifo)
    si = svcinit({"steady": STEADY}, verbose=False)
    before = {"steady": si.wait_for("steady", "running")}
    (si.units_dir / "tofifo.service").write_text(
        unit_text("echo hello", {"StandardOutput": f"file:{fifo}", "Restart": "no"}))
    rd = None
    try:
        r = ctl_quick(si, "reload", timeout=10)
        answered = ctl_quick(si, "status", timeout=5)
        assert r is not None and answered is not None and answered.returncode == 0, \
            "svcinit stopped answering: it blocks in open(2) of the FIFO for StandardOutput=file:"
        assert_kept(si, before)
    finally:
        # a reader releases a blocked open, so that svcinit can be stopped
        rd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            poll_until(lambda: ctl_quick(si, "status", timeout=5) is not None, 20,
                       "svcinit to answer once the FIFO has a reader")
        finally:
            if si.alive():
                si.stop()
            os.close(rd)


# ---------------------------------------------------------------- signals

def test_signal_storm(svcinit):
    """Thousands of SIGCHLD, SIGHUP, SIGUSR1, SIGUSR2 and signals svcinit
    does not handle, sent at once from the host: in container mode SIGHUP
    reloads (coalesced), the rest are ignored; units keep their state and
    svcinit answers throughout."""
    si = svcinit({f"s{i}": STEADY for i in range(4)}, verbose=False)
    before = {f"s{i}": si.wait_for(f"s{i}", "running") for i in range(4)}
    storm = [signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH,
             signal.SIGALRM, signal.SIGURG, signal.SIGPIPE, signal.SIGTSTP, signal.SIGTTIN,
             signal.SIGTTOU, signal.SIGCONT, signal.SIGQUIT, signal.SIGPROF, signal.SIGRTMIN + 3]
    sent = {s: 0 for s in storm}
    stop = threading.Event()
    lat = []

    def poller():
        for _ in range(10000):
            if stop.is_set():
                return
            t0 = time.monotonic()
            r = ctl_quick(si, "status", timeout=30)
            lat.append((time.monotonic() - t0) if r is not None and r.returncode == 0 else 99)

    p = threading.Thread(target=poller)
    p.start()
    t0 = time.monotonic()
    try:
        for rnd in range(3000):
            if time.monotonic() - t0 > 30:
                break
            for s in storm:
                os.kill(si.pid, s)
                sent[s] += 1
    finally:
        storm_s = time.monotonic() - t0
        time.sleep(0.5)
        stop.set()
        p.join(60)
    total = sum(sent.values())
    figure("signal_storm.signals", total)
    figure("signal_storm.signals_per_s", f"{total / storm_s:.0f}")
    figure("signal_storm.status_latency_ms.max", f"{max(lat) * 1000:.0f}")
    assert sent[signal.SIGHUP] >= 1000
    assert si.alive(), "svcinit died in the signal storm"
    assert max(lat) < LATENCY_MAX, f"status took up to {max(lat):.2f}s in the signal storm"
    assert_kept(si, before)
    reloads = si.log().count("SIGHUP: reloading")
    figure("signal_storm.reloads", reloads)
    assert 1 <= reloads <= sent[signal.SIGHUP]
    # and the next SIGHUP still does its job
    (si.units_dir / "late.service").write_text(STEADY)
    si.signal(signal.SIGHUP)
    si.wait_for("late", "running")
    assert_kept(si, before)


# ---------------------------------------------------------------- file descriptors

def test_out_of_file_descriptors(svcinit):
    """RLIMIT_NOFILE lowered under a running svcinit (prlimit(2) from the
    host) and then eaten by idle clients: it logs, fails what needs a new
    descriptor with the reason, keeps its units, and recovers once
    descriptors come back (the idle clients are dropped after 10 s, or
    leave; the limit is raised again)."""
    si = svcinit({"s1": STEADY, "s2": STEADY,
                  "cycler": unit_text("sh -c 'sleep 0.2; exit 1'",
                                      {"Restart": "always", "RestartSec": "100ms",
                                       "RestartMaxDelaySec": "200ms", "StartLimitBurst": "0",
                                       "TimeoutStopSec": "2s"})},
                 verbose=False)
    before = {"s1": si.wait_for("s1", "running")}
    si.wait_for("s2", "running")
    si.wait_for("cycler", restarts=lambda n: n >= 1)
    old = resource.prlimit(si.pid, resource.RLIMIT_NOFILE)
    hogs = []
    try:
        resource.prlimit(si.pid, resource.RLIMIT_NOFILE, (max_fd(si.pid) + 4, old[1]))
        for _ in range(60):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(str(si.sock))
            except (BlockingIOError, ConnectionRefusedError):
                pass
            hogs.append(s)
        # the control socket cannot accept, and says so (through the console:
        # svcctl cannot get in now)
        si.wait_log(r"unable to accept: Too many open files", timeout=20)
        # a start that needs descriptors fails with the reason, and svcinit goes on
        si.wait_log(r"cycler: unable to .*Too many open files", timeout=20)
        assert si.alive()
        for name, u in before.items():
            assert si.pid_alive(u["pid"]), f"{name} lost its process"
    finally:
        for s in hogs:
            s.close()
    # the idle clients are gone: the control socket answers again, still
    # under the low limit
    assert_answers(si, "after the idle clients left")
    assert_kept(si, before)
    resource.prlimit(si.pid, resource.RLIMIT_NOFILE, old)
    r0 = si.unit("cycler")["restarts"]
    si.wait_for("cycler", restarts=lambda n: n > r0 + 2, error="")
    r = si.ctl("restart", "s2", timeout=30)
    assert r.returncode == 0, r.stderr
    si.wait_for("s2", "running")
    assert_kept(si, before)


def test_low_fd_limit_at_start(svcinit):
    """svcinit started with a soft RLIMIT_NOFILE of 64 and 20 units: those
    that do not fit are reported with the reason and svcinit answers. When
    the limit is raised they start. (The hard limit is 4096: raising a hard
    limit needs CAP_SYS_RESOURCE, which a test machine may lack. A svcinit
    that raises its own soft limit passes with every unit running.)"""
    n = 20
    si = svcinit({f"u{i:02d}": STEADY for i in range(n)}, start=False, verbose=False)
    argv = si.argv
    si.argv = lambda: ["prlimit", "--nofile=64:4096", "--", *argv()]
    si.start()
    assert_answers(si, "under RLIMIT_NOFILE 64")

    def settled():
        st = si.status()
        return len(st) == n and all(u["state"] in ("running", "failed", "restarting") for u in st) \
            and st
    st = poll_until(settled, 30, "every unit to run or fail")
    running = sum(u["state"] == "running" for u in st)
    figure("fd64.units_running", f"{running}/{n}")
    errors = [u["error"] for u in st if u["state"] != "running"]
    if running < n:
        assert any("Too many open files" in (e or "") for e in errors), errors
    resource.prlimit(si.pid, resource.RLIMIT_NOFILE, (4096, 4096))
    for u in st:
        if u["state"] != "running":
            r = si.ctl("start", u["name"], timeout=30)
            assert r.returncode == 0, f"{u['name']}: {r.stderr}"
    poll_until(lambda: all(u["state"] == "running" for u in si.status()), 30,
               "every unit to run once the limit was raised")


def test_soft_fd_limit_of_a_booting_machine(svcinit):
    """The kernel starts init with RLIMIT_NOFILE 1024 (soft) / 4096 (hard),
    as do many shells: 400 units need more than 1024 descriptors (svcinit
    keeps several per unit); svcinit must use what the hard limit allows."""
    n = 400
    si = svcinit({f"u{i:03d}": STEADY for i in range(n)}, start=False, verbose=False)
    argv = si.argv
    si.argv = lambda: ["prlimit", "--nofile=1024:4096", "--", *argv()]
    si.start()

    def settled():
        st = si.status()
        return len(st) == n and all(u["state"] in ("running", "failed") for u in st) and st
    st = poll_until(settled, 120, f"all {n} units to run or fail", interval=0.5)
    broken = [(u["name"], u["state"], u["error"]) for u in st if u["state"] != "running"]
    figure("fd1024.units_running", f"{n - len(broken)}/{n}")
    figure("fd1024.svcinit_fds", fd_count(si.pid))
    assert not broken, (f"{len(broken)} of {n} units did not start under a soft RLIMIT_NOFILE of "
                        f"1024 (hard 4096), e.g. {broken[:2]}")


# ---------------------------------------------------------------- follower that leaves

def test_follower_that_leaves_costs_nothing(svcinit):
    """`logs -f` on a quiet unit, then the client goes away: svcinit must
    notice (close the connection) and not spin on the dead socket."""
    si = svcinit({"quiet": STEADY}, verbose=False)
    si.wait_for("quiet", "running")
    time.sleep(0.3)
    fds0 = fd_count(si.pid)
    for _ in range(3):
        s = connect(si.sock, 10)
        s.sendall(b"logs -f quiet\n")
        assert s.recv(16).startswith(b"0\n")
        s.close()
    time.sleep(0.5)
    c0, t0 = cpu_seconds(si.pid), time.monotonic()
    time.sleep(2)
    used = (cpu_seconds(si.pid) - c0) / (time.monotonic() - t0)
    figure("follower_left.svcinit_cpu_share", f"{used:.2f}")
    assert used < 0.2, f"svcinit uses {used:.0%} of a CPU after a logs -f client left"
    poll_until(lambda: fd_count(si.pid) <= fds0, 10, f"the followers' fds to be closed ({fds0})")


# ---------------------------------------------------------------- malloc failures

def test_malloc_failures(svcinit, workdir):
    """Allocation failures injected into svcinit (build/fault/failmalloc.so,
    LD_PRELOAD; only the svcinit process is affected) while it is driven
    through status, start, stop, restart, reload, logs and many concurrent
    clients: whatever fails is reported or dropped, svcinit never dies, and
    once allocations succeed again everything works."""
    assert FAILMALLOC.exists(), f"{FAILMALLOC} is missing: run `make test` (or make fault)"
    arm = workdir / "failmalloc.arm"
    stats = workdir / "failmalloc.stats"
    env = {"LD_PRELOAD": str(FAILMALLOC), "FAILMALLOC_ARM": str(arm),
           "FAILMALLOC_STATS": str(stats), "FAILMALLOC_PROB": "0.1", "FAILMALLOC_SEED": "7"}
    if asan_build(SVCINIT):
        env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                     "verify_asan_link_order=0",
                                                     "allocator_may_return_null=1"]))
    units = {
        "steady": STEADY,
        "web": unit_text("sleep 100000", {"TimeoutStopSec": "2s"}),
        "chatty": unit_text("sh -c 'while :; do echo tick tock; sleep 0.02; done'",
                            {"TimeoutStopSec": "2s"}),
        "crash": unit_text("sh -c 'echo bye; exit 3'", {"Restart": "always", "RestartSec": "0",
                                                         "StartLimitBurst": "0"}),
        "iso": unit_text("sleep 100000", {"TimeoutStopSec": "2s"}, namespaces=None),
        "note": unit_text(f"/usr/bin/python3 {workdir}/notify.py", {"Type": "notify",
                                                                   "Restart": "always",
                                                                   "RestartSec": "0"}),
    }
    (workdir / "notify.py").write_text(
        "import os, socket, time\n"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
        "s.connect(os.environ['NOTIFY_SOCKET'])\n"
        "s.send(b'READY=1\\nSTATUS=fine')\n"
        "time.sleep(0.3)\n")
    si = svcinit(units, env=env, verbose=True)
    steady = si.wait_for("steady", "running")
    for n in ("web", "chatty", "iso"):
        si.wait_for(n, "running")

    def drive(seconds, concurrency):
        """Every kind of request, and bursts of concurrent clients."""
        end = time.monotonic() + seconds
        flip = 0
        while time.monotonic() < end:
            assert si.alive(), "svcinit died with allocations failing"
            for args in (("status",), ("--json", "status"), ("status", "web", "chatty"),
                         ("is-active", "web"), ("logs", "-n", "50", "chatty"),
                         ("restart", "web"), ("stop", "iso"), ("start", "iso"),
                         ("wait", "--timeout", "1", "web"), ("reload",)):
                ctl_quick(si, *args, timeout=15)
            flip += 1
            (si.units_dir / "extra.service").write_text(
                unit_text(f"sleep 10000{flip % 3}", {"TimeoutStopSec": "2s"}))
            if flip % 2:
                si.signal(signal.SIGHUP)
            threads = [threading.Thread(target=raw_request,
                                        args=(si.sock, [b"status\n", b"status --json\n",
                                                        b"logs -n 10 chatty\n",
                                                        b"is-active steady\n"][k % 4], 15))
                       for k in range(concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)

    rounds = [("prob=0.1", 3, 50), ("prob=0.5", 3, 300), ("every=3", 2, 100),
              ("prob=1", 1, 20), ("prob=0.3", 3, 400)]
    for setting, seconds, concurrency in rounds:
        arm.write_text(setting + "\n")
        try:
            drive(seconds, concurrency)
        finally:
            arm.unlink()
        assert si.alive(), f"svcinit died with allocations failing ({setting})\n{si.log()[-3000:]}"
        assert_answers(si, f"after {setting}")

    injected = stats.read_text().split() if stats.exists() else []
    figure("failmalloc.calls_failed", " ".join(injected))
    assert injected and int(injected[3]) > 100, f"too few failures were injected: {injected}"
    # everything works again
    r = si.ctl("reload", timeout=30)
    assert r.returncode == 0, f"reload after the faults: {r.returncode} {r.stdout}{r.stderr}"
    for n in ("web", "chatty", "iso", "extra", "note"):
        r = si.ctl("restart", n, timeout=30)
        assert r.returncode == 0, f"restart {n} after the faults: {r.stderr}"
    r = si.ctl("logs", "-n", "5", "chatty")
    assert r.returncode == 0 and "tick" in r.stdout, r.stderr
    u = si.unit("steady")
    assert u["state"] == "running" and u["pid"] == steady["pid"], u
    assert si.stop() == 0
