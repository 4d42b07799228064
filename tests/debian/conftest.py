# SPDX-License-Identifier: MIT
"""The Debian daemons tier (make test-debian-daemons): real daemons from
Debian 12, installed with apt-get into a temporary root and started by
svcinit --systemd from their packaged unit files.

The machine (module fixture `debroot`):

- pytest leaves the host's mount namespace (unshare(CLONE_NEWNS), every
  mount private), mounts a tmpfs on a fresh /tmp/svcd-XXXX and on it an
  overlay of / (lower /, upper on the tmpfs): everything written below the
  root lands in that tmpfs and vanishes with it;
- /dev, /sys are bound in, /proc, /run and /tmp are fresh; Debian's
  policy-rc.d convention (exit 101) denies every start at install;
- `apt-get install` of PACKAGES runs chrooted there; the .debs are cached in
  build/debian/daemon-debs, the one thing the tier writes on the host (it
  says so), and the host's dpkg database is checked unchanged afterwards.

The boot (module fixture `booted`): svcinit --systemd as PID 1 of fresh PID,
mount and network namespaces (`unshare -pfmn`, lo up), chrooted into the
root, with its own cgroup base; clients reach the daemons through that
network namespace (nsenter --net) and run chrooted in the same root. At the
end svcinit is stopped, the namespace must empty, its cgroups are removed,
the overlay and the tmpfs unmounted.
"""
import ctypes
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lib"))
from harness import (children, kill_unshared, ns_members, poll_until, proc_cmdline,  # noqa: E402
                     proc_nspids, proc_stat, read_text, remove_cgroup)

SVCINIT = Path(os.environ.get("SVCINIT_BIN", ROOT / "build" / "svcinit"))
SVCCTL = Path(os.environ.get("SVCCTL_BIN", ROOT / "build" / "svcctl"))
CACHE = ROOT / "build" / "debian" / "daemon-debs"

# the daemons, and the clients the tests use them with
PACKAGES = ["nginx-light", "openssh-server", "redis-server", "memcached", "cron", "haproxy",
            "postgresql", "redis-tools", "postgresql-client", "openssh-client"]

# the units the packages enable (deb-systemd-helper links them into
# multi-user.target.wants), which svcinit --systemd starts at boot
ENABLED = {"nginx.service", "ssh.service", "redis-server.service", "memcached.service",
           "cron.service", "haproxy.service", "postgresql.service"}

CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE = 0x4000, 1 << 18

HAPROXY_CFG = """\
# svcinit's daemons tier: one frontend that answers by itself
global
	log stdout format raw local0
	stats socket /run/haproxy/admin.sock mode 660 level admin
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend svcinit_test
	bind 127.0.0.1:8081
	http-request return status 200 content-type text/plain string "haproxy-frontend-ok"
"""

CRON_JOB = "* * * * * root echo cron-ran >> /root/cron-ran\n"


def run(argv, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    return subprocess.run(argv, stdin=subprocess.DEVNULL, **kw)


def must(argv, **kw):
    r = run(argv, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, argv))}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def _private_mount_ns():
    """Leave the host's mount namespace: mounts made from here on are the
    test's, and go when the process does."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        e = ctypes.get_errno()
        pytest.fail(f"unshare(CLONE_NEWNS): {os.strerror(e)}", pytrace=False)
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        e = ctypes.get_errno()
        pytest.fail(f"mount --make-rprivate /: {os.strerror(e)}", pytrace=False)


DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9),
           "tty": (5, 0)}


def _private_dev(d, mnt):
    """A /dev of the test's own, as a container has: a tmpfs with the usual
    nodes, a devpts instance, /dev/shm. Nothing a daemon or svcinit writes
    there reaches the host's /dev."""
    dev = d.path("/dev")
    mnt("-t", "tmpfs", "-o", "mode=0755,nosuid", "tmpfs", dev)
    for n, (ma, mi) in DEVICES.items():
        os.mknod(dev / n, 0o666 | stat.S_IFCHR, os.makedev(ma, mi))
        os.chmod(dev / n, 0o666)
    for sub in ("pts", "shm"):
        (dev / sub).mkdir()
    mnt("-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts", dev / "pts")
    os.symlink("pts/ptmx", dev / "ptmx")
    mnt("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", dev / "shm")
    for n, t in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                 ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(t, dev / n)


