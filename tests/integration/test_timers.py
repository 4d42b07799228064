# SPDX-License-Identifier: MIT
"""Timers: svcinit --calendar (as systemd-analyze calendar) and .timer units
(OnActiveSec=, OnUnitActiveSec=, OnCalendar=, Persistent=) firing their
service, polled with generous deadlines."""
import subprocess

from conftest import SVCINIT

BASE = "@1780000000"   # Thu 2026-05-28 20:26:40 UTC


def calendar(*args, tz="UTC"):
    return subprocess.run([str(SVCINIT), "--calendar", *args], capture_output=True, text=True,
                          env={"TZ": tz, "PATH": "/usr/bin:/bin"}, timeout=30)


def test_calendar_prints_as_systemd_analyze():
    r = calendar("--base-time", BASE, "Mon..Fri 9:00")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "  Original form: Mon..Fri 9:00",
        "Normalized form: Mon..Fri *-*-* 09:00:00",
        "    Next elapse: Fri 2026-05-29 09:00:00 UTC",
        "       From now: 12h left",
    ]


def test_calendar_several_expressions_and_iterations():
    r = calendar("--iterations", "3", "--base-time", BASE, "*:*:0/20", "*-02-29")
    assert r.returncode == 0, r.stderr
    blocks = r.stdout.split("\n\n")
    assert len(blocks) == 2
    assert "Normalized form: *-*-* *:*:00/20" in blocks[0]
    assert "    Next elapse: Thu 2026-05-28 20:27:00 UTC" in blocks[0]
    assert "   Iteration #2: Thu 2026-05-28 20:27:20 UTC" in blocks[0]
    assert "   Iteration #3: Thu 2026-05-28 20:27:40 UTC" in blocks[0]
    assert "    Next elapse: Tue 2028-02-29 00:00:00 UTC" in blocks[1]
    assert "   Iteration #2: Sun 2032-02-29 00:00:00 UTC" in blocks[1]


def test_calendar_local_zone_shows_utc_too():
    r = calendar("--base-time", BASE, "daily", tz=":Europe/Berlin")
    assert r.returncode == 0, r.stderr
    assert "    Next elapse: Fri 2026-05-29 00:00:00 CEST" in r.stdout
    assert "       (in UTC): Thu 2026-05-28 22:00:00 UTC" in r.stdout


def test_calendar_never_and_bad():
    r = calendar("--base-time", BASE, "2003-03-05 05:40 UTC")
    assert r.returncode == 0
    assert "    Next elapse: never" in r.stdout
    r = calendar("--base-time", BASE, "daily", "Mon..Blursday", "hourly")
    assert r.returncode == 1
    assert "'Mon..Blursday'" in r.stderr and "weekday" in r.stderr
    assert "Normalized form: *-*-* 00:00:00" in r.stdout
    assert "Normalized form: *-*-* *:00:00" in r.stdout
    assert calendar().returncode == 2


# ---------------------------------------------------------------- .timer units

import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from conftest import poll_until, unit_text  # noqa: E402


def stamp_unit(out):
    """A oneshot that appends the time to out, once a run."""
    return unit_text(f"/bin/sh -c 'date +%%s.%%N >> {out}'", service={"Type": "oneshot"})


def runs(path):
    try:
        return [float(x) for x in Path(path).read_text().split()]
    except FileNotFoundError:
        return []


def test_on_active_sec_fires_once(svcinit, workdir):
    out = workdir / "out" / "once"
    si = svcinit({
        "job.timer": "[Unit]\nDescription=once\n[Timer]\nOnActiveSec=1s\nAccuracySec=1ms\n",
        "job": stamp_unit(out),
    })
    u = si.unit("job.timer")
    assert u["unit_type"] == "timer" and u["triggers"] == "job.service"
    assert u["state"] == "waiting" and u["next_elapse_usec"] is not None
    assert not runs(out)   # the service does not start at boot by itself
    poll_until(lambda: len(runs(out)) == 1, what="the timer to fire")
    si.wait_for("job.timer", "elapsed")
    assert si.unit("job")["state"] == "exited"
    assert si.unit("job.timer")["last_trigger_usec"] is not None
    assert len(runs(out)) == 1


def test_on_unit_active_sec_repeats(svcinit, workdir):
    out = workdir / "out" / "tick"
    si = svcinit({
        "tick.timer": "[Timer]\nOnActiveSec=1s\nOnUnitActiveSec=1s\nAccuracySec=1ms\n",
        "tick": stamp_unit(out),
    })
    poll_until(lambda: len(runs(out)) >= 4, what="four runs, about a second apart")
    t = runs(out)
    # about a second apart (a start late on a busy machine: on average)
    assert 0.9 < (t[-1] - t[0]) / (len(t) - 1) < 5, t
    assert si.unit("tick.timer")["state"] in ("waiting", "running")


