# SPDX-License-Identifier: MIT
"""Socket activation: .socket units bound by svcinit before any service,
the service started by the first connection with LISTEN_FDS/LISTEN_PID/
LISTEN_FDNAMES (in its own namespaces too), Accept=yes instances, a bind
that fails, svcctl start/stop and list-sockets on them."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from conftest import NOBODY, SVCINIT, poll_until, unit_text

HERE = Path(__file__).resolve().parent
SERV = f"/usr/bin/python3 {HERE / 'sockserv.py'}"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ask(addr, family=socket.AF_INET, timeout=20):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(addr)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return dict(kv.split("=", 1) for kv in data.decode().split())


def test_first_connection_starts_the_service(svcinit, workdir):
    port = free_port()
    path = workdir / "run" / "echo.sock"
    si = svcinit({
        "echo.socket": f"[Unit]\nDescription=echo socket\n[Socket]\nListenStream=127.0.0.1:{port}\n"
                       f"ListenStream={path}\nFileDescriptorName=echo\nSocketMode=0600\n",
        # svcinit's default isolation: its own pid, net, mnt namespaces; the
        # fds bound on the host reach it all the same
        "echo": unit_text(f"{SERV} listen", namespaces=None),
    })
    sock = si.wait_for("echo.socket", "listening")
    assert sock["unit_type"] == "socket"
    assert si.unit("echo")["state"] == "stopped"   # not started at boot: its socket starts it
    assert si.unit("echo")["unit_type"] == "service"
    assert path.is_socket() and (path.stat().st_mode & 0o777) == 0o600
    got = ask(("127.0.0.1", port))
    assert got["fds"] == "2" and got["names"] == "echo:echo"
    # LISTEN_PID is its pid as it sees it: in its own PID namespace
    assert got["listen_pid"] == got["pid"] and int(got["pid"]) <= 3
    si.wait_for("echo", "running")
    si.wait_for("echo.socket", "running")
    got = ask(str(path), socket.AF_UNIX)
    assert got["fds"] == "2"


def test_fd_survives_a_restart_of_the_service(svcinit):
    port = free_port()
    si = svcinit({
        "echo.socket": f"[Socket]\nListenStream=127.0.0.1:{port}\n",
        "echo": unit_text(f"{SERV} listen"),
    })
    si.wait_for("echo.socket", "listening")
    first = ask(("127.0.0.1", port))
    si.wait_for("echo", "running")
    errors, answers, cut = [], [], []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                r = ask(("127.0.0.1", port))
            except OSError as e:
                errors.append(repr(e))
                continue
            if "pid" in r:
                answers.append(r["pid"])
            else:
                cut.append(r)   # accepted by the old service, closed as SIGTERM ended it

    th = threading.Thread(target=client)
    th.start()
    try:
        poll_until(lambda: len(answers) >= 3, what="answers before the restart")
        assert si.ctl("restart", "echo").returncode == 0
        poll_until(lambda: answers and answers[-1] != first["pid"] or
                   len(set(answers)) > 1, what="an answer from the restarted service")
    finally:
        stop.set()
        th.join(30)
    assert not errors, errors[:3]   # no connection refused
    # none lost in the socket's backlog: only the one the old service had
    # accepted when it was stopped may go unanswered
    assert len(cut) <= 1, cut


def test_accept_yes_one_instance_per_connection(svcinit):
    port = free_port()
    si = svcinit({
        "echo.socket": f"[Socket]\nListenStream=127.0.0.1:{port}\nAccept=yes\n",
        "echo@": unit_text(f"{SERV} conn"),
    })
    si.wait_for("echo.socket", "listening")
    a = socket.create_connection(("127.0.0.1", port), timeout=20)
    b = socket.create_connection(("127.0.0.1", port), timeout=20)
    fa, fb = a.makefile("rb"), b.makefile("rb")
    # both answer before either got its line: two instances at once
    la = dict(kv.split("=", 1) for kv in fa.readline().decode().split())
    lb = dict(kv.split("=", 1) for kv in fb.readline().decode().split())
    assert la["pid"] != lb["pid"]
    assert la["fds"] == "1" and la["remote"] == f"127.0.0.1:{a.getsockname()[1]}"
    assert lb["remote"] == f"127.0.0.1:{b.getsockname()[1]}"
    running = [n for n, u in si.units().items() if n.startswith("echo@") and u["state"] == "running"]
    assert len(running) == 2, running
    assert si.unit("echo.socket")["connections"] == 2
    a.sendall(b"one\n")
    b.sendall(b"two\n")
    assert fa.readline() == b"echo one\n" and fb.readline() == b"echo two\n"
    a.close()
    b.close()
    # the instances go once they end; the socket counted them
    si.wait_for(lambda s: not [n for n in s.units() if n.startswith("echo@")] or None)
    u = si.wait_for("echo.socket", "listening", connections=0)
    assert u["accepted"] == 2


def test_max_connections(svcinit):
    port = free_port()
    si = svcinit({
        "echo.socket": f"[Socket]\nListenStream=127.0.0.1:{port}\nAccept=yes\nMaxConnections=1\n",
        "echo@": unit_text(f"{SERV} conn"),
    })
    si.wait_for("echo.socket", "listening")
    a = socket.create_connection(("127.0.0.1", port), timeout=20)
    assert a.makefile("rb").readline().startswith(b"pid=")
    b = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        data = b.recv(100)
    except ConnectionResetError:
        data = b""
    assert data == b""   # closed at once: one at a time
    a.sendall(b"x\n")
    a.close()
    b.close()
    si.wait_for("echo.socket", "listening", connections=0)


def test_a_bind_failure_fails_that_socket_only(svcinit):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    good = free_port()
    try:
        si = svcinit({
            "bad.socket": f"[Socket]\nListenStream=127.0.0.1:{port}\n",
            "bad": unit_text("/bin/sleep 1000"),
            "good.socket": f"[Socket]\nListenStream=127.0.0.1:{good}\n",
            "good": unit_text(f"{SERV} listen"),
            "plain": unit_text("/bin/sleep 1000"),
        })
        u = si.wait_for("bad.socket", "failed")
        assert f"ListenStream=127.0.0.1:{port}: unable to bind: Address already in use" in u["error"]
        si.wait_for("good.socket", "listening")
        si.wait_for("plain", "running")
        assert ask(("127.0.0.1", good))["fds"] == "1"
        assert si.unit("bad")["state"] == "stopped"
        # once the port is free, svcctl start binds it
        busy.close()
        assert si.ctl("start", "bad.socket").returncode == 0
        si.wait_for("bad.socket", "listening")
    finally:
        busy.close()


def test_start_stop_and_list_sockets(svcinit, workdir):
    port = free_port()
    si = svcinit({
        "web.socket": f"[Unit]\nDescription=web\n[Socket]\nListenStream=127.0.0.1:{port}\n"
                      f"ListenDatagram=@svcinit-test-{port}\nService=srv.service\n",
        "srv": unit_text(f"{SERV} listen"),
    })
    si.wait_for("web.socket", "listening")
    r = si.ctl("list-sockets")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["LISTEN", "TYPE", "UNIT", "ACTIVATES"]
    assert lines[1].split() == [f"127.0.0.1:{port}", "Stream", "web.socket", "srv.service"]
    assert lines[2].split() == [f"@svcinit-test-{port}", "Datagram", "web.socket", "srv.service"]
    assert "2 sockets listed." in r.stdout
    j = json.loads(si.ctl("--json", "list-sockets").stdout)
    assert j[0] == {"listen": f"127.0.0.1:{port}", "type": "Stream", "unit": "web.socket",
                    "activates": "srv.service", "state": "listening"}
    # a datagram starts it too
    d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    d.bind(f"\0svcinit-test-client-{port}")
    d.settimeout(20)
    d.sendto(b"ping", f"\0svcinit-test-{port}")
    reply = d.recv(4096)
    assert b"fds=2" in reply and reply.endswith(b"ping")
    d.close()
    si.wait_for("srv", "running")
    assert si.ctl("is-active", "web.socket").returncode == 0
    assert si.ctl("stop", "srv", "web.socket").returncode == 0
    si.wait_for("web.socket", "stopped")
    assert si.ctl("is-active", "web.socket").returncode == 3
    s = socket.socket()
    try:
        s.settimeout(5)
        refused = s.connect_ex(("127.0.0.1", port))
    finally:
        s.close()
    assert refused != 0
    assert si.ctl("start", "web.socket").returncode == 0
    si.wait_for("web.socket", "listening")
    assert si.ctl("status", "web.socket").returncode == 0
    out = si.ctl("status", "web.socket").stdout
    assert "web.socket - web" in out and f"listen: 127.0.0.1:{port} (Stream)" in out
    out = si.ctl("cat", "web.socket").stdout
    assert out.startswith(f"# {si.units_dir / 'web.socket'}\n[Unit]\nDescription=web\n")


def test_socket_owner_looked_up_at_load(svcinit, workdir):
    """SocketUser=/SocketGroup= own the socket file; a name that does not
    resolve fails that socket with the reason (looked up when the unit is
    loaded, never while binding on the loop)."""
    import pwd, grp
    path = workdir / "owned.sock"
    si = svcinit({
        "owned.socket": f"[Socket]\nListenStream={path}\nSocketUser=nobody\nSocketGroup=nogroup\n"
                        "Service=srv.service\n",
        "bad.socket": f"[Socket]\nListenStream={workdir / 'bad.sock'}\nSocketUser=nosuchuser-svcinit\n"
                      "Service=srv.service\n",
        "srv": unit_text(f"{SERV} listen"),
    })
    si.wait_for("owned.socket", "listening")
    st = path.lstat()
    assert (st.st_uid, st.st_gid) == (pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid)
    si.wait_for("bad.socket", "failed")
    assert "SocketUser=" in si.unit("bad.socket")["error"], si.unit("bad.socket")
    si.wait_log(r"bad.socket: SocketUser=nosuchuser-svcinit: no such user")


def test_a_request_naming_an_unknown_unit_changes_nothing(svcinit):
    """`svcctl start web.socket nosuch` (or stop) is refused as a whole: the
    socket is neither bound nor closed by a request that also names a unit
    that does not exist."""
    port = free_port()
    si = svcinit({
        "web.socket": f"[Socket]\nListenStream=127.0.0.1:{port}\nService=srv.service\n",
        "srv": unit_text(f"{SERV} listen"),
    })
    si.wait_for("web.socket", "listening")
    assert si.ctl("stop", "web.socket").returncode == 0
    si.wait_for("web.socket", "stopped")
    r = si.ctl("start", "web.socket", "nosuch")
    assert r.returncode == 3 and "nosuch" in r.stdout + r.stderr, r
    assert si.unit("web.socket")["state"] == "stopped"
    assert si.ctl("start", "web.socket").returncode == 0
    si.wait_for("web.socket", "listening")
    r = si.ctl("stop", "web.socket", "nosuch")
    assert r.returncode == 3, r
    assert si.unit("web.socket")["state"] == "listening"


def test_systemd_socket_enabled_in_sockets_target(svcinit, workdir):
    """A socket as Debian enables it (sockets.target.wants/), its service in
    no target: loaded from the search path at the first connection."""
    port = free_port()
    root = workdir / "root"
    lib = root / "lib/systemd/system"
    lib.mkdir(parents=True)
    (lib / "demo.socket").write_text(f"[Unit]\nDescription=demo socket\n[Socket]\n"
                                     f"ListenStream=127.0.0.1:{port}\n[Install]\n"
                                     f"WantedBy=sockets.target\n")
    (lib / "demo.service").write_text(f"[Unit]\nRequires=demo.socket\n[Service]\n"
                                      f"ExecStart={SERV} listen\n")
    wants = root / "etc/systemd/system/sockets.target.wants"
    wants.mkdir(parents=True)
    (wants / "demo.socket").symlink_to("/lib/systemd/system/demo.socket")
    si = svcinit({}, extra_args=["--systemd", "--root", str(root)])
    si.wait_for("demo.socket", "listening")
    assert "demo" not in si.units()
    assert ask(("127.0.0.1", port))["fds"] == "1"
    si.wait_for("demo", "running")


def test_bad_socket_units_are_errors(workdir):
    d = workdir / "bad"
    d.mkdir()
    (d / "a.socket").write_text("[Socket]\nListenStream=999999\n")
    (d / "b.socket").write_text("[Socket]\nAccept=maybe\nListenStream=80\n")
    (d / "c.socket").write_text("[Unit]\nDescription=nothing to listen on\n")
    (d / "d.socket").write_text("[Socket]\nListenStream=[::1:80\nExecStartPre=/bin/true\n")
    (d / "e.socket").write_text("[Socket]\nListenDatagram=127.0.0.1:53\nAccept=yes\n")
    r = subprocess.run([str(SVCINIT), "--check", str(d)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "a.socket:2: ListenStream=: expected a path" in r.stderr
    assert "b.socket:2: Accept=: expected a boolean" in r.stderr
    assert "c.socket:0: [Socket]: no ListenStream=" in r.stderr
    assert "d.socket:2: ListenStream=: expected [ADDRESS]:PORT" in r.stderr
    assert "d.socket:3: ExecStartPre= is not supported: ignored" in r.stdout
    assert "e.socket:0: [Socket]: Accept=yes needs stream" in r.stderr


def test_debian_socket_unit_loads():
    """uuid-runtime's uuidd.socket (Debian 12), as the package ships it."""
    tmp = Path(tempfile.mkdtemp(prefix="svcinit-deb-"))
    try:
        subprocess.run(["apt-get", "download", "-q", "uuid-runtime"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        deb = next(tmp.glob("uuid-runtime_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp / "root")], check=True)
        sock = tmp / "root/lib/systemd/system/uuidd.socket"
        assert "ListenStream=/run/uuidd/request" in sock.read_text()
        r = subprocess.run([str(SVCINIT), "--check", "--systemd", "--root", str(tmp / "root")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert "uuidd.socket" not in r.stderr
        assert "2 units loaded, 0 errors" in r.stdout
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_failing_service_and_the_trigger_limit(svcinit, workdir):
    port = free_port()
    out = workdir / "out" / "tries"
    si = svcinit({
        "bad.socket": f"[Socket]\nListenStream=127.0.0.1:{port}\n",
        # exits at once without accepting: the connection stays pending
        "bad": unit_text(f"/bin/sh -c 'echo x >> {out}; exit 3'", service={"Restart": "no"}),
    })
    si.wait_for("bad.socket", "listening")
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        u = si.wait_for("bad.socket", "failed")
        assert "trigger limit hit" in u["error"], u
        tries = len(out.read_text().split())
        assert 15 <= tries <= 25, tries
        assert si.unit("bad")["state"] == "failed"
    finally:
        c.close()
    # svcctl start takes it out again
    assert si.ctl("start", "bad.socket").returncode == 0
    si.wait_for("bad.socket", ("listening", "running", "failed"))


def test_reload_rebinds_a_changed_socket_and_drops_a_removed_one(svcinit):
    p1, p2, p3 = free_port(), free_port(), free_port()
    si = svcinit({
        "a.socket": f"[Socket]\nListenStream=127.0.0.1:{p1}\n",
        "a": unit_text(f"{SERV} listen"),
        "b.socket": f"[Socket]\nListenStream=127.0.0.1:{p3}\n",
        "b": unit_text(f"{SERV} listen"),
    })
    si.wait_for("a.socket", "listening")
    assert ask(("127.0.0.1", p1))["fds"] == "1"
    assert si.ctl("stop", "a").returncode == 0
    (si.units_dir / "a.socket").write_text(f"[Socket]\nListenStream=127.0.0.1:{p2}\n")
    (si.units_dir / "b.socket").unlink()
    r = si.ctl("reload")
    assert r.returncode == 0, r.stdout + r.stderr
    si.wait_for("a.socket", "listening")
    assert "b.socket" not in si.units()
    assert si.unit("a")["state"] == "stopped"   # not started by the reload
    assert ask(("127.0.0.1", p2))["fds"] == "1"
    for port in (p1, p3):
        s = socket.socket()
        try:
            s.settimeout(5)
            assert s.connect_ex(("127.0.0.1", port)) != 0, port
        finally:
            s.close()


def test_a_users_symlink_above_the_socket_is_refused(svcinit, workdir):
    """The unit's user swapped the socket's directory for a link to a place
    of root's: svcinit does not bind (nor unlink, nor chown) through it."""
    target = workdir / "roots"
    target.mkdir()
    link = workdir / "users"
    link.symlink_to(target)
    os.lchown(link, NOBODY, NOBODY)
    si = svcinit({
        "s.socket": f"[Socket]\nListenStream={link}/s.sock\n",
        "s": unit_text("/bin/true"),
    })
    u = si.wait_for("s.socket", "failed")
    assert "symlink not owned by root" in u["error"], u
    assert not (target / "s.sock").exists()


def test_remove_on_stop_removes_the_socket_only(svcinit, workdir):
    """RemoveOnStop=yes removes the socket at its stop, as systemd; a regular
    file someone put at the path instead is left alone (root never unlinks
    what it did not make)."""
    a, b = workdir / "run" / "a.sock", workdir / "run" / "b.sock"
    si = svcinit({
        "a.socket": f"[Socket]\nListenStream={a}\nRemoveOnStop=yes\n",
        "b.socket": f"[Socket]\nListenStream={b}\nRemoveOnStop=yes\n",
        "a": unit_text(f"{SERV} listen"),
        "b": unit_text(f"{SERV} listen"),
    })
    si.wait_for("a.socket", "listening")
    si.wait_for("b.socket", "listening")
    assert a.is_socket() and b.is_socket()
    b.unlink()
    b.write_text("not a socket\n")
    assert si.ctl("stop", "a.socket", "b.socket").returncode == 0
    si.wait_for("a.socket", "stopped")
    si.wait_for("b.socket", "stopped")
    assert not a.exists()                        # its own socket: removed
    assert b.read_text() == "not a socket\n"     # a file in its place: kept
