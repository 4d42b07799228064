# SPDX-License-Identifier: MIT
"""DynamicUser=yes (systemd.exec(5)): a uid/gid from 61184..65519 while the
unit runs (seen in /proc/PID/status), different for two units, released at
the stop; its implied sandbox (ProtectSystem=strict, PrivateTmp=,
NoNewPrivileges=); USER/LOGNAME/HOME/SHELL; and StateDirectory= under
/var/lib/private/NAME with /var/lib/NAME a symlink to it, whose data
survives a restart. Every unit name is random; what they leave in /var/lib
is removed at the end."""
import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SVCINIT, poll_until, unit_text

FIRST, LAST = 61184, 65519

# Writes what it sees into $STATE_DIRECTORY/result, appends to .../runs, then waits.
PROBE = r"""#!/bin/sh
out="$STATE_DIRECTORY/result"
{
  echo "uid=$(id -u) gid=$(id -g)"
  echo "USER=$USER LOGNAME=$LOGNAME HOME=$HOME SHELL=$SHELL"
  touch /usr/svcit-dyn-x 2>/dev/null && echo "wrote /usr"
  touch /etc/svcit-dyn-x 2>/dev/null && echo "wrote /etc"
  touch "$1/svcit-dyn-x" 2>/dev/null && echo "wrote $1"
  touch /tmp/svcit-dyn-tmp && echo "wrote /tmp"
  grep NoNewPrivs /proc/self/status
} > "$out.tmp"
mv "$out.tmp" "$out"
echo run >> "$STATE_DIRECTORY/runs"
exec sleep 3600
"""


@pytest.fixture
def names():
    """New unit names; /var/lib/NAME and /var/lib/private/NAME removed at the end."""
    made = []
    had_private = Path("/var/lib/private").exists()

    def new():
        n = "dyn" + secrets.token_hex(4)
        made.append(n)
        return n

    yield new
    for n in made:
        for p in (Path("/var/lib") / n, Path("/var/lib/private") / n):
            if p.is_symlink() or p.is_file():
                p.unlink()
            elif p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
    if not had_private:
        try:
            os.rmdir("/var/lib/private")   # ours, if nothing else is in it
        except OSError:
            pass


