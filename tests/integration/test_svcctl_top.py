# SPDX-License-Identifier: MIT
"""svcctl top: plain frames when not on a terminal, a live screen under a
pseudo-terminal that `q` leaves."""
import os
import pty
import select
import time

from conftest import SVCCTL, DEADLINE, unit_text

UNITS = {
    "spin": unit_text("sh -c 'while :; do :; done'", {"TimeoutStopSec": "2s"}),
    "idle": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}),
}


def rows(frame):
    lines = frame.strip().splitlines()
    assert lines[0].startswith("svcctl top - "), lines
    assert lines[1].split()[:3] == ["UNIT", "STATE", "CPU%"], lines
    return {l.split()[0]: l.split() for l in lines[2:]}


def test_top_plain_frames(svcinit):
    si = svcinit(UNITS)
    si.wait_for("spin", "running")
    si.wait_for("idle", "running")
    r = si.ctl("top", "-n", "2", "-d", "300ms")
    assert r.returncode == 0, r
    frames = [f for f in r.stdout.split("\n\n") if f.strip()]
    assert len(frames) == 2, r.stdout
    first, second = rows(frames[0]), rows(frames[1])
    assert set(first) == set(second) == {"spin", "idle"}
    assert first["spin"][2] == "-"                 # no CPU % before a second sample
    assert second["spin"][1] == "running"
    assert float(second["spin"][2]) > 0.0          # a busy loop used some CPU
    assert float(second["spin"][2]) >= float(second["idle"][2])
    assert si.ctl("top", "-n", "0").returncode == 2
    assert si.ctl("top", "-d", "1ms").returncode == 2


def test_top_screen_under_a_pty_and_q(svcinit):
    si = svcinit(UNITS)
    si.wait_for("idle", "running")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(str(SVCCTL), [str(SVCCTL), "-s", str(si.sock), "top", "-d", "200ms"])
    screen = b""
    try:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline and not (b"idle" in screen and b"q to quit" in screen
                                                   and screen.count(b"\x1b[2J") >= 2):
            rd, _, _ = select.select([fd], [], [], 1.0)
            if rd:
                screen += os.read(fd, 65536)
        assert b"\x1b[2J" in screen and b"q to quit" in screen, screen[-2000:]
        assert b"idle" in screen and b"running" in screen
        os.write(fd, b"q")
        deadline = time.monotonic() + DEADLINE
        status = None
        while time.monotonic() < deadline:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                break
            try:
                select.select([fd], [], [], 0.2)
                os.read(fd, 65536)
            except OSError:
                pass
        assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        pid = 0
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
