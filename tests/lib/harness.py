"""What the test tiers share: polling with a deadline, what /proc says about
processes, and cleaning up cgroups. Used by the integration suite
(tests/integration/conftest.py), the OCI tier, the valgrind run and the
benchmarks. Every /proc reader treats a process that is gone as empty."""
import os
import signal
import time
from pathlib import Path

POLL = 0.05      # seconds between polls
DEADLINE = 20.0  # default for anything that should happen "soon"


def poll_until(pred, timeout=DEADLINE, what="condition", interval=POLL):
    """Call pred() until it returns something truthy; return that. Raise
    AssertionError naming `what` (and pred's last value) at the deadline."""
    end = time.monotonic() + timeout
    last = None
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def kill_cgroup_tree(path):
    """SIGKILL every process in a cgroup directory and its children."""
    for dirpath, _, files in os.walk(path):
        if "cgroup.procs" in files:
            try:
                for pid in Path(dirpath, "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
            except OSError:
                pass


def rmdir_cgroup_tree(path):
    """rmdir a cgroup tree deepest-first (cgroupfs refuses rm -r)."""
    for dirpath, _, _ in sorted(os.walk(path), key=lambda t: -t[0].count("/")):
        try:
            os.rmdir(dirpath)
        except OSError:
            pass


def cgroup_mounts():
    """Mount points of every cgroup hierarchy (v1 and v2) on the host."""
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] in ("cgroup", "cgroup2"):
                mounts.append(left.split()[4])
    return mounts


def proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except (FileNotFoundError, ProcessLookupError):
        return []


def proc_nspids(pid):
    """The NSpid: line: the pid in each nested namespace, host first."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("NSpid:"):
                    return [int(x) for x in line.split()[1:]]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return []


def children(pid):
    """Direct children of a host pid (all threads)."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def descendants(pid):
    seen, todo = [], [pid]
    while todo:
        for c in children(todo.pop()):
            if c not in seen:
                seen.append(c)
                todo.append(c)
    return seen
