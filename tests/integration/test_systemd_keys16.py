# SPDX-License-Identifier: MIT
"""systemd's keys of issue 16, observed from outside: PermissionsStartOnly=,
IgnoreSIGPIPE=, AppArmorProfile=, RemoveIPC=, Delegate=, OOMPolicy=,
DefaultDependencies= (systemd.service(5), systemd.exec(5),
systemd.resource-control(5), systemd.unit(5))."""
import os
import subprocess

from conftest import NOBODY, SVCINIT, poll_until, unit_text

KEYS = ("PermissionsStartOnly", "IgnoreSIGPIPE", "AppArmorProfile", "RemoveIPC", "Delegate",
        "OOMPolicy", "DefaultDependencies")


def check(d, *units):
    for name, text in units:
        (d / name).write_text(text)
    return subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True,
                          timeout=30)


def shared_dir(workdir, name="out"):
    out = workdir / name
    out.mkdir()
    os.chmod(out, 0o777)
    return out


def sig_mask(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def host_pid(si, name):
    """The host pid of a running unit's main process."""
    u = si.wait_for(name, "running")
    p = si.ns_proc(u["pid"])
    assert p, u
    return p["host"]


# ---------------------------------------------------------------- parsing

def test_keys_are_no_longer_warned_about(workdir):
    d = workdir / "u"
    d.mkdir()
    r = check(d, ("k.service", "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\n"
                  "PermissionsStartOnly=yes\nIgnoreSIGPIPE=no\nRemoveIPC=yes\nDelegate=yes\n"
                  "AppArmorProfile=-svcit-none\nOOMPolicy=continue\n"))
    assert r.returncode == 0, r.stdout + r.stderr
    for k in KEYS:
        assert f"{k}= is not supported" not in r.stdout + r.stderr, r.stdout + r.stderr


def test_bad_values_are_errors_naming_file_line_and_value(workdir):
    d = workdir / "u"
    d.mkdir()
    cases = [
        ("IgnoreSIGPIPE=maybe", "IgnoreSIGPIPE=", "maybe"),
        ("PermissionsStartOnly=sure", "PermissionsStartOnly=", "sure"),
        ("RemoveIPC=2x", "RemoveIPC=", "2x"),
        ("OOMPolicy=explode", "OOMPolicy=", "explode"),
        ("AppArmorProfile=a b", "AppArmorProfile=", "a b"),
        ("AppArmorProfile=-", "AppArmorProfile=", "-"),
    ]
    for i, (line, key, bad) in enumerate(cases):
        p = d / f"bad{i}.service"
        p.write_text(f"[Service]\nExecStart=/bin/true\n{line}\n")
        r = subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True,
                           timeout=30)
        out = r.stdout + r.stderr
        assert r.returncode != 0, out
        assert f"{p}:3: {key}" in out and bad in out, (line, out)
        p.unlink()
    p = d / "dd.service"
    p.write_text("[Unit]\nDefaultDependencies=perhaps\n[Service]\nExecStart=/bin/true\n")
    r = subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and f"{p}:2: DefaultDependencies=" in r.stdout + r.stderr
    assert "perhaps" in r.stdout + r.stderr
    # DefaultDependencies= belongs in [Unit], Delegate= with an unknown controller warns
    p.write_text("[Service]\nExecStart=/bin/true\nDelegate=memory bogus\n")
    r = subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{p}:3: Delegate=: unknown cgroup controller \"bogus\"" in r.stdout + r.stderr


# ---------------------------------------------------------------- IgnoreSIGPIPE=

def test_ignore_sigpipe_default_yes_and_no(svcinit):
    si = svcinit({
        "dflt": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}),
        "yes": unit_text("sleep 1000", {"IgnoreSIGPIPE": "yes", "TimeoutStopSec": "2s"}),
        "no": unit_text("sleep 1000", {"IgnoreSIGPIPE": "no", "TimeoutStopSec": "2s"}),
    })
    pipe = 1 << (13 - 1)   # SIGPIPE
    for name, ignored in (("dflt", True), ("yes", True), ("no", False)):
        hp = host_pid(si, name)
        assert bool(sig_mask(hp, "SigIgn") & pipe) == ignored, (name, hex(sig_mask(hp, "SigIgn")))
        # nothing else is ignored: the rest is reset as before
        assert sig_mask(hp, "SigIgn") & ~pipe == 0, (name, hex(sig_mask(hp, "SigIgn")))


# ---------------------------------------------------------------- PermissionsStartOnly=

