# SPDX-License-Identifier: MIT
"""What systemctl users type, against a real svcinit: names with their
.service suffix, several names, status exiting 3 for an inactive unit,
--state/--failed filters, --no-pager."""
import json

from conftest import unit_text

UNITS = {
    "web": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}),
    "api": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}),
    "job": unit_text("true", {"Type": "oneshot"}),
    "broken": unit_text("false", {"Restart": "no"}),
}


def started(svcinit):
    si = svcinit(UNITS)
    si.wait_for("web", "running")
    si.wait_for("api", "running")
    si.wait_for("job", "exited")
    si.wait_for("broken", "failed")
    return si


def test_names_with_suffix_and_several_names(svcinit):
    si = started(svcinit)
    r = si.ctl("status", "web.service")
    assert r.returncode == 0, r
    assert r.stdout.startswith("web - ")
    assert si.ctl("is-active", "web.service").returncode == 0
    r = si.ctl("is-active", "web", "api.service")
    assert r.returncode == 0 and r.stdout.split() == ["running", "running"], r
    r = si.ctl("is-active", "web", "job")
    assert r.returncode == 3 and r.stdout.split() == ["running", "exited"], r
    r = si.ctl("stop", "api.service")
    assert r.returncode == 0, r
    si.wait_for("api", "stopped")
    assert si.ctl("start", "api.service").returncode == 0
    si.wait_for("api", "running")


def test_status_of_a_missing_and_an_inactive_unit(svcinit):
    si = started(svcinit)
    # a's status on stdout, then the error on stderr, exit 3
    r = si.ctl("status", "web", "nope")
    assert r.returncode == 3, r
    assert r.stdout.startswith("web - ") and "nope" not in r.stdout
    assert r.stderr.strip() == "nope: no such unit"
    # an inactive unit: its status still on stdout, exit 3 (systemctl status)
    r = si.ctl("status", "broken")
    assert r.returncode == 3 and r.stdout.startswith("broken - ") and r.stderr == "", r
    r = si.ctl("status", "web", "job")
    assert r.returncode == 3 and "web - " in r.stdout and "job - " in r.stdout, r
    r = si.ctl("status", "web", "api")
    assert r.returncode == 0 and "web - " in r.stdout and "api - " in r.stdout, r
    # the table has no names: exit 0 whatever the states
    assert si.ctl("status").returncode == 0
    # JSON: one array of the units that exist, the missing one on stderr
    r = si.ctl("--json", "status", "web", "nope", "job.service")
    assert r.returncode == 3, r
    assert [u["name"] for u in json.loads(r.stdout)] == ["web", "job"]
    assert "nope: no such unit" in r.stderr
    r = si.ctl("is-active", "web", "nope")
    assert r.returncode == 3 and r.stdout.strip() == "running" and "nope: no such unit" in r.stderr


def test_state_filters(svcinit):
    si = started(svcinit)
    r = si.ctl("status", "--failed")
    assert r.returncode == 0, r
    rows = [l.split()[0] for l in r.stdout.splitlines()[1:] if l.strip()]
    assert rows == ["broken"], r.stdout
    r = si.ctl("--no-pager", "status", "--state=running,exited", "--no-pager")
    rows = sorted(l.split()[0] for l in r.stdout.splitlines()[1:] if l.strip())
    assert rows == ["api", "job", "web"], r.stdout
    r = si.ctl("--json", "status", "--state", "exited")
    assert [u["name"] for u in json.loads(r.stdout)] == ["job"]
    r = si.ctl("status", "--state=sleeping")
    assert r.returncode == 2 and "sleeping" in r.stderr, r
