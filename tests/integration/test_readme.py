# SPDX-License-Identifier: MIT
"""The README as a user reads it: its code blocks are taken from README.md
and run as written, so that an edit to the README that breaks a documented
command breaks this test.

- the first unit (the ```ini block of "A first unit") runs, isolated, and
  the svcctl lines after it work as written (SVCINIT_SOCKET points them at
  the test's socket, so the text is unchanged);
- the synopses and option tables of "svcinit" and "svcctl" match --help;
- every svcctl command the README lists works, with the exit codes it lists;
- the JSON fields and the states it lists are what svcinit reports;
- the unit-file syntax it describes (time and size suffixes, the ';' gotcha,
  FILE:LINE errors) is what svcinit accepts;
- `make demo`, the first of "The two commands", shows the status table;
- the packages of its apt-get line are the ones .ci/run installs.
"""
import json
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (NOBODY, ROOT, SVCCTL, SVCINIT, descendants, poll_until, proc_nspids,
                      unit_text)

# SVCINIT_README: try a README edit against this test before making it
README = Path(os.environ.get("SVCINIT_README", ROOT / "README.md"))
BUILD = SVCCTL.parent


# ---------------------------------------------------------------- README parsing

def readme():
    return README.read_text()


def section(title, text=None):
    """The body of the '## title' section (up to the next '## ')."""
    text = readme() if text is None else text
    m = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"README.md has no '## {title}' section"
    return m.group(1)


def fenced_blocks(text, lang):
    """Contents of ```lang fenced blocks."""
    return re.findall(rf"^```{re.escape(lang)}[ \t]*\n(.*?)^```", text, re.M | re.S)


def indented_blocks(text):
    """Markdown indented code blocks (4 spaces, after a blank line), dedented,
    with backslash continuations joined."""
    blocks, cur, prev_blank = [], None, True
    for line in text.splitlines():
        if line.startswith("    ") and (cur is not None or prev_blank):
            cur = [] if cur is None else cur
            cur.append(line[4:])
        elif not line.strip() and cur is not None:
            cur.append("")
        else:
            if cur is not None:
                blocks.append("\n".join(cur).strip("\n"))
            cur = None
        prev_blank = not line.strip()
    if cur is not None:
        blocks.append("\n".join(cur).strip("\n"))
    return [b.replace("\\\n", " ") for b in blocks]


def run_as_written(line, sock, units_dir=None, user=None, timeout=60):
    """Run a README command line through /bin/sh, unchanged, with build/ first
    on PATH, SVCINIT_SOCKET set to the test's socket and SVCINIT_UNITS to its
    unit directory."""
    env = dict(os.environ)
    env["PATH"] = f"{BUILD}:{env.get('PATH', '/usr/bin:/bin')}"
    env["SVCINIT_SOCKET"] = str(sock)
    if units_dir is not None:
        env["SVCINIT_UNITS"] = str(units_dir)
    env["NO_COLOR"] = "1"
    cmd = ["/bin/sh", "-c", line]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, env=env)


def words(line):
    return shlex.split(line, comments=True)


# ---------------------------------------------------------------- the first unit

def first_unit():
    """(name, text) of the README's first unit."""
    sec = section("A first unit")
    m = re.search(r"`/etc/svcinit/([A-Za-z0-9_.@-]+)\.service`", sec)
    assert m, "'A first unit' does not name its file /etc/svcinit/NAME.service"
    blocks = fenced_blocks(sec, "ini")
    assert blocks, "'A first unit' has no ```ini block"
    return m.group(1), blocks[0]


def host_pid(si, pid):
    """The host pid of a unit's process that svcinit sees as pid (the unit
    may have a PID namespace of its own below svcinit's)."""
    for h in descendants(si.pid):
        nsp = proc_nspids(h)
        if len(nsp) >= 2 and nsp[1] == pid:
            return h
    return None