def _mask_base_system(d):
    """Mask what multi-user.target pulls in besides the tier's daemons: the
    base system's sysinit.target and basic.target (sysctl, modules, binfmt,
    the clock, /dev nodes, partitions: a container's systemd skips them by
    their Condition*=, which svcinit may not evaluate yet) and the other
    multi-user.target.wants links (logind, getty, dbus, ...). The daemons'
    own units stay as their packages installed and enabled them."""
    etc = d.path("/etc/systemd/system")
    masked = ["sysinit.target", "basic.target"]
    for base in ("/lib/systemd/system/multi-user.target.wants",
                 "/etc/systemd/system/multi-user.target.wants"):
        p = d.path(base)
        if p.is_dir():
            masked += [e.name for e in sorted(p.iterdir()) if e.name not in ENABLED]
    masked = sorted(set(masked))
    for n in masked:
        if not (etc / n).is_symlink():
            os.symlink("/dev/null", etc / n)
    return masked


class Syslog(threading.Thread):
    """/dev/log, read into a file: what systemd-journald's socket is on
    Debian (sshd, cron, postgres log there; systemd's
    systemd-journald-dev-log.socket makes it). A thread of pytest."""

    def __init__(self, path, out):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        os.chmod(path, 0o666)
        self.out = out
        self.stopping = False

    def run(self):
        with open(self.out, "ab", buffering=0) as f:
            while not self.stopping:
                try:
                    data = self.sock.recv(65536)
                except OSError:
                    return
                f.write(data.rstrip(b"\n") + b"\n")

    def close(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def _dpkg_fingerprint():
    return hashlib.sha256(Path("/var/lib/dpkg/status").read_bytes()).hexdigest()


class DebRoot:
    def __init__(self, base):
        self.base = base                # the tmpfs
        self.root = base / "r"          # the overlay: the daemons' /
        self.log = base / "apt.log"

    def path(self, p):
        return self.root / str(p).lstrip("/")


@pytest.fixture(scope="module")
def debroot():
    problems = []
    if os.geteuid() != 0:
        problems.append("the daemons tier must run as root")
    for b in (SVCINIT, SVCCTL):
        if not os.access(b, os.X_OK):
            problems.append(f"{b} is missing: run `make` first")
    for t in ("unshare", "nsenter", "chroot", "apt-get", "ip"):
        if shutil.which(t) is None:
            problems.append(f"{t} is missing")
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)
    host_dpkg = _dpkg_fingerprint()
    _private_mount_ns()
    base = Path(tempfile.mkdtemp(prefix="svcd-", dir="/tmp"))
    d = DebRoot(base)
    mounted = []
    syslog = None

    def mnt(*argv):
        must(["mount", *map(str, argv)])
        mounted.append(str(argv[-1]))

    try:
        mnt("-t", "tmpfs", "-o", "mode=0755", "tmpfs", base)
        for sub in ("upper", "work", "r"):
            (base / sub).mkdir()
        mnt("-t", "overlay", "-o", f"lowerdir=/,upperdir={base}/upper,workdir={base}/work",
            "overlay", d.root)
        _private_dev(d, mnt)
        mnt("--rbind", "/sys", d.path("/sys"))
        mnt("-t", "proc", "proc", d.path("/proc"))
        mnt("-t", "tmpfs", "-o", "mode=0755", "tmpfs", d.path("/run"))
        mnt("-t", "tmpfs", "-o", "mode=1777", "tmpfs", d.path("/tmp"))
        (CACHE / "partial").mkdir(parents=True, exist_ok=True)
        mnt("--bind", CACHE, d.path("/var/cache/apt/archives"))
        # Debian's convention: policy-rc.d exit 101 forbids every start
        prc = d.path("/usr/sbin/policy-rc.d")
        prc.write_text("#!/bin/sh\n# svcinit daemons tier: no start at install\nexit 101\n")
        prc.chmod(0o755)
        t0 = time.monotonic()
        with open(d.log, "w") as log:
            r = run(["chroot", d.root, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get",
                     "install", "-y", "-q", "--no-install-recommends", *PACKAGES],
                    stdout=log, stderr=subprocess.STDOUT, capture_output=False, timeout=1200)
        if r.returncode != 0:
            pytest.fail(f"apt-get install in the test root: exit {r.returncode}\n"
                        + "\n".join(d.log.read_text().splitlines()[-30:]), pytrace=False)
        vers = run(["chroot", d.root, "dpkg-query", "-W", "-f", "${Package} ${Version}\\n",
                    *[p for p in PACKAGES]]).stdout.split("\n")
        print(f"\ninstalled into the overlay root {d.root} ({time.monotonic() - t0:.0f}s): "
              + ", ".join(v for v in vers if v))
        print(f"on the host: only the downloaded .debs in {CACHE} (apt's cache); "
              "the host's dpkg database and / are untouched")
        # the test's own configuration, inside the root
        d.path("/etc/haproxy/haproxy.cfg").write_text(HAPROXY_CFG)
        d.path("/etc/cron.d/svcinit-test").write_text(CRON_JOB)
        d.masked = _mask_base_system(d)
        print("masked in the test root (they set up or act on the machine: kernel, clock, "
              "devices, logins): " + " ".join(d.masked))
        for b in (SVCINIT, SVCCTL):
            shutil.copy2(b, d.path(f"/usr/local/sbin/{b.name}"))
        d.syslog_path = base / "syslog"
        syslog = Syslog(d.path("/dev/log"), d.syslog_path)
        syslog.start()
        yield d
    finally:
        if syslog:
            syslog.close()
        for m in reversed(mounted):
            run(["umount", "-R", m])
        shutil.rmtree(base, ignore_errors=True)
        left = [l for l in Path("/proc/self/mountinfo").read_text().splitlines() if str(base) in l]
        assert not left, f"mounts left behind: {left}"
        assert _dpkg_fingerprint() == host_dpkg, "the host's dpkg database changed"