def test_permissions_start_only(svcinit, workdir):
    out = shared_dir(workdir)
    hooks = {
        "User": "nobody", "Type": "oneshot", "RemainAfterExit": "yes",
        "ExecStartPre": f"sh -c 'id -u > {out}/$0-pre' %N",
        "ExecStartPost": f"sh -c 'id -u > {out}/$0-post' %N",
        "ExecStop": f"sh -c 'id -u > {out}/$0-stop' %N",
        "ExecStopPost": f"sh -c 'id -u > {out}/$0-stoppost' %N",
    }
    si = svcinit({
        "pso": unit_text(f"sh -c 'id -u > {out}/pso-main'",
                         dict(hooks, PermissionsStartOnly="yes")),
        "plain": unit_text(f"sh -c 'id -u > {out}/plain-main'", hooks),
    })
    for n in ("pso", "plain"):
        u = si.wait_for(n, "exited")
        assert u["state"] == "exited", u
    assert si.ctl("stop", "pso", "plain").returncode == 0
    for n in ("pso", "plain"):
        si.wait_for(n, "stopped")
    poll_until(lambda: (out / "pso-stoppost").exists() and (out / "plain-stoppost").exists(),
               20, "the ExecStopPost= commands")
    assert (out / "pso-main").read_text().strip() == str(NOBODY), "ExecStart= keeps User="
    assert (out / "plain-main").read_text().strip() == str(NOBODY)
    for h in ("pre", "post", "stop", "stoppost"):
        assert (out / f"pso-{h}").read_text().strip() == "0", f"PermissionsStartOnly=yes: {h} as root"
        assert (out / f"plain-{h}").read_text().strip() == str(NOBODY), f"without it: {h} as User="


# ---------------------------------------------------------------- AppArmorProfile=

def test_apparmor_profile_ignored_without_apparmor(svcinit):
    enabled = False
    try:
        enabled = open("/sys/module/apparmor/parameters/enabled").read().startswith("Y")
    except OSError:
        pass
    si = svcinit({
        "aa": unit_text("sleep 1000", {"AppArmorProfile": "svcit-no-such-profile",
                                       "TimeoutStopSec": "2s", "Restart": "no"}),
        "aaopt": unit_text("sleep 1000", {"AppArmorProfile": "-svcit-no-such-profile",
                                          "TimeoutStopSec": "2s", "Restart": "no"}),
    })
    u = si.wait_for("aaopt", "running")
    assert not any("AppArmorProfile" in w for w in u.get("warnings", [])), u
    if enabled:
        # the profile does not exist: the exec fails, unless '-'
        u = si.wait_for("aa", "failed")
        assert "AppArmor" in u.get("error", ""), u
    else:
        # as systemd: the setting is ignored where AppArmor is not available
        u = si.wait_for("aa", "running")
        assert not any("AppArmorProfile" in w for w in u.get("warnings", [])), u


# ---------------------------------------------------------------- OOMPolicy=

# a helper child that allocates far past MemoryMax=: the OOM killer's victim
HOG = ("/usr/bin/python3 -c 'import time; b = [bytearray(1 << 20) for _ in range(512)]; "
       "time.sleep(100)'")


def oom_unit(policy, out, svc=None, trap=False):
    svc = dict({"MemoryMax": "48M", "TimeoutStopSec": "3s", "Restart": "no"}, **(svc or {}))
    if policy:
        svc["OOMPolicy"] = policy
    # the shell is the main process: it outlives its helper, then says so;
    # trap: it ignores SIGTERM (only a SIGKILL ends it)
    pre = 'trap "" TERM; ' if trap else ""
    hog = HOG.replace("'", '"')
    return unit_text(f"sh -c '{pre}{hog}; echo $? > {out}/%N; exec sleep 1000'", svc)


def test_oom_policy_stop_and_continue(svcinit, workdir):
    out = shared_dir(workdir)
    si = svcinit({"oomstop": oom_unit(None, out), "oomcont": oom_unit("continue", out)})
    # default OOMPolicy=stop: the unit goes down, failed, result oom-kill
    u = si.wait_for("oomstop", "failed", timeout=60)
    assert u["result"] == "oom-kill", u
    # continue: the helper died of SIGKILL (137), the unit keeps running
    poll_until(lambda: (out / "oomcont").exists() and (out / "oomcont").read_text().strip(),
               60, "the helper's end in oomcont")
    assert (out / "oomcont").read_text().strip() == "137"
    u = si.unit("oomcont")
    assert u["state"] == "running" and u["result"] != "oom-kill", u
    assert si.ctl("stop", "oomcont").returncode == 0
    si.wait_for("oomcont", "stopped")


