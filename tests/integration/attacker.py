# SPDX-License-Identifier: MIT
"""What a unit under seccomp tries, as an attacker would: run by the units of
test_seccomp.py as `/usr/bin/python3 attacker.py OUT ACTION...`. Each action
is tried for real through the C library (ctypes) and its outcome appended to
OUT as "ACTION ok" or "ACTION ERRNONAME"; a call the filter kills for ends
the process with SIGSYS before it writes anything. Exit 0."""
import ctypes
import errno
import mmap
import os
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
SCHED_FIFO = 1


class SchedParam(ctypes.Structure):
    _fields_ = [("sched_priority", ctypes.c_int)]


def call(rc):
    """A libc return value: 'ok', or the errno's name."""
    if rc == -1 or (isinstance(rc, int) and rc < 0):
        return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
    return "ok"


def oserror(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def act(name, scratch):
    if name == "mount":
        libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_void_p]
        return call(libc.mount(b"none", scratch.encode(), b"tmpfs", 0, None))
    if name == "inet":
        return oserror(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
    if name == "inet6":
        return oserror(lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close())
    if name == "unix":
        return oserror(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close())
    if name == "unshare-net":
        return call(libc.unshare(CLONE_NEWNET))
    if name == "fork":
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        return "ok"
    if name == "wx-mmap":
        return oserror(lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE |
                                         mmap.PROT_EXEC).close())
    if name == "w-mmap":
        return oserror(lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE).close())
    if name == "chmod-suid":
        path = os.path.join(scratch, "f")
        with open(path, "w"):
            pass
        return oserror(lambda: os.chmod(path, 0o4755))
    if name == "chmod-plain":
        path = os.path.join(scratch, "g")
        with open(path, "w"):
            pass
        return oserror(lambda: os.chmod(path, 0o755))
    if name == "fifo":
        p = SchedParam(1)
        return call(libc.sched_setscheduler(0, SCHED_FIFO, ctypes.byref(p)))
    if name == "personality":
        return call(libc.personality(ctypes.c_ulong(0x0008)))   # PER_BSD
    if name == "nice":
        return oserror(lambda: os.setpriority(os.PRIO_PROCESS, 0, 19))
    if name == "nnp":   # "nnp 1": no_new_privs is set
        with open("/proc/self/status") as f:
            return "".join(l.split()[1] for l in f if l.startswith("NoNewPrivs:"))
    if name == "x86-getpid":   # the 32-bit ABI: mov eax, 20 (getpid); int 0x80; ret
        code = bytes([0xb8, 0x14, 0, 0, 0, 0xcd, 0x80, 0xc3])
        m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        m.write(code)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
        pid = ctypes.CFUNCTYPE(ctypes.c_int)(addr)()
        return "ok" if pid == os.getpid() else f"wrong-{pid}"
    if name == "getpid":
        return call(os.getpid())
    raise SystemExit(f"unknown action {name}")


def main():
    out, scratch, actions = sys.argv[1], sys.argv[2], sys.argv[3:]
    for a in actions:
        with open(out, "a") as f:   # before the call: a kill leaves the line unfinished
            f.write(a + " ")
        r = act(a, scratch)
        with open(out, "a") as f:
            f.write(r + "\n")


main()