@pytest.fixture
def area():
    """A directory outside /tmp (the units' /tmp is their own): the probe
    script, and free/ that anyone may write to but for ProtectSystem=strict."""
    d = Path("/var/lib") / ("svcit-dyn-" + secrets.token_hex(4))
    d.mkdir(mode=0o755)
    (d / "probe.sh").write_text(PROBE)
    os.chmod(d / "probe.sh", 0o755)
    (d / "free").mkdir()
    os.chmod(d / "free", 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def probe_unit(area, name, extra=()):
    return unit_text(f"/bin/sh {area}/probe.sh {area}/free",
                     service=["DynamicUser=yes", f"StateDirectory={name}", "Restart=no", *extra])


def ids_of(si, name):
    pid = si.unit(name)["main_pid"]
    proc = si.ns_proc(pid)
    assert proc, (pid, si.ns_procs())
    status = Path(f"/proc/{proc['host']}/status").read_text()
    uid = int(next(l for l in status.splitlines() if l.startswith("Uid:")).split()[1])
    gid = int(next(l for l in status.splitlines() if l.startswith("Gid:")).split()[1])
    return uid, gid


def result(name):
    p = Path("/var/lib/private") / name / "result"
    poll_until(p.exists, 20, f"{p} to be written")
    return p.read_text()


def test_uid_in_range_sandbox_and_environment(svcinit, area, names):
    n = names()
    si = svcinit({n: probe_unit(area, n)})
    si.wait_for(n, "running")
    uid, gid = ids_of(si, n)
    assert FIRST <= uid <= LAST and gid == uid, (uid, gid)
    assert si.unit(n)["dynamic_uid"] == uid
    show = si.ctl("show", n).stdout
    assert f"UID={uid}" in show and f"GID={gid}" in show, show
    got = result(n)
    assert f"uid={uid} gid={gid}" in got, got
    assert f"USER={n} LOGNAME={n} HOME=/ SHELL=/usr/sbin/nologin" in got, got
    # ProtectSystem=strict: not even a world-writable directory of the host
    assert "wrote" not in got.replace("wrote /tmp", ""), got
    assert not (area / "free" / "svcit-dyn-x").exists()
    assert "wrote /tmp" in got, got      # its own PrivateTmp=
    assert not Path("/tmp/svcit-dyn-tmp").exists()
    assert "NoNewPrivs:\t1" in got, got
    # the layout: private/NAME owned by the uid, NAME a symlink to it
    link = Path("/var/lib") / n
    assert link.is_symlink() and os.readlink(link) == f"private/{n}"
    st = os.stat(Path("/var/lib/private") / n)
    assert st.st_uid == uid
    assert os.stat("/var/lib/private").st_mode & 0o777 == 0o700


def test_two_units_get_different_uids_released_at_stop(svcinit, area, names):
    a, b = names(), names()
    si = svcinit({a: probe_unit(area, a), b: probe_unit(area, b)})
    si.wait_for(a, "running")
    si.wait_for(b, "running")
    ua, ub = ids_of(si, a)[0], ids_of(si, b)[0]
    assert ua != ub and FIRST <= ua <= LAST and FIRST <= ub <= LAST
    assert si.ctl("stop", a).returncode == 0
    si.wait_for(lambda i: i.unit(a)["state"] in ("stopped", "exited", "failed"))
    poll_until(lambda: si.unit(a)["dynamic_uid"] is None, 20, "the uid to be released")
    assert "UID=[not set]" in si.ctl("show", a).stdout
    assert si.unit(b)["dynamic_uid"] == ub


def test_state_survives_a_restart(svcinit, area, names):
    n = names()
    si = svcinit({n: probe_unit(area, n)})
    si.wait_for(n, "running")
    runs = Path("/var/lib/private") / n / "runs"
    poll_until(lambda: runs.exists() and runs.read_text().count("run") == 1, 20, "the first run")
    assert si.ctl("stop", n).returncode == 0
    si.wait_for(lambda i: i.unit(n)["dynamic_uid"] is None)
    # as if it had run with another uid last time (ids are recycled): the
    # tree is chowned to the uid of the next start
    stale = Path("/var/lib/private") / n / "stale"
    stale.write_text("x")
    for p in (stale, runs, stale.parent):
        os.chown(p, 12345, 12345)
    assert si.ctl("start", n).returncode == 0
    si.wait_for(n, "running")
    poll_until(lambda: runs.read_text().count("run") == 2, 20, "the second run")
    uid = ids_of(si, n)[0]
    assert os.stat(stale).st_uid == uid
    assert os.stat(runs).st_uid == uid


def test_user_names_the_dynamic_user_and_check_is_quiet(svcinit, area, names):
    n = names()
    si = svcinit({n: probe_unit(area, n, ["User=svcitdyn"])})
    si.wait_for(n, "running")
    assert "USER=svcitdyn LOGNAME=svcitdyn" in result(n)
    # a static user of that name is used as it is (nobody exists on Debian)
    m = names()
    si2 = svcinit({m: probe_unit(area, m, ["User=nobody"])})
    si2.wait_for(m, "running")
    assert ids_of(si2, m)[0] == 65534
    assert si2.unit(m)["dynamic_uid"] is None
    r = subprocess.run([str(SVCINIT), "--check", str(si.units_dir)], capture_output=True, text=True,
                       timeout=30)
    assert "DynamicUser= is not supported" not in r.stdout + r.stderr, r.stdout + r.stderr


def test_with_svcinit_default_isolation(svcinit, area, names):
    """A native unit with svcinit's own namespaces and overlay root: the same
    uid range, its state on the host, nothing else of the host writable."""
    n = names()
    unit = unit_text(f"/bin/sh {area}/probe.sh {area}/free", namespaces=None,
                     service=["DynamicUser=yes", f"StateDirectory={n}", "Restart=no"])
    si = svcinit({n: unit})
    si.wait_for(n, "running")
    got = result(n)
    uid = si.unit(n)["dynamic_uid"]
    assert FIRST <= uid <= LAST
    assert f"uid={uid} gid={uid}" in got, got
    assert "wrote" not in got.replace("wrote /tmp", ""), got
    assert not (area / "free" / "svcit-dyn-x").exists()
