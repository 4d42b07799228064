# SPDX-License-Identifier: MIT
"""Bad unit files beside good ones: each bad one is reported as FILE:LINE and
not started, every good one runs."""
import re

from conftest import poll_until, unit_text

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


# ---- systemd's syntax (issue 15) --------------------------------------------


def _outdir(workdir):
    d = workdir / "syntax-out"
    d.mkdir(exist_ok=True)
    return d


def test_semicolon_inside_exec_start_is_part_of_the_value(svcinit, workdir):
    """systemd has no inline comments: `sh -c 'echo a ; echo b'` runs both."""
    out = _outdir(workdir) / "semi"
    si = svcinit({"semi": unit_text(f"/bin/sh -c 'echo a > {out} ; echo b >> {out}'",
                                    ["Type=oneshot"], unit={"Description": "a ; b"})})
    u = si.wait_for("semi", ("exited", "failed"))
    assert u["state"] == "exited", (u, si.log())
    assert out.read_text() == "a\nb\n"
    assert u["description"] == "a ; b", u


def test_continuation_and_var_expansion(svcinit, workdir):
    """A `\\` continued ExecStart= (a comment line inside it skipped) and
    ${VAR} / $VAR from the unit's environment, at start."""
    out = _outdir(workdir) / "cont"
    text = ("[Service]\nType=oneshot\nNamespaces=none\n"
            "Environment=ONE=one \"TWO=two two\"\n"
            f"ExecStart=/bin/sh -c 'printf \"%%s|\" \"$@\" > {out}' sh \\\n"
            "# a comment inside the continuation\n"
            "    ${TWO} $TWO $$ %n\n")
    si = svcinit({"cont": text})
    u = si.wait_for("cont", ("exited", "failed"))
    assert u["state"] == "exited", (u, si.log())
    assert out.read_text() == "two two|two|two|$|cont.service|"


def test_supported_elsewhere_key_is_a_warning(svcinit):
    """A key systemd documents but svcinit does not implement: the unit runs,
    `status --json` lists the warning naming FILE:LINE."""
    text = ("[Unit]\nDescription=warned\nDocumentation=man:sleep(1)\n"
            "[Service]\nExecStart=sleep 1000\nNamespaces=none\nTimeoutStopSec=2s\n"
            "IPAccounting=yes\nX-Custom=ignored\n"
            "[Install]\nWantedBy=multi-user.target\n")
    si = svcinit({"warned": text})
    u = si.wait_for("warned", "running")
    ws = u["warnings"]
    assert any(re.search(r"warned\.service:3: Documentation= is not supported: ignored", w)
               for w in ws), ws
    assert any(re.search(r"warned\.service:8: IPAccounting= is not supported: ignored", w)
               for w in ws), ws
    assert not any("X-Custom" in w or "WantedBy" in w for w in ws), ws


def test_oneshot_runs_every_exec_start_in_order(svcinit, workdir):
    """Type=oneshot with several ExecStart=: each runs after the previous one
    exited 0; a failing one ends the unit failed and the rest never run."""
    d = _outdir(workdir)
    ok, bad = d / "ok", d / "bad"
    ok_text = ("[Service]\nType=oneshot\nNamespaces=none\n"
               f"ExecStart=/bin/sh -c 'sleep 0.2; echo one >> {ok}'\n"
               f"ExecStart=/bin/sh -c 'echo two >> {ok}'\n"
               f"ExecStart=/bin/sh -c 'echo three >> {ok}'\n")
    bad_text = ("[Service]\nType=oneshot\nNamespaces=none\nRestart=no\n"
                f"ExecStart=/bin/sh -c 'echo one >> {bad}'\n"
                "ExecStart=/bin/sh -c 'exit 3'\n"
                f"ExecStart=/bin/sh -c 'echo three >> {bad}'\n")
    si = svcinit({"multi": ok_text, "multi-bad": bad_text})
    u = si.wait_for("multi", ("exited", "failed"))
    assert u["state"] == "exited", (u, si.log())
    assert ok.read_text() == "one\ntwo\nthree\n"
    u = si.wait_for("multi-bad", ("exited", "failed"))
    assert u["state"] == "failed", (u, si.log())
    assert u.get("exit_code") == 3, u
    assert bad.read_text() == "one\n"
    # started again: the sequence runs from the first command
    ok.unlink()
    r = si.ctl("restart", "multi")
    assert r.returncode == 0, r.stdout + r.stderr
    poll_until(lambda: ok.exists() and ok.read_text() == "one\ntwo\nthree\n" and
               si.unit("multi")["state"] == "exited", what="the sequence again")


def test_pass_and_unset_environment(svcinit, workdir):
    """PassEnvironment= passes only the named variables of svcinit's own
    environment (one that svcinit lacks is skipped); Environment= overrides
    them; UnsetEnvironment= removes a variable (NAME) or one assignment
    (NAME=VALUE) from whatever the list came from, PATH included."""
    out = _outdir(workdir) / "env"
    text = ("[Service]\nType=oneshot\nNamespaces=none\n"
            "PassEnvironment=SVCIT_PASSED SVCIT_OVERRIDDEN SVCIT_ABSENT\n"
            "Environment=SVCIT_OVERRIDDEN=unit KEEP=1 DROP=1 ONLY=this\n"
            "UnsetEnvironment=DROP ONLY=other PATH SVCIT_PASSED=nope\n"
            "ExecStart=/usr/bin/env -0\n"
            f"StandardOutput=file:{out}\n")
    si = svcinit({"envpass": text},
                 env={"SVCIT_PASSED": "from-pid1", "SVCIT_OVERRIDDEN": "from-pid1",
                      "SVCIT_SECRET": "never"})
    u = si.wait_for("envpass", ("exited", "failed"))
    assert u["state"] == "exited", (u, si.log())
    env = dict(kv.partition("=")[::2] for kv in out.read_text().split("\0") if kv)
    assert env.get("SVCIT_PASSED") == "from-pid1", env
    assert env.get("SVCIT_OVERRIDDEN") == "unit", env
    assert env.get("KEEP") == "1" and env.get("ONLY") == "this", env
    for gone in ("SVCIT_ABSENT", "SVCIT_SECRET", "DROP", "PATH"):
        assert gone not in env, (gone, env)
