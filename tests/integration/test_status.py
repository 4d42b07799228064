# SPDX-License-Identifier: MIT
"""svcctl status / is-active against a real svcinit, and svcctl's exit codes."""
from conftest import STATES, run_svcctl, unit_text

SLEEPER = unit_text("sleep 1000", {"TimeoutStopSec": "2s"})

FIELDS = {
    "name": str, "description": str, "state": str, "pid": (int, type(None)), "ready": bool,
    "restarts": int, "exit_code": (int, type(None)), "exit_signal": (int, type(None)),
    "since": int, "cgroup": (str, type(None)), "memory_bytes": (int, type(None)),
    "tasks": (int, type(None)), "namespaces": list, "root": str, "status_text": str,
    "warnings": list,
}


def test_status_lists_every_unit(svcinit):
    si = svcinit({
        "alpha": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}, unit={"Description": "the first"}),
        "beta": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}),
        "gamma.x@1": unit_text("true", {"Type": "oneshot"}),
    })
    si.wait_for("alpha", "running")
    si.wait_for("beta", "running")
    si.wait_for("gamma.x@1", "exited")

    r = si.ctl("status")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for name, state in (("alpha", "running"), ("beta", "running"), ("gamma.x@1", "exited")):
        row = [l for l in lines if l.split() and l.split()[0] == name]
        assert row, f"{name} missing from the table:\n{r.stdout}"
        assert row[0].split()[1] == state, f"second column is the state: {row[0]!r}"

    units = si.status()
    assert sorted(u["name"] for u in units) == ["alpha", "beta", "gamma.x@1"]
    for u in units:
        for field, typ in FIELDS.items():
            assert field in u, f"{u['name']}: no field {field}"
            assert isinstance(u[field], typ) and not (typ is int and isinstance(u[field], bool)), \
                f"{u['name']}.{field} = {u[field]!r}"
        assert u["state"] in STATES
        assert all(isinstance(w, str) for w in u["warnings"])
        assert all(isinstance(n, str) for n in u["namespaces"])
    by = {u["name"]: u for u in units}
    assert by["alpha"]["description"] == "the first"
    assert by["alpha"]["ready"] is True
    assert by["gamma.x@1"]["exit_code"] == 0 and by["gamma.x@1"]["pid"] is None

    # status of named units only
    r = si.ctl("--json", "status", "beta")
    assert r.returncode == 0, r.stderr
    assert "beta" in r.stdout and "alpha" not in r.stdout


def test_exit_codes(svcinit, workdir):
    si = svcinit({
        "web": SLEEPER,
        "job": unit_text("true", {"Type": "oneshot"}),
    })
    si.wait_for("web", "running")
    si.wait_for("job", "exited")

    # no such unit: 3
    for args in (["status", "nosuch"], ["is-active", "nosuch"], ["start", "nosuch"],
                 ["stop", "nosuch"], ["restart", "nosuch"], ["wait", "--timeout", "1", "nosuch"]):
        r = si.ctl(*args)
        assert r.returncode == 3, (args, r)
        assert r.stderr.strip(), f"{args}: an error says why"

    # is-active: 0 when running, 3 otherwise
    assert si.ctl("is-active", "web").returncode == 0
    assert si.ctl("is-active", "job").returncode == 3

    # usage: 2
    for args in (["frobnicate"], ["start"], ["logs", "-n", "many", "web"], ["stop", "a/b"]):
        r = si.ctl(*args)
        assert r.returncode == 2, (args, r)

    # unreachable: 5
    r = run_svcctl(workdir / "no-such-socket", "status")
    assert r.returncode == 5
    assert "cannot reach svcinit" in r.stderr

    # and the unit was left alone by all of that
    assert si.unit("web")["state"] == "running"
    assert si.pid_alive(si.unit("web")["pid"])


def test_wait_returns_when_ready(svcinit):
    si = svcinit({
        "web": SLEEPER,
        "slow": unit_text("sh -c 'sleep 1; exit 0'", {"Type": "oneshot"}),
    })
    r = si.ctl("wait", "--timeout", "15", "web", "slow")
    assert r.returncode == 0, r.stderr
    assert si.unit("slow")["state"] == "exited"
    assert si.unit("web")["ready"] is True
