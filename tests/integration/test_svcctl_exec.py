# SPDX-License-Identifier: MIT
"""svcctl exec NAME -- COMMAND, as docker exec: COMMAND runs in the unit's
namespaces, cgroup, user, capabilities and environment; root only."""
import os

from conftest import NOBODY, descendants, poll_until, proc_nspids, unit_text

ISOLATED = unit_text("sleep 1000", {"User": "nobody", "Environment": "GREETING=hello",
                                    "CapabilityBoundingSet": "CAP_NET_BIND_SERVICE",
                                    "TimeoutStopSec": "2s"},
                     namespaces="pid net ipc mnt uts")


def main_host_pid(si, name):
    def find():
        u = si.units().get(name)
        if not u or u["state"] != "running" or not u["pid"]:
            return None
        for p in descendants(si.pid):
            n = proc_nspids(p)
            if len(n) >= 2 and n[1] == u["pid"]:
                return p
        return None
    return poll_until(find, 30, f"{name}'s main process")


def test_exec_enters_the_unit(svcinit):
    si = svcinit({"web": ISOLATED})
    main = main_host_pid(si, "web")
    u = si.unit("web")
    script = ("id -u; hostname; echo $GREETING; readlink /proc/self/ns/pid /proc/self/ns/net "
              "/proc/self/ns/mnt; grep -E '^0::|pids' /proc/self/cgroup; grep CapBnd /proc/self/status")
    r = si.ctl("exec", "web", "--", "sh", "-c", script)
    assert r.returncode == 0, r
    out = r.stdout.splitlines()
    assert out[0] == str(NOBODY), out          # the unit's user
    assert out[1] == "web", out                # its UTS namespace
    assert out[2] == "hello", out              # its environment
    for line, kind in zip(out[3:6], ("pid", "net", "mnt")):
        assert line == os.readlink(f"/proc/{main}/ns/{kind}"), (kind, line)
        assert line != os.readlink(f"/proc/self/ns/{kind}")
    cg = [l.split(":", 2)[2] for l in out[6:-1]]   # the v2 and pids lines
    assert cg and all(p == u["cgroup"] for p in cg), (cg, u["cgroup"])
    bnd = int(out[-1].split()[1], 16)
    assert bnd == 1 << 10, hex(bnd)            # CAP_NET_BIND_SERVICE only, as the unit


def test_exec_exit_codes_and_refusals(svcinit):
    si = svcinit({"web": ISOLATED, "job": unit_text("true", {"Type": "oneshot"})})
    main_host_pid(si, "web")
    assert si.ctl("exec", "web", "--", "sh", "-c", "exit 7").returncode == 7
    r = si.ctl("exec", "web.service", "--", "no-such-command")
    assert r.returncode == 127 and "no-such-command" in r.stderr, r
    # root only: a local user is refused, and nothing ran
    r = si.ctl("exec", "web", "--", "touch", "/tmp/ran", user=NOBODY)
    assert r.returncode == 4, r
    # a unit that does not run, a unit that does not exist, usage
    si.wait_for("job", "exited")
    r = si.ctl("exec", "job", "--", "true")
    assert r.returncode == 1 and "not running" in r.stderr, r
    assert si.ctl("exec", "nope", "--", "true").returncode == 3
    assert si.ctl("exec", "web").returncode == 2
    assert si.ctl("exec", "web", "--").returncode == 2
