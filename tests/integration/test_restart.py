# SPDX-License-Identifier: MIT
"""Restart=, RestartSec=, backoff and the start limit."""
import time

from conftest import poll_until, unit_text


def lines(path):
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return []


def test_restart_until_start_limit_then_start(svcinit, workdir):
    starts = workdir / "starts"
    ok = workdir / "ok"
    # fails until the file `ok` exists, then stays up
    si = svcinit({"flaky": unit_text(
        f"sh -c 'echo start >> {starts}; test -e {ok} || exit 1; exec sleep 1000'",
        {"RestartSec": "100ms", "StartLimitBurst": "3", "StartLimitIntervalSec": "60s",
         "TimeoutStopSec": "2s"})})

    # it is restarted: the count grows while it is not yet failed
    seen = []

    def progress():
        u = si.unit("flaky")
        seen.append(u["restarts"])
        return u["state"] == "failed" and u
    u = poll_until(progress, 30, "flaky to end in failed")
    assert u["restarts"] >= 2, u
    assert seen == sorted(seen), f"the restart count went down: {seen}"
    assert u["exit_code"] == 1
    n = len(lines(starts))
    assert 3 <= n <= 5, f"StartLimitBurst=3: started {n} times"

    # failed is final: no more starts (a negative check, so it can only pass wrongly)
    time.sleep(0.5)
    assert len(lines(starts)) == n
    assert si.unit("flaky")["state"] == "failed"

    # only `svcctl start` takes it out of failed
    ok.touch()
    r = si.ctl("start", "flaky")
    assert r.returncode == 0, r.stderr
    u = si.wait_for("flaky", "running")
    assert si.pid_alive(u["pid"])
    assert len(lines(starts)) == n + 1


def test_restart_always_restarts_clean_exit(svcinit, workdir):
    starts = workdir / "starts"
    si = svcinit({"loop": unit_text(f"sh -c 'echo start >> {starts}; exit 0'",
                                    {"Restart": "always", "RestartSec": "100ms",
                                     "StartLimitBurst": "1000"})})
    u = si.wait_for("loop", restarts=lambda n: n is not None and n >= 3, timeout=30)
    assert len(lines(starts)) >= 3
    assert u["state"] != "exited"


def test_on_failure_does_not_restart_clean_exit(svcinit, workdir):
    starts = workdir / "starts"
    si = svcinit({"once": unit_text(f"sh -c 'echo start >> {starts}; exit 0'",
                                    {"RestartSec": "100ms"})})
    u = si.wait_for("once", "exited")
    assert u["restarts"] == 0 and u["exit_code"] == 0
    time.sleep(0.5)
    assert len(lines(starts)) == 1


def test_backoff_gaps_grow(svcinit, workdir):
    stamps = workdir / "stamps"
    si = svcinit({"backoff": unit_text(
        f"sh -c 'date +%%s.%%N >> {stamps}; exit 1'",
        {"RestartSec": "200ms", "RestartSteps": "3", "RestartMaxDelaySec": "2s",
         "StartLimitBurst": "100", "StartLimitIntervalSec": "60s"})})
    poll_until(lambda: len(lines(stamps)) >= 6, 40, "6 starts")
    t = [float(x) for x in lines(stamps)[:6]]
    gaps = [b - a for a, b in zip(t, t[1:])]
    msg = f"gaps between starts: {[round(g, 3) for g in gaps]}"
    # exponential from 200ms to 2s in 3 steps, then 2s: loosely
    assert gaps[0] >= 0.15, msg
    assert gaps[0] < 1.0, msg
    assert gaps[3] >= 2.5 * gaps[0], msg
    for a, b in zip(gaps, gaps[1:4]):
        assert b >= 0.8 * a, f"not growing: {msg}"
    assert max(gaps) < 2.0 + 2.0, f"RestartMaxDelaySec=2s is not a cap: {msg}"
    assert gaps[4] >= 1.5, f"the delay should have reached about 2s: {msg}"
    u = si.unit("backoff")
    assert u["state"] in ("restarting", "starting", "running", "failed")
    assert u["restarts"] >= 5
