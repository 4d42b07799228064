# SPDX-License-Identifier: MIT
"""A small socket-activated server for the tests (run as a unit's ExecStart).

    sockserv.py listen    Accept=no: accept on every fd from 3 (LISTEN_FDS of
                          them) and answer each connection with one line of
                          what it got: pid, LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES
    sockserv.py conn      Accept=yes: fd 3 is the connection; answer one line
                          (pid, REMOTE_ADDR, REMOTE_PORT, LISTEN_FDS), then
                          wait for a line from the peer and echo it
"""
import os
import select
import socket
import sys


def info():
    e = os.environ
    return (f"pid={os.getpid()} listen_pid={e.get('LISTEN_PID')} fds={e.get('LISTEN_FDS')} "
            f"names={e.get('LISTEN_FDNAMES')} remote={e.get('REMOTE_ADDR')}:{e.get('REMOTE_PORT')}\n")


def listen():
    n = int(os.environ["LISTEN_FDS"])
    assert os.environ["LISTEN_PID"] == str(os.getpid()), "LISTEN_PID is not my pid"
    socks = [socket.socket(fileno=3 + i) for i in range(n)]
    while True:
        r, _, _ = select.select(socks, [], [])
        for s in r:
            if s.type == socket.SOCK_DGRAM:
                data, addr = s.recvfrom(4096)
                s.sendto(info().encode() + data, addr)
                continue
            c, _ = s.accept()
            c.sendall(info().encode())
            c.close()


def conn():
    c = socket.socket(fileno=3)
    c.sendall(info().encode())
    f = c.makefile("rb")
    line = f.readline()
    c.sendall(b"echo " + line)
    c.close()


if __name__ == "__main__":
    {"listen": listen, "conn": conn}[sys.argv[1]]()
