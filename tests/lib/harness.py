"""What the test tiers share: polling with a deadline and cleaning up cgroups;
what /proc says about processes lives in procfs.py (imported here too, so
that `from harness import ...` finds every helper). Used by the integration
suite (tests/integration/conftest.py), the OCI tier, the VM and valgrind
runs and the benchmarks: one copy of each helper, here."""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from procfs import (children, descendants, fd_targets, ns_members, proc_cgroup_v2,  # noqa: F401
                    proc_cmdline, proc_nspids, proc_stat, proc_status, read_text)

POLL = 0.05      # seconds between polls
DEADLINE = 20.0  # default for anything that should happen "soon"


def wait_until(pred, timeout=DEADLINE, interval=POLL):
    """Call pred() until it returns something truthy; return that, or None
    at the deadline."""
    end = time.monotonic() + timeout
    while True:
        last = pred()
        if last or time.monotonic() >= end:
            return last or None
        time.sleep(interval)


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


def cgroup_hierarchies():
    """(mount point, fstype) of every cgroup hierarchy (v1 and v2) on the host."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype = right.split()[0]
            if fstype in ("cgroup", "cgroup2"):
                out.append((left.split()[4], fstype))
    return out


def cgroup_mounts():
    """Mount points of every cgroup hierarchy (v1 and v2) on the host."""
    return [mp for mp, _ in cgroup_hierarchies()]


def wait_gone(pids, timeout=DEADLINE, what="processes to be gone"):
    """Until none of the host pids is a live process (a zombie counts as
    gone: its process ended)."""
    def gone():
        return not [p for p in pids if (proc_stat(p) or ("Z",))[0] != "Z"] or None
    poll_until(gone, timeout, what)


def cgroup_leftovers(base):
    """The directories of cgroup base (e.g. /svcinit-test-x) that exist in
    any hierarchy."""
    found = []
    for m in cgroup_mounts():
        d = Path(m) / base.lstrip("/")
        if d.exists():
            found.append(d)
    return found


def remove_cgroup(base, timeout=5.0):
    """Kill what is left in cgroup base (every hierarchy) and rmdir it,
    deepest first, until it is gone or the deadline. Returns (existed,
    still_there): lists of paths."""
    existed = cgroup_leftovers(base)
    left = existed
    end = time.monotonic() + timeout
    while left:
        for d in left:
            kill_cgroup_tree(d)
        for d in left:
            rmdir_cgroup_tree(d)
        left = [d for d in left if d.exists()]
        if not left or time.monotonic() >= end:
            break
        time.sleep(POLL / 5)
    return existed, left


CG = Path("/sys/fs/cgroup")


def cg_dir(si, name, hierarchy="unified"):
    """A unit's cgroup directory in a hierarchy ("unified" or a v1
    controller) of an instance with a cgroup_base."""
    return CG / hierarchy / si.cgroup_base.lstrip("/") / f"{name}.service"


def asan_build(binary):
    """The binary was built with make SANITIZE=1 (AddressSanitizer)."""
    try:
        with open(binary, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def read_env(path):
    """An env file (`env > FILE`, one KEY=VALUE a line) as a dict."""
    env = {}
    for line in Path(path).read_text().splitlines():
        k, _, v = line.partition("=")
        env[k] = v
    return env


def script(workdir, name, text):
    """An executable /bin/sh script NAME in workdir."""
    p = Path(workdir) / name
    p.write_text("#!/bin/sh\n" + text)
    os.chmod(p, 0o755)
    return p


PY = "/usr/bin/python3"

# sd_notify from a unit: READY=1 once every PATH given exists, then sleep.
READY_WHEN_PY = r"""
import os, socket, sys, time
for p in sys.argv[1:]:
    while not os.path.exists(p):
        time.sleep(0.05)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", os.environ["NOTIFY_SOCKET"])
while True:
    time.sleep(3600)
"""


def ready_when(workdir, *paths):
    """An ExecStart= command line: a notify unit that is ready once every
    path exists."""
    p = Path(workdir) / "ready_when.py"
    if not p.exists():
        p.write_text(READY_WHEN_PY)
    return " ".join([PY, str(p), *map(str, paths)])


class ConsoleLog:
    """For an instance whose console goes to the file self.log_path: log()
    reads it, wait_log() polls it for a pattern."""

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=DEADLINE):
        rx = re.compile(pattern, re.M)
        return poll_until(lambda: rx.search(self.log()), timeout, f"console to match {pattern!r}")


def kill_unshared(proc, pid):
    """Last resort for svcinit under `unshare --kill-child` started in a
    session of its own: SIGKILL unshare's process group (proc, a Popen),
    reap it, then SIGKILL svcinit (pid, its host pid; taking its namespace
    with it)."""
    if proc is not None and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    if pid and pid > 0:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
