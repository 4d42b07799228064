# SPDX-License-Identifier: MIT
"""DevicePolicy=/DeviceAllow= and IPAddressAllow=/IPAddressDeny= seen from
inside a unit (tests/integration/cgfilter_probe.py does the calls): the
BPF programs svcinit attaches to the unit's cgroup refuse what the keys do
not allow (EPERM on open, a dropped packet), and the same unit without the
keys can do all of it, so each test would fail against a svcinit that only
warned about the keys. Units run with Namespaces=none (the host's /dev:
the device nodes are real) and, for the network, PrivateNetwork=yes (an
address added to lo stays in the unit's own namespace)."""
import subprocess
from pathlib import Path

from conftest import SVCINIT, poll_until, unit_text, write_units

PROBE = Path(__file__).resolve().parent / "cgfilter_probe.py"
PY = "/usr/bin/python3"


def probe(svcinit, workdir, keys, *actions):
    """Run the probe once as unit "a" with keys (list of lines); returns
    (unit status, {action: result})."""
    out = workdir / "probe.out"
    out.touch()
    svc = ["Type=oneshot", "Restart=no", f"StandardOutput=append:{out}"] + list(keys)
    si = svcinit({"a": unit_text(f"{PY} {PROBE} {' '.join(actions)}", svc)})
    u = si.wait_for("a", ("exited", "failed"))
    got = {}
    for line in out.read_text().splitlines():
        name, _, res = line.partition(" ")
        got[name] = res
    return u, got


DEVICES = ["open-w:/dev/null", "open-r:/dev/zero", "open-r:/dev/urandom",
           "open-r:/dev/loop-control", "open-w:/dev/loop-control", "open-r:/dev/loop0"]


def test_without_device_keys_everything_opens(svcinit, workdir):
    u, got = probe(svcinit, workdir, [], *DEVICES)
    assert got == {a: "ok" for a in DEVICES}, (got, u)


def test_device_policy_closed(svcinit, workdir):
    u, got = probe(svcinit, workdir, ["DevicePolicy=closed"], *DEVICES)
    assert u["state"] == "exited", u
    assert got["open-w:/dev/null"] == "ok", got
    assert got["open-r:/dev/zero"] == "ok", got
    assert got["open-r:/dev/urandom"] == "ok", got
    assert got["open-r:/dev/loop-control"] == "EPERM", got
    assert got["open-w:/dev/loop-control"] == "EPERM", got
    assert got["open-r:/dev/loop0"] == "EPERM", got   # a block device


def test_device_allow_read_only(svcinit, workdir):
    # DeviceAllow= without DevicePolicy=: closed with the list, as systemd
    u, got = probe(svcinit, workdir, ["DeviceAllow=/dev/loop-control r"], *DEVICES)
    assert got["open-r:/dev/loop-control"] == "ok", got
    assert got["open-w:/dev/loop-control"] == "EPERM", got
    assert got["open-w:/dev/null"] == "ok", got   # the pseudo devices stay
    assert got["open-r:/dev/loop0"] == "EPERM", got


def test_device_policy_strict_and_groups(svcinit, workdir):
    # strict: only the list. svcinit opens /dev/null for the unit's stdin
    # inside the cgroup, so a strict unit lists it (as under systemd);
    # char-mem (major 1 in /proc/devices) is null, zero, full, ...
    u, got = probe(svcinit, workdir, ["DevicePolicy=strict", "DeviceAllow=/dev/null rw",
                                      "DeviceAllow=char-mem r", "DeviceAllow=block-loop r"],
                   "open-w:/dev/null", "open-r:/dev/zero", "open-w:/dev/zero",
                   "open-r:/dev/loop0", "open-r:/dev/loop-control", "open-r:/dev/tty")
    assert u["state"] == "exited", u
    assert got["open-w:/dev/null"] == "ok", got
    assert got["open-r:/dev/zero"] == "ok", got
    assert got["open-w:/dev/zero"] == "EPERM", got
    assert got["open-r:/dev/loop0"] == "ok", got
    assert got["open-r:/dev/loop-control"] == "EPERM", got   # char 10:237, not listed
    assert got["open-r:/dev/tty"] == "EPERM", got            # strict: no pseudo devices


def test_device_policy_strict_without_null_fails_the_start(svcinit, workdir):
    u, got = probe(svcinit, workdir, ["DevicePolicy=strict"], "open-r:/dev/zero")
    assert u["state"] == "failed" and got == {}, (u, got)


def test_device_allow_missing_node_is_a_warning(svcinit, workdir):
    u, got = probe(svcinit, workdir, ["DeviceAllow=/dev/svcinit-no-such-node r"],
                   "open-w:/dev/null", "open-r:/dev/loop-control")
    assert u["state"] == "exited", u
    assert got == {"open-w:/dev/null": "ok", "open-r:/dev/loop-control": "EPERM"}, got
    assert any("DeviceAllow=/dev/svcinit-no-such-node" in w and "ignored" in w
               for w in u["warnings"]), u["warnings"]


