# SPDX-License-Identifier: MIT
"""Issue 12, finding 5: a unit's own user must never make svcinit (root)
follow what that user can write.

The actor is the unit's user (nobody): it owns a directory that holds the
paths the admin wrote into the unit (its append: log, its EnvironmentFile=,
its WorkingDirectory=, a BindPaths= source, OverlayUpper=) and replaces them
with symlinks to root-only files, then the unit is restarted. The targets
are the test's own files under a 0700 root directory, never the host's.
"""
import os
import shutil
import subprocess

from conftest import NOBODY, poll_until, unit_text

SECRET = "svcit-root-only-secret"


def as_nobody(*cmd):
    subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                    *map(str, cmd)], check=True, timeout=30)


def layout(workdir):
    """mine/: the unit user's directory; vault/: root's (0700) with a
    root-only file, a root-only env file and a world-readable inner dir
    that nobody can reach only through vault/."""
    mine = workdir / "mine"
    mine.mkdir()
    os.chown(mine, NOBODY, NOBODY)
    vault = workdir / "vault"
    vault.mkdir()
    os.chmod(vault, 0o700)
    target = vault / "target"
    target.write_text("root data\n")
    os.chmod(target, 0o600)
    env = vault / "env"
    env.write_text(f"SECRET={SECRET}\n")
    os.chmod(env, 0o600)
    inner = vault / "inner"
    inner.mkdir()
    os.chmod(inner, 0o755)
    (inner / "s").write_text(SECRET + "\n")
    os.chmod(inner / "s", 0o644)
    return mine, vault, target, env, inner


def test_append_log_replaced_by_a_symlink_is_not_followed(svcinit, workdir):
    mine, vault, target, _, _ = layout(workdir)
    log = mine / "out.log"
    # the unit itself swaps its log for a symlink to root's file
    swap = f"[ -L {log} ] || {{ rm -f {log}; ln -s {target} {log}; }}"
    si = svcinit({"victim": unit_text(
        f"sh -c 'echo run; {swap}; exec sleep 1000'",
        {"User": "nobody", "StandardOutput": f"append:{log}", "StandardError": f"append:{log}",
         "Restart": "no"})})
    si.wait_for("victim", "running")
    poll_until(lambda: log.is_symlink(), what="the unit to replace its log")
    before = target.stat()
    si.ctl("restart", "victim")
    u = si.wait_for("victim", "failed")
    assert str(log) in u["error"] and "ermission denied" in u["error"], u["error"]
    assert target.read_text() == "root data\n"
    assert target.stat().st_size == before.st_size


def test_file_output_that_is_a_directory_is_refused(svcinit, workdir):
    mine, _, _, _, _ = layout(workdir)
    d = mine / "dir.log"
    d.mkdir()
    os.chown(d, NOBODY, NOBODY)
    si = svcinit({"victim": unit_text("true", {"User": "nobody", "StandardOutput": f"file:{d}",
                                               "Restart": "no"})})
    u = si.wait_for("victim", "failed")
    assert str(d) in u["error"], u["error"]


def test_environment_file_replaced_by_a_symlink_is_not_read(svcinit, workdir):
    mine, _, _, env, _ = layout(workdir)
    envfile = mine / "env"
    envfile.write_text("MINE=1\n")
    os.chown(envfile, NOBODY, NOBODY)
    swap = f"[ -L {envfile} ] || {{ rm -f {envfile}; ln -s {env} {envfile}; }}"
    si = svcinit({"victim": unit_text(
        f"sh -c 'echo SECRET=$SECRET; {swap}; exec sleep 1000'",
        {"User": "nobody", "EnvironmentFile": f"-{envfile}", "Restart": "no"})})
    si.wait_for("victim", "running")
    poll_until(lambda: envfile.is_symlink(), what="the unit to replace its env file")
    si.ctl("restart", "victim")
    u = si.wait_for("victim", "failed")
    assert str(envfile) in u["error"] and "ermission denied" in u["error"], u["error"]
    assert SECRET not in si.log()


