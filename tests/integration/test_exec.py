# SPDX-License-Identifier: MIT
"""What the process sees: User=, Group=, Environment=, EnvironmentFile=,
WorkingDirectory=, and where its output goes."""
import os
import subprocess

from conftest import NOBODY, poll_until, unit_text


def test_user_and_group(svcinit, workdir):
    out = workdir / "out"      # mode 0777: nobody writes there
    si = svcinit({
        "asnobody": unit_text(f"sh -c 'id -u > {out}/u1; id -g > {out}/g1; id -G > {out}/G1'",
                              {"Type": "oneshot", "User": "nobody"}),
        "asgroup": unit_text(f"sh -c 'id -u > {out}/u2; id -g > {out}/g2; id -G > {out}/G2'",
                             {"Type": "oneshot", "User": "nobody", "Group": "nogroup"}),
        "numeric": unit_text(f"sh -c 'id -u > {out}/u3; id -g > {out}/g3'",
                             {"Type": "oneshot", "User": "65534", "Group": "65534"}),
    })
    for n in ("asnobody", "asgroup", "numeric"):
        u = si.wait_for(n, ("exited", "failed"))
        assert u["state"] == "exited", u
    assert (out / "u1").read_text().strip() == str(NOBODY)
    assert (out / "g1").read_text().strip() == str(NOBODY), "User= alone: the user's primary group"
    assert (out / "u2").read_text().strip() == str(NOBODY)
    assert (out / "g2").read_text().strip() == str(NOBODY)
    assert (out / "u3").read_text().strip() == str(NOBODY)
    assert (out / "g3").read_text().strip() == str(NOBODY)
    for f in ("G1", "G2"):
        groups = (out / f).read_text().split()
        assert "0" not in groups, f"root's supplementary groups leaked into the unit: {groups}"


def test_bad_user_does_not_start(svcinit):
    si = svcinit({"ghost": unit_text("sleep 1000", {"User": "svcit-no-such-user", "Restart": "no"})})
    u = si.wait_for("ghost", ("failed", "stopped"))
    assert u["pid"] is None
    assert "svcit-no-such-user" in si.log()


def test_environment_and_working_directory(svcinit, workdir):
    out = workdir / "out"
    wd = workdir / "wd"
    wd.mkdir()
    envfile = workdir / "env.conf"
    envfile.write_text("# a comment\nFROM_FILE=file value\n\nSECOND=2\n")
    si = svcinit({"env": unit_text(
        f"sh -c 'env > {out}/env; pwd > {out}/pwd'",
        ["Type=oneshot",
         'Environment="GREETING=hello world" PLAIN=1',
         "Environment=THIRD=3",
         f"EnvironmentFile={envfile}",
         "EnvironmentFile=-/nonexistent/svcit-optional.env",
         f"WorkingDirectory={wd}"])})
    u = si.wait_for("env", ("exited", "failed"))
    assert u["state"] == "exited", (u, si.log())
    env = dict(l.split("=", 1) for l in (out / "env").read_text().splitlines() if "=" in l)
    assert env.get("GREETING") == "hello world", env
    assert env.get("PLAIN") == "1"
    assert env.get("THIRD") == "3"
    assert env.get("FROM_FILE") == "file value", env
    assert env.get("SECOND") == "2"
    assert "PATH" in env, "a unit gets a PATH"
    assert (out / "pwd").read_text().strip() == str(wd)


def test_default_working_directory_is_root(svcinit, workdir):
    out = workdir / "out"
    si = svcinit({"cwd": unit_text(f"sh -c 'pwd > {out}/pwd'", {"Type": "oneshot"})})
    si.wait_for("cwd", "exited")
    assert (out / "pwd").read_text().strip() == "/"


def test_output_is_prefixed_on_the_console(svcinit):
    si = svcinit({"talker": unit_text(
        "sh -c 'echo hello-out; echo hello-err >&2; printf partial-line'", {"Type": "oneshot"})})
    si.wait_for("talker", "exited")
    si.wait_log(r"^talker: hello-out$")
    si.wait_log(r"^talker: hello-err$")
    si.wait_log(r"^talker: partial-line$")


def test_output_of_a_running_unit(svcinit):
    si = svcinit({"ticker": unit_text(
        "sh -c 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done'",
        {"TimeoutStopSec": "2s"})})
    si.wait_for("ticker", "running")
    si.wait_log(r"^ticker: tick 3$")
    assert not [l for l in si.log().splitlines() if l.startswith("tick ")], \
        "unprefixed unit output on the console"


def _nice(pid):
    """Field 19 of /proc/PID/stat (after the command name in parentheses)."""
    stat = open(f"/proc/{pid}/stat").read()
    return int(stat[stat.rindex(")") + 2:].split()[16])


def test_svcinit_runs_above_its_units(svcinit):
    """Busy units must not starve PID 1: svcinit runs 5 nice levels above the
    value it started with, and units get that original value back."""
    si = svcinit({"plain": unit_text("sleep 1000")})
    u = si.wait_for("plain", "running")
    unit = next(p for p in si.ns_procs() if p["nspid"] == u["pid"])
    started = _nice(si.proc.pid)   # unshare: what svcinit was started with
    assert _nice(si.pid) == max(started - 5, -20)
    assert _nice(unit["host"]) == started


def test_user_is_looked_up_at_load_not_at_each_start(svcinit, workdir):
    """Issue 12, suspected: name service lookups on the loop at every start.
    User= is resolved when the file is loaded: once the user is gone from
    /etc/passwd (a bind over it in svcinit's own mount namespace), a restart
    still runs as its uid, without a lookup; the next reload of the changed
    file looks it up again, and the start fails naming the user."""
    uid = 61234
    passwd = workdir / "passwd"
    base = open("/etc/passwd").read()
    passwd.write_text(base + f"svcit-loaded:x:{uid}:{uid}::/nonexistent:/bin/sh\n")
    os.chmod(passwd, 0o644)
    si = svcinit({})
    nsmount = ["nsenter", "-t", str(si.pid), "-m"]
    subprocess.run(nsmount + ["mount", "--bind", str(passwd), "/etc/passwd"], check=True)
    try:
        out = workdir / "out" / "uid"
        text = unit_text(f"sh -c 'id -u > {out}; exec sleep 1000'",
                         {"User": "svcit-loaded", "Restart": "no", "TimeoutStopSec": "2s"})
        (si.units_dir / "u.service").write_text(text)
        assert si.ctl("reload").returncode == 0
        first = si.wait_for("u", "running")
        poll_until(lambda: out.exists() and out.read_text().strip(), what="u's uid")
        assert out.read_text().strip() == str(uid)
        # the user is gone; a restart needs no lookup
        with open(passwd, "w") as f:      # the same inode: the bind sees it
            f.write(base)
        out.unlink()
        assert si.ctl("restart", "u").returncode == 0
        si.wait_for("u", "running", pid=lambda p: p is not None and p != first["pid"])
        poll_until(lambda: out.exists() and out.read_text().strip(), what="u's uid again")
        assert out.read_text().strip() == str(uid)
        # a changed file is loaded again: the lookup fails, the start too
        (si.units_dir / "u.service").write_text(text + "Environment=V=2\n")
        assert si.ctl("reload").returncode == 0
        u = si.wait_for("u", ("failed", "stopped"))
        assert u["pid"] is None and "svcit-loaded" in u["error"], u
    finally:
        subprocess.run(nsmount + ["umount", "/etc/passwd"], check=False)
