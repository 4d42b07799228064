# SPDX-License-Identifier: MIT
"""The seccomp keys seen from inside a unit, as an attacker would try them
(tests/integration/attacker.py does the calls): a call the filter refuses
kills the process with SIGSYS unless SystemCallErrorNumber= names an errno;
RestrictAddressFamilies=, RestrictNamespaces=, MemoryDenyWriteExecute=,
RestrictSUIDSGID=, RestrictRealtime=, LockPersonality= refuse only what
they name; an @system-service allow-list runs a service normally."""
import signal
from pathlib import Path

import pytest

from conftest import unit_text

ATTACKER = Path(__file__).resolve().parent / "attacker.py"
PY = "/usr/bin/python3"


def attack(svcinit, workdir, keys, *actions, user=None, namespaces="none"):
    """Run the attacker once as unit "a" with keys; returns (unit status,
    {action: outcome}) ("killed": the process died during it)."""
    out = workdir / "attack.out"
    scratch = workdir / "scratch"
    scratch.mkdir(exist_ok=True)
    scratch.chmod(0o777)
    out.touch()
    out.chmod(0o666)
    svc = ["Type=oneshot", "Restart=no"]
    svc += [f"{k}={v}" for k, v in keys.items()] if isinstance(keys, dict) else list(keys)
    if user:
        svc.append(f"User={user}")
    if namespaces != "none":   # the unit's own root: the results through a bind
        svc.append(f"BindPaths={workdir}")
    si = svcinit({"a": unit_text(f"{PY} {ATTACKER} {out} {scratch} {' '.join(actions)}", svc,
                                 namespaces=namespaces)})
    u = si.wait_for("a", ("exited", "failed"))
    got = {}
    for line in out.read_text().splitlines():
        name, _, res = line.partition(" ")
        got[name] = res or "killed"
    return si, u, got


@pytest.mark.parametrize("namespaces", ["none", None])   # None: svcinit's default isolation
def test_deny_list_kills_with_sigsys(svcinit, workdir, namespaces):
    si, u, got = attack(svcinit, workdir, {"SystemCallFilter": "~@mount"}, "getpid", "mount",
                        namespaces=namespaces)
    assert got == {"getpid": "ok", "mount": "killed"}, (got, u)
    assert u["state"] == "failed" and u["exit_signal"] == signal.SIGSYS, u


@pytest.mark.parametrize("namespaces", ["none", None])
def test_deny_list_with_error_number(svcinit, workdir, namespaces):
    si, u, got = attack(svcinit, workdir, {"SystemCallFilter": "~@mount",
                                           "SystemCallErrorNumber": "EPERM"}, "mount", "getpid",
                        namespaces=namespaces)
    assert got == {"mount": "EPERM", "getpid": "ok"}, (got, u)
    assert u["state"] == "exited" and u["exit_code"] == 0, u


def test_errno_suffix_wins_over_error_number(svcinit, workdir):
    si, u, got = attack(svcinit, workdir, {"SystemCallFilter": "~mount:EACCES",
                                           "SystemCallErrorNumber": "EPERM"}, "mount")
    assert got == {"mount": "EACCES"}, (got, u)


def test_kill_suffix_wins_over_error_number(svcinit, workdir):
    si, u, got = attack(svcinit, workdir, {"SystemCallFilter": "~mount:kill chroot",
                                           "SystemCallErrorNumber": "EPERM"}, "mount")
    assert got == {"mount": "killed"}, (got, u)
    assert u["exit_signal"] == signal.SIGSYS, u


def test_allow_list_kills_what_it_lacks(svcinit, workdir):
    # @system-service has no mount(2): the allow-list refuses it with SIGSYS
    si, u, got = attack(svcinit, workdir, {"SystemCallFilter": "@system-service"},
                        "getpid", "fork", "inet", "mount")
    assert got == {"getpid": "ok", "fork": "ok", "inet": "ok", "mount": "killed"}, (got, u)
    assert u["exit_signal"] == signal.SIGSYS, u


def test_system_service_unit_runs_normally(svcinit, workdir):
    # what redis-server.service and most Debian daemons ask for
    si, u, got = attack(svcinit, workdir, [
        "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources",
        "SystemCallArchitectures=native", "SystemCallErrorNumber=EPERM",
        "NoNewPrivileges=yes"], "getpid", "fork", "unix", "inet", "w-mmap", "chmod-plain",
        "nice", user="nobody")
    # setpriority(2) is in @resources: refused, where nobody may lower its own priority
    assert got == {"getpid": "ok", "fork": "ok", "unix": "ok", "inet": "ok", "w-mmap": "ok",
                   "chmod-plain": "ok", "nice": "EPERM"}, (got, u)
    assert u["state"] == "exited" and u["exit_code"] == 0, u


