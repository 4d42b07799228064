# SPDX-License-Identifier: MIT
"""svcinit -- COMMAND: exit codes as tini's, signal forwarding, and the
stop of everything when COMMAND ends."""
import os
import re
import signal
import time

from conftest import poll_until, unit_text


def script(workdir, name, text):
    p = workdir / name
    p.write_text("#!/bin/sh\n" + text)
    os.chmod(p, 0o755)
    return p


def run_entry(svcinit, command, units=None, timeout=30):
    si = svcinit(units or {}, command=command, wait=False)
    code = si.wait_exit(timeout)
    return si, code


def test_exit_code_is_commands(svcinit):
    si, code = run_entry(svcinit, ["sh", "-c", "echo from-command; exit 7"])
    assert code == 7, si.log()
    # COMMAND keeps svcinit's stdout: its line is there, unprefixed
    assert re.search(r"^from-command$", si.log(), re.M), si.log()


def test_exit_0(svcinit):
    _, code = run_entry(svcinit, ["true"])
    assert code == 0


def test_killed_by_signal_is_128_plus_n(svcinit):
    si, code = run_entry(svcinit, ["sh", "-c", "kill -TERM $$"])
    assert code == 143, si.log()
    si, code = run_entry(svcinit, ["sh", "-c", "kill -KILL $$"])
    assert code == 137, si.log()


def test_missing_command_is_127(svcinit, workdir):
    si, code = run_entry(svcinit, [str(workdir / "no-such-program")])
    assert code == 127, si.log()
    si, code = run_entry(svcinit, ["svcit-no-such-command-in-path"])
    assert code == 127, si.log()


def test_not_executable_is_126(svcinit, workdir):
    f = workdir / "not-exec"
    f.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(f, 0o644)
    si, code = run_entry(svcinit, [str(f)])
    assert code == 126, si.log()


def test_sigusr1_is_forwarded(svcinit, workdir):
    got, ready = workdir / "got", workdir / "ready"
    s = script(workdir, "usr1.sh", f"""
trap 'echo USR1 > {got}; exit 42' USR1
echo > {ready}
while :; do sleep 0.1; done
""")
    si = svcinit({}, command=["/bin/sh", str(s)], wait=False)
    poll_until(ready.exists, 20, "COMMAND to set its trap")
    si.signal(signal.SIGUSR1)
    assert si.wait_exit() == 42, si.log()
    assert got.read_text().strip() == "USR1"


def test_sigterm_is_forwarded_and_exit_code_is_commands(svcinit, workdir):
    got, ready = workdir / "got", workdir / "ready"
    s = script(workdir, "term.sh", f"""
trap 'echo TERM > {got}; exit 3' TERM
echo > {ready}
while :; do sleep 0.1; done
""")
    si = svcinit({}, command=["/bin/sh", str(s)], wait=False)
    poll_until(ready.exists, 20, "COMMAND to set its trap")
    si.signal(signal.SIGTERM)
    assert si.wait_exit() == 3, si.log()
    assert got.read_text().strip() == "TERM"


def test_units_are_stopped_when_command_ends(svcinit, workdir):
    go, stopped = workdir / "go", workdir / "unit-stopped"
    unit = script(workdir, "unit.sh", f"""
trap 'echo TERM > {stopped}; exit 0' TERM
while :; do sleep 0.1; done
""")
    si = svcinit({"svc": unit_text(f"/bin/sh {unit}", {"TimeoutStopSec": "5s"})},
                 command=["sh", "-c", f"while [ ! -e {go} ]; do sleep 0.1; done; exit 5"])
    u = si.wait_for("svc", "running")
    assert si.pid_alive(u["pid"])
    go.touch()
    assert si.wait_exit() == 5, si.log()
    # a graceful stop (TERM, trapped) and not the kernel's SIGKILL of the namespace
    assert stopped.read_text().strip() == "TERM"


def test_leftovers_get_sigterm_and_svcinit_does_not_linger(svcinit, workdir):
    left = workdir / "left-got"
    s = script(workdir, "leave.sh", f"""
sh -c 'trap "echo TERM > {left}; exit 0" TERM; while :; do sleep 0.1; done' &
sleep 0.3
exit 0
""")
    t0 = time.monotonic()
    si = svcinit({}, command=["/bin/sh", str(s)], wait=False)
    code = si.wait_exit(30)
    took = time.monotonic() - t0
    assert code == 0, si.log()
    assert left.exists() and left.read_text().strip() == "TERM", \
        "the leftover process did not get SIGTERM"
    assert took < 8, f"svcinit took {took:.1f}s though the leftover exited at once on SIGTERM"
