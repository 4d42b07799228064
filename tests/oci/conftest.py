# SPDX-License-Identifier: MIT
"""OCI tier: the static build/static/svcinit as process.args of real OCI
containers, run by both runc and crun (Debian's packages).

    def test_x(oci):
        c = oci(units={"web": WEB}, args=["/sbin/svcinit"], spec="nested")
        c.start()                         # `RUNTIME run` in the foreground, output to a file
        c.exec("svcctl", "wait", "web")   # `RUNTIME exec`
        c.kill("TERM")                    # `RUNTIME kill`
        assert c.wait() == 0              # the container's exit code, through the runtime

Every test runs once per runtime. The rootfs (busybox-static with its
applets, static svcinit and svcctl, /etc/svcinit, the helper scripts of
tests/oci/rootfs/) is built once, copied into each bundle; config.json comes
from `RUNTIME spec`, edited: process.args, terminal=false, a writable root, and
for spec="nested" what nested isolation needs (CAP_SYS_ADMIN and friends, a
cgroup namespace, a writable /sys/fs/cgroup). spec="default" keeps the
runtime's defaults (3 capabilities, read-only /sys/fs/cgroup).

crun 1.8 refuses hybrid cgroup hosts ("cgroups in hybrid mode not
supported"); on such a host every crun call runs in a private mount namespace
with an empty tmpfs over /sys/fs/cgroup/unified, so that crun sees cgroup v1
only (runc copes with hybrid hosts by itself).

Teardown: `RUNTIME delete --force`, the foreground runtime process killed by
its pid if still there, the bundle removed. A missing runtime or build fails
the test rather than skipping it.
"""
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ocilib import NESTED_CAPS, Container, Runtime, host_caps

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STATIC = Path(os.environ.get("SVCINIT_STATIC_DIR", ROOT / "build" / "static"))
BUSYBOX = Path("/bin/busybox")
RUNTIMES = ["runc", "crun"]


def _require_environment(rt):
    problems = []
    if os.geteuid() != 0:
        problems.append("the OCI tests must run as root")
    for b in ("svcinit", "svcctl"):
        if not os.access(STATIC / b, os.X_OK):
            problems.append(f"{STATIC / b} is missing: run `make static`")
    if shutil.which(rt) is None:
        problems.append(f"{rt} is missing: apt-get install {rt}")
    if not BUSYBOX.exists():
        problems.append("/bin/busybox is missing: apt-get install busybox-static")
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def rootfs_template(tmp_path_factory):
    """The container's root filesystem, built once."""
    for b in ("svcinit", "svcctl"):
        if not os.access(STATIC / b, os.X_OK):
            pytest.fail(f"{STATIC / b} is missing: run `make static`", pytrace=False)
    r = tmp_path_factory.mktemp("rootfs") / "rootfs"
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc/svcinit", "proc", "sys", "dev", "run",
              "tmp", "root", "var", "usr/libexec/octest"):
        (r / d).mkdir(parents=True, exist_ok=True)
    os.chmod(r / "tmp", 0o1777)
    shutil.copy(BUSYBOX, r / "bin" / "busybox")
    applets = subprocess.run([str(BUSYBOX), "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    for a in applets:
        p = r / a
        if "/" in a and not p.exists() and not p.is_symlink():
            p.parent.mkdir(parents=True, exist_ok=True)
            p.symlink_to("/bin/busybox")
    shutil.copy(STATIC / "svcinit", r / "sbin" / "svcinit")
    shutil.copy(STATIC / "svcctl", r / "bin" / "svcctl")
    (r / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                      "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    (r / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    (r / "etc" / "hostname").write_text("octest\n")
    for f in (HERE / "rootfs").iterdir():
        dst = r / "usr" / "libexec" / "octest" / f.name
        shutil.copy(f, dst)
        os.chmod(dst, 0o755)
    return r


@pytest.fixture(params=RUNTIMES)
def runtime(request):
    _require_environment(request.param)
    return Runtime(request.param)


@pytest.fixture
def oci(runtime, rootfs_template, request):
    """oci(units={name: text}, args=[...], spec="default"|"nested") -> Container
    (not started)."""
    made = []
    caps = host_caps()

    def make(units=None, args=("/sbin/svcinit",), spec="default", env=None):
        bundle = Path(tempfile.mkdtemp(prefix="svcinit-oci-", dir="/tmp"))
        shutil.copytree(rootfs_template, bundle / "rootfs", symlinks=True)
        for name, text in (units or {}).items():
            (bundle / "rootfs" / "etc" / "svcinit" / f"{name}.service").write_text(text)
        runtime.run("spec", cwd=bundle, check=True)
        cfgp = bundle / "config.json"
        cfg = json.loads(cfgp.read_text())
        proc = cfg["process"]
        proc["terminal"] = False
        proc["args"] = list(args)
        if env:
            proc["env"] = proc.get("env", []) + [f"{k}={v}" for k, v in env.items()]
        cfg["root"]["readonly"] = False
        cfg["hostname"] = "octest"
        if spec == "nested":
            want = [c for c in NESTED_CAPS if c in caps]
            for k in ("bounding", "effective", "permitted"):
                have = proc["capabilities"].get(k, [])
                proc["capabilities"][k] = have + [c for c in want if c not in have]
            nss = cfg["linux"]["namespaces"]
            if not any(n["type"] == "cgroup" for n in nss):
                nss.append({"type": "cgroup"})
            for m in cfg["mounts"]:
                if m["destination"] == "/sys/fs/cgroup":
                    m["options"] = [o for o in m["options"] if o != "ro"] + ["rw"]
        elif spec != "default":
            raise ValueError(spec)
        cfgp.write_text(json.dumps(cfg, indent=2))
        c = Container(runtime, bundle, f"svcinit-oci-{secrets.token_hex(4)}")
        made.append(c)
        return c

    yield make

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for c in made:
        c.cleanup()
        if failed:
            print(f"--- console of {c.id} ({runtime.name}):\n{c.log()}")
        shutil.rmtree(c.bundle, ignore_errors=True)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
