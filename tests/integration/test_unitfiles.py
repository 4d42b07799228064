# SPDX-License-Identifier: MIT
"""Bad unit files beside good ones: each bad one is reported as FILE:LINE and
not started, every good one runs."""
import re

from conftest import unit_text

GOOD = unit_text("sleep 1000", {"TimeoutStopSec": "2s"})

BAD = {
    # name: (text, line of the error or None when it has none)
    "unknown-key": ("[Service]\nExecStart=sleep 1000\nNamespaces=none\nFrobnicate=yes\n", 4),
    "bad-value": ("[Service]\nExecStart=sleep 1000\nNamespaces=none\nRestartSec=banana\n", 4),
    "bad-restart": ("[Unit]\nDescription=x\n[Service]\nRestart=sometimes\nExecStart=sleep 1000\n"
                    "Namespaces=none\n", 4),
    "bad-quotes": ("[Service]\nExecStart=sh -c 'unbalanced\nNamespaces=none\n", 2),
    "no-exec": ("[Unit]\nDescription=nothing to run\n[Service]\nNamespaces=none\n", None),
}
BAD_FILE_NAMES = ["bad!name.service", "x" * 65 + ".service"]


def test_bad_units_beside_good_ones(svcinit):
    units = {"good": GOOD, "good2": GOOD}
    units.update({k: v[0] for k, v in BAD.items()})
    for fn in BAD_FILE_NAMES:
        units[fn] = GOOD
    si = svcinit(units)
    si.wait_for("good", "running")
    si.wait_for("good2", "running")

    log = si.log()
    st = si.units()
    for name, (_, line) in BAD.items():
        fn = f"{name}.service"
        if line is not None:
            assert re.search(rf"{re.escape(fn)}:{line}:", log), \
                f"no '{fn}:{line}:' message on the console:\n{log}"
        else:
            assert re.search(rf"{re.escape(fn)}(:\d+)?:.*ExecStart", log), \
                f"no message about {fn} lacking ExecStart:\n{log}"
        u = st.get(name)
        if u is not None:   # listed, maybe, but never started
            assert u["state"] in ("stopped", "failed"), u
            assert u["pid"] is None, u
    for fn in BAD_FILE_NAMES:
        assert fn in log, f"the invalid file name {fn} is not reported:\n{log}"
        assert fn[:-len(".service")] not in st
    # nothing of the bad units runs anywhere in the namespace
    cmdlines = [p["cmdline"] for p in si.ns_procs()]
    assert cmdlines.count(["sleep", "1000"]) == 2, cmdlines


def test_empty_unit_directory(svcinit):
    si = svcinit({})
    assert si.status() == []
    r = si.ctl("status")
    assert r.returncode == 0
