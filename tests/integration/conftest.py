# SPDX-License-Identifier: MIT
"""Integration fixtures: the real build/svcinit as PID 1 of a fresh PID
namespace, observed through the real build/svcctl.

    def test_x(svcinit):
        si = svcinit({"web": WEB_UNIT})          # writes units, starts, waits for the socket
        si.wait_for("web", "running")
        assert si.ctl("is-active", "web").returncode == 0
        assert si.stop() == 0                    # SIGTERM, wait for the exit code

Everything a test makes lives in one short directory under /tmp (the socket
path must fit sun_path), removed at teardown. Each instance gets its own
cgroup base /svcinit-test-<random>; teardown fails the test if svcinit left
it behind in any hierarchy (after removing it, so the host stays clean).
"""
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lib"))
from harness import (DEADLINE, POLL, ConsoleLog, cgroup_leftovers, cgroup_mounts, children,  # noqa: E402,F401
                     descendants, kill_cgroup_tree, kill_unshared, ns_members, poll_until, proc_cgroup_v2,
                     proc_cmdline, proc_nspids, proc_stat, remove_cgroup, rmdir_cgroup_tree)
# overridable to test installed binaries
SVCINIT = Path(os.environ.get("SVCINIT_BIN", ROOT / "build" / "svcinit"))
SVCCTL = Path(os.environ.get("SVCCTL_BIN", ROOT / "build" / "svcctl"))
NOBODY = 65534

STOP_DEADLINE = 30.0 # svcinit's graceful exit (units use short TimeoutStopSec)

STATES = {"stopped", "starting", "running", "paused", "stopping", "restarting", "exited", "failed"}


# ---------------------------------------------------------------- helpers

def write_units(units_dir, units):
    units_dir.mkdir(parents=True, exist_ok=True)
    for name, text in units.items():
        fn = name if name.endswith((".service", ".socket", ".timer", ".target")) else name + ".service"
        (units_dir / fn).write_text(text)


def unit_text(exec_start, service=None, unit=None, namespaces="none"):
    """A unit file: ExecStart plus extra [Service] keys (dict or list of
    "K=V" lines); Namespaces=none unless isolation is the point."""
    lines = []
    if unit:
        lines.append("[Unit]")
        lines += [f"{k}={v}" for k, v in unit.items()] if isinstance(unit, dict) else list(unit)
    lines.append("[Service]")
    lines.append(f"ExecStart={exec_start}")
    if namespaces is not None:
        lines.append(f"Namespaces={namespaces}")
    if service:
        lines += [f"{k}={v}" for k, v in service.items()] if isinstance(service, dict) else list(service)
    return "\n".join(lines) + "\n"


def run_svcctl(sock, *args, user=None, timeout=60, env=None):
    """Run build/svcctl -s SOCK ARGS (as `user` uid via setpriv)."""
    cmd = [str(SVCCTL), "-s", str(sock), *map(str, args)]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    e = dict(os.environ)
    e.pop("SVCINIT_SOCKET", None)
    e["NO_COLOR"] = "1"
    if env:
        e.update(env)
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, env=e)


def wait_answering(inst, timeout=DEADLINE, what="the control socket to answer status"):
    """Until inst.sock answers `status` with code 0; fail at once when
    inst.proc exits first (its console, inst.log(), in the message)."""
    def ok():
        if inst.proc.poll() is not None:
            raise AssertionError(f"svcinit exited with {inst.proc.returncode} before its socket "
                                 f"answered\n--- console:\n{inst.log()}")
        return inst.sock.exists() and run_svcctl(inst.sock, "status", timeout=30).returncode == 0
    poll_until(ok, timeout, what)


# ---------------------------------------------------------------- the fixture

