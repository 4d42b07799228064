# SPDX-License-Identifier: MIT
"""What a unit under systemd's sandboxing keys tries, as an attacker would:
run by the units of test_sandbox.py as `/usr/bin/python3 sandbox_probe.py OUT
ACTION...`. Each action is tried for real and its outcome appended to OUT as
"ACTION RESULT" (ok, a value, or the errno's name):
  write:PATH    create PATH and write to it
  read:PATH     open PATH and read from it
  ls:PATH       the names in directory PATH, sorted, comma-separated
  exec:PATH     execve PATH (in a child) and report its exit status
  uid           the real uid as the unit sees it
  hostname:NAME sethostname(NAME)
  size:PATH     how many bytes PATH gives (at most 4096)
  ifaces        the network interfaces, sorted, comma-separated
  gethostname   the host name the unit sees
  capbnd        CapBnd of /proc/self/status
  hold:PATH     create PATH (a marker), then sleep until killed
OUT "-" is stdout (the tests use StandardOutput=append:FILE, which svcinit
opens on the host: the sandbox cannot hide the results). Exit 0 (a hold
never returns)."""
import ctypes
import errno
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def act(a):
    name, _, arg = a.partition(":")
    try:
        if name == "write":
            with open(arg, "w") as f:
                f.write("written from the unit\n")
            return "ok"
        if name == "read":
            with open(arg, "rb") as f:
                f.read(64)
            return "ok"
        if name == "ls":
            return ",".join(sorted(os.listdir(arg))) or "-"
        if name == "exec":
            pid = os.fork()
            if pid == 0:
                try:
                    os.execv(arg, [arg])
                except OSError as e:
                    os._exit(100 + (e.errno % 100))
            _, st = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(st)
            if code >= 100:
                return errno.errorcode.get(code - 100, str(code - 100))
            return "ok"
        if name == "size":
            with open(arg, "rb") as f:
                return str(len(f.read(4096)))
        if name == "ifaces":
            import socket
            return ",".join(sorted(n for _, n in socket.if_nameindex()))
        if name == "gethostname":
            return os.uname().nodename
        if name == "capbnd":
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("CapBnd:"):
                        return line.split()[1]
        if name == "uid":
            return str(os.getuid())
        if name == "hostname":
            b = arg.encode()
            return "ok" if libc.sethostname(b, len(b)) == 0 else \
                errno.errorcode.get(ctypes.get_errno(), "?")
        if name == "hold":
            with open(arg, "w") as f:
                f.write(f"{os.getpid()}\n")
            while True:
                time.sleep(3600)
    except OSError as e:
        return err(e)
    return "unknown-action"


def main():
    out = sys.argv[1]
    for a in sys.argv[2:]:
        if a.startswith("hold:"):
            sys.stdout.flush()
        res = act(a)
        if out == "-":
            print(f"{a} {res}", flush=True)
        else:
            with open(out, "a") as f:
                f.write(f"{a} {res}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
