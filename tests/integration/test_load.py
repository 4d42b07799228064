# SPDX-License-Identifier: MIT
"""Load: svcinit stays responsive and bounded under a unit that crash-loops
as fast as it can, 1000 units, an output flood, a fork bomb, and hundreds of
concurrent, slow and vanishing control clients.

Each test prints its figures as `FIGURE name value` lines (pytest -s or -rP
shows them); with SVCINIT_FIGURES=FILE set they are appended to FILE too.
"""
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

from conftest import poll_until, unit_text
from probes import RSS_SLACK, connect, fd_count, figure, raw_request, vmrss_kib

LATENCY_MAX = 2.0     # seconds: what "svcctl answers promptly" means here


# ---------------------------------------------------------------- helpers

def timed_ctl(si, *args, timeout=30):
    t0 = time.monotonic()
    r = si.ctl(*args, timeout=timeout)
    return r, time.monotonic() - t0




def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def assert_kept(si, before):
    """Every unit in `before` (name -> status dict) still runs the same pid."""
    now = si.units()
    for name, u in before.items():
        n = now.get(name)
        assert n is not None, f"{name} vanished"
        assert n["state"] == "running" and n["pid"] == u["pid"] and n["restarts"] == u["restarts"], \
            f"{name} changed: was {u['state']} pid {u['pid']}, now {n}"
        assert si.pid_alive(u["pid"]), f"{name}: pid {u['pid']} is gone"


STEADY = unit_text("sleep 100000", {"TimeoutStopSec": "2s"})


# ---------------------------------------------------------------- crash loop

def test_crash_loop_as_fast_as_it_can(svcinit):
    """Restart=always, RestartSec=0, no start limit: others keep their pid and
    state, status answers promptly, svcinit's memory does not grow."""
    units = {"crash": unit_text("/bin/false", {"Restart": "always", "RestartSec": "0",
                                               "StartLimitBurst": "0", "TimeoutStopSec": "2s"})}
    units.update({f"steady{i}": STEADY for i in range(3)})
    si = svcinit(units, verbose=False)
    before = {f"steady{i}": si.wait_for(f"steady{i}", "running") for i in range(3)}
    si.wait_for("crash", restarts=lambda n: n >= 20)

    rss0 = vmrss_kib(si.pid)
    r0, t0 = si.unit("crash")["restarts"], time.monotonic()
    lat = []
    end = t0 + 6
    for _ in range(10000):
        if time.monotonic() >= end:
            break
        r, took = timed_ctl(si, "status")
        assert r.returncode == 0, r.stderr
        lat.append(took)
        r, took = timed_ctl(si, "--json", "status", "steady1")
        assert r.returncode == 0, r.stderr
        lat.append(took)
    r1, t1 = si.unit("crash")["restarts"], time.monotonic()
    rss1 = vmrss_kib(si.pid)
    rate = (r1 - r0) / (t1 - t0)

    figure("crash_loop.restarts_per_s", f"{rate:.0f}")
    figure("crash_loop.status_latency_ms.median", f"{statistics.median(lat) * 1000:.1f}")
    figure("crash_loop.status_latency_ms.max", f"{max(lat) * 1000:.1f}")
    figure("crash_loop.rss_kib", f"{rss0}->{rss1}")

    assert si.alive()
    # RestartSec=0 means no delay: even a busy machine does far more than the
    # 10/s of the default 100 ms
    assert rate >= 20, f"only {rate:.1f} restarts/s with RestartSec=0"
    assert max(lat) < LATENCY_MAX, f"status took up to {max(lat):.2f}s during the crash loop"
    assert_kept(si, before)
    assert rss1 - rss0 < 8 * 1024 * RSS_SLACK, f"svcinit grew from {rss0} to {rss1} KiB over {r1 - r0} restarts"

    # the loop is stopped on request, promptly
    r, took = timed_ctl(si, "stop", "crash")
    assert r.returncode == 0, r.stderr
    assert took < 10, f"stop of a crash-looping unit took {took:.1f}s"
    assert si.unit("crash")["state"] == "stopped"
    assert_kept(si, before)


# ---------------------------------------------------------------- 1000 units

