#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make valgrind: svcinit under valgrind memcheck through thousands of restart
cycles and reloads, twice (a short run and a long one), printing both leak
summaries. It fails if memcheck reports an error (invalid read or write, use
of uninitialised memory, bad free), if the long run loses any memory
(definitely, indirectly or possibly lost), or if what is lost or still
reachable at exit grows with the number of cycles.

svcinit runs as PID 1 of a fresh PID namespace (`unshare -pf`), as in the
integration tests, with its own socket and cgroup base. What it goes
through, per run:

  crash     exits 3 at once, Restart=always RestartSec=0 StartLimitBurst=0:
            the restart cycles counted (spawn, output pipes, cgroup, reap)
  notify    Type=notify, sends READY=1 and STATUS= then exits 0, restarted
            (notify socket, sd_notify parsing)
  iso       a namespaced unit (pid net ipc mnt uts, overlay root) that exits
            and restarts (root plans, staging dirs, the reaper)
  steady    sleeps: must keep its pid throughout
  changed   rewritten before every reload (changed unit: restart)
  toggled   added and removed on alternate reloads (new and removed units)
  broken    valid and broken on alternate reloads (a file with errors keeps
            the old definition)

plus, every round: `svcctl status`, `--json status`, `logs -n 5`, a
malformed request, and a `logs -f` follower that leaves. Half of the reloads
are `svcctl reload`, half SIGHUP.