def memory_limit_file(cgroup):
    """The unit's memory limit file: cgroup v2 memory.max, else (hybrid
    hosts) v1 memory.limit_in_bytes; None when neither exists."""
    for line in open("/proc/self/mountinfo"):
        left, _, right = line.partition(" - ")
        fstype, opts = right.split()[0], right.split()[-1].split(",")
        mnt = Path(left.split()[4])
        if fstype == "cgroup2":
            p = mnt / cgroup.lstrip("/") / "memory.max"
        elif fstype == "cgroup" and "memory" in opts:
            p = mnt / cgroup.lstrip("/") / "memory.limit_in_bytes"
        else:
            continue
        if p.exists():
            return p
    return None


def test_first_unit_runs_isolated_and_the_svcctl_lines_work(svcinit):
    name, text = first_unit()
    si = svcinit({name: text})
    u = si.wait_for(name, "running")

    # what the unit file asks for, seen from outside
    ns = re.search(r"^Namespaces=(.*)$", text, re.M)
    want_ns = set(ns.group(1).split()) - {"none"} if ns else {"pid", "net", "ipc", "mnt", "uts"}
    assert set(u["namespaces"]) == want_ns, u
    host = poll_until(lambda: host_pid(si, u["pid"]), what=f"{name}'s process")
    if re.search(r"^User=nobody$", text, re.M):
        status = Path(f"/proc/{host}/status").read_text()
        assert re.search(rf"^Uid:\s+{NOBODY}\s", status, re.M), status
    m = re.search(r"^MemoryMax=(\d+)M$", text, re.M)
    if m:
        f = memory_limit_file(u["cgroup"]) if u["cgroup"] else None
        if f is not None:
            assert f.read_text().strip() == str(int(m.group(1)) << 20)
        else:
            assert any("MemoryMax" in w for w in u["warnings"]), u
    port = re.search(r"http\.server (\d+)", text)
    if port:
        probe = ("import urllib.request, sys; "
                 f"sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:{port.group(1)}/', "
                 "timeout=5).status == 200 else 1)")

        # in its own network namespace, or the host's
        enter = ["nsenter", "-t", str(host), "-n"] if "net" in want_ns else []

        def answers():
            return subprocess.run([*enter, "/usr/bin/python3", "-c", probe], capture_output=True,
                                  timeout=30).returncode == 0
        poll_until(answers, what=f"{name} to answer on port {port.group(1)}")

    # "Run svcinit ..., then:" and the svcctl (and svcinit --check) lines, as written
    lines = [l for b in indented_blocks(section("A first unit"))
             for l in b.splitlines() if re.match(r"\s*(svcctl\b|svcinit --check\b)", l)]
    assert any(l.strip().startswith("svcctl") for l in lines), \
        "'A first unit' shows no svcctl command"
    for line in (l.strip() for l in lines):
        before = si.unit(name)
        r = run_as_written(line, si.sock, units_dir=si.units_dir)
        assert r.returncode == 0, f"`{line}` exited {r.returncode}: {r.stdout} {r.stderr}"
        w = [x for x in words(line)[1:] if x != "--json"]
        if line.startswith("svcinit"):
            continue
        if w == ["status"] and "--json" not in line:
            assert re.search(rf"^{re.escape(name)}\s+running\b", r.stdout, re.M), r.stdout
        elif w[:1] == ["status"]:
            data = json.loads(r.stdout)
            assert [d["name"] for d in data] == w[1:] or w[1:] == [], data
        elif w[:1] == ["restart"]:
            after = si.wait_for(name, "running")
            assert after["pid"] != before["pid"], (before, after)
        elif w[:1] == ["stop"]:
            after = si.unit(name)
            assert after["state"] == "stopped" and after["pid"] is None, after
        elif w[:1] == ["start"]:
            assert si.unit(name)["state"] == "running"


