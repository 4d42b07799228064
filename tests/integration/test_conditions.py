# SPDX-License-Identifier: MIT
"""Condition*= and Assert*= (systemd.unit(5), "Conditions and Asserts"):
each kind true and false, "|" and "!", empty resets, asserts, the
condition-failed state in status and JSON, and what a skipped unit means to
the units after it. The expected truth of each kind is computed here from
the same system svcinit runs on."""
import ctypes
import os
import platform
import socket
import stat
import time

from conftest import unit_text

ENV_NAME = "SVCINIT_TEST_CONDITION"


def unit(unit_keys, exec_start="sleep 1000", **service):
    svc = {"TimeoutStopSec": "3s", "Restart": "no"}
    svc.update(service)
    return unit_text(exec_start, svc, unit=unit_keys)


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def cap_bounding():
    for line in read("/proc/self/status").splitlines():
        if line.startswith("CapBnd:"):
            return int(line.split()[1], 16)
    return 0


def first_boot():
    mid = read("/etc/machine-id").strip()
    return mid in ("", "uninitialized")


def needs_update():
    try:
        if os.statvfs("/etc").f_flag & os.ST_RDONLY:
            return False
        u = os.stat("/usr").st_mtime_ns
    except OSError:
        return False
    try:
        s = os.stat("/etc/.updated").st_mtime_ns
    except OSError:
        return True
    return u > s


def os_release_id():
    for line in (read("/etc/os-release") or read("/usr/lib/os-release")).splitlines():
        if line.startswith("ID="):
            return line[3:].strip().strip('"\'')
    return ""


def read_only_path():
    for p in ("/proc/sys", "/sys", "/sys/fs/cgroup", "/usr", "/"):
        try:
            if os.statvfs(p).f_flag & os.ST_RDONLY:
                return p
        except OSError:
            pass
    return None


def kinds(workdir):
    """name -> (value that holds, value that does not)."""
    d = workdir / "cond"
    (d / "emptydir").mkdir(parents=True)
    (d / "file").write_text("x")
    (d / "empty").write_text("")
    os.symlink("file", d / "link")
    cmdline = read("/proc/cmdline").split()
    cmd_word = cmdline[0].split("=")[0] if cmdline else None
    caps = cap_bounding()
    v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    ro = read_only_path()
    k = {
        "PathExists": (d / "file", d / "nope"),
        "PathExistsGlob": (d / "fi*", d / "zz*"),
        "PathIsDirectory": (d, d / "file"),
        "PathIsSymbolicLink": (d / "link", d / "file"),
        "PathIsMountPoint": ("/proc", d),
        "PathIsReadWrite": (d, ro if ro else f"!{d}"),
        "DirectoryNotEmpty": (d, d / "emptydir"),
        "FileNotEmpty": (d / "file", d / "empty"),
        "FileIsExecutable": ("/bin/sh", d / "file"),
        "KernelVersion": (f"={platform.release()}", "<1.0"),
        "Environment": (f"{ENV_NAME}=yes", f"{ENV_NAME}=no"),
        "User": (str(os.getuid()), str(os.getuid() + 4242)),
        "Group": (str(os.getgid()), str(os.getgid() + 4242)),
        "Host": (socket.gethostname(), "no-such-host-*"),
        "Architecture": ("native", "tilegx"),
        "FirstBoot": ("yes", "no") if first_boot() else ("no", "yes"),
        "NeedsUpdate": ("/etc", "!/etc") if needs_update() else ("!/etc", "/etc"),
        "ControlGroupController": ("v2", "v1") if v2 else ("v1", "v2"),
        "Security": ("!no-such-technology", "no-such-technology"),
        "CPUs": (">=1", "<1"),
        "Memory": (">=1M", "<1M"),
        "OSRelease": (f"ID={os_release_id()}", "ID=no-such-os"),
        "Capability": ("CAP_CHOWN" if caps & 1 else "!CAP_CHOWN",
                       "!CAP_CHOWN" if caps & 1 else "CAP_CHOWN"),
        "KernelCommandLine": (cmd_word, "svcinit_no_such_word") if cmd_word else
                             ("!svcinit_no_such_word", "svcinit_no_such_word"),
    }
    return k