def test_oom_policy_kill_takes_the_unit_down(svcinit, workdir):
    out = shared_dir(workdir)
    slow = {"TimeoutStopSec": "90s"}
    si = svcinit({"oomkill": oom_unit("kill", out, slow, trap=True),
                  "oomslow": oom_unit("stop", out, slow, trap=True)})
    # kill: every process of the unit goes at once (memory.oom.group on v2,
    # svcinit's SIGKILL on v1), the shell that ignores SIGTERM too
    u = si.wait_for("oomkill", "failed", timeout=30)
    assert u["result"] == "oom-kill", u
    # (on v1 the shell may still note its helper's end before the SIGKILL)
    # stop: a stop as KillMode= says: SIGTERM first, which that shell ignores
    u = si.wait_for("oomslow", "stopping", timeout=30)
    assert u["sub_state"] == "stop-sigterm", u
    assert si.ctl("kill", "-s", "KILL", "oomslow").returncode == 0
    u = si.wait_for("oomslow", "failed", timeout=30)
    assert u["result"] == "oom-kill", u


def test_oom_of_the_main_process(svcinit):
    si = svcinit({"oommain": unit_text(HOG, {"MemoryMax": "48M", "Restart": "no"})})
    u = si.wait_for("oommain", "failed", timeout=60)
    assert u["result"] == "oom-kill", u


# ---------------------------------------------------------------- Delegate=

def v2_mount():
    from conftest import cgroup_mounts  # noqa: F401 (the harness's view)
    for line in open("/proc/self/mountinfo"):
        left, _, right = line.partition(" - ")
        if right.split()[0] == "cgroup2":
            return left.split()[4]
    return None


# the unit finds its own v2 cgroup, makes a sub-cgroup and moves itself there
SUBCG = ("sh -c 'cg=$(sed -n \"s/^0:://p\" /proc/self/cgroup); d=%s$cg; "
         "if mkdir $d/sub && echo 0 > $d/sub/cgroup.procs; then echo ok > %s/%%N; "
         "else echo fail > %s/%%N; fi; exec sleep 1000'")


def test_delegate_lets_the_user_make_sub_cgroups(svcinit, workdir):
    mnt = v2_mount()
    assert mnt, "no cgroup2 hierarchy on this host"
    out = shared_dir(workdir)
    si = svcinit({
        "deleg": unit_text(SUBCG % (mnt, out, out), {"User": "nobody", "Delegate": "yes",
                                                     "TimeoutStopSec": "3s"}),
        "nodeleg": unit_text(SUBCG % (mnt, out, out), {"User": "nobody", "TimeoutStopSec": "3s"}),
    })
    poll_until(lambda: (out / "deleg").exists() and (out / "nodeleg").exists()
               and (out / "deleg").read_text().strip() and (out / "nodeleg").read_text().strip(),
               20, "the units to try")
    assert (out / "deleg").read_text().strip() == "ok"
    assert (out / "nodeleg").read_text().strip() == "fail", "without Delegate= root's cgroup"
    unit_dir = os.path.join(mnt, si.cgroup_base.strip("/"), "deleg.service")
    st = os.stat(unit_dir)
    assert st.st_uid == NOBODY, st
    for f in ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads"):
        assert os.stat(os.path.join(unit_dir, f)).st_uid == NOBODY, f
    assert os.stat(os.path.join(unit_dir, "cgroup.freeze")).st_uid == 0, "the rest stays root's"
    # the main process is in the sub-cgroup now
    hp = host_pid(si, "deleg")
    cg = [ln for ln in open(f"/proc/{hp}/cgroup") if ln.startswith("0::")][0]
    assert cg.strip().endswith("/deleg.service/sub"), cg
    # svcinit stops it there and removes the whole tree
    assert si.ctl("stop", "deleg").returncode == 0
    u = si.wait_for("deleg", "stopped")
    assert u["result"] == "success" or u["state"] == "stopped", u
    poll_until(lambda: not os.path.exists(unit_dir), 20, f"{unit_dir} to be removed")


# ---------------------------------------------------------------- RemoveIPC=

def sysv_ids(kind, uid):
    """The ids of /proc/sysvipc/<kind> objects owned by uid."""
    lines = open(f"/proc/sysvipc/{kind}").read().splitlines()
    cols = lines[0].split()
    out = set()
    for ln in lines[1:]:
        f = ln.split()
        if int(f[cols.index("uid")]) == uid:
            out.add(int(f[1]))
    return out


def ipcrm(kind, ids):
    flag = {"shm": "-m", "sem": "-s", "msg": "-q"}[kind]
    for i in ids:
        subprocess.run(["ipcrm", flag, str(i)], capture_output=True)


