# SPDX-License-Identifier: MIT
"""Unit output: the console copy, the ring buffer behind svcctl logs
(-n, -f, --log-buffer), StandardOutput=/StandardError=, and a unit that
floods its output without blocking svcinit or growing its memory."""
import datetime
import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from conftest import SVCCTL, poll_until, unit_text

PY = "/usr/bin/python3"


def script(workdir, name, text):
    p = workdir / name
    p.write_text("#!/bin/sh\n" + text)
    os.chmod(p, 0o755)
    return p


def logs(si, *args, **kw):
    return si.ctl("logs", *args, **kw)


def log_lines(si, *args):
    r = logs(si, *args)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return r.stdout.splitlines()


def vmrss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


class Follower:
    """`svcctl logs -f NAME` in the background, its lines collected."""

    def __init__(self, si, *args):
        self.lines = []
        self.proc = subprocess.Popen([str(SVCCTL), "-s", str(si.sock), "logs", "-f", *args],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.thread.join(timeout=10)


# ---------------------------------------------------------------- console and ring

def test_output_goes_to_console_with_prefix(svcinit, workdir):
    si = svcinit({"talker": unit_text(
        "sh -c 'echo hello-out; echo hello-err >&2; exec sleep 1000'")})
    si.wait_log(r"^talker: hello-out$")
    si.wait_log(r"^talker: hello-err$")
    got = poll_until(lambda: len(log_lines(si, "talker")) >= 2 and log_lines(si, "talker"),
                     what="both lines in svcctl logs")
    assert sorted(got) == ["hello-err", "hello-out"], got


def test_logs_default_100_lines_and_n(svcinit, workdir):
    si = svcinit({"counter": unit_text(
        "sh -c 'i=1; while [ $i -le 150 ]; do echo line-$i; i=$((i+1)); done; exec sleep 1000'")})
    si.wait_log(r"^counter: line-150$")
    got = log_lines(si, "counter")
    assert got == [f"line-{i}" for i in range(51, 151)], got[:3] + ["..."] + got[-3:]
    assert log_lines(si, "-n", "5", "counter") == [f"line-{i}" for i in range(146, 151)]
    assert log_lines(si, "-n", "1000", "counter") == [f"line-{i}" for i in range(1, 151)]
    assert log_lines(si, "-n", "1", "counter") == ["line-150"]


def test_logs_errors_and_permissions(svcinit, workdir):
    si = svcinit({"u": unit_text("sh -c 'echo secret; exec sleep 1000'")})
    si.wait_log(r"^u: secret$")
    r = logs(si, "u", user=65534)
    assert r.returncode == 4, (r.returncode, r.stdout, r.stderr)
    assert "secret" not in r.stdout
    r = logs(si, "-f", "u", user=65534, timeout=30)
    assert r.returncode == 4, (r.returncode, r.stdout, r.stderr)
    assert logs(si, "nope").returncode == 3
    assert logs(si, "u", "nope").returncode == 3
    assert logs(si, "--since", "someday", "u").returncode == 2
    assert logs(si, "-n", "lots", "u").returncode == 2


def test_logs_of_a_finished_unit_and_a_last_line_without_newline(svcinit, workdir):
    si = svcinit({"once": unit_text("sh -c 'echo first; printf no-newline'",
                                    {"Type": "oneshot"})})
    si.wait_for("once", "exited")
    got = poll_until(lambda: log_lines(si, "once") == ["first", "no-newline"] or None,
                     what="the output of the finished unit")
    assert got
    si.wait_log(r"^once: no-newline$")


def test_log_buffer_size_bounds_what_is_kept(svcinit, workdir):
    # 100 lines of 50 bytes: 5000 bytes, more than a 1K buffer holds
    cmd = "sh -c 'i=100; while [ $i -lt 200 ]; do echo $i-%s; i=$((i+1)); done; exec sleep 1000'" \
        % ("x" * 45)
    small = svcinit({"u": unit_text(cmd)}, extra_args=["--log-buffer", "1K"])
    small.wait_log(r"^u: 199-x+$")
    got = log_lines(small, "-n", "1000", "u")
    assert got and got[-1] == "199-" + "x" * 45, got
    assert len("\n".join(got)) <= 1024, f"{len(got)} lines kept by a 1K buffer"
    # whole lines only, the newest, in order
    nums = [int(x.split("-")[0]) for x in got]
    assert nums == list(range(200 - len(nums), 200)), nums
    assert all(x.endswith("-" + "x" * 45) for x in got), got

    # the default (64K) keeps them all
    big = svcinit({"u": unit_text(cmd)})
    big.wait_log(r"^u: 199-x+$")
    assert len(log_lines(big, "-n", "1000", "u")) == 100


def test_logs_follow(svcinit, workdir):
    gate = workdir / "gate"
    s = script(workdir, "later.sh", f"""
echo before
while [ ! -e {gate} ]; do sleep 0.05; done
echo after-1
echo after-2
echo after-3 >&2
exec sleep 1000
""")
    si = svcinit({"later": unit_text(str(s))})
    si.wait_log(r"^later: before$")
    f = Follower(si, "later")
    try:
        poll_until(lambda: "before" in f.lines, what="the follower to get the history")
        gate.touch()
        poll_until(lambda: len(f.lines) >= 4, what="the follower to get new lines")
        # stdout in order; stderr is another pipe, its place may differ
        assert [x for x in f.lines if x != "after-3"] == ["before", "after-1", "after-2"], f.lines
        assert sorted(f.lines) == ["after-1", "after-2", "after-3", "before"], f.lines
        assert f.proc.poll() is None, "logs -f ended on its own"
        # a restart of the unit: the follower goes on with the new process
        assert si.ctl("restart", "later").returncode == 0
        poll_until(lambda: f.lines.count("before") >= 2 and f.lines.count("after-2") >= 2,
                   what="the follower to see the restarted unit's output")
        assert f.proc.poll() is None, "logs -f ended on its own"
    finally:
        f.close()
    # the client left: svcinit carries on
    assert si.ctl("status").returncode == 0
    assert si.ctl("is-active", "later").returncode == 0


def test_follow_ends_when_the_unit_is_removed(svcinit, workdir):
    si = svcinit({"gone": unit_text("sh -c 'echo hi; exec sleep 1000'")})
    si.wait_log(r"^gone: hi$")
    f = Follower(si, "gone")
    try:
        poll_until(lambda: "hi" in f.lines, what="the follower to start")
        (si.units_dir / "gone.service").unlink()
        assert si.ctl("reload").returncode == 0
        f.proc.wait(timeout=30)
    finally:
        f.close()
    assert si.ctl("status").returncode == 0


# ---------------------------------------------------------------- StandardOutput=

def test_standard_output_file_and_append(svcinit, workdir):
    (workdir / "files").mkdir()
    out, err = workdir / "files" / "o.txt", workdir / "files" / "e.txt"
    out.write_text("stale\n")
    err.write_text("old\n")
    si = svcinit({"f": unit_text("sh -c 'echo to-out; echo to-err >&2; exec sleep 1000'",
                                 {"StandardOutput": f"file:{out}",
                                  "StandardError": f"append:{err}"})})
    u = si.wait_for("f", "running")
    poll_until(lambda: out.read_text() == "to-out\n", what="file: to be truncated and written")
    poll_until(lambda: err.read_text() == "old\nto-err\n", what="append: to be appended")
    assert si.ctl("restart", "f").returncode == 0
    si.wait_for("f", "running", pid=lambda p: p is not None and p != u["pid"])
    poll_until(lambda: err.read_text() == "old\nto-err\nto-err\n", what="a second append")
    assert out.read_text() == "to-out\n"
    # neither on the console nor in the ring
    assert not re.search(r"^f: to-", si.log(), re.M), si.log()
    # nothing in the ring but svcinit's own markers (it ran more than once)
    assert [l for l in log_lines(si, "f") if l != "-- started again --"] == []


def test_standard_output_null(svcinit, workdir):
    bad = workdir / "out" / "write-failed"
    si = svcinit({"quiet": unit_text(
        f"sh -c 'echo shh || touch {bad}; echo shh >&2 || touch {bad}; echo > {workdir}/out/done; "
        "exec sleep 1000'",
        {"StandardOutput": "null", "StandardError": "null"})})
    si.wait_for("quiet", "running")
    poll_until((workdir / "out" / "done").exists, what="the unit to write")
    assert not bad.exists(), "writing to StandardOutput=null failed"
    assert "shh" not in si.log()
    assert log_lines(si, "quiet") == []


def test_standard_output_console_and_inherit(svcinit, workdir):
    si = svcinit({
        "con": unit_text("sh -c 'echo con-line; echo con-err >&2; exec sleep 1000'",
                         {"StandardOutput": "console", "StandardError": "console"}),
        "inh": unit_text("sh -c 'echo inh-line; exec sleep 1000'",
                         {"StandardOutput": "inherit", "StandardError": "null"}),
        "mix": unit_text("sh -c 'echo mix-out; echo mix-err >&2; exec sleep 1000'",
                         {"StandardError": "null"}),
    })
    # svcinit's own stdout, unprefixed
    si.wait_log(r"^con-line$")
    si.wait_log(r"^con-err$")
    si.wait_log(r"^inh-line$")
    si.wait_log(r"^mix: mix-out$")
    assert log_lines(si, "con") == []
    assert log_lines(si, "inh") == []
    assert log_lines(si, "mix") == ["mix-out"]
    assert "mix-err" not in si.log()


# ---------------------------------------------------------------- a flood

FLOOD_PY = r"""
import os, sys, time
total, progress = int(sys.argv[1]), sys.argv[2]
chunk = b"".join(b"%07d" % i + b"y" * 992 + b"\n" for i in range(64))   # 64 lines of 1000 bytes
n, mark = 0, 0
while n < total:
    os.write(1, chunk)
    n += len(chunk)
    if n >= mark:
        with open(progress + ".tmp", "w") as f:
            f.write(str(n))
        os.rename(progress + ".tmp", progress)
        mark += 8 << 20
os.write(1, b"flood-done\n")
with open(progress + ".tmp", "w") as f:
    f.write("done")
os.rename(progress + ".tmp", progress)
while True:
    time.sleep(3600)
"""

FLOOD_BYTES = 300 << 20
RSS_LIMIT_KB = 50 << 10


def test_a_flooding_unit_never_blocks_svcinit(svcinit, workdir):
    flood = workdir / "flood.py"
    flood.write_text(FLOOD_PY)
    progress = workdir / "out" / "progress"
    gate = workdir / "gate"
    n = workdir / "ready.py"
    n.write_text("import os,socket,time\n"
                 f"while not os.path.exists('{gate}'): time.sleep(0.05)\n"
                 "socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)"
                 ".sendto(b'READY=1',os.environ['NOTIFY_SOCKET'])\n"
                 "time.sleep(3600)\n")
    si = svcinit({
        "flood": unit_text(f"{PY} {flood} {FLOOD_BYTES} {progress}", {"TimeoutStopSec": "3s"}),
        "gated": unit_text(f"{PY} {n}", {"Type": "notify", "TimeoutStopSec": "3s"}),
    }, start=False)
    # the console copy of 300 MB goes nowhere: the point is svcinit itself
    si.log_path = Path("/dev/null")
    si.start()
    # "starting" until its exec is confirmed (spawning is asynchronous)
    si.wait_for("flood", "running")

    # a reader of logs -f that never reads: svcinit must not hold on to it all
    stuck = subprocess.Popen([str(SVCCTL), "-s", str(si.sock), "logs", "-f", "flood"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    try:
        rss, slowest = [], 0.0
        t_end = time.monotonic() + 100
        done = lambda: progress.exists() and progress.read_text() == "done"
        while not done():
            assert time.monotonic() < t_end, \
                f"the flood did not finish in time (progress {progress.read_text() if progress.exists() else 0})"
            t0 = time.monotonic()
            st = si.status()
            slowest = max(slowest, time.monotonic() - t0)
            rss.append(vmrss_kb(si.pid))
            assert rss[-1] < RSS_LIMIT_KB, f"svcinit VmRSS {rss[-1]} kB during the flood"
            by = {u["name"]: u for u in st}
            assert by["flood"]["state"] == "running", by["flood"]
            if progress.exists() and not gate.exists():
                gate.touch()   # another unit still gets served meanwhile
            time.sleep(0.2)
        assert slowest < 10, f"svcctl status took {slowest:.1f}s during the flood"
        assert rss and max(rss) < RSS_LIMIT_KB, max(rss)
        si.wait_for("gated", "running", ready=True)
        # the ring holds the newest lines
        tail = poll_until(lambda: (lambda t: t and t[-1] == "flood-done" and t)(
            log_lines(si, "-n", "3", "flood")), what="the last line in the ring")
        assert tail[0].endswith("y" * 992) and len(tail[0]) == 999, tail[0][:20]
        assert vmrss_kb(si.pid) < RSS_LIMIT_KB
    finally:
        if stuck.poll() is None:
            stuck.kill()
        stuck.wait(timeout=10)
        stuck.stdout.close()
    assert si.ctl("status").returncode == 0


def test_a_stuck_console_never_blocks_svcinit(svcinit, workdir):
    """svcinit's console is a pipe nobody reads (a paused terminal, a stuck
    log collector): units' output to it must be dropped, not block PID 1."""
    fifo = workdir / "console.fifo"
    os.mkfifo(fifo)
    # hold the read end open, never read: writes fill the pipe, then would block
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    saved = workdir / "console.saved"
    si = None
    try:
        loud = workdir / "loud.py"
        loud.write_text("import os, time\n"
                        "for i in range(20000):\n"
                        "    os.write(1, b'z' * 200 + b'\\n')\n"
                        "time.sleep(9999)\n")
        si = svcinit({"loud": unit_text(f"{PY} {loud}", {"TimeoutStopSec": "3s"})}, start=False)
        si.log_path = fifo
        si.start(wait=False)
        poll_until(si.sock.exists, what="the control socket")
        # 4 MB of output against a 64 KB pipe; status must keep answering
        for i in range(20):
            try:
                r = si.ctl("status", timeout=10)
            except subprocess.TimeoutExpired:
                raise AssertionError("svcctl status got no answer within 10s: svcinit is "
                                     "blocked writing to its console") from None
            assert r.returncode == 0, (r.returncode, r.stderr)
            time.sleep(0.1)
        tail = poll_until(lambda: (lambda t: len(t) == 1 and t)(log_lines(si, "-n", "1", "loud")),
                          what="the unit's output in the ring")
        assert tail == ["z" * 200]
    finally:
        # drain what came, keep it for the failure report, then let go of the pipe
        data = b""
        try:
            while True:
                chunk = os.read(rfd, 1 << 16)
                if not chunk:
                    break
                data += chunk
        except BlockingIOError:
            pass
        os.close(rfd)
        saved.write_bytes(data[-(1 << 16):])
        if si is not None:
            si.log_path = saved


# ---------------------------------------------------------------- journalctl's habits

def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


def test_timestamps_since_and_json(svcinit, workdir):
    gate = workdir / "gate"
    s = script(workdir, "two.sh", f"""
echo early
while [ ! -e {gate} ]; do sleep 0.05; done
echo late
echo oops >&2
exec sleep 1000
""")
    si = svcinit({"two": unit_text(str(s))})
    si.wait_log(r"^two: early$")
    stamp = log_lines(si, "-t", "two")[0].split(" ", 1)[0]
    cut = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() + 1e-6
    gate.touch()
    si.wait_log(r"^two: oops$")

    # -t: each line after its time of capture, RFC 3339, in UTC
    lines = log_lines(si, "-t", "two")
    texts = [l.split(" ", 1)[1] for l in lines]
    # stderr shares stdout's pipe: its place is kept
    assert texts[0] == "early" and sorted(texts[1:]) == ["late", "oops"], lines
    times = [datetime.datetime.fromisoformat(l.split(" ", 1)[0].replace("Z", "+00:00")) for l in lines]
    assert times == sorted(times)
    assert times[0] < rfc3339(cut) <= times[1], (times, cut)

    # --since: absolute (RFC 3339, and local "YYYY-MM-DD HH:MM:SS"), relative
    since = rfc3339(cut).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert sorted(log_lines(si, "--since", since, "two")) == ["late", "oops"]
    local = datetime.datetime.fromtimestamp(cut - 3600).strftime("%Y-%m-%d %H:%M:%S")
    assert len(log_lines(si, "--since", local, "two")) == 3
    assert len(log_lines(si, "--since", "-1h", "two")) == 3
    assert len(log_lines(si, "--since", "1 h ago", "two")) == 3
    assert log_lines(si, "--since", "now", "two") == []

    # --json: one object a line
    r = logs(si, "--json", "two")
    assert r.returncode == 0, r
    objs = [json.loads(l) for l in r.stdout.splitlines()]
    assert sorted((o["unit"], o["stream"], o["line"]) for o in objs) == [
        ("two", "stdout", "early"), ("two", "stdout", "late"), ("two", "stdout", "oops")]
    # (stdout and stderr share one pipe: every line is recorded as stdout)
    assert all(datetime.datetime.fromisoformat(o["time"].replace("Z", "+00:00")) for o in objs)


def test_several_units_merged_and_followed(svcinit, workdir):
    ga, gb = workdir / "ga", workdir / "gb"
    a = script(workdir, "a.sh", f"echo a-1\nwhile [ ! -e {ga} ]; do sleep 0.05; done\necho a-2\nexec sleep 1000\n")
    b = script(workdir, "b.sh", f"while [ ! -e {gb} ]; do sleep 0.05; done\necho b-1\nexec sleep 1000\n")
    si = svcinit({"a": unit_text(str(a)), "b": unit_text(str(b)),
                  "quiet": unit_text("sh -c 'echo q-1; exec sleep 1000'")})
    si.wait_log(r"^a: a-1$")
    si.wait_log(r"^quiet: q-1$")
    gb.touch()
    si.wait_log(r"^b: b-1$")
    ga.touch()
    si.wait_log(r"^a: a-2$")
    # merged by time, each after its unit
    assert log_lines(si, "a", "b") == ["a: a-1", "b: b-1", "a: a-2"]
    # no name: every unit
    every = log_lines(si)
    assert set(every) == {"a: a-1", "b: b-1", "a: a-2", "quiet: q-1"}, every
    assert every.index("b: b-1") < every.index("a: a-2")
    # -n is per unit
    assert log_lines(si, "-n", "1", "a", "b") == ["b: b-1", "a: a-2"]

    f = Follower(si, "-n", "1", "a", "quiet")
    try:
        poll_until(lambda: "a: a-2" in f.lines and "quiet: q-1" in f.lines,
                   what="the follower to get the history")
        assert si.ctl("restart", "quiet").returncode == 0
        assert si.ctl("restart", "b").returncode == 0
        poll_until(lambda: f.lines.count("quiet: q-1") >= 2, what="the follower to see quiet's new line")
        assert not any(l.startswith("b: ") for l in f.lines), f.lines
        assert "quiet: -- started again --" in f.lines, f.lines
        assert f.proc.poll() is None
    finally:
        f.close()


def test_restart_marker(svcinit, workdir):
    si = svcinit({"flap": unit_text("sh -c 'echo run; exit 1'", {"Restart": "always",
                                                                "RestartSec": "100ms",
                                                                "StartLimitBurst": "0"})})
    si.wait_for("flap", restarts=lambda n: n is not None and n >= 3)
    lines = log_lines(si, "flap")
    marks = [l for l in lines if l.startswith("-- started again")]
    assert len(marks) >= 2 and set(marks) == {"-- started again --"}, lines
    # each marker is followed by the new run's output
    for i, l in enumerate(lines[:-1]):
        if l.startswith("-- started again"):
            assert lines[i + 1] == "run", lines
    r = logs(si, "--json", "flap")
    streams = {json.loads(l)["stream"] for l in r.stdout.splitlines()}
    assert streams == {"stdout", "svcinit"}, streams