def test_each_kind_true_and_false(svcinit, workdir):
    k = kinds(workdir)
    units = {}
    for name, (yes, no) in k.items():
        units[f"c-{name.lower()}-yes"] = unit({f"Condition{name}": yes})
        units[f"c-{name.lower()}-no"] = unit({f"Condition{name}": no})
    si = svcinit(units, env={ENV_NAME: "yes"})
    for name in k:
        y = si.wait_for(f"c-{name.lower()}-yes", ("running", "condition-failed"))
        n = si.wait_for(f"c-{name.lower()}-no", ("running", "condition-failed"))
        assert y["state"] == "running", (name, k[name], y)
        assert y["condition_result"] is True, y
        assert n["state"] == "condition-failed", (name, k[name], n)
        assert n["condition_result"] is False, n
        assert n["condition"] == f"Condition{name}={k[name][1]} failed", n
        assert n["pid"] is None and n["result"] == "success", n


def test_virtualization_is_one_or_the_other(svcinit):
    """What the machine is differs; that yes and !yes disagree does not."""
    si = svcinit({
        "virt": unit({"ConditionVirtualization": "yes"}),
        "novirt": unit({"ConditionVirtualization": "!yes"}),
        "container": unit({"ConditionVirtualization": "container"}),
        "nocontainer": unit({"ConditionVirtualization": "!container"}),
    })
    states = {n: si.wait_for(n, ("running", "condition-failed"))["state"]
              for n in ("virt", "novirt", "container", "nocontainer")}
    assert {states["virt"], states["novirt"]} == {"running", "condition-failed"}, states
    assert {states["container"], states["nocontainer"]} == {"running", "condition-failed"}, states
    if states["container"] == "running":
        assert states["virt"] == "running", states


def test_triggering_negation_and_reset(svcinit, workdir):
    yes, no = workdir / "yes", workdir / "no"
    yes.write_text("")
    si = svcinit({
        # one triggering condition is enough
        "trig-one": unit([f"ConditionPathExists=|{no}", f"ConditionPathExists=|{yes}"]),
        # none of them: skipped
        "trig-none": unit([f"ConditionPathExists=|{no}", f"ConditionPathExists=|{no}2"]),
        # a plain condition still has to hold beside a triggering one
        "trig-plain": unit([f"ConditionPathExists=|{yes}", f"ConditionPathExists={no}"]),
        "negated": unit([f"ConditionPathExists=!{no}", f"ConditionPathExists=|!{yes}",
                         f"ConditionPathExists=|!{no}"]),
        "negated-no": unit([f"ConditionPathExists=!{yes}"]),
        # empty resets every condition, of every kind, before it
        "reset": unit([f"ConditionPathExists={no}", "ConditionHost=no-such-host",
                       "ConditionUser=", f"ConditionPathIsDirectory={workdir}"]),
    })
    want = {"trig-one": "running", "trig-none": "condition-failed",
            "trig-plain": "condition-failed", "negated": "running",
            "negated-no": "condition-failed", "reset": "running"}
    for n, st in want.items():
        u = si.wait_for(n, ("running", "condition-failed"))
        assert u["state"] == st, (n, u)
    u = si.unit("trig-none")
    assert u["condition"] == (f"ConditionPathExists=|{no} and 1 other triggering "
                              "conditions failed"), u
    assert si.unit("negated-no")["condition"] == f"ConditionPathExists=!{yes} failed"


def test_assert_fails_the_start(svcinit, workdir):
    si = svcinit({
        "asserted": unit({"AssertPathExists": workdir / "nope"}, Restart="always"),
        "both": unit([f"ConditionPathExists={workdir / 'nope'}",
                      f"AssertPathExists={workdir / 'nope'}"]),
        "fine": unit({"AssertPathIsDirectory": workdir}),
    })
    u = si.wait_for("asserted", "failed")
    assert u["result"] == "assert", u
    assert u["assert_result"] is False and u["condition_result"] is True, u
    assert u["condition"] == f"AssertPathExists={workdir / 'nope'} failed", u
    assert u["pid"] is None and u["restarts"] == 0, u
    # conditions come first: a failed one skips before the assert is looked at
    b = si.wait_for("both", "condition-failed")
    assert b["assert_result"] is None, b
    f = si.wait_for("fine", "running")
    assert f["assert_result"] is True, f
    r = si.ctl("start", "asserted")
    assert r.returncode != 0, r
    assert si.unit("asserted")["state"] == "failed"
    r = si.ctl("status", "asserted")
    assert "AssertPathExists=" in r.stdout, r.stdout


