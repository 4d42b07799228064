# SPDX-License-Identifier: MIT
"""systemd's unit files, unmodified: a systemd tree under a temporary
--root with a template and its instances, an alias, a mask, drop-ins,
.wants/ links and a target. The right units start, once each, with their
command lines expanded; svcctl accepts aliases, cat shows the drop-ins,
start instantiates on demand; --check reports aliases, masks and drop-ins.
"""
import os
import subprocess
from pathlib import Path

from conftest import SVCINIT, poll_until, unit_text


def tree(root: Path, out: Path):
    lib = root / "lib/systemd/system"
    etc = root / "etc/systemd/system"
    wants = etc / "multi-user.target.wants"
    for d in (lib, etc, wants, etc / "web@.service.d"):
        d.mkdir(parents=True, exist_ok=True)
    starts = out / "starts"
    (lib / "web@.service").write_text(
        "[Unit]\nDescription=web %i\nDocumentation=man:web(8)\n"
        "[Service]\nEnvironment=GREETING=lib\n"
        f"ExecStart=/bin/sh -c 'echo %n %i ${{GREETING}} >> {starts}; exec sleep 1000'\n"
        # PrivateTmp= hides the host's /tmp (where out lies): ReadWritePaths= shows it
        f"PrivateTmp=yes\nReadWritePaths={out}\n[Install]\nWantedBy=multi-user.target\n")
    (etc / "web@.service.d/env.conf").write_text("[Service]\nEnvironment=GREETING=dropin\n")
    (lib / "db.service").write_text(
        f"[Service]\nExecStart=/bin/sh -c 'echo %n >> {starts}; exec sleep 1000'\n"
        "[Install]\nAlias=database.service\n")
    os.symlink("db.service", lib / "sql.service")
    (lib / "app.target").write_text("[Unit]\nWants=web@two.service sql.service\n")
    (lib / "masked.service").write_text(
        f"[Service]\nExecStart=/bin/sh -c 'echo %n >> {starts}; exec sleep 1000'\n")
    os.symlink("/dev/null", etc / "masked.service")
    (lib / "idle.service").write_text(
        f"[Service]\nExecStart=/bin/sh -c 'echo %n >> {starts}; exec sleep 1000'\n")
    os.symlink("/lib/systemd/system/web@.service", wants / "web@one.service")
    os.symlink("/lib/systemd/system/app.target", wants / "app.target")
    os.symlink("/lib/systemd/system/db.service", wants / "db.service")
    os.symlink("/lib/systemd/system/masked.service", wants / "masked.service")
    return starts


def test_systemd_tree_boot_set(svcinit, workdir):
    root = workdir / "root"
    out = workdir / "tree-out"
    out.mkdir()
    starts = tree(root, out)
    si = svcinit({}, extra_args=["--systemd", "--root", str(root)])
    for n in ("web@one", "web@two", "db"):
        si.wait_for(n, "running")
    lines = poll_until(lambda: (lambda l: l if len(l) >= 3 else None)(
        starts.read_text().splitlines() if starts.exists() else []), what="three starts")
    assert sorted(lines) == ["db.service", "web@one.service one dropin",
                             "web@two.service two dropin"], lines
    names = set(si.units())
    assert names == {"web@one", "web@two", "db"}, names   # no masked, idle, sql copy, template
    # systemd's defaults: host namespaces
    assert si.unit("db")["namespaces"] == [], si.unit("db")
    # aliases: one unit, several names
    for alias in ("sql", "database", "database.service"):
        r = si.ctl("status", alias)
        assert r.returncode == 0 and "db" in r.stdout, (alias, r.stdout, r.stderr)
    # cat and source: the file, then the drop-in
    r = si.ctl("cat", "web@one")
    assert r.returncode == 0, r.stderr
    heads = [l for l in r.stdout.splitlines() if l.startswith("# /")]
    assert heads == [f"# {root}/lib/systemd/system/web@.service",
                     f"# {root}/etc/systemd/system/web@.service.d/env.conf"], r.stdout
    assert "GREETING=dropin" in r.stdout
    assert si.unit("web@one")["source"] == [h[2:] for h in heads]
    # on demand: an instance, and a unit outside the boot set; a mask refuses
    r = si.ctl("start", "web@three")
    assert r.returncode == 0, r.stdout + r.stderr
    r = si.ctl("start", "idle")
    assert r.returncode == 0, r.stdout + r.stderr
    poll_until(lambda: "web@three.service three dropin" in starts.read_text() and
               "idle.service" in starts.read_text(), what="on-demand starts")
    r = si.ctl("start", "masked")
    assert r.returncode != 0 and "masked" in r.stdout + r.stderr, r
    assert "masked.service" not in starts.read_text()
    assert sorted(starts.read_text().splitlines()).count("db.service") == 1