@pytest.mark.parametrize("families,want", [
    ("AF_UNIX", {"unix": "ok", "inet": "EAFNOSUPPORT", "inet6": "EAFNOSUPPORT"}),
    ("~AF_INET6", {"unix": "ok", "inet": "ok", "inet6": "EAFNOSUPPORT"}),
])
def test_restrict_address_families(svcinit, workdir, families, want):
    si, u, got = attack(svcinit, workdir, {"RestrictAddressFamilies": families},
                        "unix", "inet", "inet6")
    assert got == want, (got, u)


@pytest.mark.parametrize("archs,want,sig", [(None, "ok", None), ("native", "killed", signal.SIGSYS),
                                            ("native x86", "ok", None)])
def test_system_call_architectures(svcinit, workdir, archs, want, sig):
    # a call through the 32-bit ABI (int 0x80) of the x86-64 kernel
    keys = {"SystemCallArchitectures": archs} if archs else {}
    si, u, got = attack(svcinit, workdir, keys, "getpid", "x86-getpid")
    assert got == {"getpid": "ok", "x86-getpid": want}, (got, u)
    assert u["exit_signal"] == sig, u


@pytest.mark.parametrize("value,want", [("yes", "EPERM"), ("~net", "EPERM"), ("net", "ok"),
                                        ("~user", "ok")])
def test_restrict_namespaces(svcinit, workdir, value, want):
    si, u, got = attack(svcinit, workdir, {"RestrictNamespaces": value}, "fork", "unshare-net")
    assert got == {"fork": "ok", "unshare-net": want}, (got, u)


def test_memory_deny_write_execute(svcinit, workdir):
    si, u, got = attack(svcinit, workdir, {"MemoryDenyWriteExecute": "yes"}, "w-mmap", "wx-mmap")
    assert got == {"w-mmap": "ok", "wx-mmap": "EPERM"}, (got, u)


def test_restrict_suid_sgid(svcinit, workdir):
    si, u, got = attack(svcinit, workdir, {"RestrictSUIDSGID": "yes"}, "chmod-plain", "chmod-suid")
    assert got == {"chmod-plain": "ok", "chmod-suid": "EPERM"}, (got, u)


def test_restrict_realtime_and_lock_personality(svcinit, workdir):
    si, u, got = attack(svcinit, workdir, {"RestrictRealtime": "yes", "LockPersonality": "yes"},
                        "fifo", "personality")
    assert got == {"fifo": "EPERM", "personality": "EPERM"}, (got, u)


@pytest.mark.parametrize("user,nnp", [("nobody", "1"), (None, "0")])
def test_unprivileged_filter_implies_no_new_privileges(svcinit, workdir, user, nnp):
    # the filter needs no_new_privs when the unit has no CAP_SYS_ADMIN (as
    # systemd); root keeps CAP_SYS_ADMIN and is left without it
    keys = {"SystemCallFilter": "~@mount", "SystemCallErrorNumber": "EUCLEAN"}
    si, u, got = attack(svcinit, workdir, keys, "mount", "nnp", user=user)
    assert got == {"mount": "EUCLEAN", "nnp": nnp}, (got, u)


def test_unknown_group_is_an_error_unknown_call_a_warning(svcinit, workdir):
    si = svcinit({
        "bad": unit_text("sleep 1", {"SystemCallFilter": "@no-such-group"}),
        "warn": unit_text("sleep 100", {"SystemCallFilter": "~nosuchcall mount",
                                        "TimeoutStopSec": "2s"}),
    })
    u = si.wait_for("warn", "running")
    assert any("nosuchcall" in w for w in u["warnings"]), u
    assert "bad" not in si.units()
    assert "@no-such-group" in si.log()


def test_reload_compiles_the_new_filter(svcinit, workdir):
    # the filter is compiled at load: a reload with another errno, then a
    # start, runs the new one
    si, u, got = attack(svcinit, workdir, {"SystemCallFilter": "~@mount",
                                           "SystemCallErrorNumber": "EPERM"}, "mount")
    assert got == {"mount": "EPERM"}, (got, u)
    out = workdir / "attack.out"
    text = (si.units_dir / "a.service").read_text().replace("SystemCallErrorNumber=EPERM",
                                                             "SystemCallErrorNumber=EROFS")
    (si.units_dir / "a.service").write_text(text)
    out.write_text("")
    assert si.ctl("reload").returncode == 0
    assert si.ctl("start", "a").returncode == 0
    si.wait_for(lambda s: "mount EROFS" in out.read_text())
    assert out.read_text() == "mount EROFS\n"