Run as root:  make valgrind   or   tests/valgrind/run.py --cycles 5000
"""
import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from harness import children, kill_unshared, remove_cgroup  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

NOTIFY_PY = """\
import os, socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
s.send(b"READY=1\\nSTATUS=cycling")
time.sleep(1)
"""


def unit(exec_start, *extra, namespaces="none"):
    """A [Service] section: ExecStart, Namespaces, then extra "K=V" lines."""
    lines = ["[Service]", f"ExecStart={exec_start}"]
    if namespaces is not None:
        lines.append(f"Namespaces={namespaces}")
    lines += list(extra)
    return "\n".join(lines) + "\n"


CYCLE = ("Restart=always", "RestartSec=0", "StartLimitBurst=0", "TimeoutStopSec=2s")


class Run:
    def __init__(self, build, restarts, reloads, verbose):
        self.build = Path(build)
        self.svcinit = self.build / "svcinit"
        self.svcctl = self.build / "svcctl"
        self.target = restarts
        self.reloads_target = reloads
        self.verbose = verbose
        self.dir = Path(tempfile.mkdtemp(prefix="svcvg-", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        self.units = self.dir / "units"
        self.units.mkdir()
        self.sock = self.dir / "control"
        self.vglog = self.dir / "valgrind.log"
        self.console = self.dir / "console.log"
        self.base = "/svcinit-vg-" + secrets.token_hex(6)
        self.proc = None
        self.pid = None
        self.reloads = 0
        self.rounds = 0

    # -- units

    def write_units(self):
        (self.dir / "notify.py").write_text(NOTIFY_PY)
        files = {
            "crash": unit('sh -c "echo crash $$; exit 3"', *CYCLE),
            "notify": unit(f"/usr/bin/python3 {self.dir}/notify.py", "Type=notify",
                           "TimeoutStartSec=20s", *CYCLE),
            "iso": unit('sh -c "echo isolated; sleep 0.2"', *CYCLE, namespaces=None),
            "steady": unit("sleep 100000", "TimeoutStopSec=2s"),
            "changed": unit("sleep 100000 0", "TimeoutStopSec=2s"),
            "broken": unit("sleep 100000", "TimeoutStopSec=2s"),
        }
        for name, text in files.items():
            (self.units / f"{name}.service").write_text(text)

    def mutate(self):
        """Change the directory before a reload."""
        n = self.reloads
        (self.units / "changed.service").write_text(
            unit(f"sleep 100000 {n % 7}", "TimeoutStopSec=2s", f"Environment=ROUND={n}"))
        t = self.units / "toggled.service"
        if n % 2 == 0:
            t.write_text("[Unit]\nDescription=toggled\n" + unit("sleep 100000", "TimeoutStopSec=2s"))
        elif t.exists():
            t.unlink()
        b = self.units / "broken.service"
        if n % 2 == 0:
            b.write_text(unit("sleep 100000", "TimeoutStopSec=2s", "NoSuchKey=1"))
        else:
            b.write_text(unit("sleep 100000", "TimeoutStopSec=2s"))

    # -- svcinit

    def ctl(self, *args, timeout=60):
        e = dict(os.environ)
        e.pop("SVCINIT_SOCKET", None)
        return subprocess.run([str(self.svcctl), "-s", str(self.sock), *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, env=e)

    def start(self):
        argv = ["unshare", "-pf", "--mount-proc", "--kill-child",
                "valgrind", "--tool=memcheck", "--leak-check=full",
                "--show-leak-kinds=definite,indirect,possible", "--track-fds=no",
                "--child-silent-after-fork=yes", "--num-callers=30",
                f"--log-file={self.vglog}",
                str(self.svcinit), "-u", str(self.units), "-s", str(self.sock),
                "--cgroup", self.base]
        e = dict(os.environ)
        for k in ("SVCINIT_SOCKET", "NOTIFY_SOCKET", "SVCINIT_UNITS", "LD_PRELOAD"):
            e.pop(k, None)
        self._console = open(self.console, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._console,
                                     stderr=subprocess.STDOUT, env=e, start_new_session=True)
        end = time.monotonic() + 60
        while time.monotonic() < end and self.pid is None:
            if self.proc.poll() is not None:
                raise SystemExit(f"valgrind exited at once ({self.proc.returncode}):\n"
                                 f"{self.console.read_text(errors='replace')}")
            kids = children(self.proc.pid)
            if kids:
                self.pid = kids[0]
            else:
                time.sleep(0.05)
        if self.pid is None:
            raise SystemExit("valgrind did not start under unshare")
        end = time.monotonic() + 120
        while time.monotonic() < end:
            if self.sock.exists() and self.ctl("status", timeout=30).returncode == 0:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise SystemExit(f"svcinit under valgrind did not answer:\n{self.tail()}")

    def status(self):
        import json
        r = self.ctl("--json", "status", timeout=60)
        if r.returncode != 0:
            raise SystemExit(f"svcctl --json status: exit {r.returncode}: {r.stderr}\n{self.tail()}")
        return {u["name"]: u for u in json.loads(r.stdout)}

    def tail(self, n=40):
        def last(p):
            try:
                return "\n".join(p.read_text(errors="replace").splitlines()[-n:])
            except OSError:
                return ""
        return f"--- console:\n{last(self.console)}\n--- valgrind:\n{last(self.vglog)}"

    def clients(self):
        # a malformed request, then a follower that leaves
        for payload in (b"status \x01\n", b"logs -f crash\n"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            try:
                s.connect(str(self.sock))
                s.sendall(payload)
                s.recv(4096)
            except OSError:
                pass
            finally:
                s.close()
        self.ctl("status")
        self.ctl("logs", "-n", "5", "crash")

    def drive(self):
        """Reload and query until the restart and reload targets are met."""
        steady = self.status()["steady"]["pid"]
        t0 = time.monotonic()
        deadline = t0 + max(600, self.target)   # valgrind: ~30 restarts/s
        while True:
            st = self.status()
            restarts = st["crash"]["restarts"]
            if restarts >= self.target and self.reloads >= self.reloads_target:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"only {restarts} restarts and {self.reloads} reloads "
                                 f"after {deadline - t0:.0f}s\n{self.tail()}")
            if self.proc.poll() is not None:
                raise SystemExit(f"svcinit died under valgrind ({self.proc.returncode})\n"
                                 f"{self.tail()}")
            if self.reloads < self.reloads_target:
                self.mutate()
                if self.reloads % 2:
                    os.kill(self.pid, signal.SIGHUP)
                else:
                    self.ctl("reload")
                self.reloads += 1
            self.clients()
            self.rounds += 1
            if self.verbose and self.rounds % 20 == 0:
                print(f"   ... {restarts} restarts, {self.reloads} reloads, "
                      f"{time.monotonic() - t0:.0f}s", flush=True)
            time.sleep(0.1)
        self.elapsed = time.monotonic() - t0
        st = self.status()
        self.restarts = st["crash"]["restarts"]
        self.cycles_all = sum(u["restarts"] for u in st.values())
        if st["steady"]["pid"] != steady or st["steady"]["state"] != "running":
            raise SystemExit(f"steady lost its state: {st['steady']}\n{self.tail()}")

    def stop(self):
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=180)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"svcinit under valgrind did not exit within 180s of SIGTERM\n"
                             f"{self.tail()}")
        self.returncode = self.proc.returncode

    def cleanup(self, keep):
        kill_unshared(self.proc, self.pid)
        left = [str(d) for d in remove_cgroup(self.base)[0]]
        if getattr(self, "_console", None):
            self._console.close()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        return left

    # -- the report

    def summary(self):
        text = self.vglog.read_text(errors="replace")
        def num(label):
            m = re.search(rf"{label}: ([\d,]+) bytes in ([\d,]+) blocks", text)
            return int(m.group(1).replace(",", "")) if m else 0
        m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
        leak = re.search(r"(==\d+== HEAP SUMMARY:.*?)(==\d+== ERROR SUMMARY[^\n]*)", text, re.S)
        return {
            "definite": num("definitely lost"), "indirect": num("indirectly lost"),
            "possible": num("possibly lost"), "reachable": num("still reachable"),
            "errors": int(m.group(1)) if m else -1,
            "text": leak.group(0) if leak else text[-3000:],
            "complete": "LEAK SUMMARY" in text or "All heap blocks were freed" in text,
        }


def one_run(args, restarts, reloads, label):
    r = Run(args.build, restarts, reloads, args.verbose)
    print(f"== {label}: {restarts} restart cycles, {reloads} reloads "
          f"(svcinit under valgrind, PID 1 of a new PID namespace; {r.dir})", flush=True)
    try:
        r.write_units()
        r.start()
        r.drive()
        r.stop()
        s = r.summary()
    finally:
        left = r.cleanup(args.keep)
    print(f"   {r.restarts} restarts of crash ({r.cycles_all} of all units), {r.reloads} "
          f"reloads in {r.elapsed:.0f}s: {r.restarts / r.elapsed:.1f} restarts/s under valgrind; "
          f"exit code {r.returncode}")
    print("\n".join("   " + line.split("== ", 1)[-1] for line in s["text"].splitlines()))
    if left:
        print(f"   cgroups left behind (removed): {', '.join(left)}")
    s["left"] = left
    s["exit"] = r.returncode
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--cycles", type=int, default=3000,
                    help="restart cycles of the long run (the short one does a tenth)")
    ap.add_argument("--reloads", type=int, default=300, help="reloads of the long run")
    ap.add_argument("--keep", action="store_true", help="keep the run directories")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    problems = []
    if os.geteuid() != 0:
        problems.append("must run as root (unshare -p, cgroups)")
    for tool in ("valgrind", "unshare"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is missing (apt-get install valgrind util-linux)")
    for b in ("svcinit", "svcctl"):
        if not os.access(Path(args.build) / b, os.X_OK):
            problems.append(f"{args.build}/{b} is missing: run make first")
    if problems:
        print("valgrind: " + "; ".join(problems), file=sys.stderr)
        return 2

    short = one_run(args, max(100, args.cycles // 10), max(10, args.reloads // 10), "short run")
    long = one_run(args, args.cycles, args.reloads, "long run")

    fail = []
    for name, s in (("short", short), ("long", long)):
        if not s["complete"]:
            fail.append(f"{name} run: valgrind printed no leak summary (did svcinit exit?)")
        if s["errors"] != 0:
            fail.append(f"{name} run: memcheck reported {s['errors']} errors")
        if s["exit"] != 0:
            fail.append(f"{name} run: svcinit exited with {s['exit']}, not 0")
        if s["left"]:
            fail.append(f"{name} run: cgroups left behind")
    lost = {n: s["definite"] + s["indirect"] + s["possible"] for n, s in (("short", short), ("long", long))}
    if lost["long"] > 0:
        fail.append(f"the long run lost {lost['long']} bytes (short run: {lost['short']})")
    if lost["long"] > lost["short"]:
        fail.append(f"lost memory grows with the cycles: {lost['short']} -> {lost['long']} bytes")
    if long["reachable"] > short["reachable"] + 4096:
        fail.append(f"still-reachable memory at exit grows with the cycles: "
                    f"{short['reachable']} -> {long['reachable']} bytes")
    print(f"== lost at exit: short {lost['short']} B, long {lost['long']} B; still reachable: "
          f"short {short['reachable']} B, long {long['reachable']} B")
    if fail:
        print("== valgrind: FAILED\n   " + "\n   ".join(fail))
        return 1
    print("== valgrind: no errors, no leak, nothing that grows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
