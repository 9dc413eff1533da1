#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that bridge/'s dependencies point one way.

Five rules, each from the code as built, not from a list kept by hand:

1. File call graph. For every object of n2m_core (the objects given on the
   command line), `nm` names the symbols it defines and the ones it leaves
   undefined; an undefined symbol defined in another object is an edge
   between the two .c files. The graph must be acyclic: no two files may
   call each other, directly or round a longer loop. A cycle is reported
   with its files and, for every edge in it, a symbol that makes it.
2. Header include graph. `#include "x.h"` lines in bridge/ and include/
   headers must not form a loop.
3. Folder direction. Only bridge/core/ (and the front doors: bridge/main.c
   for the daemon, bridge/inbroker/ for the Mosquitto plugin) may include a header of bridge/core/ or call a function defined there;
   the leaf folders (upstream, publish, control, scale, health, plugin,
   config, json, util) return results to core/ and never call up.
4. Leaf folders among themselves. The folder graph (call and include edges
   between leaf folders) must be acyclic too, so each leaf folder can be
   read, tested and replaced from the ones below it - but for the edges in
   ALLOWED_FOLDER_EDGES, the known exceptions, each with its reason. An
   allowed edge that no longer exists fails too, so the list only shrinks.

5. One orchestrator. core/bridge_dispatch.c receives every callback,
   wake-up and tick and hands it to the parts; only core/bridge.c (which
   registers those callbacks) may use it, so no part calls back up into
   the dispatch.

--report prints the folder graph (which folder uses which, and how many
file-level edges make each folder edge).

