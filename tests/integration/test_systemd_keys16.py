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