def test_a_unit_file_with_an_error_is_reported_and_the_others_start(svcinit, workdir):
    sec = section("A first unit")
    assert "FILE:LINE: what is" in " ".join(sec.split())
    name, text = first_unit()
    bad = {
        "unknown": "[Service]\nExecStart=/bin/sleep 100\nNoSuchKey=1\n",
        "badvalue": "[Service]\nExecStart=/bin/sleep 100\nRestartSec=soon\n",
        "noexec": "[Unit]\nDescription=x\n[Service]\nUser=nobody\n",
    }
    si = svcinit({name: text, **bad})
    si.wait_for(name, "running")
    log = si.log()
    assert re.search(r"unknown\.service:3: ", log), log
    assert re.search(r"badvalue\.service:3: ", log), log
    assert re.search(r"noexec\.service:3: .*ExecStart", log), log
    assert set(si.units()) == {name}
    for b in bad:
        assert si.ctl("is-active", b).returncode == 3
    # the same, without running anything
    r = subprocess.run([str(SVCINIT), f"--check={si.units_dir}"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1, r
    for b in bad:
        assert f"{b}.service:3: " in r.stderr, r.stderr


# ---------------------------------------------------------------- --help

def test_svcinit_synopsis_and_options_match_help():
    sec = section("svcinit")
    synopsis = indented_blocks(sec)[0].strip()
    assert synopsis.startswith("svcinit ")
    r = subprocess.run([str(SVCINIT), "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r
    assert f"Usage: {synopsis}" in r.stdout, r.stdout
    # the option table: | `-u, --units DIR` | default (`$ENV`) |
    rows = re.findall(r"^\| `([^`]+)` \| (.*) \|$", sec, re.M)
    assert rows, "no option table in '## svcinit'"
    for opt, default in rows:
        assert opt in r.stdout, f"README option {opt!r} not in svcinit --help"
        for lit in re.findall(r"`\$?([^`]+)`", default):
            assert lit in r.stdout, f"README default {lit!r} of {opt!r} not in svcinit --help"
    v = subprocess.run([str(SVCINIT), "--version"], capture_output=True, text=True, timeout=10)
    assert v.returncode == 0 and v.stdout.startswith("svcinit "), v


def readme_svcctl_commands():
    """[(command, [arg tokens])] from the README's svcctl paragraph:
    `start|stop|restart|pause|resume NAME...` gives five entries."""
    sec = section("svcctl")
    para = " ".join(sec.split()).split("Exit codes:")[0]
    out = []
    for item in re.findall(r"`([a-z][^`]*)`", para):
        head, *args = item.split()
        for c in head.split("|"):
            out.append((c, args))
    return out


def test_svcctl_synopsis_and_commands_match_help():
    sec = section("svcctl")
    synopsis = indented_blocks(sec)[0].strip()
    r = subprocess.run([str(SVCCTL), "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r
    assert f"Usage: {synopsis}" in r.stdout, r.stdout
    cmds = readme_svcctl_commands()
    names = [c for c, _ in cmds]
    for c in ("status", "start", "stop", "restart", "pause", "resume", "reload", "logs", "wait",
              "is-active", "poweroff", "reboot", "halt"):
        assert c in names, f"the README's svcctl section does not list {c}"
    for c, args in cmds:
        if c == "help":
            h = subprocess.run([str(SVCCTL), "help"], capture_output=True, text=True, timeout=10)
            assert h.returncode == 0 and "Usage: svcctl" in h.stdout, h
            continue
        line = next((l for l in r.stdout.splitlines() if l.split()[:1] == [c]), None)
        assert line, f"svcctl --help does not list {c}"
        for a in args:
            assert a in line.split(), f"README's `{c} {' '.join(args)}`: {a!r} not in {line!r}"
        h = subprocess.run([str(SVCCTL), c, "--help"], capture_output=True, text=True, timeout=10)
        assert h.returncode == 0 and "Usage: svcctl" in h.stdout, h
    codes = re.search(r"Exit codes: (.*?)\.", " ".join(sec.split())).group(1)
    for n in range(6):
        assert f"{n} " in codes
        assert re.search(rf"\b{n} ", r.stdout.split("Exit codes:")[1]), r.stdout


# ---------------------------------------------------------------- every svcctl command

LOOP = "/bin/sh -c 'i=0; while :; do i=$((i+1)); echo line $i; sleep 0.2; done'"


def test_every_listed_svcctl_command_works_with_its_exit_codes(svcinit, workdir):
    units = {
        "web": unit_text(LOOP, unit={"Description": "README web"}),
        "job": unit_text("/bin/true", service={"Type": "oneshot"}),
        "broken": unit_text("/nonexistent/program", service={"Restart": "no"}),
    }
    si = svcinit(units)
    si.wait_for("web", "running")
    si.wait_for("job", "exited")
    si.wait_for("broken", "failed")
    sock = si.sock

    def ok(*args, code=0, user=None):
        r = si.ctl(*args, user=user)
        assert r.returncode == code, f"svcctl {' '.join(args)}: {r.returncode} {r.stdout} {r.stderr}"
        return r

    done = set()
    for cmd, _ in readme_svcctl_commands():
        done.add(cmd)
        if cmd == "status":
            assert "web" in ok("status").stdout
            assert "README web" in ok("status", "web").stdout
            assert {d["name"] for d in json.loads(ok("--json", "status").stdout)} == set(units)
        elif cmd == "start":
            ok("stop", "web")
            ok("start", "web")
            assert si.unit("web")["state"] == "running"
            ok("start", "broken", code=1)           # 1: the operation failed
        elif cmd == "stop":
            ok("stop", "web")
            assert si.unit("web")["state"] == "stopped"
            ok("start", "web")
        elif cmd == "restart":
            pid = si.unit("web")["pid"]
            ok("restart", "web")
            assert si.unit("web")["pid"] not in (None, pid)
        elif cmd == "pause":
            ok("pause", "web")
            assert si.unit("web")["state"] == "paused"
            ok("is-active", "web")                  # paused counts as active
        elif cmd == "resume":
            if si.unit("web")["state"] != "paused":
                ok("pause", "web")
            ok("resume", "web")
            assert si.unit("web")["state"] == "running"
        elif cmd == "reload":
            (si.units_dir / "extra.service").write_text(unit_text("/bin/sleep 1000"))
            ok("reload")
            si.wait_for("extra", "running")
            # with names: ExecReload=; web has none, an error
            assert "ExecReload" in ok("reload", "web", code=1).stderr
        elif cmd == "daemon-reload":
            (si.units_dir / "extra2.service").write_text(unit_text("/bin/sleep 1000"))
            ok("daemon-reload")
            si.wait_for("extra2", "running")
            ok("daemon-reload", "web", code=2)
        elif cmd == "health":
            ok("health", "web", code=3)             # 3: web has no HealthCheck=
            ok("health", "nosuch", code=3)
            ok("health", "web", code=4, user=NOBODY)
        elif cmd == "kill":
            ok("kill", "-s", "CONT", "web")         # harmless: web goes on
            assert si.unit("web")["state"] == "running"
            ok("kill", "-s", "KILL", "web", code=4, user=NOBODY)
        elif cmd == "show":
            pid = si.unit("web")["pid"]
            assert f"MainPID={pid}" in ok("show", "web").stdout.splitlines()
            assert ok("show", "web", "-p", "ActiveState", "--value").stdout == "active\n"
            ok("show", "nope", code=3)
        elif cmd == "logs":
            si.wait_for(lambda s: "line" in s.ctl("logs", "-n", "1", "web").stdout)
            out = ok("logs", "-n", "1", "web").stdout
            assert len(out.splitlines()) == 1 and out.startswith("line "), out
            # -f follows until interrupted, then exits 0
            p = subprocess.Popen([str(SVCCTL), "-s", str(sock), "logs", "-n", "0", "-f", "web"],
                                 stdout=subprocess.PIPE, text=True)
            first = p.stdout.readline()
            p.send_signal(signal.SIGINT)
            assert p.wait(timeout=10) == 0 and first.startswith("line "), first
            p.stdout.close()
        elif cmd == "wait":
            ok("wait", "--timeout", "5", "web", "job")
            ok("stop", "web")
            ok("wait", "--timeout", "1", "web", code=1)   # not ready in time
            ok("start", "web")
        elif cmd == "is-active":
            ok("is-active", "web")
            ok("is-active", "job", code=3)          # exited: not active
            ok("is-active", "nosuch", code=3)       # no such unit
        elif cmd == "top":
            out = ok("top", "-n", "1", user=NOBODY).stdout
            assert out.startswith("svcctl top - ") and "\nweb " in out, out
        elif cmd == "exec":
            assert "/web.service" in ok("exec", "web", "--", "cat", "/proc/self/cgroup").stdout
            ok("exec", "web", "--", "true", user=NOBODY, code=4)   # root only
        elif cmd == "metrics":
            out = ok("metrics", user=NOBODY).stdout    # anyone may read them
            assert "svcinit_up 1" in out and 'svcinit_unit_state{unit="web",state="running"} 1' in out
        elif cmd == "list-sockets":
            out = ok("list-sockets", user=NOBODY).stdout   # anyone may list them
            assert out.split()[:4] == ["LISTEN", "TYPE", "UNIT", "ACTIVATES"]
            assert "0 sockets listed." in out
        elif cmd == "list-timers":
            out = ok("list-timers", user=NOBODY).stdout
            assert out.split()[:6] == ["NEXT", "LEFT", "LAST", "PASSED", "UNIT", "ACTIVATES"]
            assert "0 timers listed." in out
        elif cmd == "help":
            assert "Usage: svcctl" in ok("help").stdout
            assert "Usage: svcctl" in ok("help", "logs").stdout
        elif cmd in ("poweroff", "reboot", "halt"):
            pass                                    # below: each one ends svcinit
        else:
            pytest.fail(f"the README lists svcctl {cmd}, which this test does not know")
    assert {"status", "start", "stop", "restart", "pause", "resume", "reload", "logs", "wait",
            "is-active", "poweroff", "reboot", "halt"} <= done

    # the rest of the exit codes the README lists
    ok("frobnicate", code=2)                        # usage
    ok("stop", "nosuch", code=3)                    # no such unit
    ok("status", user=NOBODY)                       # status, wait, is-active: anyone
    ok("is-active", "web", user=NOBODY)
    ok("wait", "--timeout", "5", "web", user=NOBODY)
    ok("stop", "web", code=4, user=NOBODY)          # everything else: root only
    ok("logs", "web", code=4, user=NOBODY)
    r = subprocess.run([str(SVCCTL), "-s", str(workdir / "nonexistent"), "status"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 5, r                     # unreachable

    # poweroff, reboot and halt: in a container, stop everything and exit 0
    assert "web" in si.units()
    ok("poweroff")
    assert si.wait_exit() == 0
    for how in ("reboot", "halt"):
        s2 = svcinit({"web": unit_text("/bin/sleep 1000")})
        s2.wait_for("web", "running")
        r = s2.ctl(how)
        assert r.returncode == 0, r
        assert s2.wait_exit() == 0


def test_json_fields_are_the_ones_the_readme_lists(svcinit):
    sec = " ".join(section("svcctl").split())
    m = re.search(r"contract \(`([^`]+)`\)", sec)
    assert m, "the README no longer lists the JSON fields as (`name description ...`)"
    listed = set(m.group(1).split())
    extra = re.search(r"plus (.*?)\.", sec[m.end():])
    listed |= set(re.findall(r"`(\w+)`", extra.group(1))) if extra else set()
    si = svcinit({"web": unit_text("/bin/sleep 1000")})
    u = si.wait_for("web", "running")
    assert listed <= set(u), f"listed in the README, not in --json status: {listed - set(u)}"
    assert len(listed) >= 16


def test_states_are_the_ones_the_readme_lists():
    sec = section("States")
    first = " ".join(sec.split()).split(". ")[0]      # the list, up to its full stop
    states = set(re.findall(r"`([a-z]+)`", first))
    assert states == {"stopped", "starting", "running", "paused", "stopping", "restarting",
                      "exited", "failed"}, states
    # and the man page documents each
    man = (ROOT / "init" / "svcctl.8").read_text()
    for s in states:
        assert f".It Sy {s}" in man, s


# ---------------------------------------------------------------- unit-file syntax

def check_dir(workdir, units):
    d = workdir / f"check{time.monotonic_ns()}"
    d.mkdir()
    for n, t in units.items():
        (d / f"{n}.service").write_text(t)
    return subprocess.run([str(SVCINIT), f"--check={d}"], capture_output=True, text=True,
                          timeout=30)


def test_unit_file_syntax_as_the_readme_describes_it(workdir):
    sec = " ".join(section("Unit files").split())
    times = re.search(r"Time values take `([^`]+)` suffixes", sec).group(1).split()
    sizes = re.search(r"Sizes take `([^`]+)`", sec).group(1).split()
    assert {"ms", "s", "min"} <= set(times) and {"K", "M", "G"} <= set(sizes)
    good = {}
    for i, t in enumerate(times):
        good[f"t{i}"] = unit_text("/bin/true", service={"RestartSec": f"2{t}"})
    good["bare"] = unit_text("/bin/true", service={"RestartSec": "2"})     # bare number: seconds
    for i, s in enumerate(sizes):
        good[f"s{i}"] = unit_text("/bin/true", service={"MemoryMax": f"1{s}"})
    good["inf"] = unit_text("/bin/true", service={"MemoryMax": "infinity"})
    good["semi"] = unit_text('/bin/sh -c "true;true"')
    r = check_dir(workdir, good)
    assert r.returncode == 0, r.stderr
    # systemd's syntax, as the README says: a ';' inside a value is value
    assert "a ; b" in sec
    r = check_dir(workdir, {"semi2": unit_text('/bin/sh -c "true ; true"')})
    assert r.returncode == 0, r
    # an unknown suffix is an error with FILE:LINE
    r = check_dir(workdir, {"fortnights": unit_text("/bin/true", service={"RestartSec": "2fn"})})
    assert r.returncode == 1 and "fortnights.service:4: RestartSec=" in r.stderr, r


def test_the_readmes_paths_exist():
    text = readme()
    paths = set(re.findall(r"`((?:\.ci|init|units|docs|contrib|scripts|tests|services|mk|bench)"
                           r"/[^`\s]*)`", text))
    paths |= set(re.findall(r"\]\(((?:init|units|docs|contrib|scripts|tests)/[^)\s#]+)", text))
    paths |= set(re.findall(r"\bman -l ([\w./-]+)", text))
    assert paths
    for p in sorted(paths):
        assert (ROOT / p).exists(), f"README.md names {p}, which does not exist"


def test_the_layout_names_every_source_file():
    """The Layout section matches the tree (issue 13): every C file and
    generated table of the product's rooms is named there, each name
    exists."""
    m = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", readme(), re.M | re.S)
    assert m, "README.md has no Layout section"
    layout = m.group(1)
    named = set(re.findall(r"\b([\w-]+\.(?:c|inc))\b", layout))
    for room in ("init", "services", "units", "lib"):
        for f in sorted((ROOT / room).iterdir()):
            if f.suffix in (".c", ".inc"):
                assert f.name in named, f"README.md's Layout does not name {room}/{f.name}"
    files = {f.name for room in ("init", "services", "units", "lib") for f in (ROOT / room).iterdir()}
    for n in sorted(named):
        assert n in files, f"README.md's Layout names {n}, which is not in init/ services/ units/ lib/"


# ---------------------------------------------------------------- the two commands

def test_make_demo_shows_the_status_table():
    sec = section("The two commands")
    assert "make demo" in sec
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(["make", "-s", "demo"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    table = r.stdout.split("== svcctl status\n", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^UNIT\s+STATE\b", table, re.M), table
    states = dict(re.findall(r"^(\S+)\s+(\S+)", table, re.M)[1:])
    examples = {p.stem for p in (ROOT / "units" / "examples").glob("*.service")}
    assert set(states) == examples, table
    assert states.get("web") == "running" and states.get("setup") == "exited", table


def test_ci_installs_the_readmes_packages():
    sec = section("The two commands")
    m = re.search(r"apt-get install -y (.*?)\n\s*make demo", sec, re.S)
    assert m, "no apt-get install line before `make demo`"
    wanted = set(m.group(1).replace("\\", " ").split())
    ci = (ROOT / ".ci" / "run").read_text()
    inst = re.search(r"apt-get install(.*?)(?:>|\n\n)", ci, re.S).group(1)
    have = {w for w in inst.replace("\\", " ").split() if not w.startswith("-")}
    assert wanted <= have, f"in the README, not in .ci/run: {wanted - have}"