def test_check_systemd_tree(workdir):
    root = workdir / "root"
    out = workdir / "tree-out"
    out.mkdir()
    tree(root, out)
    (root / "lib/systemd/system/bad.service").write_text("[Service]\nExecStart=/bin/true\nTypo=1\n")
    r = subprocess.run([str(SVCINIT), "--check", "--systemd", "--root", str(root)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r
    assert f"{root}/lib/systemd/system/bad.service:3: Typo=: unknown key" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1, r.stderr      # only that error; templates load
    assert f"{root}/lib/systemd/system/web@.service:3: Documentation= is not supported" in r.stdout
    assert f"{root}/etc/systemd/system/masked.service: masked" in r.stdout, r.stdout
    assert f"{root}/lib/systemd/system/sql.service: alias of db.service" in r.stdout, r.stdout
    assert "drop-in " + f"{root}/etc/systemd/system/web@.service.d/env.conf" in r.stdout
    (root / "lib/systemd/system/bad.service").unlink()
    r = subprocess.run([str(SVCINIT), "--check", "--systemd", "--root", str(root)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r          # warnings only
    r = subprocess.run([str(SVCINIT), "--check", "--strict", "--systemd", "--root", str(root)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r


def test_check_dir_with_a_space(workdir):
    d = workdir / "units"
    d.mkdir()
    (d / "bad.service").write_text("[Service]\nExecStart=/bin/true\nTypo=1\n")
    for argv in (["--check", str(d)], [f"--check={d}"], ["-u", str(d), "--check"]):
        r = subprocess.run([str(SVCINIT), *argv], capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and f"{d}/bad.service:3: Typo=" in r.stderr, (argv, r)


def test_check_prints_every_diagnostic(workdir):
    """--check prints every warning and error, also past the 256 a load
    keeps (the Debian tier counts them: its figures were short by half)."""
    d = workdir / "many"
    d.mkdir()
    for i in range(300):
        (d / f"w{i}.service").write_text("[Unit]\nDocumentation=man:x(1)\n"
                                         "[Service]\nExecStart=/bin/true\n")
    for i in range(260):
        (d / f"e{i}.service").write_text(f"[Service]\nExecStart=/bin/true\nTypo{i}=1\n")
    r = subprocess.run([str(SVCINIT), "--check", str(d)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r
    assert r.stdout.strip().splitlines()[-1] == f"{d}: 300 units loaded, 260 errors, 300 warnings", r.stdout
    assert r.stdout.count("Documentation= is not supported") == 300
    assert len([l for l in r.stderr.splitlines() if ": unknown key in [Service]" in l]) == 260
    assert "... and" not in r.stdout + r.stderr


def test_reload_keeps_units_started_on_demand(svcinit, workdir):
    """An instance and a unit outside the boot set, started with svcctl
    start, stay loaded across svcctl reload: unchanged, they run on; a
    change of their file restarts them with it; a removed file removes."""
    root = workdir / "root"
    out = workdir / "tree-out"
    out.mkdir()
    starts = tree(root, out)
    si = svcinit({}, extra_args=["--systemd", "--root", str(root)])
    for n in ("web@one", "web@two", "db"):
        si.wait_for(n, "running")
    for n in ("web@three", "idle"):
        r = si.ctl("start", n)
        assert r.returncode == 0, r.stdout + r.stderr
    pids = {n: si.wait_for(n, "running")["pid"] for n in ("web@three", "idle")}
    r = si.ctl("reload")
    assert r.returncode == 0, r.stdout + r.stderr
    for n in ("web@three", "idle"):
        u = si.unit(n)
        assert u["state"] == "running" and u["pid"] == pids[n], (n, u, si.log())
    # a change of the file is read: idle restarts with the new command
    lib = root / "lib/systemd/system"
    (lib / "idle.service").write_text(
        f"[Service]\nExecStart=/bin/sh -c 'echo %n new >> {starts}; exec sleep 1000'\n")
    r = si.ctl("reload")
    assert r.returncode == 0, r.stdout + r.stderr
    poll_until(lambda: "idle.service new" in starts.read_text(), what="idle restarted")
    si.wait_for("idle", "running")
    assert si.unit("web@three")["pid"] == pids["web@three"]
    # its file gone: removed as any unit
    (lib / "idle.service").unlink()
    r = si.ctl("reload")
    assert r.returncode == 0, r.stdout + r.stderr
    poll_until(lambda: "idle" not in si.units(), what="idle removed")
    assert si.unit("web@three")["pid"] == pids["web@three"]


def test_missing_unit_dir_loads_every_other_source(svcinit, workdir):
    """An explicit -u DIR that does not exist is an error on the console;
    the other -u directory and the --systemd boot set still load and run."""
    root = workdir / "root"
    out = workdir / "tree-out"
    out.mkdir()
    tree(root, out)
    missing = workdir / "no-such-dir"
    si = svcinit({"native": unit_text("sleep 1000")},
                 extra_args=["-u", str(missing), "--systemd", "--root", str(root)])
    for n in ("native", "web@one", "web@two", "db"):
        si.wait_for(n, "running")
    poll_until(lambda: f"{missing}: No such file or directory" in si.log(),
               what="the missing directory reported")


def test_a_long_wants_chain_is_loaded_whole(svcinit, workdir):
    """The boot set is walked with a work queue: a chain of Wants= longer
    than any recursion limit (the first loader stopped at depth 64, silently)
    loads every unit of it."""
    root = workdir / "root"
    lib = root / "lib/systemd/system"
    wants = root / "etc/systemd/system/multi-user.target.wants"
    lib.mkdir(parents=True)
    wants.mkdir(parents=True)
    n = 150
    for i in range(n):
        nxt = f"Wants=c{i + 1}.service\n" if i + 1 < n else ""
        (lib / f"c{i}.service").write_text(
            f"[Unit]\n{nxt}[Service]\nType=oneshot\nExecStart=/bin/true\n")
    (wants / "c0.service").symlink_to("/lib/systemd/system/c0.service")
    si = svcinit({}, extra_args=["--systemd", "--root", str(root)])
    names = poll_until(lambda: (lambda u: u if len(u) >= n else None)(si.units()), 30,
                       f"{n} units")
    assert set(names) == {f"c{i}" for i in range(n)}, sorted(names)[:5]
