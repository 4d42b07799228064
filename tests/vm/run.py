#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make test-vm: boot Debian's kernel under qemu (TCG) with svcinit as the
init of an initramfs, let the guest's test driver (tests/vm/guest/libexec/
driver) run its checks, and turn its VMTEST lines into an exit status.

Three boots, in two lanes side by side (one qemu thread each):
  main    the checks (machine mode, cgroup v2, MemoryMax, TasksMax, CPUQuota,
          pause/resume, isolation), then `svcctl poweroff`: qemu must exit by
          itself and the kernel must say "reboot: Power down".
  cad     the host presses ctrl-alt-del (qemu monitor `sendkey`); the kernel
          turns it into SIGINT to PID 1 and must then say "reboot:
          Restarting system" (qemu runs with -no-reboot, so it exits).
  sigint  the same with `kill -INT 1` from a unit.

A check passes only if the guest printed PASS for it, the guest printed
DONE, qemu exited on its own with status 0 before the deadline, the kernel
printed the expected last words, and nothing panicked: a marker line alone
is not proof.

The kernel: the package `apt-cache depends linux-image-amd64` names, fetched
with `apt-get download` into tests/vm/work/ (gitignored); only vmlinuz and
two modules (overlay.ko, dummy.ko) are unpacked, and the xz payload of the
bzImage is decompressed here so that qemu boots the ELF vmlinux directly
(PVH entry): about 4 s less of in-guest decompression under TCG.
"""
import argparse
import gzip
import io
import lzma
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GUEST = HERE / "guest"
WORK = HERE / "work"

DEADLINE = {"main": 420.0, "cad": 180.0, "sigint": 180.0}   # wall seconds per boot
# what the guest must report PASS for; the host adds the end of each boot
EXPECT = {
    "main": ["boot", "machine_mode", "run_mounted", "cgroup_v2", "memory_max", "tasks_max",
             "cpu_quota", "pause_resume", "isolation", "survivors"],
    "cad": ["boot", "dev_mounted"],
    "sigint": ["boot"],
}
END_CHECK = {"main": "poweroff", "cad": "ctrl_alt_del_reboots", "sigint": "sigint_reboots"}
# two lanes side by side (one qemu thread each): the long boot, and the two short ones
LANES = [["main"], ["cad", "sigint"]]
# Checks that fail because of a reported, not yet fixed svcinit bug: their
# FAIL shows as XFAIL and does not fail the run; once they pass (XPASS) take
# them out of here so that they guard against a regression.
KNOWN_BUGS: dict = {}
POWER_DOWN, RESTART = "reboot: Power down", "reboot: Restarting system"
LAST_WORDS = {"main": POWER_DOWN, "cad": RESTART, "sigint": RESTART}
SVCINIT_END = {"main": "svcinit: info: powering off", "cad": "svcinit: info: rebooting",
               "sigint": "svcinit: info: rebooting"}
PANIC = re.compile(r"Kernel panic|kernel BUG|general protection fault|Attempted to kill init")


def log(msg):
    print(f"test-vm: {msg}", flush=True)


def die(msg):
    print(f"test-vm: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


# ---------------------------------------------------------------- the kernel

def kernel_package():
    r = subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True,
                       text=True)
    m = re.search(r"Depends:\s*(linux-image-\S+)", r.stdout)
    if r.returncode != 0 or not m:
        die("`apt-cache depends linux-image-amd64` names no kernel package (run apt-get update): "
            + (r.stderr.strip() or r.stdout.strip()))
    return m.group(1)


def vmlinux_from_bzimage(bz):
    """The ELF vmlinux inside a bzImage whose payload is xz (Debian's)."""
    at = bz.find(b"\xfd7zXZ\x00")
    if at < 0:
        return None
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    try:
        elf = d.decompress(bz[at:])
    except lzma.LZMAError:
        return None
    return elf if elf[:4] == b"\x7fELF" else None


def fetch_kernel(pkg):
    """{vmlinux or vmlinuz, overlay, dummy} for pkg, cached in WORK/pkg."""
    kdir = WORK / pkg
    want = {"overlay": kdir / "overlay.ko", "dummy": kdir / "dummy.ko"}
    done = kdir / ".complete"
    if done.exists():
        k = kdir / "vmlinux" if (kdir / "vmlinux").exists() else kdir / "vmlinuz"
        return {"kernel": k, **want}
    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob(f"{pkg}_*.deb"):
        old.unlink()
    log(f"apt-get download {pkg}")
    r = subprocess.run(["apt-get", "download", "-q", pkg], cwd=WORK, capture_output=True,
                       text=True)
    debs = sorted(WORK.glob(f"{pkg}_*.deb"))
    if r.returncode != 0 or not debs:
        die(f"apt-get download {pkg} failed: {r.stderr.strip()}")
    deb = debs[-1]
    tmp = Path(tempfile.mkdtemp(prefix="kernel.", dir=WORK))
    try:
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
        x = subprocess.run(["tar", "-x", "-C", str(tmp), "--wildcards", "./boot/vmlinuz-*",
                            "*/kernel/fs/overlayfs/overlay.ko", "*/kernel/drivers/net/dummy.ko"],
                           stdin=tar.stdout, capture_output=True, text=True)
        tar.stdout.close()
        if tar.wait() != 0 or x.returncode != 0:
            die(f"unpacking {deb.name} failed: {x.stderr.strip()}")
        kdir.mkdir(exist_ok=True)
        vmlinuz = next(tmp.glob("boot/vmlinuz-*"))
        for name in ("overlay", "dummy"):
            shutil.copy(next(tmp.rglob(f"{name}.ko")), want[name])
        elf = vmlinux_from_bzimage(vmlinuz.read_bytes())
        if elf:
            (kdir / "vmlinux").write_bytes(elf)
            k = kdir / "vmlinux"
        else:
            log("no xz payload in the bzImage: booting vmlinuz (slower)")
            shutil.copy(vmlinuz, kdir / "vmlinuz")
            k = kdir / "vmlinuz"
        done.write_text(deb.name + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        deb.unlink(missing_ok=True)   # 70 MB; what is needed is unpacked
    return {"kernel": k, **want}


# ---------------------------------------------------------------- the initramfs

class Cpio:
    """A cpio "newc" archive written from memory: no staging directory, no
    mknod (the initramfs needs /dev/console before devtmpfs is mounted)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1
        self.seen = set()

    def _entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
            len(name_b), 0))
        self.ino += 1
        self.buf.write(hdr.encode() + name_b)
        self.buf.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * ((4 - len(data) % 4) % 4))

    def dir(self, path, mode=0o755):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            if p and p not in self.seen:
                self.seen.add(p)
                self._entry(p, stat.S_IFDIR | (mode if i == len(parts) else 0o755), nlink=2)

    def _parent(self, path):
        parent = os.path.dirname(path.strip("/"))
        if parent:
            self.dir(parent)

    def file(self, path, data, mode=0o644):
        self._parent(path)
        self.seen.add(path.strip("/"))
        self._entry(path.strip("/"), stat.S_IFREG | mode, data)

    def symlink(self, path, target):
        if path.strip("/") in self.seen:
            return
        self._parent(path)
        self.seen.add(path.strip("/"))
        self._entry(path.strip("/"), stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor, mode=0o600):
        self._parent(path)
        self.seen.add(path.strip("/"))
        self._entry(path.strip("/"), stat.S_IFCHR | mode, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def is_static(path):
    """An ELF executable without a PT_INTERP program header."""
    import struct
    with open(path, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    return all(struct.unpack_from("<I", ph, i * phentsize)[0] != 3 for i in range(phnum))


def build_initramfs(build, kernel, out, dev_null=False):
    busybox = Path("/bin/busybox")
    if not busybox.exists():
        die("/bin/busybox is missing: apt-get install busybox-static")
    if not is_static(busybox):
        die("/bin/busybox is not static: apt-get install busybox-static")
    c = Cpio()
    for d in ("proc", "sys", "dev", "run", "tmp", "root", "etc", "var", "mnt"):
        c.dir(d, 0o1777 if d == "tmp" else 0o755)
    # /dev/console: the kernel opens it for init before anything is mounted
    # (the kernel's own default initramfs has just that). Only the reboot
    # boot also gets a /dev/null, as many initramfs images have: svcinit must
    # still mount devtmpfs on /dev (it is a directory of the tmpfs root, not a
    # mount).
    c.chardev("dev/console", 5, 1)
    if dev_null:
        c.chardev("dev/null", 1, 3, 0o666)
    c.file("bin/busybox", busybox.read_bytes(), 0o755)
    applets = subprocess.run([str(busybox), "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    for a in applets:
        if "/" in a and not a.endswith("/busybox"):
            c.symlink(a, "/bin/busybox")
    c.file("sbin/svcinit", (build / "static" / "svcinit").read_bytes(), 0o755)
    c.file("bin/svcctl", (build / "static" / "svcctl").read_bytes(), 0o755)
    c.symlink("init", "sbin/svcinit")
    c.file("lib/modules/overlay.ko", kernel["overlay"].read_bytes())
    c.file("lib/modules/dummy.ko", kernel["dummy"].read_bytes())
    for f in sorted(GUEST.rglob("*")):
        if f.is_dir():
            continue
        rel = f.relative_to(GUEST).as_posix()
        if rel.startswith("libexec/"):
            dst = "usr/libexec/vmtest/" + rel[len("libexec/"):]
        elif rel.startswith("units/"):
            dst = "usr/share/vmtest/units/" + rel[len("units/"):]
        else:
            dst = rel
        c.file(dst, f.read_bytes(), 0o755 if os.access(f, os.X_OK) else 0o644)
    out.write_bytes(gzip.compress(c.finish(), compresslevel=6, mtime=0))


# ---------------------------------------------------------------- a boot

class Boot:
    svcinit_args = ""

    def __init__(self, scenario, kernel, initrd, outdir, verbose):
        self.scenario = scenario
        self.kernel = kernel
        self.initrd = initrd
        self.console = outdir / f"console-{scenario}.log"
        self.results = outdir / f"results-{scenario}.log"
        self.verbose = verbose
        self.rc = None
        self.timed_out = False
        self.seconds = None
        self.checks = {}          # name -> (ok, why)
        self.info = []
        self.monitor = outdir / f"monitor-{scenario}.sock"
        self.cad_sent = False

    def argv(self):
        # after the kernel's "--" come init's arguments; a second "--" would
        # end them (the kernel stops there), so COMMAND follows svcinit's
        # options directly (svcinit stops at the first non-option)
        return ["qemu-system-x86_64", "-accel", "tcg", "-smp", "1", "-m", "512",
                "-nographic", "-nodefaults", "-no-user-config", "-no-reboot",
                "-monitor", f"unix:{self.monitor},server=on,wait=off" if self.scenario == "cad"
                else "none",
                "-serial", "stdio", "-serial", f"file:{self.results}",
                "-kernel", str(self.kernel), "-initrd", str(self.initrd),
                "-append", f"console=ttyS0 rdinit=/sbin/svcinit panic=-1 loglevel=4 "
                           f"vmtest={self.scenario}" +
                (f" -- {self.svcinit_args} /usr/libexec/vmtest/driver" if self.scenario == "main"
                 else f" -- {self.svcinit_args}" if self.svcinit_args else "")]

    def run(self):
        t0 = time.monotonic()
        deadline = DEADLINE[self.scenario]
        with open(self.console, "wb") as con:
            p = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)

            def pump():
                for line in p.stdout:
                    con.write(line)
                    con.flush()
                    if self.verbose:
                        sys.stdout.write(f"[{self.scenario}] " +
                                         line.decode(errors="replace").rstrip("\r\n") + "\n")
                        sys.stdout.flush()
            t = threading.Thread(target=pump, daemon=True)
            t.start()
            end = t0 + deadline
            while p.poll() is None and time.monotonic() < end:
                if self.scenario == "cad" and not self.cad_sent and self._asked_for_cad():
                    self.cad_sent = self._sendkey("ctrl-alt-delete")
                time.sleep(0.2)
            if p.poll() is None:
                self.timed_out = True
                p.kill()     # our own qemu, by its pid
            self.rc = p.wait()
            t.join(timeout=10)
        self.seconds = time.monotonic() - t0

    def _asked_for_cad(self):
        try:
            return "VMTEST INFO cad_wait" in self.results.read_text(errors="replace")
        except FileNotFoundError:
            return False

    def _sendkey(self, keys):
        """A key press through qemu's human monitor: the guest's i8042 gets
        it as from a keyboard."""
        import socket
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as m:
                m.settimeout(10)
                m.connect(str(self.monitor))
                m.recv(4096)                     # the banner and prompt
                m.sendall(f"sendkey {keys}\n".encode())
                time.sleep(0.5)
            log(f"'{self.scenario}': pressed {keys}")
            return True
        except OSError as e:
            log(f"'{self.scenario}': qemu monitor: {e}")
            return False

    def judge(self):
        con = self.console.read_text(errors="replace").replace("\r", "")
        try:
            res = self.results.read_text(errors="replace").replace("\r", "")
        except FileNotFoundError:
            res = ""
        done = False
        for line in res.splitlines():
            m = re.match(r"VMTEST (PASS|FAIL|INFO|DONE) ?(.*)$", line.strip())
            if not m:
                continue
            kind, rest = m.groups()
            if kind == "PASS":
                self.checks.setdefault(rest.strip(), (True, ""))
            elif kind == "FAIL":
                name, _, why = rest.partition(":")
                self.checks[name.strip()] = (False, why.strip())
            elif kind == "INFO":
                self.info.append(rest)
            else:
                done = True
        for name in EXPECT[self.scenario]:
            if name not in self.checks:
                self.checks[name] = (False, "no result from the guest")
        # the end of the machine, judged from outside
        why = []
        if self.timed_out:
            why.append(f"qemu still running after {DEADLINE[self.scenario]:.0f}s (killed)")
        elif self.rc != 0:
            why.append(f"qemu exited with {self.rc}")
        if not done:
            why.append("the driver never printed DONE")
        if PANIC.search(con):
            why.append("the kernel panicked: " + PANIC.search(con).group(0))
        if "starting in machine mode" not in con:
            why.append("svcinit did not say it started in machine mode")
        if SVCINIT_END[self.scenario] not in con:
            why.append(f"svcinit did not log '{SVCINIT_END[self.scenario]}'")
        if LAST_WORDS[self.scenario] not in con:
            why.append(f"the kernel did not print '{LAST_WORDS[self.scenario]}'")
        other = RESTART if LAST_WORDS[self.scenario] == POWER_DOWN else POWER_DOWN
        if other in con:
            why.append(f"the kernel printed '{other}'")
        if self.scenario == "cad" and not self.cad_sent:
            why.append("the guest never asked for ctrl-alt-del (or qemu's monitor refused it)")
        self.checks[END_CHECK[self.scenario]] = (not why, "; ".join(why))
        # where userspace began: the kernel's timestamp before svcinit runs
        m = re.search(r"\[\s*(\d+\.\d+)\] Run /sbin/svcinit as init process", con)
        if m:
            self.info.append(f"kernel_ran_init_s={m.group(1)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build"), help="the build directory (has static/)")
    ap.add_argument("--scenario", action="append", choices=sorted(EXPECT),
                    help="boot only this one (repeatable); default: all, side by side")
    ap.add_argument("--keep", action="store_true", help="keep the logs and the initramfs")
    ap.add_argument("--deadline", type=float, help="seconds per boot (default: %s)" % DEADLINE)
    ap.add_argument("--svcinit-args", default="", help="more arguments for svcinit (e.g. -v)")
    ap.add_argument("-v", "--verbose", action="store_true", help="stream the consoles")
    args = ap.parse_args()

    if args.deadline:
        for k in DEADLINE:
            DEADLINE[k] = args.deadline
    Boot.svcinit_args = args.svcinit_args
    build = Path(args.build).resolve()
    for b in ("svcinit", "svcctl"):
        if not os.access(build / "static" / b, os.X_OK):
            die(f"{build}/static/{b} is missing: run `make static`")
    if shutil.which("qemu-system-x86_64") is None:
        die("qemu-system-x86_64 is missing: apt-get install qemu-system-x86")

    t0 = time.monotonic()
    kernel = fetch_kernel(kernel_package())
    WORK.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="run.", dir=WORK))
    plain = out / "initramfs.cpio.gz"
    with_null = out / "initramfs-dev-null.cpio.gz"
    build_initramfs(build, kernel, plain)
    build_initramfs(build, kernel, with_null, dev_null=True)
    log(f"kernel {kernel['kernel']}, initramfs {plain.stat().st_size // 1024} KiB "
        f"(ready in {time.monotonic() - t0:.1f}s)")

    wanted = args.scenario or [s for lane in LANES for s in lane]
    boots = {s: Boot(s, kernel["kernel"], with_null if s == "cad" else plain, out, args.verbose)
             for s in wanted}

    def lane_run(lane):
        for s in lane:
            if s in boots:
                log(f"booting '{s}': {' '.join(boots[s].argv())}")
                boots[s].run()
                log(f"'{s}' ended after {boots[s].seconds:.1f}s")
    threads = [threading.Thread(target=lane_run, args=(lane,)) for lane in LANES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    boots = [boots[s] for s in wanted]

    passed = failed = xfailed = 0
    xpassed = []
    for b in boots:
        b.judge()
        print(f"\n== boot '{b.scenario}': {b.seconds:.1f}s, qemu exit "
              f"{'timeout' if b.timed_out else b.rc}")
        for i in b.info:
            print(f"   info {i}")
        bad = False
        for name, (ok, why) in b.checks.items():
            full = f"{b.scenario}/{name}"
            known = KNOWN_BUGS.get(full)
            if known and not ok:
                print(f"   XFAIL {full}: {why} (known svcinit bug: {known})")
                xfailed += 1
                continue
            if known:
                xpassed.append(full)
            print(f"   {'PASS' if ok else 'FAIL'} {full}{'' if ok else ': ' + why}"
                  f"{' (XPASS: fixed? take it out of KNOWN_BUGS)' if known else ''}")
            passed += ok
            failed += not ok
            bad |= not ok
        if bad:
            lines = b.console.read_text(errors="replace").replace("\r", "").splitlines()
            print(f"   --- last {min(len(lines), 150)} console lines of '{b.scenario}' "
                  f"({b.console}):")
            for line in lines[-150:]:
                print("   | " + line)
    print(f"\ntest-vm: total {time.monotonic() - t0:.1f}s")
    if xfailed:
        print(f"test-vm: {xfailed} known svcinit bug(s) still there (XFAIL)")
    for x in xpassed:
        print(f"test-vm: {x} passes now: take it out of KNOWN_BUGS in {__file__}")
    if failed or args.keep:
        print(f"test-vm: logs kept in {out}")
    else:
        shutil.rmtree(out, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
