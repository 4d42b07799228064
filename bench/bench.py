#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""svcinit benchmarks: svcinit, its peers and the physical limits, side by side.

    bench.py --build build [--quick] [--only restart,start,...] [--runs N]

Every supervisor runs as PID 1 of a fresh PID namespace (unshare -pf
--mount-proc). Every service is build/bench/bench-stamp, which writes
CLOCK_MONOTONIC stamps to a file, so that one clock times every
supervisor, and the "bare" rows run the same services from the simplest
possible C code (bench/limits/*.c): the physical limit.

Prints one table (median over runs, min-max, ratio to svcinit, ratio to the
bare figure), and writes bench/results/bench.json, bench/results/table.txt
and the plot bench/bench.png (with --quick: *-quick.* under bench/results/).
Figures are never asserted: the suite fails only when it cannot run.
See bench/README.md for what each workload measures.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lib"))
from harness import children, descendants, remove_cgroup  # noqa: E402
from harness import cgroup_hierarchies as cgroup_mounts  # noqa: E402
from harness import wait_until as wait_for  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER_PACKAGES = {"tini": "tini", "dumb-init": "dumb-init", "catatonit": "catatonit",
                 "runit": "runit", "s6": "s6", "supervisord": "supervisor"}
PEER_BINARIES = {"tini": ["tini"], "dumb-init": ["dumb-init"], "catatonit": ["catatonit"],
                 "runit": ["runsvdir", "runsv", "sv"], "s6": ["s6-svscan", "s6-supervise", "s6-svstat"],
                 "supervisord": ["supervisord", "supervisorctl"]}
WORKLOADS = ["restart", "start", "orphans", "pause", "crashloop", "size"]
# the order of rows within a case, and of bars in the plot
IMPL_ORDER = ["bare", "bare (cgroups)", "svcinit", "runit", "s6", "supervisord", "tini", "dumb-init", "catatonit",
              "svcinit (static)"]

T_START = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T_START:7.1f}s] {msg}", file=sys.stderr, flush=True)


def now_ns():
    return time.monotonic_ns()


def median(v):
    return statistics.median(v) if v else None


# ------------------------------------------------------------------ the host

def cgroup_v2_mount():
    for mp, t in cgroup_mounts():
        if t == "cgroup2":
            return mp
    return None


def cgroup_remove(name):
    """Remove /<name> (and below) from every hierarchy, killing what is left
    in it. Returns the paths that existed (a leak, when svcinit should have
    removed them)."""
    return [str(d) for d in remove_cgroup(name)[0]]


def cpu_idle_fraction(interval=0.1):
    def read():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)
    i0, t0 = read()
    time.sleep(interval)
    i1, t1 = read()
    return (i1 - i0) / max(1, t1 - t0)


SETTLE_SCALE = 1.0


def settle(max_s=2.0, idle=0.85):
    """Wait until the machine is mostly idle (the kernel tears down network
    namespaces in the background for a while; other jobs may run)."""
    end = time.monotonic() + max_s * SETTLE_SCALE
    while time.monotonic() < end:
        if cpu_idle_fraction() >= idle:
            return True
    return False


def exe_base(pid):
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe")).replace(" (deleted)", "")
    except OSError:
        return ""


def supervision_tree(pid1):
    """PID 1 and its descendants, without the services (bench-stamp)."""
    return [p for p in [pid1] + descendants(pid1) if exe_base(p) != "bench-stamp"]


def mem_of(pids):
    """Sum of Rss and Pss (bytes) from smaps_rollup."""
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            pass
    return rss, pss


def cpu_ns(pids):
    """CPU time (sum_exec_runtime, ns) of these processes, all threads."""
    n = 0
    for p in pids:
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/schedstat") as f:
                    n += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return n


def ctx_switches(pids):
    n = 0
    for p in pids:
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                            n += int(line.split()[1])
        except OSError:
            pass
    return n


def age_tree(top, seconds=60):
    """Date a freshly written service directory back: runsvdir (and a real
    deployment) never sees a scan directory modified this very second, and
    runsvdir waits a second before it trusts one that is."""
    t = time.time() - seconds
    for dp, ds, fs in os.walk(top):
        for x in ds + fs:
            os.utime(os.path.join(dp, x), (t, t), follow_symlinks=False)
    os.utime(top, (t, t))


def read_stamps(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) >= 2 and w[0] in "SETX":
                    out.append((w[0], int(w[1])))
    except FileNotFoundError:
        pass
    return out


def count_kind(path, kind):
    return sum(1 for k, _ in read_stamps(path) if k == kind)


# ------------------------------------------------------------------ results

class Results:
    def __init__(self):
        self.rows = []

    def add(self, workload, case, metric, impl, unit, values, better="lower", note="", extra=None):
        values = [v for v in values if v is not None]
        self.rows.append({
            "workload": workload, "case": case, "metric": metric, "impl": impl, "unit": unit,
            "values": values, "median": median(values),
            "min": min(values) if values else None, "max": max(values) if values else None,
            "better": better, "note": note, "extra": extra or {},
        })

    def groups(self):
        """(workload, case, metric) in workload order, else as they came."""
        seen, out = set(), []
        for r in self.rows:
            k = (r["workload"], r["case"], r["metric"])
            if k not in seen:
                seen.add(k)
                out.append(k)
        wl_num = lambda w: int(w.split()[0]) if w.split()[0].isdigit() else 99
        return sorted(out, key=lambda k: (wl_num(k[0]), out.index(k)))

    def find(self, key, impl):
        for r in self.rows:
            if (r["workload"], r["case"], r["metric"]) == key and r["impl"] == impl:
                return r
        return None

    def ratios(self):
        for key in self.groups():
            ref = self.find(key, "svcinit")
            bare = self.find(key, "bare")
            for r in self.rows:
                if (r["workload"], r["case"], r["metric"]) != key or r["median"] is None:
                    continue
                r["x_svcinit"] = (r["median"] / ref["median"]) if ref and ref["median"] else None
                r["x_bare"] = (r["median"] / bare["median"]) if bare and bare["median"] else None


def fmt(v, unit):
    if v is None:
        return "-"
    if unit in ("MB", "KB"):
        return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"
    if unit in ("/10s", "/s", "procs"):
        return f"{v:.1f}" if v < 10 else f"{v:.0f}"
    if v < 1:
        return f"{v:.3f}"
    if v < 10:
        return f"{v:.2f}"
    if v < 100:
        return f"{v:.1f}"
    return f"{v:.0f}"


def fmt_ratio(x):
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}x"
    if x >= 10:
        return f"{x:.1f}x"
    if x >= 0.1:
        return f"{x:.2f}x"
    return f"{x:.2g}x"


def table(res):
    lines = []
    hdr = f"{'workload / case':<44} {'metric':<36} {'impl':<17} {'median':>9} {'min-max':>19} {'x svcinit':>9} {'x bare':>8}"
    lines.append(hdr)
    lines.append("-" * len(hdr))
    last_wl = None
    for key in res.groups():
        wl, case, metric = key
        rows = [r for r in res.rows if (r["workload"], r["case"], r["metric"]) == key]
        rows.sort(key=lambda r: IMPL_ORDER.index(r["impl"]) if r["impl"] in IMPL_ORDER else 99)
        if wl != last_wl:
            if last_wl is not None:
                lines.append("")
            lines.append(wl)
            last_wl = wl
        first = True
        for r in rows:
            unit = r["unit"]
            mm = "-" if r["min"] is None else f"{fmt(r['min'], unit)}-{fmt(r['max'], unit)}"
            label = f"  {case}" if first else ""
            m = f"{metric} ({unit})" if first else ""
            if first and r["better"] == "higher":
                m = f"{metric} ({unit}, more=better)"
            note = f"  {r['note']}" if r["note"] else ""
            lines.append(f"{label:<44} {m:<36} {r['impl']:<17} {fmt(r['median'], unit):>9} {mm:>19} "
                         f"{fmt_ratio(r.get('x_svcinit')):>9} {fmt_ratio(r.get('x_bare')):>8}{note}")
            first = False
    return "\n".join(lines)


# ------------------------------------------------------------------ a supervisor in its namespace

class Ns:
    """One program as PID 1 of a new PID (and mount) namespace."""

    live = []

    def __init__(self, ctx, argv, name, cwd=None, cgroup=None, own_cgroup=False):
        self.ctx = ctx
        self.own_cgroup = own_cgroup  # the program must remove cgroup itself
        self.argv = [str(a) for a in argv]
        self.name = name
        self.cwd = cwd
        self.cgroup = cgroup          # a cgroup base to remove afterwards
        self.proc = None
        self.pid1 = None
        self.t0 = None
        self.t_exit = None

    def start(self):
        self.logf = open(self.ctx.tmp / "logs" / f"{self.name}.log", "w")
        env = dict(os.environ)
        for k in ("NOTIFY_SOCKET", "SVCINIT_SOCKET", "SVCINIT_UNITS"):
            env.pop(k, None)
        self.t0 = now_ns()
        self.proc = subprocess.Popen(["unshare", "-pf", "--mount-proc", "--kill-child", *self.argv],
                                     stdin=subprocess.DEVNULL, stdout=self.logf, stderr=subprocess.STDOUT,
                                     cwd=self.cwd, env=env, start_new_session=True)
        Ns.live.append(self)
        kids = wait_for(lambda: children(self.proc.pid) or (self.proc.poll() is not None and [-1]), 10, 0.001)
        if not kids or kids[0] < 0:
            raise RuntimeError(f"{self.name}: did not start (see {self.logf.name})")
        self.pid1 = kids[0]
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def send(self, sig):
        try:
            os.kill(self.pid1, sig)
        except OSError:
            pass

    def wait(self, timeout):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self.t_exit = now_ns()
        return self.proc.returncode

    def kill(self):
        if self.alive():
            self.send(signal.SIGKILL)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.close()

    def close(self):
        if self in Ns.live:
            Ns.live.remove(self)
        if self.cgroup:
            leaked = cgroup_remove(self.cgroup)
            if leaked and self.own_cgroup and self.proc.returncode == 0:
                self.ctx.notes.append(f"{self.name}: cgroups left behind after a clean exit: {leaked}")
            self.cgroup = None
        try:
            self.logf.close()
        except Exception:
            pass

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Ask it to stop; returns (signal-to-exit ns, exit code) or (None, None)."""
        t = now_ns()
        self.send(sig)
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
            return None, None
        self.close()
        return self.t_exit - t, rc


# ------------------------------------------------------------------ supervisors

class Service:
    def __init__(self, name, argv, loop=False):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.loop = loop              # exits at once and must come back at once


class Impl:
    name = "?"
    stop_signal = signal.SIGTERM

    def __init__(self, ctx):
        self.ctx = ctx

    def launch(self, d, services, iso=False, entry=None):
        raise NotImplementedError

    def status_cmd(self, d, n):
        return None


class Svcinit(Impl):
    name = "svcinit"

    def __init__(self, ctx, binary=None, label="svcinit"):
        super().__init__(ctx)
        self.binary = binary or ctx.svcinit
        self.name = label

    def unit_text(self, s, iso):
        lines = ["[Service]", "ExecStart=" + " ".join(s.argv)]
        if s.loop:
            lines += ["Restart=always", "RestartSec=0", "StartLimitBurst=0"]
        if iso:
            lines.append(f"BindPaths={self.ctx.cur_out}")
            # the program itself: a checkout under /tmp is hidden by the
            # unit's private /tmp
            lines.append(f"BindReadOnlyPaths={os.path.dirname(str(s.argv[0]))}")
        else:
            lines += ["Namespaces=none", "Overlay=no"]
        return "\n".join(lines) + "\n"

    def launch(self, d, services, iso=False, entry=None):
        units = d / "units"
        units.mkdir(parents=True, exist_ok=True)
        for s in services:
            (units / f"{s.name}.service").write_text(self.unit_text(s, iso))
        self.sock = d / "run" / "control"
        cg = f"/svcinit-bench-{os.getpid()}-{self.ctx.seq()}"
        argv = [self.binary, "-u", units, "-s", self.sock, "--cgroup", cg]
        if entry:
            argv += ["--", *entry]
        return Ns(self.ctx, argv, d.name + "-" + self.name.replace(" ", "").replace("(", "").replace(")", ""),
                  cgroup=cg, own_cgroup=True).start()

    def wait_socket(self, timeout=10):
        return wait_for(lambda: self.sock.exists(), timeout, 0.005)

    def status_cmd(self, d, n):
        return [self.ctx.svcctl, "-s", self.sock, "status"]


class Runit(Impl):
    name = "runit"
    stop_signal = signal.SIGHUP   # runsvdir: TERM to every runsv, then exit

    def launch(self, d, services, iso=False, entry=None):
        sv = d / "sv"
        sv.mkdir(parents=True, exist_ok=True)
        for s in services:
            sd = sv / s.name
            sd.mkdir()
            (sd / "run").symlink_to(s.argv[0])
            (sd / "args").write_text(" ".join(s.argv[1:]) + "\n")
        self.dir = sv
        age_tree(sv)
        return Ns(self.ctx, ["runsvdir", "-P", sv], d.name + "-runit").start()

    def status_cmd(self, d, n):
        return ["sv", "status", *[str(p) for p in sorted(self.dir.iterdir())]]


class S6(Impl):
    name = "s6"

    def launch(self, d, services, iso=False, entry=None):
        sc = d / "scan"
        sc.mkdir(parents=True, exist_ok=True)
        for s in services:
            sd = sc / s.name
            sd.mkdir()
            (sd / "run").symlink_to(s.argv[0])
            (sd / "args").write_text(" ".join(s.argv[1:]) + "\n")
        self.dir = sc
        age_tree(sc)
        argv = ["s6-svscan"]
        if len(services) >= 500:
            argv += ["-c", str(2 * len(services) + 16)]
        return Ns(self.ctx, [*argv, sc], d.name + "-s6").start()

    def status_cmd(self, d, n):
        return ["sh", "-c", f'for d in {self.dir}/*; do s6-svstat "$d"; done']


class Supervisord(Impl):
    name = "supervisord"

    def launch(self, d, services, iso=False, entry=None):
        d.mkdir(parents=True, exist_ok=True)
        n = len(services)
        self.conf = d / "supervisord.conf"
        parts = [
            "[supervisord]", "nodaemon=true", f"logfile={d}/supervisord.log", f"pidfile={d}/supervisord.pid",
            f"childlogdir={d}", f"minfds={max(1024, 8 * n + 64)}", f"minprocs={max(200, 2 * n + 64)}",
            "", "[unix_http_server]", f"file={d}/supervisor.sock", "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
            "[supervisorctl]", f"serverurl=unix://{d}/supervisor.sock", "",
        ]
        for s in services:
            parts += [f"[program:{s.name}]", "command=" + " ".join(s.argv), "autostart=true",
                      "autorestart=true", "startsecs=0", "startretries=1000000", "stopsignal=TERM",
                      "stdout_logfile=NONE", "stderr_logfile=NONE", ""]
        self.conf.write_text("\n".join(parts))
        return Ns(self.ctx, ["supervisord", "-n", "-c", self.conf], d.name + "-supervisord").start()

    def status_cmd(self, d, n):
        return ["supervisorctl", "-c", self.conf, "status"]


class Bare(Impl):
    """The physical limit: bench-startn / bench-restart as PID 1."""
    name = "bare"

    def launch(self, d, services, iso=False, entry=None):
        c = self.ctx
        if services[0].loop:
            s = services[0]
            return Ns(c, [c.bin("restart"), f"{c.restart_seconds + 1:.1f}", s.argv[0], *s.argv[1:]],
                      d.name + "-bare").start()
        argv = [c.bin("startn")]
        cg = None
        if iso:
            stage = d / "stage"
            stage.mkdir(parents=True, exist_ok=True)
            cg = f"/svcinit-bench-{os.getpid()}-{c.seq()}"
            v2 = c.v2 + cg
            os.makedirs(v2, exist_ok=True)
            argv += ["-i", stage, "-c", v2, "-b", c.cur_out]
        argv += [len(services), *services[0].argv]
        return Ns(c, argv, d.name + "-bare" + ("-iso" if iso else ""), cgroup=cg).start()


class BareCg(Bare):
    """The kernel's cost of a cgroup per service without namespaces (what
    svcinit's plain units get): bench-startn -c, a v2 cgroup joined at
    clone and, on a hybrid host, v1 memory and pids joined before exec."""
    name = "bare (cgroups)"

    def launch(self, d, services, iso=False, entry=None):
        c = self.ctx
        cg = f"/svcinit-bench-{os.getpid()}-{c.seq()}"
        os.makedirs(c.v2 + cg, exist_ok=True)
        argv = [c.bin("startn"), "-c", c.v2 + cg]
        for mp, t in cgroup_mounts():
            if t == "cgroup" and os.path.basename(mp) in ("memory", "pids"):
                os.makedirs(mp + cg, exist_ok=True)
                argv += ["-m", mp + cg]
        argv += [len(services), *services[0].argv]
        return Ns(c, argv, d.name + "-barecg", cgroup=cg).start()


# ------------------------------------------------------------------ the suite

class Ctx:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.build = Path(args.build).resolve()
        self.svcinit = self.build / "svcinit"
        self.svcctl = self.build / "svcctl"
        self.tmp = Path(tempfile.mkdtemp(prefix="svb-", dir="/tmp"))
        (self.tmp / "logs").mkdir()
        self.res = Results()
        self.notes = []
        self._seq = 0
        self.v2 = cgroup_v2_mount()
        self.cur_out = None
        q = self.quick
        self.runs = args.runs or (1 if q else 3)
        self.restart_seconds = 2.5 if q else 10.0
        self.start_sizes = [10] if q else [20, 100, 1000]
        self.mem_sizes = [1, 10] if q else [1, 20, 1000]
        self.status_sizes = [10] if q else [20, 1000]
        self.shutdown_sizes = [10] if q else [20]
        self.orphans = 500 if q else 10000
        self.pause_sizes = [1, 10] if q else [1, 100, 1000]
        self.pause_rounds = 3 if q else 20
        self.status_rounds = 5 if q else 50
        self.idle_seconds = 1.0 if q else 3.0
        self.crash_units = 5 if q else 20
        if args.sizes:
            sizes = [int(x) for x in args.sizes.split(",")]
            self.start_sizes = sizes
            self.mem_sizes = [n for n in self.mem_sizes if n in sizes]
            self.status_sizes = [n for n in self.status_sizes if n in sizes]
            self.shutdown_sizes = [n for n in self.shutdown_sizes if n in sizes]
        self.peers = {}
        self.load_start = " ".join(open("/proc/loadavg").read().split()[:3])

    def seq(self):
        self._seq += 1
        return self._seq

    def bin(self, name):
        return self.build / "bench" / f"bench-{name}"

    def rundir(self, name):
        name = "".join(c for c in name if c.isalnum() or c in "-_.")
        d = self.tmp / f"{name}-{self.seq()}"
        d.mkdir(parents=True)
        self.cur_out = d / "out"
        self.cur_out.mkdir()
        os.chmod(self.cur_out, 0o777)
        return d

    def impls(self, *names):
        out = []
        for n in names:
            if n == "svcinit":
                out.append(Svcinit(self))
            elif n == "svcinit (static)":
                static = self.build / "bench" / "static" / "svcinit"
                if static.exists():
                    out.append(Svcinit(self, binary=static, label=n))
            elif n == "bare":
                out.append(Bare(self))
            elif n == "bare (cgroups)" and self.v2:
                out.append(BareCg(self))
            elif n in self.peers:
                out.append({"runit": Runit, "s6": S6, "supervisord": Supervisord}[n](self))
        return out


def ensure_peers(ctx):
    """Find the peers; apt-get install the missing ones (Debian), once."""
    missing = [p for p, bins in PEER_BINARIES.items() if not all(shutil.which(b) for b in bins)]
    want_plot = not shutil.which("gnuplot")
    pkgs = [PEER_PACKAGES[p] for p in missing] + (["gnuplot-nox"] if want_plot else [])
    if pkgs and not ctx.args.no_install and shutil.which("apt-get"):
        log(f"installing {' '.join(pkgs)} (apt-get)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", *pkgs]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            log("apt-get failed; going on with what is there:\n" + r.stderr[-2000:])
    for p, bins in PEER_BINARIES.items():
        if all(shutil.which(b) for b in bins):
            ctx.peers[p] = shutil.which(bins[0])
        else:
            ctx.notes.append(f"{p}: not installed, skipped")
    for p, pkg in PEER_PACKAGES.items():
        if p in ctx.peers:
            r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True, text=True)
            ctx.peers[p] = r.stdout.strip() or "?"


def run_json(cmd, out, timeout=300):
    subprocess.run([str(c) for c in cmd], check=True, timeout=timeout, stdin=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def timeit(ctx, rounds, cmd, name):
    out = ctx.tmp / f"timeit-{name}-{ctx.seq()}.json"
    return run_json([ctx.bin("timeit"), rounds, out, *cmd], out)


def ctlrtt(ctx, sock, rounds, *request):
    out = ctx.tmp / f"rtt-{ctx.seq()}.json"
    return run_json([ctx.bin("ctlrtt"), sock, rounds, out, *request], out)


# ---- 1. restart latency

def w_restart(ctx):
    wl = "1 restart latency (RestartSec=0)"
    D = ctx.restart_seconds
    for impl in ctx.impls("bare", "svcinit", "runit", "s6", "supervisord", "svcinit (static)"):
        lat, per10, cpus = [], [], []
        for run in range(ctx.runs):
            settle()
            d = ctx.rundir(f"restart-{impl.name}")
            stamps = ctx.cur_out / "stamps"
            ns = impl.launch(d, [Service("r", [ctx.bin("stamp"), stamps], loop=True)])
            first = wait_for(lambda: [t for k, t in read_stamps(stamps) if k == "S"], 15, 0.005)
            cpu = None
            if first:
                tree = supervision_tree(ns.pid1)
                c0, t_c0 = cpu_ns(tree), now_ns()
                time.sleep(max(0.0, (first[0] + D * 1e9 - now_ns()) / 1e9) + 0.05)
                c1, t_c1 = cpu_ns(supervision_tree(ns.pid1)), now_ns()
                n_c = sum(1 for k, t in read_stamps(stamps) if k == "S" and t_c0 <= t < t_c1)
                cpu = (c1 - c0) / n_c / 1e3 if n_c else None
            if isinstance(impl, Svcinit):
                ns.stop(timeout=20)
            else:
                ns.kill()
            st = read_stamps(stamps)
            if not first:
                log(f"restart/{impl.name}: no start seen")
                continue
            t0 = first[0]
            gaps = [(b[1] - a[1]) / 1e6 for a, b in zip(st, st[1:])
                    if a[0] == "E" and b[0] == "S" and b[1] < t0 + D * 1e9]
            starts = sum(1 for k, t in st if k == "S" and t0 <= t < t0 + D * 1e9)
            lat.append(median(gaps))
            per10.append(starts * 10.0 / D)
            cpus.append(cpu)
            log(f"restart/{impl.name} run {run}: exit->exec {fmt(median(gaps), 'ms')} ms, "
                f"{starts} starts in {D:.0f}s")
        ctx.res.add(wl, "a unit that exits at once", "exit -> next exec", impl.name, "ms", lat)
        ctx.res.add(wl, "a unit that exits at once", "restarts per 10 s", impl.name, "/10s", per10,
                    better="higher")
        ctx.res.add(wl, "a unit that exits at once", "supervisor CPU per restart", impl.name, "us", cpus,
                    note="PID 1 + runsv / s6-supervise, from schedstat" if impl.name == "bare" else "")


# ---- 2, 3, 5, 7 (and idle wakeups): a fleet of N long-running units

def fleet_run(ctx, impl, n, iso, out, measure_status, measure_idle):
    d = ctx.rundir(f"fleet{n}-{impl.name}{'-iso' if iso else ''}")
    stamps = ctx.cur_out / "stamps"
    services = [Service(f"s{i}", [ctx.bin("stamp"), "-w", stamps]) for i in range(n)]
    ns = impl.launch(d, services, iso=iso)
    timeout = 60 + n * (0.3 if impl.name == "supervisord" else 0.06)
    ok = wait_for(lambda: count_kind(stamps, "S") >= n, timeout, 0.02)
    if not ok:
        log(f"start/{impl.name} N={n}: only {count_kind(stamps, 'S')} of {n} started in {timeout:.0f}s")
        ns.kill()
        return
    last = max(t for k, t in read_stamps(stamps) if k == "S")
    out["start"].append((last - ns.t0) / 1e6)
    time.sleep(0.3 if ctx.quick else 1.0)   # let supervisors finish their own bookkeeping
    tree = supervision_tree(ns.pid1)
    rss, pss = mem_of(tree)
    out["rss"].append(rss / 1e6)
    out["pss"].append(pss / 1e6)
    out["procs"].append(len(tree))
    if measure_idle:
        c0 = ctx_switches(tree)
        time.sleep(ctx.idle_seconds)
        out["wakeups"].append((ctx_switches(tree) - c0) / ctx.idle_seconds)
    if measure_status:
        if isinstance(impl, Svcinit):
            r = ctlrtt(ctx, impl.sock, ctx.status_rounds, "status")
            out["rtt"].append(median(r["rtt_ns"]) / 1e6)
            out["bytes"] = r["bytes"]
        cmd = impl.status_cmd(d, n)
        if cmd:
            rounds = 1 if impl.name in ("s6", "supervisord") and n >= 100 else (3 if impl.name == "supervisord" else 10)
            if ctx.quick:
                rounds = 1
            r = timeit(ctx, rounds, cmd, impl.name)
            out["cli"].append(median(r["ns"]) / 1e6)
    dt, rc = ns.stop(impl.stop_signal, timeout=60 + n * 0.05)
    if dt is not None:
        out["shutdown"].append(dt / 1e6)
        out["graceful"].append(count_kind(stamps, "T"))
    else:
        log(f"shutdown/{impl.name} N={n}: did not exit")


def bare_status(ctx, nbytes, rounds):
    """The physical limit of a status round trip: a server that answers with
    as many bytes as svcinit did; and the same through an exec'ed client."""
    sock = ctx.tmp / f"bare-{ctx.seq()}.sock"
    srv = subprocess.Popen([str(ctx.bin("ctlrtt")), "-serve", str(sock), str(nbytes)],
                           stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: sock.exists(), 5, 0.002)
        r = ctlrtt(ctx, sock, rounds, "status")
        out = ctx.tmp / f"rtt-{ctx.seq()}.json"
        cli = timeit(ctx, min(rounds, 10), [ctx.bin("ctlrtt"), sock, 1, out, "status"], "bare")
        return median(r["rtt_ns"]) / 1e6, median(cli["ns"]) / 1e6
    finally:
        srv.kill()
        srv.wait()


def w_start(ctx):
    sizes = sorted(set(ctx.start_sizes) | set(ctx.mem_sizes) | set(ctx.status_sizes))
    for n in sizes:
        variants = [(i, False) for i in ctx.impls("bare", "bare (cgroups)", "svcinit", "runit", "s6",
                                                   "supervisord")]
        variants += [(i, True) for i in ctx.impls("bare", "svcinit")]
        if n in ctx.mem_sizes:
            variants += [(i, False) for i in ctx.impls("svcinit (static)")]
        for impl, iso in variants:
            only_mem = impl.name == "svcinit (static)"   # no status, no idle figures
            out = {k: [] for k in ("start", "rss", "pss", "procs", "wakeups", "rtt", "cli", "shutdown", "graceful")}
            runs = ctx.runs
            if impl.name == "supervisord" and n >= 1000:
                runs = 1   # about 35 s a run
            for run in range(runs):
                settle(6.0 if n >= 1000 else 2.0)
                try:
                    fleet_run(ctx, impl, n, iso, out,
                              measure_status=n in ctx.status_sizes and not iso and not only_mem,
                              measure_idle=n in ctx.shutdown_sizes and not iso and not only_mem)
                except (RuntimeError, subprocess.SubprocessError, OSError) as e:
                    log(f"fleet {impl.name} N={n}: {e}")
            tag = "full isolation" if iso else "no isolation"
            log(f"N={n} {impl.name} ({tag}): start {fmt(median(out['start']), 'ms')} ms, "
                f"shutdown {fmt(median(out['shutdown']), 'ms')} ms, PSS {fmt(median(out['pss']), 'MB')} MB")
            if n in ctx.start_sizes:
                ctx.res.add("2 start N units to all running", f"N={n}, {tag}", "to last exec", impl.name, "ms",
                            out["start"])
            if n in ctx.shutdown_sizes and not iso:
                g = median(out["graceful"])
                ctx.res.add("3 graceful shutdown", f"N={n} units that exit on SIGTERM", "signal -> PID 1 gone",
                            impl.name, "ms", out["shutdown"],
                            note="" if g is None or g >= n else f"only {g:.0f}/{n} saw SIGTERM")
            if n in ctx.mem_sizes:
                case = f"N={n}, {tag}"
                procs = median(out["procs"])
                note = f"{procs:.0f} processes" if procs is not None else ""
                if iso and impl.name == "svcinit":
                    note += " (svcinit and one svcinit-reaper a unit)"
                ctx.res.add("5 memory of the supervision tree", case, "RSS, summed", impl.name, "MB", out["rss"],
                            note=note)
                ctx.res.add("5 memory of the supervision tree", case, "PSS, summed", impl.name, "MB", out["pss"])
            if n in ctx.shutdown_sizes and not iso and out["wakeups"]:
                ctx.res.add("9 idle wakeups", f"N={n}, nothing happening", "context switches", impl.name, "/s",
                            out["wakeups"])
            if n in ctx.status_sizes and not iso:
                if isinstance(impl, Svcinit) and out["rtt"]:
                    ctx.res.add("7 status round trip", f"N={n}", "socket (in-process)", "svcinit", "ms", out["rtt"],
                                extra={"bytes": out.get("bytes")})
                    bare_rtt, bare_cli = [], []
                    for _ in range(ctx.runs):
                        a, b = bare_status(ctx, out.get("bytes", 100), ctx.status_rounds)
                        bare_rtt.append(a)
                        bare_cli.append(b)
                    ctx.res.add("7 status round trip", f"N={n}", "socket (in-process)", "bare", "ms", bare_rtt,
                                note=f"same {out.get('bytes')} bytes")
                    ctx.res.add("7 status round trip", f"N={n}", "CLI command, wall", "bare", "ms", bare_cli,
                                note="static client")
                if out["cli"]:
                    notes = {"svcinit": "svcctl status", "runit": "sv status DIR/*",
                             "s6": "s6-svstat per service", "supervisord": "supervisorctl status"}
                    ctx.res.add("7 status round trip", f"N={n}", "CLI command, wall", impl.name, "ms", out["cli"],
                                note=notes.get(impl.name, ""))


def w_crashloop(ctx):
    """Status round trip while one unit crash-loops with RestartSec=0."""
    n = ctx.crash_units
    case = f"N={n} + 1 crash-looping unit"
    for impl in ctx.impls("svcinit", "runit", "s6", "supervisord"):
        rtt, cli, crashes, nbytes = [], [], [], 100
        for run in range(ctx.runs):
            settle()
            d = ctx.rundir(f"crash-{impl.name}")
            stamps = ctx.cur_out / "stamps"
            services = [Service(f"s{i}", [ctx.bin("stamp"), "-w", stamps]) for i in range(n)]
            services.append(Service("crash", [ctx.bin("stamp"), ctx.cur_out / "crash"], loop=True))
            ns = impl.launch(d, services)
            try:
                if not wait_for(lambda: count_kind(stamps, "S") >= n, 60, 0.02):
                    raise RuntimeError("units did not start")
                c0 = count_kind(ctx.cur_out / "crash", "S")
                time.sleep(0.5)
                if isinstance(impl, Svcinit):
                    r = ctlrtt(ctx, impl.sock, ctx.status_rounds, "status")
                    rtt.append(median(r["rtt_ns"]) / 1e6)
                    nbytes = r["bytes"]
                rounds = 1 if ctx.quick or impl.name == "supervisord" else 5
                t = time.monotonic()
                r = timeit(ctx, rounds, impl.status_cmd(d, n), impl.name)
                cli.append(median(r["ns"]) / 1e6)
                crashes.append((count_kind(ctx.cur_out / "crash", "S") - c0) / (time.monotonic() - t + 0.5))
            except (RuntimeError, subprocess.SubprocessError) as e:
                log(f"crashloop/{impl.name}: {e}")
            if isinstance(impl, Svcinit):
                ns.stop(timeout=30)
            else:
                ns.kill()
        if rtt:
            ctx.res.add("7 status round trip", case, "socket (in-process)", impl.name, "ms", rtt)
            bare = [bare_status(ctx, nbytes, ctx.status_rounds) for _ in range(ctx.runs)]
            ctx.res.add("7 status round trip", case, "socket (in-process)", "bare", "ms", [b[0] for b in bare],
                        note="no crash loop")
            ctx.res.add("7 status round trip", case, "CLI command, wall", "bare", "ms", [b[1] for b in bare])
        ctx.res.add("7 status round trip", case, "CLI command, wall", impl.name, "ms", cli,
                    note=f"{median(crashes):.0f} crashes/s meanwhile" if crashes else "")


# ---- 4. reaping orphans

def w_orphans(ctx):
    n = ctx.orphans
    wl = f"4 reaping {n} orphans"
    o = ctx.bin("orphans")
    inits = [("bare", lambda out: [ctx.bin("reap"), o, n, out])]
    inits.append(("svcinit", None))
    for p, argv in (("tini", ["tini", "--"]), ("dumb-init", ["dumb-init"]), ("catatonit", ["catatonit", "--"])):
        if p in ctx.peers:
            inits.append((p, (lambda a: lambda out: [*a, o, n, out])(argv)))
    for name, mk in inits:
        cpu, tail, total = [], [], []
        for run in range(ctx.runs):
            settle()
            d = ctx.rundir(f"orphans-{name}")
            out = d / "result.json"
            try:
                if name == "svcinit":
                    impl = Svcinit(ctx)
                    ns = impl.launch(d, [], entry=[o, n, out])
                else:
                    ns = Ns(ctx, mk(out), d.name).start()
                rc = ns.wait(120 + n / 100)
                if rc is None:
                    ns.kill()
                    raise RuntimeError("did not finish")
                ns.close()
                r = json.load(open(out))
            except (RuntimeError, OSError, ValueError) as e:
                log(f"orphans/{name}: {e}")
                continue
            cpu.append(r["pid1_cpu_ns"] / n / 1e3)
            tail.append((r["last_reap_ns"] - r["last_exit_ns"]) / 1e6)
            total.append((r["last_reap_ns"] - r["release_ns"]) / 1e6)
            log(f"orphans/{name}: {cpu[-1]:.1f} us CPU per orphan, tail {tail[-1]:.2f} ms, all {total[-1]:.1f} ms")
        ctx.res.add(wl, "all exit at once", "PID 1 CPU per orphan", name, "us", cpu,
                    note="from /proc/1/schedstat" if name == "bare" else "")
        ctx.res.add(wl, "all exit at once", "last exit -> last reap", name, "ms", tail)
        ctx.res.add(wl, "all exit at once", "release -> last reap", name, "ms", total)


# ---- 6. pause and resume

def w_pause(ctx):
    wl = "6 pause / resume (cgroup freezer)"
    for k in ctx.pause_sizes:
        case = f"a unit of {k} process{'es' if k > 1 else ''}"
        rounds = ctx.pause_rounds
        pz, rz, bp, br = [], [], [], []
        for run in range(ctx.runs):
            settle()
            d = ctx.rundir(f"pause{k}")
            stamps = ctx.cur_out / "stamps"
            impl = Svcinit(ctx)
            ns = impl.launch(d, [Service("p", [ctx.bin("stamp"), "-t", k, stamps])])
            try:
                if not wait_for(lambda: count_kind(stamps, "S") >= 1, 60, 0.01):
                    raise RuntimeError("unit did not start")
                time.sleep(0.2)
                r = ctlrtt(ctx, impl.sock, 2 * rounds, "pause", "p", "--", "resume", "p")
                if r["code"] != "0":
                    log(f"pause: svcctl answered code {r['code']}")
                v = r["rtt_ns"]
                pz.append(median(v[0::2]) / 1e6)
                rz.append(median(v[1::2]) / 1e6)
            except (RuntimeError, subprocess.SubprocessError) as e:
                log(f"pause/svcinit k={k}: {e}")
            ns.stop(timeout=30)
            if ctx.v2:
                out = d / "freeze.json"
                cg = f"{ctx.v2}/svcinit-bench-{os.getpid()}-{ctx.seq()}"
                try:
                    r = run_json([ctx.bin("freeze"), cg, k, rounds, out], out)
                    bp.append(median(r["pause_ns"]) / 1e6)
                    br.append(median(r["resume_ns"]) / 1e6)
                except subprocess.SubprocessError as e:
                    log(f"pause/bare k={k}: {e}")
                cgroup_remove(cg[len(ctx.v2):])
            log(f"pause k={k}: svcinit {fmt(pz[-1] if pz else None, 'ms')}/{fmt(rz[-1] if rz else None, 'ms')} ms, "
                f"bare {fmt(bp[-1] if bp else None, 'ms')}/{fmt(br[-1] if br else None, 'ms')} ms")
        ctx.res.add(wl, case, "pause round trip", "svcinit", "ms", pz, note="control socket, in-process")
        ctx.res.add(wl, case, "pause round trip", "bare", "ms", bp, note="write cgroup.freeze, read cgroup.events")
        ctx.res.add(wl, case, "resume round trip", "svcinit", "ms", rz)
        ctx.res.add(wl, case, "resume round trip", "bare", "ms", br)


# ---- 8. binary size

def libs_of(path):
    """Shared libraries a binary needs, outside glibc itself."""
    r = subprocess.run(["ldd", str(path)], capture_output=True, text=True)
    out = []
    for line in r.stdout.splitlines():
        if "=>" not in line:
            continue
        name, _, rest = line.partition("=>")
        p = rest.split()[0] if rest.split() else ""
        base = name.strip()
        if not p.startswith("/") or base.startswith(("libc.so", "libm.so", "ld-linux", "libpthread", "libdl.so",
                                                    "librt.so", "libresolv")):
            continue
        out.append(os.path.realpath(p))
    return out


def stripped_size(path):
    tmp = Path(tempfile.mktemp(prefix="strip-", dir="/tmp"))
    try:
        subprocess.run(["strip", "-o", str(tmp), str(path)], check=True, capture_output=True)
        return tmp.stat().st_size
    except (subprocess.SubprocessError, OSError):
        return Path(path).stat().st_size
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass


def w_size(ctx):
    wl = "8 binary size (stripped)"
    st = ctx.build / "bench" / "static"

    def add(case, impl, files, note=""):
        files = [Path(f) for f in files if f and Path(f).exists()]
        if not files:
            return
        size = sum(stripped_size(f) for f in files) / 1024
        libs = sorted(set(sum((libs_of(f) for f in files), [])))
        lib_kb = sum(os.path.getsize(x) for x in libs) / 1024
        ctx.res.add(wl, case, "binaries", impl, "KB", [size], note=note)
        if case == "dynamic":
            ctx.res.add(wl, case, "binaries + own libs", impl, "KB", [size + lib_kb],
                        note=", ".join(os.path.basename(x).split(".so")[0] for x in libs))

    add("dynamic", "svcinit", [ctx.svcinit], note="svcctl: %.0f KB" % (stripped_size(ctx.svcctl) / 1024))
    add("static", "svcinit", [st / "svcinit"], note="no libsystemd; svcctl: %.0f KB" % (
        stripped_size(st / "svcctl") / 1024 if (st / "svcctl").exists() else 0))
    w = shutil.which
    peers = [("tini", "tini", [w("tini")], ""), ("tini", "tini", [w("tini-static")], "tini-static"),
             ("dumb-init", "dumb-init", [w("dumb-init")], ""), ("catatonit", "catatonit", [w("catatonit")], ""),
             ("runit", "runit", [w("runsvdir"), w("runsv")], "runsvdir + runsv"),
             ("s6", "s6", [w("s6-svscan"), w("s6-supervise")], "s6-svscan + s6-supervise")]
    for peer, impl, files, note in peers:
        if peer not in ctx.peers or not all(files):
            continue
        add("static" if is_static(files[0]) else "dynamic", impl, files, note=note)
    if "supervisord" in ctx.peers:
        # the interpreter supervisord runs with (its #! line), and its package
        with open(w("supervisord")) as f:
            py = f.readline()[2:].strip().split()[0]
        r = subprocess.run([py, "-c", "import supervisor,os;print(os.path.dirname(supervisor.__file__))"],
                           capture_output=True, text=True)
        pkg = r.stdout.strip()
        kb = 0
        for dp, _ds, fs in os.walk(pkg) if pkg else []:
            kb += sum(os.path.getsize(os.path.join(dp, f)) for f in fs if f.endswith(".py")) / 1024
        py = os.path.realpath(py)
        pylibs = sum(os.path.getsize(x) for x in libs_of(py)) / 1024
        ctx.res.add(wl, "dynamic", "binaries", "supervisord", "KB", [kb],
                    note="the supervisor package (.py)")
        ctx.res.add(wl, "dynamic", "binaries + own libs", "supervisord", "KB",
                    [kb + os.path.getsize(py) / 1024 + pylibs], note=f"+ {os.path.basename(py)} and its libs, "
                    "without the standard library")


def is_static(path):
    r = subprocess.run(["ldd", str(path)], capture_output=True, text=True)
    return "not a dynamic executable" in (r.stdout + r.stderr)


# ------------------------------------------------------------------ plot

def plot_picks(ctx):
    """(workload, case, metric, label) of the bars, for this run's sizes."""
    st, mem, pz, stat = ctx.start_sizes, ctx.mem_sizes, ctx.pause_sizes, ctx.status_sizes
    iso_n = st[1] if len(st) > 2 else st[0]
    picks = [("1 restart latency (RestartSec=0)", None, "exit -> next exec", "restart"),
             ("2 start N units to all running", f"N={st[0]}, no isolation", "to last exec", f"start {st[0]}")]
    if len(st) > 1:
        picks.append(("2 start N units to all running", f"N={st[-1]}, no isolation", "to last exec",
                      f"start {st[-1]}"))
    picks += [("2 start N units to all running", f"N={iso_n}, full isolation", "to last exec",
               f"start {iso_n} isolated"),
              ("3 graceful shutdown", None, "signal -> PID 1 gone", f"shutdown {ctx.shutdown_sizes[0]}"),
              (None, "all exit at once", "PID 1 CPU per orphan", "reap CPU"),
              ("5 memory of the supervision tree", f"N={mem[1]}, no isolation", "PSS, summed", f"memory {mem[1]}"),
              ("6 pause / resume (cgroup freezer)", f"a unit of {pz[1]} processes", "pause round trip",
               f"pause {pz[1]}"),
              ("7 status round trip", f"N={stat[0]}", "CLI command, wall", f"status {stat[0]} (CLI)")]
    if len(stat) > 1:
        picks.append(("7 status round trip", f"N={stat[-1]}", "CLI command, wall", f"status {stat[-1]} (CLI)"))
    return picks


def plot(ctx, png):
    if not shutil.which("gnuplot"):
        ctx.notes.append("gnuplot not found: no plot")
        return
    impls = ["svcinit", "runit", "s6", "supervisord", "tini", "dumb-init", "catatonit"]
    rows = []
    for wl, case, metric, label in plot_picks(ctx):
        cand = [r for r in ctx.res.rows if (wl is None or r["workload"] == wl) and
                (case is None or r["case"] == case) and r["metric"] == metric]
        if not cand:
            continue
        vals = []
        for i in impls:
            r = next((r for r in cand if r["impl"] == i), None)
            x = r.get("x_bare") if r else None
            vals.append(f"{x:.4g}" if x else "NaN")
        if any(v != "NaN" for v in vals):
            rows.append([label.replace(" ", "\\n", 1)] + vals)
    data = ctx.tmp / "plot.dat"
    with open(data, "w") as f:
        f.write("label " + " ".join(impls) + "\n")
        for r in rows:
            f.write(f"\"{r[0]}\" " + " ".join(r[1:]) + "\n")
    host = f"{platform.node()} {os.cpu_count()} CPU, Linux {platform.release()}"
    title = f"svcinit vs peers, time (or memory) / physical limit; lower is better; {host}"
    r = subprocess.run(["gnuplot", "-e", f"datafile='{data}'; outfile='{png}'; ncols={len(impls)}; "
                        f"plottitle='{title}'", str(HERE / "plot.gp")], capture_output=True, text=True)
    if r.returncode != 0:
        ctx.notes.append("gnuplot failed: " + r.stderr[-500:])


# ------------------------------------------------------------------ main

def machine(ctx):
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = int(line.split()[1]) // 1024
    osr = {}
    try:
        for line in open("/etc/os-release"):
            k, _, v = line.strip().partition("=")
            osr[k] = v.strip('"')
    except OSError:
        pass
    load = open("/proc/loadavg").read().split()[:3]
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "init", "services", "units"],
                           capture_output=True, text=True).stdout.strip()
    return {"host": platform.node(), "cpu": cpu, "cpus": os.cpu_count(), "mem_mb": mem,
            "kernel": platform.release(), "os": osr.get("PRETTY_NAME", "?"),
            "cgroup": "hybrid (v2 at %s)" % ctx.v2 if len(cgroup_mounts()) > 1 else "v2",
            "svcinit_rev": rev.stdout.strip() + ("-dirty" if dirty else ""), "peers": ctx.peers,
            "nice": os.getpriority(os.PRIO_PROCESS, 0),
            "loadavg_start": ctx.load_start, "loadavg_end": " ".join(load)}


def cleanup(ctx):
    for ns in list(Ns.live):
        try:
            ns.kill()
        except Exception:
            pass
    for mp, _t in cgroup_mounts():
        try:
            for e in os.listdir(mp):
                if e.startswith(f"svcinit-bench-{os.getpid()}-"):
                    cgroup_remove("/" + e)
        except OSError:
            pass
    if not ctx.args.keep:
        shutil.rmtree(ctx.tmp, ignore_errors=True)


def replot(args):
    with open(args.replot) as f:
        data = json.load(f)
    args.quick = data["mode"] == "quick"
    ctx = Ctx(args)
    try:
        ctx.res.rows = data["results"]
        print(table(ctx.res))
        png = args.plot or (str(Path(args.out) / "bench-quick.png") if ctx.quick else str(HERE / "bench.png"))
        plot(ctx, png)
        log(f"wrote {png}")
    finally:
        shutil.rmtree(ctx.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--quick", action="store_true", help="every workload once, small sizes (CI)")
    ap.add_argument("--only", default="", help="comma-separated: " + ",".join(WORKLOADS))
    ap.add_argument("--runs", type=int, default=0, help="runs per figure (default 3, quick 1)")
    ap.add_argument("--sizes", default="", help="comma-separated unit counts for the start workload "
                    "(default 20,100,1000; memory, status and shutdown figures only at these)")
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--plot", default="", help="PNG path (default bench/bench.png, quick: results/bench-quick.png)")
    ap.add_argument("--no-install", action="store_true", help="never apt-get install the peers")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    ap.add_argument("--replot", metavar="JSON", help="only redraw the plot (and reprint the table) from a results file")
    ap.add_argument("--nice", type=int, default=-20,
                    help="run the suite (and so every supervisor) at this nice level (default -20: "
                    "other work on the machine disturbs the figures less; the same for every one)")
    args = ap.parse_args()

    if args.replot:
        replot(args)
        return
    if os.geteuid() != 0:
        sys.exit("bench: needs root (PID namespaces, cgroups, mounts)")
    try:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    except OSError as e:
        log(f"cannot set nice {args.nice}: {e}")
    ctx = Ctx(args)
    global SETTLE_SCALE
    SETTLE_SCALE = 0.1 if ctx.quick else 1.0
    for b in [ctx.svcinit, ctx.svcctl] + [ctx.bin(x) for x in ("stamp", "restart", "startn", "orphans", "reap",
                                                               "freeze", "ctlrtt", "timeit")]:
        if not b.exists():
            sys.exit(f"bench: {b} missing: run make bench-build")
    only = [w for w in args.only.split(",") if w] or WORKLOADS
    for w in only:
        if w not in WORKLOADS:
            sys.exit(f"bench: unknown workload {w} (one of {', '.join(WORKLOADS)})")

    def on_signal(sig, _frame):
        cleanup(ctx)
        sys.exit(128 + sig)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        ensure_peers(ctx)
        log(f"peers: {', '.join(f'{k} {v}' for k, v in ctx.peers.items()) or 'none'}; "
            f"{'quick' if ctx.quick else 'full'} mode, {ctx.runs} run(s) per figure, work in {ctx.tmp}")
        fns = {"restart": w_restart, "start": w_start, "orphans": w_orphans, "pause": w_pause,
               "crashloop": w_crashloop, "size": w_size}
        for w in WORKLOADS:
            if w in only:
                log(f"== {w}")
                fns[w](ctx)
        ctx.res.ratios()
        info = machine(ctx)
        text = table(ctx.res)
        head = (f"svcinit benchmarks ({'quick' if ctx.quick else 'full'}, {ctx.runs} run(s) per figure, "
                f"median and min-max over runs)\n"
                f"machine: {info['cpus']} x {info['cpu']}, {info['mem_mb']} MB, Linux {info['kernel']}, "
                f"{info['os']}, cgroup {info['cgroup']}; load average {info['loadavg_start']} at start, "
                f"{info['loadavg_end']} at end; suite at nice {info['nice']}; svcinit {info['svcinit_rev']}\n"
                f"peers: {', '.join(f'{k} {v}' for k, v in ctx.peers.items())}\n"
                "x svcinit: median / svcinit's median; x bare: median / the physical limit's "
                "(bench/limits/*.c) of the same run\n")
        full = head + "\n" + text + "\n"
        if ctx.notes:
            full += "\nnotes:\n" + "\n".join(f"  - {n}" for n in ctx.notes) + "\n"
        print(full)
        outdir = Path(args.out)
        outdir.mkdir(parents=True, exist_ok=True)
        sfx = "-quick" if ctx.quick else ""
        (outdir / f"table{sfx}.txt").write_text(full)
        with open(outdir / f"bench{sfx}.json", "w") as f:
            json.dump({"mode": "quick" if ctx.quick else "full", "runs": ctx.runs,
                       "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": info,
                       "results": ctx.res.rows, "notes": ctx.notes}, f, indent=1)
        png = args.plot or (str(outdir / "bench-quick.png") if ctx.quick else str(HERE / "bench.png"))
        plot(ctx, png)
        log(f"wrote {outdir}/table{sfx}.txt, {outdir}/bench{sfx}.json, {png}")
    finally:
        cleanup(ctx)


if __name__ == "__main__":
    main()
