"""Probes shared by the load, fault and security tests: raw control-socket
requests, and what /proc says about svcinit (memory, descriptors, CPU)."""
import os
import socket
import struct

from conftest import SVCINIT
from harness import asan_build


# make SANITIZE=1: ASan's redzones and quarantine (up to 256 MiB of freed
# memory kept aside) inflate RSS with any churn; memory bounds are looser there
RSS_SLACK = 8 if asan_build(SVCINIT) else 1


# A client that never reads: `python3 -c UNREAD_HOLDER SOCKET N` connects N
# times, asks each for `status --json` with a tiny receive buffer, prints how
# many it holds, and holds them for a minute.
UNREAD_HOLDER = r"""
import socket, struct, sys, time
held = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 1, 0))
    try:
        s.connect(sys.argv[1])
        s.send(b"status --json\n")
    except OSError:
        s.close()
        continue
    held.append(s)
print(len(held), flush=True)
time.sleep(60)
"""


def figure(name, value, unit=""):
    """A measured figure: printed (pytest -s / -rP), and appended to the file
    $SVCINIT_FIGURES when set."""
    line = f"FIGURE {name} {value}{(' ' + unit) if unit else ''}"
    print(line)
    path = os.environ.get("SVCINIT_FIGURES")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def vmrss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def max_fd(pid):
    return max(int(x) for x in os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def connect(path, timeout=30):
    """A blocking connect, as svcctl does: it waits for room in a full
    backlog (bounded by SO_SNDTIMEO) where a non-blocking one fails at once."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", int(timeout), 0))
    try:
        s.connect(str(path))
    except BaseException:
        s.close()
        raise
    s.settimeout(timeout)
    return s


def raw_request(path, payload, timeout=30, lenient=False):
    """One request over a fresh connection: (code, body), code None when
    svcinit closed the connection without a reply (a drop). lenient: a
    failed connect or a timeout is a drop too, not an error."""
    try:
        s = connect(path, timeout)
    except OSError:
        if lenient:
            return None, b""
        raise
    data = b""
    try:
        s.sendall(payload)
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (BrokenPipeError, ConnectionResetError):
        pass
    except OSError:
        if not lenient:
            raise
    finally:
        s.close()
    head, _, body = data.partition(b"\n")
    return (int(head) if head.isdigit() else None), body