def test_environment_file_that_is_a_fifo_is_refused_without_hanging(svcinit, workdir):
    mine, _, _, _, _ = layout(workdir)
    fifo = mine / "env"
    as_nobody("mkfifo", fifo)
    # a writer that never writes: a blocking read would wait forever
    holder = subprocess.Popen(["sh", "-c", f"exec 3<>{fifo}; exec sleep 1000"])
    try:
        si = svcinit({"victim": unit_text("sleep 1000", {
            "User": "nobody", "EnvironmentFile": str(fifo), "Restart": "no"})})
        u = si.wait_for("victim", "failed")
        assert str(fifo) in u["error"] and "regular file" in u["error"], u["error"]
        r = si.ctl("status")
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        holder.kill()
        holder.wait()


def test_working_directory_replaced_by_a_symlink_is_entered_as_the_user(svcinit, workdir):
    mine, _, _, _, inner = layout(workdir)
    wd = mine / "wd"
    as_nobody("ln", "-s", inner, wd)
    si = svcinit({"victim": unit_text("sh -c 'cat s; exec sleep 1000'", {
        "User": "nobody", "WorkingDirectory": str(wd), "Restart": "no"})})
    u = si.wait_for("victim", "failed")
    assert "director" in u["error"] and "ermission denied" in u["error"], u["error"]
    assert SECRET not in si.log()


def test_bind_source_replaced_by_a_symlink_is_resolved_as_the_user(svcinit, workdir):
    mine, _, _, _, inner = layout(workdir)
    src = mine / "src"
    as_nobody("ln", "-s", inner, src)
    si = svcinit({"victim": unit_text("/bin/sh -c 'cat /data/s; exec sleep 1000'", {
        "User": "nobody", "BindPaths": f"{src}:/data", "Restart": "no"}, namespaces=None)})
    u = si.wait_for("victim", "failed")
    assert str(src) in u["error"] and "ermission denied" in u["error"], u["error"]
    assert SECRET not in si.log()


def test_overlay_upper_replaced_by_a_symlink_is_refused(svcinit, workdir):
    mine, _, _, _, inner = layout(workdir)
    ovl = mine / "ovl"
    as_nobody("mkdir", ovl)
    as_nobody("ln", "-s", inner, ovl / "upper")
    si = svcinit({"victim": unit_text("/bin/sh -c 'cat /s; exec sleep 1000'", {
        "User": "nobody", "OverlayUpper": str(ovl), "Restart": "no"}, namespaces=None)})
    u = si.wait_for("victim", "failed")
    assert "upper" in u["error"], u["error"]
    assert SECRET not in si.log()
    assert sorted(os.listdir(inner)) == ["s"], "svcinit created something in root's directory"


def test_root_directory_replaced_by_a_symlink_is_resolved_as_the_user(svcinit, workdir):
    mine, _, _, _, inner = layout(workdir)
    root = mine / "root"
    as_nobody("ln", "-s", inner, root)
    si = svcinit({"victim": unit_text("/s", {
        "User": "nobody", "RootDirectory": str(root), "Restart": "no"}, namespaces=None)})
    u = si.wait_for("victim", "failed")
    assert "RootDirectory" in u["error"] and "ermission denied" in u["error"], u["error"]


# ---------------------------------------------------------------- leftovers of finding 5
# The staging directory RUN_DIR/.stage/NAME (RUN_DIR: the control socket's
# directory) and the exec lookup inside RootDirectory= are walked by root.

def _tiny_root(root):
    """A busybox root: /bin/busybox and an applet symlink or two."""
    assert os.access("/bin/busybox", os.X_OK), "busybox-static is not installed"
    for d in ("bin", "etc", "proc", "sys", "dev", "tmp", "opt/bb"):
        (root / d).mkdir(parents=True, exist_ok=True)
    shutil.copy2("/bin/busybox", root / "opt" / "bb" / "busybox")
    os.symlink("../opt/bb/busybox", root / "bin" / "busybox")