class Svcinit(ConsoleLog):
    """One svcinit under `unshare -pf --mount-proc --kill-child`."""

    def __init__(self, workdir, units=None, command=None, verbose=True, extra_args=(), env=None):
        self.dir = Path(workdir)
        self.units_dir = self.dir / "units"
        self.sock = self.dir / "control"
        self.log_path = self.dir / "console.log"
        self.out = self.dir / "out"          # world-writable: units running as nobody write here
        self.out.mkdir(exist_ok=True)
        os.chmod(self.out, 0o777)
        self.cgroup_base = "/svcinit-test-" + secrets.token_hex(6)
        self.command = command
        self.verbose = verbose
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None          # the unshare process
        self.pid = None           # svcinit's host pid
        self.ns = None            # its pid namespace (readlink of ns/pid)
        self.returncode = None
        self.started_at = None
        self.ended_at = None
        write_units(self.units_dir, units or {})

    # -- life cycle

    def argv(self):
        a = ["unshare", "-pf", "--mount-proc", "--kill-child", str(SVCINIT),
             "-u", str(self.units_dir), "-s", str(self.sock), "--cgroup", self.cgroup_base]
        if self.verbose:
            a.append("-v")
        a += self.extra_args
        if self.command is not None:
            a += ["--", *self.command]
        return a

    def start(self, wait=True):
        e = dict(os.environ)
        e.pop("SVCINIT_SOCKET", None)
        e.pop("NOTIFY_SOCKET", None)
        e.pop("SVCINIT_UNITS", None)
        if self.env:
            e.update(self.env)
        self._log = open(self.log_path, "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=e, start_new_session=True)
        self.pid = poll_until(self._find_pid, what="svcinit to exec under unshare")
        if self.pid > 0:
            try:
                self.ns = os.readlink(f"/proc/{self.pid}/ns/pid")
            except FileNotFoundError:
                self.ns = None
        if wait:
            self.wait_ready()
        return self

    def _find_pid(self):
        if self.proc.poll() is not None:
            return -1     # exited already (entrypoint mode can be that quick)
        for c in children(self.proc.pid):
            st = proc_stat(c)
            try:
                with open(f"/proc/{c}/comm") as f:
                    comm = f.read().strip()
            except FileNotFoundError:
                continue
            if st and comm == "svcinit":
                return c
        return None

    def wait_ready(self, timeout=DEADLINE):
        """Until the socket answers `status` with code 0."""
        wait_answering(self, timeout)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        assert self.pid and self.pid > 0 and self.alive(), "svcinit is not running"
        os.kill(self.pid, sig)

    def wait_exit(self, timeout=STOP_DEADLINE):
        """Wait for svcinit (and unshare) to exit; return svcinit's exit code
        (negative: killed by that signal, as subprocess reports it)."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"svcinit did not exit within {timeout:.0f}s\n--- console:\n{self.log()}")
        self.ended_at = time.monotonic()
        return self.returncode

    def stop(self, timeout=STOP_DEADLINE):
        """SIGTERM to svcinit (container mode: graceful stop, then exit)."""
        self.signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self):
        """Last resort: SIGKILL unshare; --kill-child takes svcinit and so the
        whole namespace with it."""
        kill_unshared(self.proc, self.pid)

    # -- observing

    def ctl(self, *args, user=None, timeout=60, env=None):
        return run_svcctl(self.sock, *args, user=user, timeout=timeout, env=env)

    def status(self):
        r = self.ctl("--json", "status", timeout=30)
        assert r.returncode == 0, f"svcctl --json status: exit {r.returncode}: {r.stderr}"
        try:
            data = json.loads(r.stdout)
        except ValueError as e:
            raise AssertionError(f"svcctl --json status is not JSON ({e}): {r.stdout!r}")
        assert isinstance(data, list), f"status --json is not an array: {data!r}"
        return data

    def units(self):
        return {u["name"]: u for u in self.status()}

    def unit(self, name):
        u = self.units().get(name)
        assert u is not None, f"unit {name} not in status"
        return u

    def wait_for(self, name_or_pred, state=None, timeout=DEADLINE, **fields):
        """wait_for("web", "running") or wait_for("web", restarts=lambda n: n >= 2)
        or wait_for(lambda si: ...). Returns the unit dict (or the pred value)."""
        if callable(name_or_pred):
            return poll_until(lambda: name_or_pred(self), timeout, "predicate")
        name = name_or_pred
        last = {}

        def check():
            if not self.alive():
                raise AssertionError(f"svcinit exited ({self.proc.returncode}) while waiting for "
                                     f"{name}\n--- console:\n{self.log()}")
            u = self.units().get(name)
            last["u"] = u
            if u is None:
                return None
            if state is not None:
                states = {state} if isinstance(state, str) else set(state)
                if u["state"] not in states:
                    return None
            for k, want in fields.items():
                if callable(want):
                    if not want(u.get(k)):
                        return None
                elif u.get(k) != want:
                    return None
            return u
        try:
            return poll_until(check, timeout, f"{name} state={state} {fields}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast status of {name}: {last.get('u')!r}") from None

    # -- the PID namespace, seen from the host

    def ns_procs(self):
        """Every live-or-zombie process of svcinit's PID namespace:
        dicts host, nspid, state, ppid (host), start, cmdline, cgroup."""
        if not self.ns:
            return []
        out = []
        for d in ns_members(self.ns):
            st = proc_stat(d)
            nsp = proc_nspids(d)
            if not st or len(nsp) < 2:
                continue
            out.append({"host": d, "nspid": nsp[1], "state": st[0], "ppid": st[1],
                        "start": st[2], "cmdline": proc_cmdline(d), "cgroup": proc_cgroup_v2(d)})
        return out

    def ns_proc(self, nspid):
        for p in self.ns_procs():
            if p["nspid"] == nspid:
                return p
        return None

    def pid_alive(self, nspid):
        """A unit pid (as status shows it) is a live, non-zombie process."""
        p = self.ns_proc(nspid)
        return p is not None and p["state"] != "Z"

    def zombies(self):
        return [p for p in self.ns_procs() if p["state"] == "Z"]

    # -- cgroups

    def cgroup_leftovers(self):
        return cgroup_leftovers(self.cgroup_base)


def _require_environment():
    problems = []
    if os.geteuid() != 0:
        problems.append("the integration suite must run as root (unshare -p, cgroups)")
    for b in (SVCINIT, SVCCTL):
        if not os.access(b, os.X_OK):
            problems.append(f"{b} is missing: run `make` first")
    for tool in ("unshare", "setpriv"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} (util-linux) is missing")
    if problems:
        # a test that cannot run where it must fails, it does not skip
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def workdir():
    """A short, world-traversable directory under /tmp (sun_path is 108 bytes)."""
    d = tempfile.mkdtemp(prefix="svcit-", dir="/tmp")
    os.chmod(d, 0o755)
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def svcinit(request, workdir):
    """Factory: svcinit(units, command=None, start=True, verbose=True,
    extra_args=()) -> Svcinit, started and answering unless start=False."""
    _require_environment()
    instances = []

    def make(units=None, command=None, start=True, wait=True, **kw):
        sub = workdir / f"i{len(instances)}" if instances else workdir
        sub.mkdir(exist_ok=True)
        os.chmod(sub, 0o755)
        si = Svcinit(sub, units=units, command=command, **kw)
        instances.append(si)
        if start:
            si.start(wait=wait)
        return si

    yield make

    errors = []
    for si in instances:
        if si.proc is None:
            continue
        graceful = True
        if si.alive():
            # a graceful stop first: it is what removes the cgroups
            try:
                if si.pid and si.pid > 0:
                    os.kill(si.pid, signal.SIGTERM)
                si.proc.wait(timeout=STOP_DEADLINE)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                graceful = False
                errors.append(f"svcinit (pid {si.pid}) did not exit within {STOP_DEADLINE:.0f}s "
                              "of SIGTERM at teardown; killed")
                si.kill()
        # the namespace dies with its PID 1; give the kernel a moment
        try:
            poll_until(lambda: not si.ns_procs(), 10, "the PID namespace to empty")
        except AssertionError as e:
            errors.append(str(e))
        left, still = remove_cgroup(si.cgroup_base)
        if left:
            msg = f"svcinit left its cgroups behind: {', '.join(map(str, left))}"
            if not graceful:
                msg += " (after being killed)"
            if still:
                msg += f"; could not remove: {', '.join(map(str, still))}"
            errors.append(msg)
        if getattr(si, "_log", None):
            si._log.close()

    failed = getattr(request.node, "rep_call", None)
    if (failed is not None and failed.failed) or errors:
        for i, si in enumerate(instances):
            print(f"--- svcinit #{i} console ({si.log_path}):\n{si.log()}")
    if errors:
        pytest.fail("teardown: " + "; ".join(errors), pytrace=False)
