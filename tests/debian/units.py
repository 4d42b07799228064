#!/usr/bin/python3
"""The Debian unit-file tier (make test-debian-units): real .service files
from Debian 12's packages, read by `svcinit --check --systemd --root`.

It downloads PACKAGES with `apt-get download` (into build/debian/debs, kept
between runs as a cache; nothing of theirs is committed), extracts each with
`dpkg-deb -x` into a fresh temporary root, and runs the check on that root.
`--check` prints errors on stderr and warnings and its summary on stdout,
each diagnostic as `FILE:LINE: message`.

It passes when at least 90% of the packages' .service files (templates
included, alias symlinks not counted twice) load with no error. It prints
every file with errors, and every warning with its count, so that what
svcinit does not implement yet is in the log.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SVCINIT = Path(os.environ.get("SVCINIT_BIN", ROOT / "build" / "svcinit"))
CACHE = ROOT / "build" / "debian" / "debs"
GOAL = 0.90

# packages that ship systemd units (services, sockets, timers, targets)
PACKAGES = """
apache2 apt avahi-daemon bind9 chrony cron cups-daemon dbus dnsmasq dnsmasq-base
docker.io e2fsprogs exim4-base fail2ban haproxy isc-dhcp-server keepalived lighttpd
logrotate man-db mariadb-server memcached nfs-kernel-server nginx-common ntpsec
openssh-server openvpn postfix postgresql-common prometheus-node-exporter redis-server
rsync rsyslog samba squid systemd-timesyncd tor udisks2 unattended-upgrades util-linux
varnish
""".split()

UNIT_DIRS = ["etc/systemd/system", "run/systemd/system", "lib/systemd/system",
             "usr/lib/systemd/system"]


def download(pkgs):
    CACHE.mkdir(parents=True, exist_ok=True)
    have = {p.name.split("_")[0] for p in CACHE.glob("*.deb")}
    missing = [p for p in pkgs if p not in have]
    if missing:
        subprocess.run(["apt-get", "download", "-q"] + missing, cwd=CACHE, check=True,
                       stdout=subprocess.DEVNULL)
    return sorted(p for p in CACHE.glob("*.deb") if p.name.split("_")[0] in pkgs)


def service_files(root):
    """Every .service file the packages ship (regular files; a symlink is
    an alias or a mask of one of them, or an enablement link)."""
    out = []
    for d in UNIT_DIRS:
        base = root / d
        if base.is_dir():
            out += sorted(p for p in base.iterdir()
                          if p.name.endswith(".service") and p.is_file() and not p.is_symlink())
    return out


# keys whose warning changes nothing at run time (documentation only)
NO_EFFECT = {"Documentation"}


def as_systemd(tmp, rel, errors, stdout):
    """How many of the files run as systemd means them: they load, and no
    key of theirs (or of their drop-ins) is only warned about. Printed with
    the keys that keep files from it, by how many files use each."""
    per_file = collections.defaultdict(set)
    for line in stdout.splitlines():
        m = re.match(r"(/[^:]+):\d+: ([A-Za-z0-9]+)=", line)
        # "not supported": not implemented; other warnings (a $VAR that
        # expands to nothing) are about the file, not about svcinit
        if not m or not m.group(1).startswith(tmp) or "not supported" not in line:
            continue
        f, key = m.group(1)[len(tmp):], m.group(2)
        if key in NO_EFFECT:
            continue
        # a drop-in's warning counts for the unit it extends
        dm = re.match(r"(.*/[^/]+\.service)\.d/[^/]+\.conf$", f)
        per_file[dm.group(1) if dm else f].add(key)
    full = [f for f in rel if f not in errors and not per_file.get(f)]
    print(f"\nrun as systemd means them: {len(full)} of {len(rel)} .service files "
          f"({100.0 * len(full) / max(1, len(rel)):.1f}%): they load and every key is "
          f"implemented (warnings about {', '.join(sorted(NO_EFFECT))}= not counted)")
    for f in full:
        print(f"  {f}")
    keys = collections.Counter(k for f in rel if f not in errors for k in per_file.get(f, ()))
    if keys:
        print("\nkeys only warned about, by the number of .service files using them:")
        for k, n in keys.most_common():
            print(f"  {n:4d}  {k}=")


def main():
    if not SVCINIT.exists():
        sys.exit(f"{SVCINIT}: not built (make)")
    debs = download(PACKAGES)
    print(f"{len(debs)} packages from Debian: " + " ".join(p.name.split("_")[0] for p in debs))
    with tempfile.TemporaryDirectory(prefix="svcinit-debian-") as tmp:
        root = Path(tmp)
        for deb in debs:
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        files = service_files(root)
        r = subprocess.run([str(SVCINIT), "--check", "--systemd", "--root", str(root)],
                           capture_output=True, text=True, timeout=300)
        errors = collections.defaultdict(list)
        for line in r.stderr.splitlines():
            m = re.match(r"(/[^:]+):(?:\d+:)? (.*)", line)
            if m and m.group(1).startswith(tmp):
                errors[m.group(1)[len(tmp):]].append(m.group(2))
            elif line.strip():
                errors["(other)"].append(line)
        warnings = collections.Counter()
        for line in r.stdout.splitlines():
            m = re.match(r"/[^:]+:\d+: (.*)", line)
            if m:
                warnings[m.group(1)] += 1
        rel = ["/" + str(p.relative_to(root)) for p in files]
        good = [f for f in rel if f not in errors]
        print(f"\n{len(files)} .service files; {len(good)} load with no error "
              f"({100.0 * len(good) / max(1, len(files)):.1f}%, goal {GOAL:.0%})")
        print(f"svcinit --check exit code {r.returncode}; last line: "
              f"{(r.stdout.strip().splitlines() or [''])[-1]}")
        if errors:
            print("\nerrors, by file:")
            for f in sorted(errors):
                for e in errors[f][:5]:
                    print(f"  {f}: {e}")
                if len(errors[f]) > 5:
                    print(f"  {f}: ... and {len(errors[f]) - 5} more")
        if warnings:
            print("\nwarnings, by count (what svcinit does not implement yet):")
            for w, n in warnings.most_common():
                print(f"  {n:4d}  {w}")
        cut = [l for l in (r.stdout + r.stderr).splitlines() if l.startswith("... and ")]
        if cut:
            sys.exit(f"FAIL: svcinit --check left diagnostics out ({cut[0]}): the counts are short")
        as_systemd(tmp, rel, errors, r.stdout)
        if r.returncode not in (0, 1) or errors.get("(other)"):
            sys.exit(f"FAIL: svcinit --check exited {r.returncode} with errors that name no file")
        if len(files) < 30:
            sys.exit(f"FAIL: only {len(files)} .service files: the corpus is too small")
        if len(good) < GOAL * len(files):
            sys.exit(f"FAIL: {len(good)} of {len(files)} load, below {GOAL:.0%}")
        print("\ntest-debian-units: ok")


if __name__ == "__main__":
    main()