def test_exec_lookup_follows_symlinks_inside_the_root(svcinit, workdir):
    """ExecStart=/bin/sleep in a root where /bin/sleep -> /opt/bb/busybox (an
    absolute link that means the root's /opt, which the host does not have):
    the lookup resolves it inside the root, as the kernel's exec will."""
    root = workdir / "root"
    _tiny_root(root)
    assert not os.path.exists("/opt/bb/busybox")
    os.symlink("/opt/bb/busybox", root / "bin" / "sleep")
    si = svcinit({"inroot": unit_text("/bin/sleep 1000", {
        "RootDirectory": str(root), "Restart": "no"}, namespaces=None)})
    u = si.wait_for("inroot", ("running", "failed"))
    assert u["state"] == "running", u.get("error")


def test_exec_lookup_does_not_follow_a_symlink_out_of_the_root(svcinit, workdir):
    """/bin/probe -> /etc/passwd inside the root: the root's /etc/passwd (it
    has none), never the host's (which exists, not executable: svcinit
    would say "Permission denied" from a stat on the host)."""
    root = workdir / "root"
    _tiny_root(root)
    os.symlink("/etc/passwd", root / "bin" / "probe")
    os.symlink("../../../../../../../../etc/passwd", root / "bin" / "probe2")
    si = svcinit({"probe": unit_text("/bin/probe", {
        "RootDirectory": str(root), "Restart": "no"}, namespaces=None),
        "probe2": unit_text("/bin/probe2", {
            "RootDirectory": str(root), "Restart": "no"}, namespaces=None)})
    for name in ("probe", "probe2"):
        u = si.wait_for(name, "failed")
        assert "command not found" in u["error"], u["error"]


def test_staging_directory_symlink_is_not_followed(svcinit, workdir):
    """RUN_DIR/.stage planted as a symlink to a directory of the unit's user:
    svcinit neither makes NAME there nor mounts on it; the unit fails and
    says why."""
    mine = workdir / "mine"
    mine.mkdir()
    os.chown(mine, NOBODY, NOBODY)
    si = svcinit({"iso": unit_text("/bin/sleep 1000", {"Restart": "no"}, namespaces=None)},
                 start=False)
    os.symlink(mine, si.dir / ".stage")
    si.start()
    u = si.wait_for("iso", ("running", "failed"))
    assert u["state"] == "failed", "the unit started on a planted staging directory"
    assert ".stage" in u["error"], u["error"]
    assert os.listdir(mine) == [], "svcinit made its staging directory through the symlink"


def test_staging_directory_of_another_owner_is_refused(svcinit, workdir):
    """RUN_DIR/.stage/NAME that is a symlink, or a directory of another user,
    or .stage itself writable by others: refused, nothing made through it."""
    mine = workdir / "mine"
    mine.mkdir()
    os.chown(mine, NOBODY, NOBODY)
    si = svcinit({"linked": unit_text("/bin/sleep 1000", {"Restart": "no"}, namespaces=None),
                  "owned": unit_text("/bin/sleep 1000", {"Restart": "no"}, namespaces=None)},
                 start=False)
    stage = si.dir / ".stage"
    stage.mkdir(mode=0o700)
    os.symlink(mine, stage / "linked")
    (stage / "owned").mkdir(mode=0o700)
    os.chown(stage / "owned", NOBODY, NOBODY)
    si.start()
    for name in ("linked", "owned"):
        u = si.wait_for(name, ("running", "failed"))
        assert u["state"] == "failed", f"{name} started on a planted staging directory"
        assert name in u["error"] and ".stage" in u["error"], u["error"]
    assert os.listdir(mine) == []
    assert stage.joinpath("linked").is_symlink()


def test_staging_directory_writable_by_others_is_refused(svcinit, workdir):
    si = svcinit({"iso": unit_text("/bin/sleep 1000", {"Restart": "no"}, namespaces=None)},
                 start=False)
    stage = si.dir / ".stage"
    stage.mkdir()
    os.chmod(stage, 0o777)
    si.start()
    u = si.wait_for("iso", ("running", "failed"))
    assert u["state"] == "failed", "the unit started on a planted staging directory"
    assert ".stage" in u["error"], u["error"]
    assert os.listdir(stage) == []
