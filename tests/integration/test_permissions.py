# SPDX-License-Identifier: MIT
"""The control socket: status, wait and is-active for everyone, the rest for
uid 0 only (SO_PEERCRED)."""
import os
import subprocess

from conftest import NOBODY, unit_text


def test_unprivileged_client(svcinit):
    si = svcinit({"web": unit_text("sleep 1000", {"TimeoutStopSec": "2s"})})
    u = si.wait_for("web", "running")

    # can nobody connect at all? (socket and directory permissions)
    r = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
         "/usr/bin/python3", "-c",
         "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])", str(si.sock)],
        capture_output=True, text=True, timeout=30)
    st = os.stat(si.sock)
    assert r.returncode == 0, (f"uid {NOBODY} cannot connect to {si.sock} "
                               f"(mode {oct(st.st_mode & 0o7777)}): {r.stderr.strip()}")

    r = si.ctl("status", user=NOBODY)
    assert r.returncode == 0, r.stderr
    assert "web" in r.stdout
    r = si.ctl("--json", "status", "web", user=NOBODY)
    assert r.returncode == 0 and '"web"' in r.stdout, r.stderr
    assert si.ctl("is-active", "web", user=NOBODY).returncode == 0
    assert si.ctl("wait", "--timeout", "5", "web", user=NOBODY).returncode == 0

    for args in (["stop", "web"], ["start", "web"], ["restart", "web"], ["reload"],
                 ["logs", "web"], ["pause", "web"], ["resume", "web"], ["poweroff"],
                 ["reboot"], ["halt"]):
        r = si.ctl(*args, user=NOBODY)
        assert r.returncode == 4, (args, r.returncode, r.stderr)
        assert r.stderr.strip(), f"{args}: refused without a word"

    # nothing of that reached the unit
    u2 = si.unit("web")
    assert u2["state"] == "running" and u2["pid"] == u["pid"] and u2["restarts"] == 0
    assert si.alive()
    # and root still can
    assert si.ctl("restart", "web").returncode == 0
    assert si.unit("web")["pid"] != u["pid"]