def test_thousand_units(svcinit):
    n = 1000
    units = {f"u{i:04d}": STEADY for i in range(n)}
    si = svcinit(units, verbose=False, start=False)
    # about 8 descriptors a unit: load, not the fd limit, is the point here
    # (test_faults.py has the fd limit)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    assert nofile >= 12 * n, f"the hard RLIMIT_NOFILE ({hard}) is too low for {n} units"
    argv = si.argv
    si.argv = lambda: ["prlimit", f"--nofile={nofile}:{nofile}", "--", *argv()]
    t0 = time.monotonic()
    si.start()

    def all_running():
        st = si.status()
        return len(st) == n and all(u["state"] == "running" for u in st)
    poll_until(all_running, 180, f"all {n} units to run", interval=0.5)
    started = time.monotonic() - t0
    assert len({u["pid"] for u in si.status()}) == n

    lat_json, lat_table = [], []
    for _ in range(5):
        r, took = timed_ctl(si, "--json", "status", timeout=60)
        assert r.returncode == 0, r.stderr
        assert len(json.loads(r.stdout)) == n
        lat_json.append(took)
        r, took = timed_ctl(si, "status", timeout=60)
        assert r.returncode == 0 and r.stdout.count("\n") == n + 1, r.stderr
        lat_table.append(took)
        r, took = timed_ctl(si, "is-active", "u0999")
        assert r.returncode == 0
    figure("units1000.start_to_all_running_s", f"{started:.1f}")
    figure("units1000.status_json_latency_ms.median", f"{statistics.median(lat_json) * 1000:.0f}")
    figure("units1000.status_table_latency_ms.median", f"{statistics.median(lat_table) * 1000:.0f}")
    figure("units1000.rss_kib", vmrss_kib(si.pid))
    figure("units1000.fds", fd_count(si.pid))
    assert max(lat_json) < 10, f"status --json of {n} units took {max(lat_json):.1f}s"

    t0 = time.monotonic()
    assert si.stop(timeout=180) == 0
    figure("units1000.stop_all_s", f"{time.monotonic() - t0:.1f}")


# ---------------------------------------------------------------- output flood

