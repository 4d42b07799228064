# SPDX-License-Identifier: MIT
"""Type=dbus with BusName=: ready once the name has an owner on the system
bus, stopped when it is released, failed with result timeout when it never
comes; without a bus, as Type=simple with a warning. Each test starts its
own dbus-daemon (Debian's `dbus` package) on a private socket and hands it
to svcinit as DBUS_SYSTEM_BUS_ADDRESS: the host's /run/dbus is never used."""
import os
import signal
import subprocess
from pathlib import Path

from conftest import SVCINIT, poll_until, unit_text
from harness import PY

NAME = "org.example.Svc"

BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

# A bus client in the raw protocol: AUTH EXTERNAL, Hello, then once the
# file argv[2] exists RequestName(argv[1]), once argv[3] exists (if given)
# ReleaseName; it reads and drops what the bus sends meanwhile.
CLAIM_PY = r"""
import os, select, socket, struct, sys, time
name, go = sys.argv[1], sys.argv[2]
release = sys.argv[3] if len(sys.argv) > 3 else None
addr = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
path = addr.split("path=", 1)[1].split(",")[0].split(";")[0]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
line = b""
while not line.endswith(b"\r\n"):
    line += s.recv(1)
assert line.startswith(b"OK "), line
s.sendall(b"BEGIN\r\n")

def pad(b, n):
    return b + b"\0" * (-len(b) % n)

def string(v):
    return struct.pack("<I", len(v)) + v.encode() + b"\0"

def call(serial, member, sig="", body=b""):
    fields = b""
    for code, t, v in ((1, "o", "/org/freedesktop/DBus"), (6, "s", "org.freedesktop.DBus"),
                       (2, "s", "org.freedesktop.DBus"), (3, "s", member)) + (((8, "g", sig),) if sig else ()):
        fields = pad(fields, 8) + bytes([code, 1, ord(t), 0])
        fields += bytes([len(v)]) + v.encode() + b"\0" if t == "g" else string(v)
    hdr = b"l\x01\x00\x01" + struct.pack("<III", len(body), serial, len(fields)) + fields
    s.sendall(pad(hdr, 8) + body)

def wait_file(p):
    while not os.path.exists(p):
        if select.select([s], [], [], 0.05)[0]:
            if not s.recv(65536):
                sys.exit(3)

call(1, "Hello")
wait_file(go)
call(2, "RequestName", "su", pad(string(name), 4) + struct.pack("<I", 0))
print("requested", name, flush=True)
if release:
    wait_file(release)
    print("releasing", name, flush=True)
    call(3, "ReleaseName", "s", string(name))
wait_file("/nonexistent/never")
"""


