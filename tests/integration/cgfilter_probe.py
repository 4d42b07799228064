# SPDX-License-Identifier: MIT
"""What a unit under DevicePolicy=/DeviceAllow= and IPAddressAllow=/
IPAddressDeny= tries: run by test_cgfilter.py's units as `/usr/bin/python3
cgfilter_probe.py ACTION...`; each outcome is printed as "ACTION RESULT"
(ok, or the errno's name, or "timeout"):
  open-r:PATH     open PATH for reading
  open-w:PATH     open PATH for writing
  addr:ADDR       add ADDR/32 to lo (the unit's own network namespace)
  listen:ADDR     a TCP listener on ADDR:PORT (the port below), kept open
  tcp:ADDR        connect to ADDR:PORT (1 s timeout)
  udp:ADDR        send a datagram to ADDR:9
  addr6:ADDR      add ADDR/128 to lo
  udp6:ADDR       send a datagram to [ADDR]:9
"""
import errno
import socket
import subprocess
import sys

PORT = 4099
listeners = []


def act(a):
    name, _, arg = a.partition(":")
    try:
        if name in ("open-r", "open-w"):
            with open(arg, "rb" if name == "open-r" else "wb", buffering=0):
                pass
            return "ok"
        if name == "addr":
            p = subprocess.run(["ip", "addr", "add", f"{arg}/32", "dev", "lo"],
                               capture_output=True, text=True)
            return "ok" if p.returncode == 0 else "failed:" + p.stderr.strip().replace(" ", "_")
        if name == "addr6":
            p = subprocess.run(["ip", "-6", "addr", "add", f"{arg}/128", "dev", "lo", "nodad"],
                               capture_output=True, text=True)
            return "ok" if p.returncode == 0 else "failed:" + p.stderr.strip().replace(" ", "_")
        if name == "udp6":
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            try:
                s.sendto(b"x", (arg, 9))
            finally:
                s.close()
            return "ok"
        if name == "listen":
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((arg, PORT))
            s.listen(8)
            listeners.append(s)
            return "ok"
        if name == "tcp":
            s = socket.socket()
            s.settimeout(1)
            try:
                s.connect((arg, PORT))
            finally:
                s.close()
            return "ok"
        if name == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.sendto(b"x", (arg, 9))
            finally:
                s.close()
            return "ok"
        return "unknown-action"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


for a in sys.argv[1:]:
    print(a, act(a), flush=True)
