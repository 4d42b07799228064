# SPDX-License-Identifier: MIT
"""Spawning never waits: a unit whose setup stalls between clone and exec
delays neither `svcctl status` nor the start of other units; a unit whose
exec (or a step before it) fails still reports the step and errno; a unit
of thousands of processes is stopped while status keeps answering."""
import ctypes
import os
import threading
import time

import pytest

from conftest import POLL, poll_until, unit_text

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
MNT_DETACH = 2


class DeadFuse:
    """A FUSE mount whose daemon never answers: the first access to it (a
    chdir, a stat) sleeps until the connection is aborted (close())."""

    def __init__(self, path):
        self.path = str(path)
        os.makedirs(self.path, exist_ok=True)
        self.fd = os.open("/dev/fuse", os.O_RDWR | os.O_CLOEXEC)
        opts = f"fd={self.fd},rootmode=40000,user_id=0,group_id=0,allow_other".encode()
        if libc.mount(b"deadfuse", self.path.encode(), b"fuse", 0, opts) != 0:
            e = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(e, os.strerror(e), self.path)

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)       # aborts the connection: blocked requests fail
            self.fd = -1
        libc.umount2(self.path.encode(), MNT_DETACH)


@pytest.fixture
def dead_fuse(workdir):
    f = DeadFuse(workdir / "fuse")
    yield f
    f.close()


def timed_status(si, limit):
    """One `svcctl --json status`, bounded: returns (seconds, units) or fails
    when it does not answer within limit seconds."""
    t0 = time.monotonic()
    try:
        r = si.ctl("--json", "status", timeout=limit)
    except Exception as e:  # subprocess.TimeoutExpired
        raise AssertionError(f"svcctl status did not answer within {limit} s: {e}") from None
    dt = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    return dt, {u["name"]: u for u in __import__("json").loads(r.stdout)}


def test_stalled_setup_delays_nobody(svcinit, workdir, dead_fuse):
    """WorkingDirectory= on a FUSE mount that never answers: the child sleeps
    in chdir before exec. The old spawn_start waited for it in recvmsg (up to
    30 s), with PID 1 deaf to everything."""
    si = svcinit({
        "stall": unit_text("sleep 1000", {"WorkingDirectory": dead_fuse.path, "Restart": "no"}),
    })
    # the stalled unit is being started: status answers, and answers "starting"
    dt, units = timed_status(si, 5)
    assert units["stall"]["state"] == "starting", units["stall"]
    # another unit starts meanwhile, and status keeps answering
    (si.units_dir / "other.service").write_text(unit_text("sleep 1000"))
    r = si.ctl("reload", timeout=5)
    assert r.returncode == 0, r.stderr
    si.wait_for("other", "running", timeout=10)
    for _ in range(3):
        dt, units = timed_status(si, 5)
        assert units["stall"]["state"] == "starting", units["stall"]
    # and the stalled one can be stopped (a fatal signal ends a FUSE wait)
    r = si.ctl("stop", "stall", timeout=20)
    assert r.returncode == 0, (r.stdout, r.stderr)
    u = si.wait_for("stall", ("stopped", "failed"))
    assert u["pid"] is None


def test_stalled_unit_stopped_by_shutdown(svcinit, dead_fuse):
    si = svcinit({
        "stall": unit_text("sleep 1000", {"WorkingDirectory": dead_fuse.path,
                                          "TimeoutStopSec": "2s"}),
        "ok": unit_text("sleep 1000"),
    })
    si.wait_for("ok", "running", timeout=10)
    assert si.unit("stall")["state"] == "starting"
    assert si.stop() == 0


def test_step_and_errno_of_a_failed_child_step(svcinit, workdir):
    """A step between clone and exec fails: status names it with strerror."""
    si = svcinit({
        "nocwd": unit_text("sleep 1000", {"WorkingDirectory": str(workdir / "nonexistent"),
                                          "Restart": "no"}),
    })
    u = si.wait_for("nocwd", "failed")
    assert u["pid"] is None
    assert "change directory" in u["error"] and "No such file or directory" in u["error"], u


def test_step_and_errno_of_a_failed_exec(svcinit, workdir):
    """execve itself fails in the child (a script whose interpreter is
    missing passes the parent's checks): status says so."""
    script = workdir / "badinterp"
    script.write_text("#!/nonexistent/svcit-interpreter\n")
    script.chmod(0o755)
    si = svcinit({"badexec": unit_text(str(script), {"Restart": "no"}),
                  "isolated": unit_text(str(script), {"Restart": "no"},
                                        namespaces="pid mnt")})
    for n in ("badexec", "isolated"):
        u = si.wait_for(n, "failed")
        assert u["pid"] is None
        assert "unable to execute" in u["error"] and "No such file or directory" in u["error"], u
        assert u["result"] == "resources", u


def test_failed_exec_restarts_report_each_time(svcinit, workdir):
    """Restart=always with an exec that fails in the child: every round
    reports the reason; the restart counter moves; status stays live."""
    script = workdir / "badinterp"
    script.write_text("#!/nonexistent/svcit-interpreter\n")
    script.chmod(0o755)
    si = svcinit({"loop": unit_text(str(script), {"Restart": "always", "RestartSec": "50ms",
                                                  "StartLimitBurst": "0"})})
    u = si.wait_for("loop", restarts=lambda n: n is not None and n >= 3)
    assert "unable to execute" in u["error"], u


NPROCS = int(os.environ.get("SVCIT_BOMB_N", "2000"))   # larger for a measurement


def test_fork_bomb_stop_keeps_status_answering(svcinit, workdir):
    """A unit of 2000 processes that ignore SIGTERM: stop kills them all
    (cgroup.kill on v2, no re-read of cgroup.procs per pid), and status
    answers throughout."""
    ready = workdir / "out" / "bomb-ready"
    si = svcinit({"bomb": unit_text(
        f"sh -c 'trap \"\" TERM; i=0; while [ $i -lt {NPROCS} ]; do sleep 1000 & i=$((i+1)); done; "
        f"touch {ready}; trap - TERM; wait'",
        {"TasksMax": str(NPROCS + 200), "TimeoutStopSec": "30s", "Restart": "no"})})
    si.wait_for("bomb", "running")
    poll_until(lambda: ready.exists(), 120, "the bomb's processes")
    # the last children forked may not have exec'd sleep yet
    poll_until(lambda: len([p for p in si.ns_procs() if "sleep" in p["cmdline"]]) >= NPROCS,
               60, f"{NPROCS} sleep processes")

    result = {}

    def stop():
        t0 = time.monotonic()
        result["r"] = si.ctl("stop", "bomb", timeout=60)
        result["dt"] = time.monotonic() - t0

    t = threading.Thread(target=stop)
    t.start()
    worst = 0.0
    try:
        while t.is_alive():
            dt, units = timed_status(si, 10)
            worst = max(worst, dt)
            time.sleep(POLL)
    finally:
        t.join(90)
    assert result["r"].returncode == 0, (result["r"].stdout, result["r"].stderr)
    u = si.wait_for("bomb", "stopped")
    assert u["pid"] is None
    print(f"stop of {NPROCS} processes: {result['dt']:.3f} s, slowest status {worst:.3f} s")
    # nothing of the bomb is left in the namespace
    poll_until(lambda: not [p for p in si.ns_procs() if "sleep" in p["cmdline"]], 30,
               "the bomb's processes to be gone")