def test_on_calendar_every_two_seconds(svcinit, workdir):
    out = workdir / "out" / "cal"
    si = svcinit({
        "cal.timer": "[Timer]\nOnCalendar=*:*:0/2\nAccuracySec=1ms\nUnit=work.service\n",
        "work": stamp_unit(out),
    })
    u = si.unit("cal.timer")
    assert u["triggers"] == "work.service"
    # armed for an even second of the wall clock
    assert u["next_elapse_usec"] % 2000000 == 0, u
    poll_until(lambda: len(runs(out)) >= 4, what="four runs of OnCalendar=*:*:0/2")
    t = runs(out)
    # every two seconds (a start may come late on a busy machine: on average)
    assert 1.0 < (t[-1] - t[0]) / (len(t) - 1) < 6, t
    u = si.unit("cal.timer")
    assert u["next_elapse_usec"] % 2000000 == 0 and u["last_trigger_usec"], u


def test_stop_and_start_a_timer(svcinit, workdir):
    out = workdir / "out" / "st"
    si = svcinit({
        "st.timer": "[Timer]\nOnActiveSec=1h\n",
        "st": stamp_unit(out),
    })
    si.wait_for("st.timer", "waiting")
    assert si.ctl("stop", "st.timer").returncode == 0
    u = si.wait_for("st.timer", "stopped")
    assert u["next_elapse_usec"] is None
    assert si.ctl("start", "st.timer").returncode == 0
    u = si.wait_for("st.timer", "waiting")
    left = u["next_elapse_usec"] / 1e6 - time.time()
    assert 3500 < left <= 3600, left


def test_persistent_catches_up_after_a_restart(workdir, svcinit):
    out = workdir / "out" / "p"
    tdir = workdir / "timers"
    units = {
        "p.timer": "[Timer]\nOnCalendar=*:*:0/2\nPersistent=yes\nAccuracySec=1ms\n",
        "p": stamp_unit(out),
    }
    si = svcinit(units, extra_args=["--timer-dir", str(tdir)])
    poll_until(lambda: len(runs(out)) >= 1, what="a first run")
    stamp = tdir / "stamp-p.timer"
    poll_until(stamp.exists, what="the stamp file")
    assert si.stop() == 0
    # svcinit was down for two days; the timer now runs daily
    old = time.time() - 2 * 86400
    os.utime(stamp, (old, old))
    (si.units_dir / "p.timer").write_text("[Timer]\nOnCalendar=daily\nPersistent=yes\n")
    before = len(runs(out))
    si2 = svcinit(None, start=False, extra_args=["--timer-dir", str(tdir)])
    si2.units_dir = si.units_dir
    si2.start()
    # the missed midnight is made up for at once
    poll_until(lambda: len(runs(out)) > before, what="the missed run at start")
    assert stamp.stat().st_mtime > time.time() - 60
    u = si2.unit("p.timer")
    assert u["persistent"] is True
    assert u["next_elapse_usec"] / 1e6 > time.time()
    # stopped here: the kernel may give its PID namespace the first one's number
    assert si2.stop() == 0


def test_not_persistent_does_not_catch_up(workdir, svcinit):
    out = workdir / "out" / "np"
    tdir = workdir / "timers"
    tdir.mkdir()
    stamp = tdir / "stamp-np.timer"
    stamp.write_text("")
    old = time.time() - 2 * 86400
    os.utime(stamp, (old, old))
    si = svcinit({"np.timer": "[Timer]\nOnCalendar=daily\n", "np": stamp_unit(out)},
                 extra_args=["--timer-dir", str(tdir)])
    si.wait_for("np.timer", "waiting")
    u = si.unit("np.timer")
    assert u["last_trigger_usec"] is None and u["next_elapse_usec"] / 1e6 > time.time()
    assert not runs(out)


def test_list_timers(svcinit, workdir):
    si = svcinit({
        "a.timer": "[Timer]\nOnCalendar=2099-01-01 00:00:00 UTC\n",
        "a": stamp_unit(workdir / "out" / "a"),
        "b.timer": "[Timer]\nOnActiveSec=1s\nAccuracySec=1ms\n",
        "b": stamp_unit(workdir / "out" / "b"),
    })
    poll_until(lambda: runs(workdir / "out" / "b"), what="b to fire")
    si.wait_for("b.timer", "elapsed")
    r = si.ctl("list-timers")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NEXT", "LEFT", "LAST", "PASSED", "UNIT", "ACTIVATES"]
    a = next(x for x in lines if "a.timer" in x)
    assert a.startswith("Thu 2099-01-01 00:00:00 ") and "years" in a and a.endswith("a.service")
    b = next(x for x in lines if "b.timer" in x)
    assert b.startswith("- ") and " ago " in b
    assert "2 timers listed." in r.stdout
    j = {t["unit"]: t for t in json.loads(si.ctl("--json", "list-timers").stdout)}
    assert j["a.timer"]["next"] == 4070908800 * 1000000 and j["a.timer"]["last"] is None
    assert j["b.timer"]["next"] is None and j["b.timer"]["last"] is not None
    assert j["b.timer"]["activates"] == "b.service"