class Booted:
    """svcinit --systemd as PID 1 of its namespaces, the root pivoted to."""

    def __init__(self, d):
        self.d = d
        self.sock = d.path("/run/svcinit/control")
        self.log_path = d.base / "console.log"
        self.cgroup_base = "/svcinit-daemons-" + secrets.token_hex(6)
        self.proc = None
        self.pid = None
        self.ns = None

    def start(self):
        # pivot_root, not chroot: the kernel refuses a user namespace
        # (PrivateUsers=, as redis-server's unit has) to a chrooted process
        script = ('ip link set lo up && mount --rbind "$1" "$1" && mount -t proc proc "$1/proc" && '
                  'cd "$1" && pivot_root . . && umount -l . && '
                  'exec /usr/local/sbin/svcinit --systemd -v --cgroup "$2"')
        self._log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items()
               if k not in ("SVCINIT_SOCKET", "NOTIFY_SOCKET", "SVCINIT_UNITS", "LISTEN_FDS")}
        self.proc = subprocess.Popen(["unshare", "-pfmn", "--propagation", "private", "--kill-child",
                                      "sh", "-c", script, "sh", str(self.d.root), self.cgroup_base],
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.pid = poll_until(self._find_pid, what="svcinit to exec under unshare")
        self.ns = os.readlink(f"/proc/{self.pid}/ns/pid")
        poll_until(lambda: self._alive_check() and self.sock.exists()
                   and self.ctl("status").returncode == 0, 60, "the control socket")
        return self

    def _find_pid(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"svcinit exited ({self.proc.returncode})\n{self.log()}")
        for c in children(self.proc.pid):
            if (read_text(f"/proc/{c}/comm") or "").strip() == "svcinit":
                return c
        return None

    def _alive_check(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"svcinit exited ({self.proc.returncode})\n{self.log()}")
        return True

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- svcctl and clients

    def ctl(self, *args, timeout=120):
        return run([str(SVCCTL), "-s", str(self.sock), *map(str, args)], timeout=timeout,
                   env={**os.environ, "NO_COLOR": "1"})

    def units(self):
        r = self.ctl("--json", "status", timeout=30)
        assert r.returncode in (0, 3), f"svcctl --json status: {r.returncode} {r.stderr}"
        return {u["name"]: u for u in json.loads(r.stdout)}

    def unit(self, name):
        r = self.ctl("--json", "status", name, timeout=30)
        if not r.stdout.strip().startswith("["):
            return None
        v = json.loads(r.stdout)
        return v[0] if v else None

    def wait_for(self, name, states, timeout=60, bad=(), **fields):
        """Until the unit is in one of states with fields as given (values
        or predicates); a state of bad fails at once."""
        states = {states} if isinstance(states, str) else set(states)
        last = {}

        def ok():
            self._alive_check()
            u = last["u"] = self.unit(name)
            if u and u["state"] in bad:
                raise AssertionError(f"{name} is {u['state']}, waiting for {sorted(states)}: {u}\n"
                                     f"{self.unit_log(name)}")
            if not u or u["state"] not in states:
                return None
            for k, want in fields.items():
                if not (want(u.get(k)) if callable(want) else u.get(k) == want):
                    return None
            return u
        try:
            return poll_until(ok, timeout, f"{name} in {sorted(states)} {fields}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast status: {last.get('u')}\n{self.unit_log(name)}") from None

    def syslog_tail(self, n=20):
        p = self.d.syslog_path
        return "\n".join(p.read_text(errors="replace").splitlines()[-n:]) if p.exists() else ""

    def unit_log(self, name):
        r = self.ctl("logs", "-n", "40", name)
        return f"--- svcctl logs {name}:\n{r.stdout}{r.stderr}"

    def client(self, *argv, user=None, timeout=30):
        """argv run in the daemons' network namespace, chrooted in the root."""
        ch = ["chroot"] + ([f"--userspec={user}:{user}"] if user else []) + [str(self.d.root)]
        return run(["nsenter", f"--net=/proc/{self.pid}/ns/net", "--", *ch,
                    "env", "HOME=/root", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", *map(str, argv)],
                   timeout=timeout)

    # -- the PID namespace, seen from the host

    def procs(self):
        out = []
        for h in ns_members(self.ns):
            st, nsp = proc_stat(h), proc_nspids(h)
            if not st or len(nsp) < 2 or st[0] == "Z":
                continue
            out.append({"host": h, "nspid": nsp[1], "ppid": st[1],
                        "comm": (read_text(f"/proc/{h}/comm") or "").strip(),
                        "cmdline": proc_cmdline(h)})
        return out

    def host_pid(self, nspid):
        for p in self.procs():
            if p["nspid"] == nspid:
                return p["host"]
        return None

    def stop(self):
        errors = []
        if self.proc and self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.proc.wait(timeout=120)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                errors.append("svcinit did not exit within 120s of SIGTERM; killed")
                kill_unshared(self.proc, self.pid)
        try:
            poll_until(lambda: not ns_members(self.ns), 20, "the PID namespace to empty")
        except AssertionError as e:
            errors.append(str(e))
        left, still = remove_cgroup(self.cgroup_base)
        if left:
            errors.append(f"svcinit left cgroups behind: {left}" + (f"; could not remove {still}" if still else ""))
        self._log.close()
        return errors


@pytest.fixture(scope="module")
def booted(debroot):
    b = Booted(debroot)
    try:
        b.start()
        yield b
    finally:
        errors = b.stop()
        print(f"\n--- svcinit console (tail):\n" + "\n".join(b.log().splitlines()[-60:]))
        assert not errors, "; ".join(errors)