class Bus:
    def __init__(self, workdir):
        self.path = str(workdir / "bus.sock")
        conf = workdir / "bus.conf"
        conf.write_text(BUS_CONF.format(path=self.path))
        self.proc = subprocess.Popen(["dbus-daemon", "--nofork", "--nopidfile", f"--config-file={conf}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        poll_until(lambda: os.path.exists(self.path) or self.proc.poll() is not None, 20,
                   "dbus-daemon to listen")
        assert self.proc.poll() is None, self.proc.stderr.read()
        self.address = "unix:path=" + self.path

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def bus_env(address):
    e = dict(os.environ)
    e["DBUS_SYSTEM_BUS_ADDRESS"] = address
    return e


def claim_unit(workdir, go, release=None, service=()):
    p = workdir / "claim.py"
    p.write_text(CLAIM_PY)
    args = f"{PY} {p} {NAME} {go}" + (f" {release}" if release else "")
    return unit_text(args, service=["Type=dbus", f"BusName={NAME}", "Restart=no",
                                    "PassEnvironment=DBUS_SYSTEM_BUS_ADDRESS", *service])


def test_ready_when_the_name_is_claimed_and_stopped_when_released(svcinit, workdir):
    bus = Bus(workdir)
    try:
        go, rel = workdir / "go", workdir / "release"
        si = svcinit({"svc": claim_unit(workdir, go, rel)}, env=bus_env(bus.address))
        si.wait_for("svc", "starting")
        # it stays starting while the name has no owner: its process runs
        # and is connected to the bus (polled: the watcher answered)
        si.wait_log(r"svcinit: .*svc: watching BusName=" + NAME.replace(".", r"\."))
        u = si.unit("svc")
        assert u["state"] == "starting", u
        assert u["main_pid"], u
        # the watcher keeps none of PID 1's descriptors: stdio, the bus, its pipe
        watchers = [p for p in si.ns_procs()
                    if Path(f"/proc/{p['host']}/comm").read_text().strip() == "svcinit-bus"]
        assert len(watchers) == 1, si.ns_procs()
        fds = sorted(int(x) for x in os.listdir(f"/proc/{watchers[0]['host']}/fd"))
        assert fds == [0, 1, 2, 3, 4], fds
        go.touch()
        si.wait_for("svc", "running")
        assert not [w for w in si.unit("svc").get("warnings", []) if "Type=dbus" in w]
        si.wait_log(r"has an owner")
        # releasing the name stops the unit (systemd.service(5))
        rel.touch()
        si.wait_log(r"svc: releasing")
        si.wait_for(lambda i: i.unit("svc")["state"] not in ("running", "stopping"))
        assert si.unit("svc")["state"] != "failed", si.unit("svc")
        si.wait_log(r"BusName=org\.example\.Svc was released")
    finally:
        bus.stop()


def test_start_timeout_without_the_name(svcinit, workdir):
    bus = Bus(workdir)
    try:
        si = svcinit({"svc": claim_unit(workdir, workdir / "never", service=["TimeoutStartSec=2s"])},
                     env=bus_env(bus.address))
        si.wait_for("svc", "starting")
        si.wait_for("svc", "failed")
        assert si.unit("svc")["result"] == "timeout", si.unit("svc")
    finally:
        bus.stop()


def test_no_bus_runs_as_simple_with_a_warning(svcinit, workdir):
    si = svcinit({"svc": unit_text("/bin/sleep 3600", service=["Type=dbus", f"BusName={NAME}"])},
                 env=bus_env("unix:path=" + str(workdir / "no-such-bus")))
    si.wait_for("svc", "running")
    w = si.unit("svc").get("warnings", [])
    assert any("no system bus at" in x and "started as Type=simple" in x for x in w), w


def test_bus_gone_while_starting_does_not_hang(svcinit, workdir):
    bus = Bus(workdir)
    try:
        si = svcinit({"svc": unit_text("/bin/sleep 3600", service=["Type=dbus", f"BusName={NAME}"])},
                     env=bus_env(bus.address))
        si.wait_for("svc", "starting")
        si.wait_log(r"watching BusName=")
    finally:
        bus.stop()
    # the bus went away: no name can come; as simple, with a warning (it
    # would wait for its TimeoutStartSec= of 90s otherwise)
    si.wait_for("svc", "running", timeout=30)
    w = si.unit("svc").get("warnings", [])
    assert any("Type=dbus" in x and "started as Type=simple" in x for x in w), w


def test_check_knows_busname(workdir):
    d = workdir / "u"
    d.mkdir()
    (d / "svc.service").write_text("[Service]\nExecStart=/bin/true\nBusName=org.example.Svc\n")
    (d / "bad.service").write_text("[Service]\nExecStart=/bin/true\nType=dbus\n")
    (d / "worse.service").write_text("[Service]\nExecStart=/bin/true\nBusName=not a name\n")
    r = subprocess.run([str(SVCINIT), "--check", str(d)], capture_output=True, text=True, timeout=30)
    out = r.stdout + r.stderr
    assert "BusName= is not supported" not in out, out
    assert "Type=dbus: needs BusName=" in out, out
    assert 'BusName=: invalid D-Bus name "not a name"' in out, out
    assert r.returncode != 0
