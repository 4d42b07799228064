# SPDX-License-Identifier: MIT
"""Subreaper mode: svcinit started as an ordinary process (not PID 1 of any
PID namespace), here from a shell-like parent with no outer supervisor (no
$NOTIFY_SOCKET). It sets PR_SET_CHILD_SUBREAPER, so the orphans of its units
come to it and are reaped; otherwise it acts as in container mode (SIGTERM
stops everything and it exits 0; -- COMMAND gives COMMAND's exit code).

test_outer_systemd.py covers the same mode under systemd (READY=1,
STOPPING=1, one orphan re-parented and reaped, everything stopped); this adds
the mode as detected and logged, many orphans at once with no zombie left,
the entrypoint's exit code, and no cgroup left behind.
"""
import os
import secrets
import signal
import subprocess

import pytest

from conftest import (SVCINIT, children, descendants, poll_until, proc_cmdline, proc_stat,
                      run_svcctl, unit_text, wait_answering, write_units)
from harness import ConsoleLog, remove_cgroup


class Subreaper(ConsoleLog):
    def __init__(self, workdir, units, command=None, env=None):
        self.dir = workdir
        self.units_dir = workdir / "units"
        self.sock = workdir / "control"
        self.log_path = workdir / "console.log"
        self.cgroup_base = "/svcinit-test-" + secrets.token_hex(6)
        write_units(self.units_dir, units)
        argv = [str(SVCINIT), "-v", "-u", str(self.units_dir), "-s", str(self.sock),
                "--cgroup", self.cgroup_base]
        if command:
            argv += ["--", *command]
        e = {k: v for k, v in os.environ.items()
             if k not in ("SVCINIT_SOCKET", "SVCINIT_UNITS", "NOTIFY_SOCKET")}
        e.update(env or {})
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, env=e, start_new_session=True)
        self.pid = self.proc.pid

    def wait_socket(self):
        wait_answering(self, what="the control socket")

    def unit_state(self, name):
        r = run_svcctl(self.sock, "is-active", name)
        return r.returncode == 0

    def cleanup(self):
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for p in descendants(self.pid):
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        left, _ = remove_cgroup(self.cgroup_base)
        return [str(d) for d in left]


@pytest.fixture
def subreaper(workdir):
    made = []

    def make(units, command=None, env=None):
        s = Subreaper(workdir, units, command, env)
        made.append(s)
        return s
    yield make
    for s in made:
        left = s.cleanup()
        assert not left, f"svcinit left its cgroups behind: {left}"


ORPHANS = """#!/bin/sh
i=0
while [ $i -lt 30 ]; do
    ( sleep 1 & )
    i=$((i+1))
done
echo "made 30 orphans"
exec sleep 100000
"""


def test_subreaper_adopts_and_reaps_orphans(subreaper, workdir):
    script = workdir / "orphans.sh"
    script.write_text(ORPHANS)
    os.chmod(script, 0o755)
    s = subreaper({"orphans": unit_text(str(script)),
                   "steady": unit_text("/bin/sleep 100000")})
    s.wait_socket()
    assert os.getpid() != 1 and s.pid != 1
    poll_until(lambda: "starting in subreaper mode" in s.log(), what="the mode in the log")
    poll_until(lambda: "made 30 orphans" in s.log(), what="the orphans")

    # the double-forked sleeps' parents are gone: they belong to svcinit now
    sleepers = [p for p in descendants(s.pid) if proc_cmdline(p) == ["sleep", "1"]]
    adopted = [p for p in sleepers if (proc_stat(p) or ("", 0))[1] == s.pid]
    assert len(adopted) >= 20, (f"only {len(adopted)} of {len(sleepers)} orphan sleeps are "
                                f"svcinit's children: it is no subreaper")

    # and it reaps them
    def clean():
        kids = children(s.pid)
        z = [p for p in kids if (proc_stat(p) or ("?",))[0] == "Z"]
        left = [p for p in kids if proc_cmdline(p) == ["sleep", "1"]]
        return (not z and not left) or None
    poll_until(clean, what="the orphans to end and be reaped")
    assert s.unit_state("orphans") and s.unit_state("steady")

    os.kill(s.pid, signal.SIGTERM)
    assert s.proc.wait(timeout=20) == 0, s.log()
    assert "all stopped" in s.log()


def test_subreaper_entrypoint_exit_code(subreaper):
    s = subreaper({"steady": unit_text("/bin/sleep 100000")},
                  command=["/bin/sh", "-c", "exit 5"])
    assert s.proc.wait(timeout=30) == 5, s.log()
    assert "starting in subreaper mode" in s.log()
