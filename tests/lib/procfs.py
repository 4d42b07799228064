"""What /proc says about processes, for every test tier. Each reader treats
a process that is gone (or a file that is not there) as empty: None, [] or
{}, never an exception."""
import os
from pathlib import Path


def read_text(path):
    """The file's text, or None when it (or its process) is gone."""
    try:
        return Path(path).read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None


def proc_stat(pid):
    """(state, ppid, starttime) of a host pid, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[19])


def proc_status(pid):
    """/proc/PID/status as a dict of stripped strings."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def proc_cgroup_v2(pid):
    """The cgroup2 path of a host pid ("0::" line), or None."""
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            for line in f:
                if line.startswith("0::"):
                    return line[3:].strip()
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def fd_targets(pid):
    """{fd: readlink target} of a host pid's open descriptors."""
    out = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            pass
    return out


def proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except (FileNotFoundError, ProcessLookupError):
        return []


def proc_nspids(pid):
    """The NSpid: line: the pid in each nested namespace, host first."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("NSpid:"):
                    return [int(x) for x in line.split()[1:]]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return []


def children(pid):
    """Direct children of a host pid (all threads)."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def descendants(pid):
    seen, todo = [], [pid]
    while todo:
        for c in children(todo.pop()):
            if c not in seen:
                seen.append(c)
                todo.append(c)
    return seen


def ns_members(ns):
    """Host pids of every process whose pid namespace is ns (as readlink
    of /proc/PID/ns/pid gives it)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{d}/ns/pid") == ns:
                out.append(int(d))
        except OSError:
            continue
    return out