Exit status 0 if every rule holds, 1 with the reasons otherwise."""
import argparse
import collections
import glob
import os
import re
import subprocess
import sys

CORE = "core"
LEAVES = ("upstream", "publish", "control", "scale", "health", "plugin", "config", "json",
          "util")
# Leaf folder edges that close a cycle today, and why. config/ sits above the
# leaves it validates with (control's subscription parser, scale's shard
# parser, health's listen parser, plugin loading for --check-config), but its
# structs (config.h) are read by the parts they configure.
ALLOWED_FOLDER_EDGES = {
    ("plugin", "config"): "plugin_host.h takes struct n2m_plugin_config",
    ("publish", "config"): "mqtt_client, mapping, topic, tracker_table take their config structs",
    ("upstream", "config"): "upstream, rest_client, rest_worker take struct n2m_navixy_config",
    ("control", "publish"): "response_topic.c checks topic names with topic.c; with "
                            "publish -> upstream -> control (subscription types) a cycle",
}
# What builds a bridge and runs it: the daemon's main.c, and the Mosquitto
# plugin's folder (its entry points and its MQTT sink for the core).
FRONT_DOORS = ("main.c", "inbroker")
DISPATCH = "core/bridge_dispatch.c"
DISPATCH_USERS = ("core/bridge.c",)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def object_source(obj, bridge_dir):
    """bridge/<folder>/<file>.c for a CMake object path
    .../n2m_core.dir/<folder>/<file>.c.o (or n2m_core_common.dir: the core
    without the Paho client, which the Mosquitto plugin links too)."""
    m = re.search(r"n2m_core(?:_common)?\.dir/(.+)\.o$", obj.replace(os.sep, "/"))
    if not m:
        sys.exit(f"check_layering: cannot map object {obj} to a source file")
    rel = m.group(1)
    if not os.path.exists(os.path.join(bridge_dir, rel)):
        sys.exit(f"check_layering: {obj}: no source {rel} in {bridge_dir}")
    return rel


def symbols(nm, obj):
    """(defined, undefined) global symbol names of one object."""
    out = subprocess.run([nm, "-P", "-g", obj], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(name)
        elif kind not in ("w", "v"):
            defined.add(name)
    return defined, undefined


def call_graph(nm, objects, bridge_dir):
    """{file: {file: symbol}}: for each edge one symbol that makes it."""
    defs, undefs = {}, {}
    for obj in objects:
        src = object_source(obj, bridge_dir)
        defs[src], undefs[src] = symbols(nm, obj)
    owner = {}
    for src, names in defs.items():
        for name in names:
            owner[name] = src
    graph = {src: {} for src in defs}
    for src, names in undefs.items():
        for name in sorted(names):
            dst = owner.get(name)
            if dst and dst != src:
                graph[src].setdefault(dst, name)
    return graph


def include_graph(bridge_dir, include_dir):
    """({file: {header file: header name}}, {header name: file}) for bridge/ and include/."""
    where = {}
    files = sorted(glob.glob(os.path.join(bridge_dir, "**", "*.[ch]"), recursive=True))
    for path in files:
        if path.endswith(".h"):
            where[os.path.basename(path)] = os.path.relpath(path, bridge_dir)
    for path in glob.glob(os.path.join(include_dir, "**", "*.h"), recursive=True):
        rel = os.path.relpath(path, include_dir)
        where[rel] = "include/" + rel
    graph = {}
    for path in files:
        rel = os.path.relpath(path, bridge_dir)
        with open(path, encoding="utf-8") as f:
            names = INCLUDE.findall(f.read())
        graph[rel] = {where[n]: n for n in names if n in where and where[n] != rel}
    return graph


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def describe(graph, comp, what):
    """One problem line per cycle, with the edges (and what makes them) inside it."""
    members = set(comp)
    edges = [f"{a} -> {b} ({why})" for a in comp for b, why in sorted(graph[a].items())
             if b in members]
    return f"{what} cycle among {', '.join(comp)}:\n    " + "\n    ".join(edges)


def folder_of(rel):
    return rel.split("/")[0] if "/" in rel else rel


def folder_graph(graphs):
    """{folder: {folder: number of file edges}} from several file graphs."""
    out = collections.defaultdict(collections.Counter)
    for graph in graphs:
        for a, targets in graph.items():
            for b in targets:
                fa, fb = folder_of(a), folder_of(b)
                if fa != fb:
                    out[fa][fb] += 1
    return out


def check_direction(graphs):
    problems = []
    for what, graph in graphs:
        for a, targets in sorted(graph.items()):
            if folder_of(a) in (CORE,) + FRONT_DOORS:
                continue
            for b, why in sorted(targets.items()):
                if folder_of(b) == CORE:
                    problems.append(f"{a} {what} core/ ({b}: {why}): only core/ may")
    return problems


def self_test():
    """The cycle finder on graphs with a known answer: a checker that finds
    nothing would pass every tree."""
    two = {"a": {"b": "x"}, "b": {"a": "y"}, "c": {"a": "z"}}
    three = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {}}
    assert cycles(two) == [["a", "b"]], cycles(two)
    assert cycles(three) == [["a", "b", "c"]], cycles(three)
    assert cycles({"a": {"b": 1}, "b": {}}) == []
    assert check_direction([("calls", {"util/x.c": {"core/y.c": "f"}})])
    assert not check_direction([("calls", {"core/y.c": {"util/x.c": "f"}})])
    assert check_dispatch({"core/bridge_reload.c": {DISPATCH: "f"}})
    assert not check_dispatch({"core/bridge.c": {DISPATCH: "f"}})


def check_dispatch(calls):
    """Problems for files other than DISPATCH_USERS that call the dispatch."""
    return [f"{a} calls the dispatch ({DISPATCH}: {t[DISPATCH]}): only "
            f"{', '.join(DISPATCH_USERS)} may; return a result to it instead"
            for a, t in sorted(calls.items()) if DISPATCH in t and a not in DISPATCH_USERS]


def main():
    self_test()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--source", required=True, help="the repository's top directory")
    ap.add_argument("--report", action="store_true", help="print the folder graph")
    ap.add_argument("objects", nargs="+", help="n2m_core's object files")
    args = ap.parse_args()
    bridge_dir = os.path.join(args.source, "bridge")
    calls = call_graph(args.nm, args.objects, bridge_dir)
    includes = include_graph(bridge_dir, os.path.join(args.source, "include"))
    problems = [describe(calls, c, "call") for c in cycles(calls)]
    headers = {a: {b: n for b, n in t.items() if b.endswith(".h")}
               for a, t in includes.items() if a.endswith(".h")}
    problems += [describe(headers, c, "include") for c in cycles(headers)]
    problems += check_direction([("calls", calls), ("includes", includes)])
    problems += check_dispatch(calls)
    folders = folder_graph([calls, includes])
    leaf = {a: {b: f"{n} file edges" for b, n in t.items()
                if b in LEAVES and (a, b) not in ALLOWED_FOLDER_EDGES}
            for a, t in folders.items() if a in LEAVES}
    problems += [describe(leaf, c, "folder") for c in cycles(leaf)]
    problems += [f"allowed folder edge {a} -> {b} is gone: drop it from ALLOWED_FOLDER_EDGES"
                 for a, b in sorted(ALLOWED_FOLDER_EDGES) if b not in folders.get(a, {})]
    if args.report:
        for a in sorted(folders):
            uses = ", ".join(f"{b} ({n})" for b, n in sorted(folders[a].items()))
            print(f"{a} -> {uses}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"check_layering: {len(calls)} files, {sum(len(t) for t in calls.values())} call "
          f"edges, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