def test_checked_at_start_not_at_load(svcinit, workdir):
    flag = workdir / "flag"
    si = svcinit({"late": unit({"ConditionPathExists": flag})})
    u = si.wait_for("late", "condition-failed")
    r = si.ctl("status", "late")
    assert "condition-failed" in r.stdout, r.stdout
    assert f"ConditionPathExists={flag} failed" in r.stdout, r.stdout
    # svcctl start of a unit its conditions skip succeeds, as systemctl start
    r = si.ctl("start", "late")
    assert r.returncode == 0, r
    assert si.unit("late")["state"] == "condition-failed"
    flag.write_text("")
    r = si.ctl("start", "late")
    assert r.returncode == 0, r
    u = si.wait_for("late", "running")
    assert u["condition_result"] is True and u["condition"] == "", u
    # and checked again at the next start
    flag.unlink()
    assert si.ctl("restart", "late").returncode == 0
    si.wait_for("late", "condition-failed")


def test_dependents_of_a_skipped_unit_start(svcinit, workdir):
    si = svcinit({
        "skipped": unit({"ConditionPathExists": workdir / "nope"}),
        "after": unit({"After": "skipped", "Requires": "skipped"}),
        "wants": unit({"After": "skipped", "Wants": "skipped"}),
    })
    si.wait_for("skipped", "condition-failed")
    si.wait_for("after", "running")
    si.wait_for("wants", "running")


def test_state_filter_and_metrics(svcinit, workdir):
    si = svcinit({"skipped": unit({"ConditionPathExists": workdir / "nope"}),
                  "up": unit(None)})
    si.wait_for("skipped", "condition-failed")
    si.wait_for("up", "running")
    r = si.ctl("status", "--state=condition-failed")
    assert "skipped" in r.stdout and "up " not in r.stdout, r.stdout
    r = si.ctl("metrics")
    assert 'svcinit_unit_state{unit="skipped",state="condition-failed"} 1' in r.stdout, r.stdout


def test_relative_path_is_a_warning(svcinit, workdir):
    si = svcinit({"rel": unit({"ConditionPathExists": "relative/path"})})
    u = si.wait_for("rel", "running")
    assert any("is not absolute" in w for w in u["warnings"]), u


def test_a_fifo_or_a_device_does_not_hang_the_check(svcinit, workdir):
    """The checks never open what they test for reading (a FIFO would
    block): stat, and O_DIRECTORY for DirectoryNotEmpty."""
    fifo = workdir / "fifo"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    si = svcinit({
        "fifo-dir": unit({"ConditionDirectoryNotEmpty": fifo}),
        "fifo-exists": unit({"ConditionPathExists": fifo}),
        "fifo-notempty": unit({"ConditionFileNotEmpty": fifo}),
    })
    si.wait_for("fifo-dir", "condition-failed")
    si.wait_for("fifo-exists", "running")
    si.wait_for("fifo-notempty", "condition-failed")


class HungMount:
    """A FUSE mount nobody answers: any stat below it blocks (killable), as
    on a hung NFS or FUSE server. Mounted before svcinit starts (its mount
    namespace gets a copy); detached and its connection closed at the end."""

    def __init__(self, path):
        self.path = path
        self.libc = ctypes.CDLL(None, use_errno=True)
        path.mkdir()
        self.fd = os.open("/dev/fuse", os.O_RDWR)
        opts = f"fd={self.fd},rootmode=40000,user_id=0,group_id=0".encode()
        if self.libc.mount(b"svcinit-test-hung", bytes(path), b"fuse", 0, opts) != 0:
            e = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(e, f"mount fuse on {path}: {os.strerror(e)}")

    def close(self):
        self.libc.umount2(bytes(self.path), 2)   # MNT_DETACH
        os.close(self.fd)                        # aborts what still waits on it


def test_a_hung_path_never_blocks_pid1(svcinit, workdir):
    hang = HungMount(workdir / "hang")
    try:
        si = svcinit({
            "hung": unit({"ConditionPathExists": hang.path / "x"}),
            "hung2": unit({"AssertPathIsDirectory": hang.path / "y"}),
            "other": unit(None),
        })
        si.wait_for("other", "running")
        # the check hangs in its child; svcinit answers meanwhile
        t0 = time.monotonic()
        for _ in range(5):
            assert si.ctl("status").returncode == 0
        assert time.monotonic() - t0 < 5
        u = si.unit("hung")
        assert u["state"] == "starting" and u["pid"] is None, u
        # a stop does not wait for the check
        assert si.ctl("stop", "hung2").returncode == 0
        assert si.unit("hung2")["state"] == "stopped"
        # at the deadline the child is killed: not decided is not met
        u = si.wait_for("hung", "condition-failed", timeout=40)
        assert "not decided within 10s" in u["condition"], u
        assert u["condition_result"] is False, u
        assert not [p for p in si.ns_procs() if p["state"] == "Z"], si.ns_procs()
    finally:
        hang.close()
