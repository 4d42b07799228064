#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""How long svcinit takes to load, check and reload many units with dense
After= lists (issue 12, finding 4). A figure, never an assertion.

    bench/deps_load.py                      # 4000 units, After= the 100 before each
    bench/deps_load.py -n 400 -k 200 --svcinit /tmp/old/build/svcinit --svcctl ...

Measures, each as wall time:
  check   svcinit --check=DIR (load every file, build the graph, find cycles)
  boot    svcinit as PID 1 of a fresh PID namespace until `svcctl status`
          first answers (load, check and the start of every unit: the units
          are `sleep`, Namespaces=none, so spawning is part of it)
  reload  `svcctl reload` with nothing changed (every file read and compared)
  reload1 `svcctl reload` with one unit changed at the end of the chain
Needs root (PID namespace, cgroups).
"""
import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "lib"))
from harness import kill_cgroup_tree, poll_until, rmdir_cgroup_tree, cgroup_mounts  # noqa: E402


def write_units(d, n, k, version="1"):
    d.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        after = " ".join(f"u{j}" for j in range(max(0, i - k), i))
        text = "[Unit]\n"
        if after:
            text += f"After={after}\n"
        if i % 10 == 1:
            text += f"Wants=u{i - 1}\n"
        text += (f"[Service]\nExecStart=sleep 100000\nNamespaces=none\n"
                 f"Environment=V={version}\nTimeoutStopSec=5s\n")
        (d / f"u{i}.service").write_text(text)


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    try:
        st = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    f = st[st.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def child_of(ppid):
    for c in Path("/proc").iterdir():
        if not c.name.isdigit():
            continue
        try:
            st = (c / "stat").read_text()
            if int(st[st.rindex(")") + 2:].split()[1]) == ppid:
                return int(c.name)
        except (OSError, ValueError):
            pass
    return None


def ctl(svcctl, sock, *args, timeout=600):
    return subprocess.run([svcctl, "-s", str(sock), *args], capture_output=True, text=True,
                          timeout=timeout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=4000, help="units (default 4000)")
    ap.add_argument("-k", type=int, default=100, help="After= the k units before (default 100)")
    ap.add_argument("--svcinit", default=str(ROOT / "build" / "svcinit"))
    ap.add_argument("--svcctl", default=str(ROOT / "build" / "svcctl"))
    ap.add_argument("--reloads", type=int, default=3)
    ap.add_argument("--no-boot", action="store_true", help="only the --check figure")
    a = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="svdeps-", dir="/tmp"))
    os.chmod(work, 0o755)
    units = work / "units"
    write_units(units, a.n, a.k)
    edges = sum(min(i, a.k) for i in range(a.n))
    print(f"{a.n} units, {edges} After= edges, svcinit {a.svcinit}")

    t0 = time.monotonic()
    r = subprocess.run([a.svcinit, f"--check={units}"], capture_output=True, text=True, timeout=3600)
    t_check = time.monotonic() - t0
    print(f"check    {t_check:8.3f} s   (exit {r.returncode}: {r.stdout.strip()})")
    if a.no_boot:
        shutil.rmtree(work, ignore_errors=True)
        return 0

    sock = work / "control"
    base = "/svcinit-bench-deps-" + secrets.token_hex(4)
    log = open(work / "console.log", "wb")
    t0 = time.monotonic()
    p = subprocess.Popen(["unshare", "-pf", "--mount-proc", "--kill-child", a.svcinit,
                          "-u", str(units), "-s", str(sock), "--cgroup", base],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        poll_until(lambda: sock.exists() and ctl(a.svcctl, sock, "status").returncode in (0, 3),
                   timeout=3600, what="the first status answer", interval=0.02)
        t_boot = time.monotonic() - t0
        pid = child_of(p.pid)
        c = cpu_seconds(pid)
        print(f"boot     {t_boot:8.3f} s   (until the first status answer; svcinit's own CPU {c:.2f} s)")
        for i in range(a.reloads):
            t0, c0 = time.monotonic(), cpu_seconds(pid)
            r = ctl(a.svcctl, sock, "reload")
            print(f"reload   {time.monotonic() - t0:8.3f} s   (nothing changed; exit {r.returncode}; "
                  f"CPU {cpu_seconds(pid) - c0:.2f} s)")
        last = units / f"u{a.n - 1}.service"
        last.write_text(last.read_text().replace("V=1", "V=2"))
        t0, c0 = time.monotonic(), cpu_seconds(pid)
        r = ctl(a.svcctl, sock, "reload")
        print(f"reload1  {time.monotonic() - t0:8.3f} s   (one unit changed; exit {r.returncode}; "
              f"CPU {cpu_seconds(pid) - c0:.2f} s)")
    finally:
        t0 = time.monotonic()
        pid = child_of(p.pid)   # svcinit: unshare's child
        if pid:
            os.kill(pid, signal.SIGTERM)
        try:
            p.wait(timeout=600)
            print(f"shutdown {time.monotonic() - t0:8.3f} s")
        except subprocess.TimeoutExpired:
            print("shutdown: svcinit did not exit in 600 s; killed")
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        for m in cgroup_mounts():
            d = Path(m) / base.lstrip("/")
            if d.exists():
                kill_cgroup_tree(d)
                rmdir_cgroup_tree(d)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