def test_bad_timer_units_are_errors(workdir):
    d = workdir / "bad"
    d.mkdir()
    (d / "a.timer").write_text("[Timer]\nOnCalendar=Mon..Funday\n")
    (d / "b.timer").write_text("[Timer]\nOnBootSec=soon\n")
    (d / "c.timer").write_text("[Unit]\nDescription=never\n")
    (d / "d.timer").write_text("[Timer]\nOnActiveSec=1h\nWakeSystem=yes\nUnit=x.target\n")
    r = subprocess.run([str(SVCINIT), "--check", str(d)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "a.timer:2: OnCalendar=: invalid calendar event \"Mon..Funday\"" in r.stderr
    assert "b.timer:2: OnBootSec=: expected a time span" in r.stderr
    assert "c.timer:0: [Timer]: no OnCalendar=" in r.stderr
    assert "d.timer:3: WakeSystem=yes is not supported" in r.stdout
    assert "d.timer:4: Unit=: expected NAME.service" in r.stderr


def test_debian_timer_units_load():
    """logrotate's and man-db's timers (Debian 12), as the packages ship them."""
    tmp = Path(tempfile.mkdtemp(prefix="svcinit-deb-"))
    try:
        subprocess.run(["apt-get", "download", "-q", "logrotate", "man-db"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        for deb in tmp.glob("*.deb"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp / "root")], check=True)
        timers = sorted(p.name for p in (tmp / "root/lib/systemd/system").glob("*.timer"))
        assert timers == ["logrotate.timer", "man-db.timer"]
        r = subprocess.run([str(SVCINIT), "--check", "--systemd", "--root", str(tmp / "root")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert ".timer" not in r.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def ctxt_switches(pid):
    n = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
            n += int(line.split()[1])
    return n


def test_idle_between_elapses(svcinit, workdir):
    """Between two elapses svcinit sleeps in the kernel: no wake-up at all
    (no polling). Measured over a window in which nothing is due."""
    si = svcinit({
        "far.timer": "[Timer]\nOnCalendar=*-*-* *:00/30:00\nOnActiveSec=1h\n",
        "far": stamp_unit(workdir / "out" / "far"),
        "s.socket": "[Socket]\nListenStream=@svcinit-idle-test\n",
        "s": unit_text("/bin/true"),
    })
    si.wait_for("far.timer", "waiting")
    si.wait_for("s.socket", "listening")
    # settle: the status requests above are answered and closed
    last = [None]

    def settled():
        n = ctxt_switches(si.pid)
        same, last[0] = n == last[0], n
        return same

    poll_until(settled, what="svcinit to go idle")
    nxt = si.unit("far.timer")["next_elapse_usec"] / 1e6
    before = ctxt_switches(si.pid)
    end = time.monotonic() + 2.0
    while time.monotonic() < end and time.time() < nxt - 1:
        time.sleep(0.2)        # looking from outside: /proc does not wake it
    assert ctxt_switches(si.pid) - before <= 1


def test_fixed_random_delay_is_the_same_at_every_arming(svcinit, workdir):
    """FixedRandomDelay=yes: the RandomizedDelaySec= offset is derived from
    the machine and the timer's name (systemd.timer(5)), so a stop and start
    of the timer arms it for the same time; without it, each arming draws."""
    cal = "[Timer]\nOnCalendar=2099-01-01 00:00:00 UTC\nRandomizedDelaySec=1h\n"
    si = svcinit({
        "f.timer": cal + "FixedRandomDelay=yes\n",
        "f": stamp_unit(workdir / "out" / "f"),
        "r.timer": cal,
        "r": stamp_unit(workdir / "out" / "r"),
    })
    base = 4070908800 * 1000000

    def nexts():
        j = {t["unit"]: t for t in json.loads(si.ctl("--json", "list-timers").stdout)}
        return j["f.timer"]["next"], j["r.timer"]["next"]

    f1, r1 = nexts()
    for n in (f1, r1):
        assert base <= n < base + 3600 * 1000000, n
    for t in ("f.timer", "r.timer"):
        assert si.ctl("stop", t).returncode == 0
        assert si.ctl("start", t).returncode == 0
    f2, r2 = nexts()
    assert f2 == f1
    assert r2 != r1   # a fresh draw (equal once in 3.6e9)