def test_remove_ipc(svcinit, workdir):
    out = shared_dir(workdir)
    before = {k: sysv_ids(k, NOBODY) for k in ("shm", "sem", "msg")}
    mk = (f"sh -c 'ipcmk -M 4096 > {out}/%N.m; ipcmk -S 2 > {out}/%N.s; "
          f"ipcmk -Q > {out}/%N.q; echo x > /dev/shm/svcit-%N-$$$$; exec sleep 1000'")
    si = svcinit({
        "ipcrm": unit_text(mk, {"User": "nobody", "RemoveIPC": "yes", "TimeoutStopSec": "3s"}),
        "ipckeep": unit_text(mk, {"User": "nobody", "TimeoutStopSec": "3s"}),
    })
    made = {}
    try:
        def ids_of(name):
            got = {}
            for k, kind in (("m", "shm"), ("s", "sem"), ("q", "msg")):
                p = out / f"{name}.{k}"
                if not p.exists() or not p.read_text().strip():
                    return None
                got[kind] = int(p.read_text().split()[-1])
            return got
        poll_until(lambda: ids_of("ipcrm") and ids_of("ipckeep"), 20, "the units' IPC objects")
        made = {n: ids_of(n) for n in ("ipcrm", "ipckeep")}
        for n in made:
            for kind, i in made[n].items():
                assert i in sysv_ids(kind, NOBODY), (n, kind, i)
        shm_files = lambda n: [f for f in os.listdir("/dev/shm") if f.startswith(f"svcit-{n}-")]  # noqa: E731
        assert shm_files("ipcrm") and shm_files("ipckeep")
        # the keeper is stopped first: nothing of its goes; then the remover
        assert si.ctl("stop", "ipckeep").returncode == 0
        si.wait_for("ipckeep", "stopped")
        assert si.ctl("stop", "ipcrm").returncode == 0
        si.wait_for("ipcrm", "stopped")
        poll_until(lambda: all(i not in sysv_ids(k, NOBODY) for k, i in made["ipcrm"].items())
                   and not shm_files("ipcrm"), 20, "RemoveIPC=yes to remove the objects")
        # (ipckeep's are nobody's too: as systemd, what the user owns goes,
        # whichever unit made it; test_without_remove_ipc_objects_stay shows
        # that a unit without the key removes nothing)
    finally:
        for n in made:
            for kind, i in made[n].items():
                ipcrm(kind, [i])
        for f in os.listdir("/dev/shm"):
            if f.startswith("svcit-"):
                os.unlink(os.path.join("/dev/shm", f))
    assert {k: sysv_ids(k, NOBODY) for k in ("shm", "sem", "msg")} == before


def test_without_remove_ipc_objects_stay(svcinit, workdir):
    out = shared_dir(workdir)
    si = svcinit({"ipckeep": unit_text(f"sh -c 'ipcmk -M 4096 > {out}/m; exec sleep 1000'",
                                       {"User": "nobody", "TimeoutStopSec": "3s"})})
    poll_until(lambda: (out / "m").exists() and (out / "m").read_text().strip(), 20, "ipcmk")
    shmid = int((out / "m").read_text().split()[-1])
    try:
        assert si.ctl("stop", "ipckeep").returncode == 0
        si.wait_for("ipckeep", "stopped")
        # give a (wrong) cleaning every chance to have happened: stop svcinit
        assert si.stop() == 0
        assert shmid in sysv_ids("shm", NOBODY)
    finally:
        ipcrm("shm", [shmid])


# ---------------------------------------------------------------- DefaultDependencies=

def test_default_dependencies_order_after_early_boot_units(svcinit, workdir):
    out = shared_dir(workdir)
    go, marker = out / "go", out / "marker"
    probe = (f"sh -c 'if [ -e {marker} ]; then echo ordered; else echo unordered; fi "
             f"> {out}/%N'")
    one = {"Type": "oneshot", "RemainAfterExit": "yes"}
    si = svcinit({
        # an early-boot unit: DefaultDependencies=no, Before=sysinit.target;
        # done once the test says go
        "early": unit_text(f"sh -c 'while [ ! -e {go} ]; do sleep 0.05; done; touch {marker}'",
                           one, unit={"DefaultDependencies": "no", "Before": "sysinit.target"}),
        "late": unit_text(probe, one),                                    # the default: yes
        "nodeps": unit_text(probe, one, unit={"DefaultDependencies": "no"}),
        # an order through a target of no file: After=x.target, Before=x.target
        "viatarget": unit_text(probe, one, unit={"DefaultDependencies": "no",
                                                  "After": "svcit-x.target"}),
        "provider": unit_text(f"sh -c 'while [ ! -e {go} ]; do sleep 0.05; done'", one,
                              unit={"DefaultDependencies": "no", "Before": "svcit-x.target"}),
    })
    # without the default dependencies: no wait for the early unit
    si.wait_for("nodeps", "exited")
    assert (out / "nodeps").read_text().strip() == "unordered"
    # with them: After= the early unit, which is not done yet
    u = si.unit("late")
    assert u["state"] in ("stopped", "starting") and not (out / "late").exists(), u
    u = si.unit("viatarget")
    assert u["state"] in ("stopped", "starting") and not (out / "viatarget").exists(), u
    go.write_text("")
    si.wait_for("late", "exited")
    assert (out / "late").read_text().strip() == "ordered"
    si.wait_for("viatarget", "exited")
    assert si.unit("provider")["state"] == "exited"
