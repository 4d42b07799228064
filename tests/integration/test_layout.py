"""The layout's arrows, read from the built objects (nm): who calls whom.

init -> services -> units -> lib, one way; within init/ no two modules call
each other (main.c wires them); and nothing below init/ writes to PID 1's
console itself (units' output reaches it through svc_hooks.console)."""
import subprocess
from pathlib import Path

from conftest import ROOT

BUILD = ROOT / "build"
ROOMS = ["lib", "units", "services", "init"]   # lowest first
CLIENT = {"init/svcctl.o"}                      # another binary


def objects():
    objs = {}
    for room in ROOMS:
        for o in sorted((BUILD / room).glob("*.o")):
            rel = f"{room}/{o.name}"
            if rel not in CLIENT:
                objs[rel] = o
    assert objs, f"no objects under {BUILD}: run make first"
    return objs


def symbols(path):
    out = subprocess.run(["nm", "--format=posix", str(path)], check=True,
                         capture_output=True, text=True, timeout=30).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind.isupper():
            defined.add(name)
    return defined, used


def call_graph():
    objs = objects()
    syms = {rel: symbols(p) for rel, p in objs.items()}
    owner = {}
    for rel, (defined, _) in syms.items():
        for name in defined:
            owner[name] = rel
    edges = {rel: {} for rel in objs}
    for rel, (_, used) in syms.items():
        for name in used:
            to = owner.get(name)
            if to and to != rel:
                edges[rel].setdefault(to, []).append(name)
    return edges, syms


def room(rel):
    return ROOMS.index(rel.split("/")[0])


def test_arrows_point_down():
    edges, _ = call_graph()
    up = [(a, b, sorted(names)[:3]) for a, tos in edges.items() for b, names in tos.items()
          if room(b) > room(a)]
    assert not up, f"calls up the layout (init -> services -> units -> lib): {up}"


def test_init_modules_do_not_call_each_other_in_a_circle():
    edges, _ = call_graph()
    init = {a: {b: n for b, n in tos.items() if b.startswith("init/")}
            for a, tos in edges.items() if a.startswith("init/")}
    # depth-first search for a cycle
    state, stack, cycles = {}, [], []

    def visit(a):
        state[a] = 1
        stack.append(a)
        for b in init[a]:
            if state.get(b) == 1:
                cyc = stack[stack.index(b):] + [b]
                cycles.append(" -> ".join(f"{x} ({sorted(init[x].get(y, []))[:2]})"
                                          for x, y in zip(cyc, cyc[1:])))
            elif not state.get(b):
                visit(b)
        stack.pop()
        state[a] = 2

    for a in sorted(init):
        if not state.get(a):
            visit(a)
    assert not cycles, f"init/ modules call each other in a circle: {cycles}"


def test_only_init_writes_to_the_console():
    _, syms = call_graph()
    writers = sorted(rel for rel, (_, used) in syms.items()
                     if "log_write_raw" in used and not rel.startswith("init/"))
    assert not writers, f"writes to PID 1's console below init/: {writers}"
