# SPDX-License-Identifier: MIT
"""svcctl metrics: the Prometheus text format, read by a real parser
(Debian's python3-prometheus-client), checked against status; and
`svcctl metrics --listen` run as a unit, answered over HTTP."""
import socket
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from conftest import NOBODY, SVCCTL, STATES, poll_until, unit_text

UNITS = {
    "web": unit_text("sleep 1000", {"TimeoutStopSec": "2s"}),
    "crash": unit_text("false", {"Restart": "always", "RestartSec": "300ms", "StartLimitBurst": "0"}),
    "job": unit_text("true", {"Type": "oneshot"}),
}


def families(text):
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    # the parser drops the _total suffix of a counter's family name
    return fams


def samples(fam, unit=None):
    return [s for s in fam.samples if unit is None or s.labels.get("unit") == unit]


def test_metrics_parse_and_match_status(svcinit):
    si = svcinit(UNITS)
    si.wait_for("web", "running")
    si.wait_for("job", "exited")
    si.wait_for("crash", restarts=lambda n: n is not None and n >= 2)

    before = si.units()
    r = si.ctl("metrics")
    assert r.returncode == 0, r.stderr
    after = si.units()
    fams = families(r.stdout)

    assert samples(fams["svcinit_up"])[0].value == 1
    assert samples(fams["svcinit_units"])[0].value == 3
    assert fams["svcinit_unit_state"].type == "gauge"
    assert fams["svcinit_unit_restarts"].type == "counter"
    assert fams["svcinit_unit_cpu_seconds"].type == "counter"

    for name in UNITS:
        states = {s.labels["state"]: s.value for s in samples(fams["svcinit_unit_state"], name)}
        assert set(states) >= STATES, f"{name}: states {sorted(states)}"
        current = [st for st, v in states.items() if v == 1]
        assert len(current) == 1, f"{name}: one current state, got {states}"
        if name != "crash":   # crash moves between restarting and starting
            assert current == [after[name]["state"]], (current, after[name]["state"])
        restarts = samples(fams["svcinit_unit_restarts"], name)
        assert len(restarts) == 1
        assert before[name]["restarts"] <= restarts[0].value <= after[name]["restarts"]
        start = samples(fams["svcinit_unit_start_time_seconds"], name)
        assert len(start) == 1 and start[0].value > 1.6e9
    assert samples(fams["svcinit_unit_restarts"], "crash")[0].value >= 2

    # the cgroup figures: present exactly where status has them
    web = after["web"]
    mem = samples(fams["svcinit_unit_memory_bytes"], "web")
    assert (len(mem) == 1) == (web["memory_bytes"] is not None)
    tasks = samples(fams["svcinit_unit_tasks"], "web")
    if web["tasks"] is not None:
        assert tasks and tasks[0].value >= 1
    cpu = samples(fams["svcinit_unit_cpu_seconds"], "web")
    assert (len(cpu) == 1) == (web["cpu_usec"] is not None)

    # any local user may read them; arguments are a usage error
    r = si.ctl("metrics", user=NOBODY)
    assert r.returncode == 0, r.stderr
    assert "svcinit_units 3" in r.stdout
    r = si.ctl("metrics", "web")
    assert r.returncode == 2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def test_metrics_listen_as_a_unit(svcinit, workdir):
    port = free_port()
    units = dict(UNITS)
    # a unit of its own, as any user: PID 1 never listens on TCP itself
    sock = workdir / "control"     # the first instance's socket (conftest)
    units["metrics"] = unit_text(f"{SVCCTL} -s {sock} metrics --listen 127.0.0.1:{port}",
                                 {"User": "nobody", "TimeoutStopSec": "5s"})
    si = svcinit(units)
    assert si.sock == sock
    si.wait_for("metrics", "running")
    si.wait_for("web", "running")

    def scrape():
        try:
            return get(f"http://127.0.0.1:{port}/metrics")
        except OSError:
            return None
    code, ctype, body = poll_until(scrape, 30, "the metrics unit to answer")
    assert code == 200, body
    assert ctype.startswith("text/plain; version=0.0.4")
    fams = families(body)
    assert samples(fams["svcinit_units"])[0].value == 4
    running = [s for s in samples(fams["svcinit_unit_state"], "metrics") if s.value == 1]
    assert [s.labels["state"] for s in running] == ["running"]

    assert get(f"http://127.0.0.1:{port}/")[0] == 404
    assert get(f"http://127.0.0.1:{port}/metrics", method="POST")[0] == 405
    code, _, body = get(f"http://127.0.0.1:{port}/metrics", method="HEAD")
    assert code == 200 and body == ""

    # a stop is SIGTERM: the server ends cleanly, the unit is not failed
    r = si.ctl("stop", "metrics")
    assert r.returncode == 0, r.stderr
    u = si.wait_for("metrics", ("stopped", "exited"))
    assert u["state"] != "failed"