def test_output_flood(svcinit):
    """Units that write as fast as they can (short lines and endless ones),
    with followers that never read: svcinit answers and its RSS is bounded."""
    units = {
        "lines": unit_text("yes", {"TimeoutStopSec": "2s"}),
        "endless": unit_text("sh -c 'tr \"\\\\000\" x </dev/zero'", {"TimeoutStopSec": "2s"}),
        "steady": STEADY,
    }
    si = svcinit(units, verbose=False)
    before = {"steady": si.wait_for("steady", "running")}
    si.wait_for("lines", "running")
    si.wait_for("endless", "running")
    log0 = si.log_path.stat().st_size
    rss0 = vmrss_kib(si.pid)

    # followers that never read a byte: their buffers must be capped
    stuck = []
    for name in ("lines", "endless", "lines"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(str(si.sock))
        s.sendall(f"logs -f {name}\n".encode())
        stuck.append(s)
    try:
        rss, lat = [], []
        t0 = time.monotonic()
        for _ in range(1000):
            if time.monotonic() - t0 >= 6:
                break
            r, took = timed_ctl(si, "status")
            assert r.returncode == 0, r.stderr
            lat.append(took)
            rss.append(vmrss_kib(si.pid))
            time.sleep(0.1)
        r, took = timed_ctl(si, "logs", "-n", "20", "lines")
        assert r.returncode == 0 and "y" in r.stdout, r.stderr
        lat.append(took)
        r, took = timed_ctl(si, "logs", "-n", "1000000", "endless")
        assert r.returncode == 0, r.stderr
        assert len(r.stdout) < 4 * 1024 * 1024, f"logs returned {len(r.stdout)} bytes"
        flood_s = time.monotonic() - t0
        flooded = si.log_path.stat().st_size - log0
    finally:
        for s in stuck:
            s.close()

    figure("flood.console_mib_per_s", f"{flooded / flood_s / 2**20:.1f}")
    figure("flood.rss_kib", f"{rss0} -> max {max(rss)}")
    figure("flood.status_latency_ms.max", f"{max(lat) * 1000:.0f}")
    assert si.alive()
    assert flooded > 1 << 20, f"only {flooded} bytes of output were copied in {flood_s:.0f}s"
    assert max(lat) < LATENCY_MAX, f"status took up to {max(lat):.2f}s under the output flood"
    # the log rings (64 KiB each) and the followers' capped buffers (1 MiB
    # each) are all svcinit may keep
    assert max(rss) - rss0 < 32 * 1024 * RSS_SLACK, f"svcinit grew from {rss0} to {max(rss)} KiB"
    for name in ("lines", "endless"):
        r, took = timed_ctl(si, "stop", name)
        assert r.returncode == 0 and took < 10, (r.stderr, took)
    assert_kept(si, before)
    assert vmrss_kib(si.pid) - rss0 < 32 * 1024 * RSS_SLACK


def test_output_flood_stalled_console(svcinit, workdir):
    """svcinit's console is a pipe nobody reads (a terminal on hold, a stuck
    log collector): a unit's output must not wedge PID 1 on the console."""
    fifo = workdir / "console.fifo"
    os.mkfifo(fifo)
    si = svcinit({"steady": STEADY, "chatty": unit_text("yes", {"TimeoutStopSec": "2s"})},
                 start=False, verbose=False)
    si.log_path = fifo      # the fixture's console: now a pipe we hold but do not read
    rd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    drained = bytearray()
    err = None
    try:
        si.start(wait=False)

        def answers():
            try:
                return si.ctl("status", timeout=5).returncode == 0
            except subprocess.TimeoutExpired:
                return False
        ok, lat = True, None
        try:
            t0 = time.monotonic()
            poll_until(answers, 20, "the control socket to answer with the console stalled")
            lat = time.monotonic() - t0
            for _ in range(5):
                r, took = timed_ctl(si, "status", timeout=5)
                assert r.returncode == 0 and took < LATENCY_MAX, (r.stderr, took)
        except (AssertionError, subprocess.TimeoutExpired) as e:
            ok, err = False, e
    finally:
        # let everything through again, whatever happened, so that the
        # teardown can stop svcinit; keep draining until it exits
        stop = threading.Event()

        def drain():
            while not stop.is_set():
                try:
                    d = os.read(rd, 1 << 16)
                    if not d:
                        time.sleep(0.01)
                    drained.extend(d)
                    del drained[:-(1 << 20)]   # the last MiB is plenty for a report
                except BlockingIOError:
                    time.sleep(0.01)
                except OSError:
                    return
        t = threading.Thread(target=drain, daemon=True)
        t.start()
        try:
            if si.alive():
                si.stop()
        finally:
            stop.set()
            t.join(5)
            os.close(rd)
            # the fixture reads its console log at teardown: a regular file again
            si.log_path = workdir / "console-drained.log"
            si.log_path.write_bytes(bytes(drained))
    assert ok, (f"svcinit stopped answering while its console (a pipe) was full: {err}\n"
                f"(a blocking write(2) of a unit's output line to the console wedges PID 1)")


# ---------------------------------------------------------------- fork bomb

BOMB = """\
import os, sys, time
forked = failed = 0
end = time.monotonic() + 20
while time.monotonic() < end and forked < 5000 and failed < 200:
    try:
        pid = os.fork()
    except OSError:
        failed += 1
        time.sleep(0.005)
        continue
    if pid == 0:
        try:
            os.execv("/bin/sleep", ["sleep", "1000"])
        finally:
            os._exit(0)
    forked += 1
print(f"forked {forked} failed {failed}", flush=True)
time.sleep(1000)
"""


def _remove_cgroup_tree(top, attempts=100):
    """Kill what is in top (a cgroup directory tree), then rmdir it deepest
    first; bounded."""
    for _ in range(attempts):
        if not top.exists():
            return
        for dirpath, _, files in os.walk(top):
            if "cgroup.procs" in files:
                try:
                    for p in Path(dirpath, "cgroup.procs").read_text().split():
                        try:
                            os.kill(int(p), signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                except OSError:
                    pass
        for dirpath, _, _ in sorted(os.walk(top), key=lambda t: -t[0].count("/")):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
        time.sleep(0.05)
    assert not top.exists(), f"could not remove {top}"


def _pids_hierarchy():
    """The mount point of the hierarchy that has the pids controller: a v1
    `pids` mount, else cgroup2 when its root hands pids to its children."""
    v2 = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _, opts = right.split()[:3]
            point = left.split()[4]
            if fstype == "cgroup" and "pids" in opts.split(","):
                return point
            if fstype == "cgroup2":
                v2 = point
    if v2:
        try:
            if "pids" in Path(v2, "cgroup.subtree_control").read_text().split():
                return v2
        except OSError:
            pass
    return None


def test_fork_bomb_without_tasks_max(svcinit, workdir):
    """A unit forks until fork fails (no TasksMax=). The host is shielded by
    pids.max on the test's own cgroup base, made before svcinit starts.
    svcinit stays alive and responsive, the other unit keeps running, and
    stopping the bomb leaves none of its processes."""
    pids_root = _pids_hierarchy()
    assert pids_root, ("no usable pids cgroup controller (a v1 pids mount, or +pids in the "
                       "cgroup2 root's subtree_control): the fork bomb needs one to stay contained")
    limit = 1500
    (workdir / "bomb.py").write_text(BOMB)
    si = svcinit({"steady": STEADY,
                  "bomb": unit_text(f"/usr/bin/python3 {workdir}/bomb.py",
                                    {"Restart": "no", "TimeoutStopSec": "5s"})},
                 start=False, verbose=False)
    base = Path(pids_root) / si.cgroup_base.lstrip("/")
    base.mkdir()
    try:
        (base / "pids.max").write_text(f"{limit}\n")
        si.start()
        before = {"steady": si.wait_for("steady", "running")}
        bomb = si.wait_for("bomb", "running")

        lat = []
        t0 = time.monotonic()

        def bombed():
            r, took = timed_ctl(si, "status", timeout=30)
            assert r.returncode == 0, r.stderr
            lat.append(took)
            return "forked" in si.log()
        poll_until(bombed, 40, "the bomb to run out of processes", interval=0.2)
        bomb_s = time.monotonic() - t0
        peak = int((base / "pids.current").read_text())
        for _ in range(10):
            r, took = timed_ctl(si, "--json", "status")
            assert r.returncode == 0, r.stderr
            lat.append(took)
        figure("forkbomb.processes", peak)
        figure("forkbomb.seconds_to_exhaust", f"{bomb_s:.1f}")
        figure("forkbomb.status_latency_ms.max", f"{max(lat) * 1000:.0f}")
        assert si.alive(), "svcinit died under the fork bomb"
        assert peak >= limit * 0.9, f"the bomb only made {peak} processes (limit {limit})"
        assert max(lat) < LATENCY_MAX, f"status took up to {max(lat):.2f}s under the fork bomb"
        assert_kept(si, before)
        assert si.unit("bomb")["pid"] == bomb["pid"]

        r, took = timed_ctl(si, "stop", "bomb", timeout=60)
        assert r.returncode == 0, r.stderr
        figure("forkbomb.stop_s", f"{took:.1f}")
        cg = Path(pids_root) / si.cgroup_base.lstrip("/") / "bomb.service"
        poll_until(lambda: not cg.exists() or int((cg / "pids.current").read_text()) == 0, 20,
                   "the bomb's cgroup to empty")
        left = [p for p in si.ns_procs() if "sleep" in p["cmdline"][:1] and p["cmdline"][1:] == ["1000"]]
        assert not left, f"{len(left)} of the bomb's processes survived its stop"
        assert_kept(si, before)
        assert si.stop() == 0
    finally:
        if si.alive():
            si.kill()
        # what svcinit did not create it does not remove: the base is ours
        _remove_cgroup_tree(base)


# ---------------------------------------------------------------- clients

def test_concurrent_clients(svcinit):
    """300 clients at once, raw and through svcctl: every one is answered."""
    si = svcinit({f"s{i}": STEADY for i in range(5)}, verbose=False)
    before = {f"s{i}": si.wait_for(f"s{i}", "running") for i in range(5)}
    fds0 = fd_count(si.pid)
    n_threads, per_thread = 300, 5
    lat, bad = [], []
    lock = threading.Lock()
    go = threading.Event()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft > 2 * n_threads, f"RLIMIT_NOFILE {soft} is too low for {n_threads} clients"

    def worker(i):
        go.wait(30)
        for k in range(per_thread):
            payload = [b"status\n", b"status --json\n", b"is-active s1\n",
                       b"status s2\n", b"wait --timeout 5 s3\n"][(i + k) % 5]
            t0 = time.monotonic()
            try:
                code, body = raw_request(si.sock, payload, timeout=60)
            except OSError as e:
                code, body = None, repr(e).encode()
            took = time.monotonic() - t0
            with lock:
                lat.append(took)
                if code != 0:
                    bad.append((payload, code, body[:100]))

    def svcctl_worker():
        go.wait(30)
        for _ in range(3):
            t0 = time.monotonic()
            r = si.ctl("status", timeout=60)
            with lock:
                lat.append(time.monotonic() - t0)
                if r.returncode != 0:
                    bad.append(("svcctl status", r.returncode, r.stderr))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    threads += [threading.Thread(target=svcctl_worker) for _ in range(20)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    go.set()
    for t in threads:
        t.join(120)
    elapsed = time.monotonic() - t0
    assert not any(t.is_alive() for t in threads), "clients still waiting after 120s"
    served = len(lat) - len(bad)
    figure("clients.concurrent", n_threads + 20)
    figure("clients.served", served)
    figure("clients.served_per_s", f"{served / elapsed:.0f}")
    figure("clients.latency_ms.median", f"{statistics.median(lat) * 1000:.0f}")
    figure("clients.latency_ms.p99", f"{pct(lat, 99) * 1000:.0f}")
    figure("clients.latency_ms.max", f"{max(lat) * 1000:.0f}")
    assert not bad, f"{len(bad)} requests not served, e.g. {bad[:3]}"
    assert si.alive()
    r, took = timed_ctl(si, "status")
    assert r.returncode == 0 and took < LATENCY_MAX, (r.stderr, took)
    assert_kept(si, before)
    poll_until(lambda: fd_count(si.pid) <= fds0, 20, f"svcinit's fds back to {fds0}")


def test_slow_and_vanishing_clients(svcinit):
    """Clients that send a byte per 100 ms (served), that dribble forever
    (dropped after the 10 s request deadline), and that vanish mid-request
    (forgotten): svcinit answers others throughout and keeps no fd."""
    si = svcinit({"s1": STEADY, "s2": STEADY,
                  "never": unit_text("sleep 100000", {"Type": "notify", "TimeoutStartSec": "1h",
                                                      "TimeoutStopSec": "2s"}),
                  "chatty": unit_text("sh -c 'while :; do echo tick; sleep 0.01; done'",
                                      {"TimeoutStopSec": "2s"})}, verbose=False)
    before = {n: si.wait_for(n, "running") for n in ("s1", "s2")}
    si.wait_for("chatty", "running")
    si.wait_for("never", "starting")
    time.sleep(0.2)
    fds0 = fd_count(si.pid)
    results = {"slow": [], "dribble": []}
    lock = threading.Lock()

    def slow(req):
        s = connect(si.sock, 30)
        try:
            for b in req:
                s.sendall(bytes([b]))
                time.sleep(0.1)
            data = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
            res = data.split(b"\n", 1)[0]
        except OSError as e:
            res = repr(e)
        finally:
            s.close()
        with lock:
            results["slow"].append(res)

    def dribble():
        t0 = time.monotonic()
        s = connect(si.sock, 30)
        s.settimeout(0.1)
        outcome = "not dropped"
        try:
            for _ in range(200):      # 20 s at most (40 s if every wait runs out)
                if time.monotonic() - t0 > 20:
                    break
                try:
                    s.sendall(b"s")
                except (BrokenPipeError, ConnectionResetError):
                    outcome = "dropped"
                    break
                try:
                    d = s.recv(100)
                    outcome = "dropped" if not d else f"reply {d[:40]!r}"
                    break
                except socket.timeout:
                    pass                  # the 100 ms between two bytes
                except ConnectionResetError:
                    outcome = "dropped"
                    break
        finally:
            s.close()
        with lock:
            results["dribble"].append((outcome, time.monotonic() - t0))

    def vanish(kind):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(str(si.sock))
            if kind == "half":
                s.sendall(b"sta")
            elif kind == "noread":
                s.sendall(b"status --json\n")
            elif kind == "pending":
                s.sendall(b"wait never\n")            # never answered: pends until we go
            elif kind == "pending-timeout":
                s.sendall(b"wait --timeout 60 s1 never\n")
            elif kind == "follow":
                s.sendall(b"logs -f chatty\n")
            elif kind == "reset":
                s.sendall(b"logs -n 100000 chatty\n")
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        finally:
            s.close()

    threads = [threading.Thread(target=slow, args=(req,))
               for req in [b"status\n", b"is-active s1\n", b"status --json s2\n"] * 10]
    threads += [threading.Thread(target=dribble) for _ in range(10)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    kinds = ["connect", "half", "noread", "pending", "pending-timeout", "follow", "reset"]
    for k in range(280):
        vanish(kinds[k % len(kinds)])
    lat = []
    while any(t.is_alive() for t in threads) and time.monotonic() - t0 < 60:
        r, took = timed_ctl(si, "status")
        assert r.returncode == 0, r.stderr
        lat.append(took)
        time.sleep(0.2)
    for t in threads:
        t.join(5)
    assert not any(t.is_alive() for t in threads)

    figure("slow_clients.status_latency_ms.max", f"{max(lat) * 1000:.0f}")
    slow_ok = [r for r in results["slow"] if r == b"0"]
    assert len(slow_ok) == 30, f"slow clients not all served: {results['slow']}"
    for outcome, took in results["dribble"]:
        assert outcome == "dropped", f"a client that never finished its request: {outcome}"
        assert 5 < took < 16, f"dribbling client dropped after {took:.1f}s (deadline 10 s)"
    assert max(lat) < LATENCY_MAX, f"status took up to {max(lat):.2f}s next to slow clients"
    assert si.alive()
    assert_kept(si, before)
    # every vanished client is forgotten: no fd stays behind
    poll_until(lambda: fd_count(si.pid) <= fds0, 20, f"svcinit's fds back to {fds0}")
