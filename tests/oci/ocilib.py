# SPDX-License-Identifier: MIT
"""Helpers of the OCI tier (see conftest.py): a runtime (runc, crun) and a
container run by it, observed from the host and through `RUNTIME exec`."""
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path as _P

sys.path.insert(0, str(_P(__file__).resolve().parents[1] / "lib"))
from harness import (DEADLINE, POLL, ConsoleLog, ns_members, poll_until,  # noqa: E402,F401
                     proc_cmdline, proc_stat)

# what nested isolation (namespaces, overlay, mounts, lo up, cgroups) needs
# on top of a runtime's default capabilities
NESTED_CAPS = ["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_SETGID", "CAP_SYS_CHROOT",
               "CAP_NET_ADMIN", "CAP_SETPCAP", "CAP_MKNOD", "CAP_CHOWN", "CAP_FOWNER",
               "CAP_FSETID", "CAP_SYS_PTRACE"]


def host_caps():
    """Capability names in our bounding set: a runtime cannot grant more."""
    names = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
             "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
             "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
             "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
             "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
             "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
             "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP"]
    with open("/proc/self/status") as f:
        bnd = int(re.search(r"^CapBnd:\s*([0-9a-f]+)", f.read(), re.M).group(1), 16)
    return {n for i, n in enumerate(names) if bnd >> i & 1}


def cgroup_hybrid():
    """/sys/fs/cgroup is v1 (tmpfs of hierarchies) with a cgroup2 at unified."""
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                if left.split()[4] == "/sys/fs/cgroup/unified" and right.split()[0] == "cgroup2":
                    return True
    except OSError:
        pass
    return False


class Runtime:
    def __init__(self, name):
        self.name = name
        self.mask_unified = name == "crun" and cgroup_hybrid()

    def argv(self, *args):
        a = [self.name, *map(str, args)]
        if self.mask_unified:
            # crun sees cgroup v1 only; the tmpfs goes away with the namespace
            a = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                 'mount -t tmpfs -o size=4k none /sys/fs/cgroup/unified && exec "$@"', "sh", *a]
        return a

    def run(self, *args, timeout=60, check=False, **kw):
        r = subprocess.run(self.argv(*args), stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout, **kw)
        if check and r.returncode != 0:
            raise AssertionError(f"{self.name} {' '.join(map(str, args))}: exit {r.returncode}: "
                                 f"{r.stderr.strip()}")
        return r


class Container(ConsoleLog):
    def __init__(self, rt, bundle, cid):
        self.rt = rt
        self.bundle = bundle
        self.id = cid
        self.log_path = bundle / "console.log"
        self.proc = None
        self.returncode = None

    # -- life cycle

    def start(self, wait_pid=True):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.rt.argv("run", "--bundle", self.bundle, self.id),
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        if wait_pid:
            poll_until(lambda: self.pid() or self.proc.poll() is not None,
                       what=f"{self.rt.name} to start {self.id}")
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout=DEADLINE):
        """The exit code of `RUNTIME run`: the container's."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.rt.name} run {self.id} did not end within {timeout:.0f}s"
                                 f"\n--- console:\n{self.log()}")
        return self.returncode

    def state(self):
        r = self.rt.run("state", self.id, timeout=30)
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def pid(self):
        """The host pid of the container's PID 1."""
        st = self.state()
        return st.get("pid") if st and st.get("status") in ("running", "created") else None

    def exec(self, *args, timeout=60, check=False):
        r = self.rt.run("exec", self.id, *args, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"exec {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}"
                                 f"\n--- console:\n{self.log()}")
        return r

    def kill(self, sig="TERM"):
        return self.rt.run("kill", self.id, sig, timeout=30, check=True)

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.rt.run("delete", "--force", self.id, timeout=30)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)   # our own runtime process group
                self.proc.wait(timeout=10)
        self.rt.run("delete", "--force", self.id, timeout=30)
        if self.proc is not None:
            self._log.close()

    # -- observing

    def status(self, name=None):
        # exit 3: some unit is not active (systemctl's rule); the JSON is whole
        r = self.exec("svcctl", "--json", "status", *([name] if name else []))
        if r.returncode not in (0, 3):
            raise AssertionError(f"svcctl status: exit {r.returncode}\n{r.stdout}{r.stderr}")
        data = json.loads(r.stdout)
        return data[0] if name else {u["name"]: u for u in data}

    def wait_unit(self, name, pred, timeout=DEADLINE, what=None):
        last = {}

        def check():
            if not self.alive():
                raise AssertionError(f"the container ended ({self.proc.returncode}) while waiting "
                                     f"for {name}\n--- console:\n{self.log()}")
            r = self.exec("svcctl", "--json", "status", name)
            if r.returncode not in (0, 3):   # 3: the unit is not active
                return None
            u = json.loads(r.stdout)[0]
            last["u"] = u
            return u if pred(u) else None
        try:
            return poll_until(check, timeout, what or f"{name} to reach a state")
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast status: {last.get('u')!r}\n--- console:\n{self.log()}") \
                from None

    def ns_procs(self):
        """The container's processes seen from the host: dicts host, state,
        ppid, cmdline."""
        pid1 = self.pid()
        if not pid1:
            return []
        try:
            ns = os.readlink(f"/proc/{pid1}/ns/pid")
        except OSError:
            return []
        out = []
        for d in ns_members(ns):
            st = proc_stat(d)
            if st:
                out.append({"host": d, "state": st[0], "ppid": st[1],
                            "cmdline": proc_cmdline(d)})
        return out