NET = ["addr:10.11.12.13", "listen:127.0.0.1", "listen:10.11.12.13",
       "tcp:127.0.0.1", "tcp:10.11.12.13", "udp:127.0.0.1", "udp:10.11.12.13"]


def test_without_ip_keys_both_addresses_answer(svcinit, workdir):
    u, got = probe(svcinit, workdir, ["PrivateNetwork=yes"], *NET)
    assert got == {a: "ok" for a in NET}, (got, u)


def test_ip_address_deny_any_allow_localhost(svcinit, workdir):
    u, got = probe(svcinit, workdir, ["PrivateNetwork=yes", "IPAddressDeny=any",
                                      "IPAddressAllow=localhost"], *NET)
    assert u["state"] == "exited", u
    assert got["addr:10.11.12.13"] == "ok", got
    assert got["tcp:127.0.0.1"] == "ok", got
    assert got["udp:127.0.0.1"] == "ok", got
    # the SYN is dropped on egress: the connect never completes
    assert got["tcp:10.11.12.13"] in ("timeout", "EPERM"), got
    assert got["udp:10.11.12.13"] == "EPERM", got


def test_ip_address_deny_one_host(svcinit, workdir):
    # without an allow entry, only what the deny list names is refused
    u, got = probe(svcinit, workdir, ["PrivateNetwork=yes", "IPAddressDeny=10.11.12.13/32"],
                   *NET)
    assert got["tcp:127.0.0.1"] == "ok", got
    assert got["tcp:10.11.12.13"] in ("timeout", "EPERM"), got
    assert got["udp:10.11.12.13"] == "EPERM", got


NET6 = ["addr6:fd00:5c::1", "addr6:fd00:5d::1", "udp6:::1", "udp6:fd00:5c::1", "udp6:fd00:5d::1"]


def test_ip_lists_in_ipv6(svcinit, workdir):
    u, got = probe(svcinit, workdir, ["PrivateNetwork=yes"], *NET6)
    assert got == {a: "ok" for a in NET6}, (got, u)
    # localhost is ::1 too; a prefix denies only what it covers
    u, got = probe(svcinit, workdir, ["PrivateNetwork=yes", "IPAddressDeny=fd00:5c::/48",
                                      "IPAddressAllow=localhost"], *NET6)
    assert got["udp6:::1"] == "ok", got
    assert got["udp6:fd00:5c::1"] == "EPERM", got
    assert got["udp6:fd00:5d::1"] == "ok", got   # outside the /48


def test_reload_replaces_the_programs(svcinit, workdir):
    # a reloaded definition is started in the same cgroup: the programs of
    # the old one are detached, those of the new one attached
    out = workdir / "probe.out"
    out.touch()

    def unit(keys):
        return unit_text(f"/bin/sh -c '{PY} {PROBE} open-r:/dev/loop-control; exec sleep 1000'",
                         [f"StandardOutput=append:{out}"] + keys)

    def results():
        return [line.split(" ")[1] for line in out.read_text().splitlines()]

    si = svcinit({"a": unit(["DevicePolicy=closed", "IPAddressDeny=any"])})
    poll_until(lambda: results() == ["EPERM"], what="the first run's probe")
    write_units(si.units_dir, {"a": unit([])})
    assert si.ctl("reload").returncode == 0
    poll_until(lambda: len(results()) == 2, what="the second run's probe")
    assert results() == ["EPERM", "ok"]
    write_units(si.units_dir, {"a": unit(["DeviceAllow=/dev/null r"])})
    assert si.ctl("reload").returncode == 0
    poll_until(lambda: len(results()) == 3, what="the third run's probe")
    assert results() == ["EPERM", "ok", "EPERM"]


def test_check_does_not_warn(tmp_path):
    (tmp_path / "a.service").write_text(
        "[Service]\nExecStart=/bin/true\nDevicePolicy=closed\nDeviceAllow=/dev/fuse rw\n"
        "DeviceAllow=char-pts\nIPAddressDeny=any\nIPAddressAllow=localhost 10.0.0.0/8 ::1\n")
    r = subprocess.run([str(SVCINIT), f"--check={tmp_path}", "--strict"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "not supported" not in r.stdout + r.stderr
    (tmp_path / "a.service").write_text(
        "[Service]\nExecStart=/bin/true\nDeviceAllow=/dev/fuse rx\n")
    r = subprocess.run([str(SVCINIT), "--check", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "DeviceAllow=: invalid value" in r.stdout + r.stderr, r
