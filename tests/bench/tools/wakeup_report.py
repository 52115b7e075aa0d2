#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Markdown tables of exabond-bench-wakeup's rounds.

    wakeup_report.py vm FILE...      the VM run: exabond's readers and the
                                     floor, a table per layout (the FILEs
                                     of one layout pooled)
    wakeup_report.py host FILE...    the host run: the floor alone

A FILE is the program's output (tests/bench/wakeup/wakeup_bench.cpp). Times
are CLOCK_MONOTONIC ns; 0 means not seen. Nothing here judges a figure.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failover_report import row  # noqa: E402

# (label, column, origin column); {busy} is the busy readers' CPU
EXABOND = [
    ("exabond, busy-polling the page's generation (CPU {busy})",
     "busy", "pub"),
    ("exabond, blocked in poll() (wait_for_change)", "wait", "pub"),
    ("exabond, notify_fd() in an epoll loop", "epoll", "pub"),
]
FLOOR = [
    ("floor: busy-polling a memory word the driver stores (CPU {busy})",
     "word", "kick_word"),
    ("floor: blocked in poll() on an eventfd the driver writes",
     "poll", "kick_poll"),
    ("floor: an epoll loop on an eventfd the driver writes",
     "epoll_fd", "kick_epoll"),
]


def delays(rounds, col, origin):
    """The reader's delays in the rounds it saw. A reader records only
    under its round's tag, after the action: a delay below 0 would be a
    defect of the program, so it stops the report."""
    d = [r[col] - r[origin] for r in rounds if r[col] and r[origin]]
    if any(x < 0 for x in d):
        sys.exit(f"wakeup_report.py: {col} saw a round before {origin}")
    return d


def parse(path):
    """(meta: the "# key value ..." lines' pairs, rounds: dicts of ints)."""
    meta, rounds, cols = {}, [], None
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "#":
                meta.update(zip(w[1::2], w[2::2]))
            elif w[0] == "round":
                cols = w
            else:
                rounds.append(dict(zip(cols, map(int, w))))
    if int(meta.get("missed", -1)) != 0:
        sys.exit(f"wakeup_report.py: {path}: readers missed "
                 f"{meta.get('missed')} rounds (or the run did not finish)")
    return meta, rounds


def layout(mode, meta):
    """The threads' placement, in words."""
    busy, reader, driver = (int(meta.get(k, -1)) for k in
                            ("busy_cpu", "reader_cpu", "driver_cpu"))
    if busy >= 0 and reader >= 0 and reader == driver:
        return (f"the waker's CPU: the driver (the waker) and the blocked "
                f"readers on CPU {driver}, the busy readers on CPU {busy}. "
                "A woken reader waits for the driver to give up the CPU" +
                (", which without full preemption (Debian's generic 6.1 is "
                 "voluntary) it keeps until it leaves the kernel"
                 if mode == "vm" else ""))
    if busy < 0 and reader >= 0 and driver >= 0 and reader != driver:
        return (f"a CPU of their own: no busy reader; the driver on CPU "
                f"{driver}, the blocked readers on CPU {reader}, idle while "
                "they wait")
    where = lambda cpu: f"on CPU {cpu}" if cpu >= 0 else "unpinned"
    return (f"busy readers {where(busy)}, blocked readers {where(reader)}, "
            f"driver {where(driver)}")


def section(mode, runs):
    """A table for the runs of one layout (one kind of blocked reader
    each): their rounds pooled, each reader's from the run it was in."""
    meta = runs[0][0]
    rounds = [r for _, rs in runs for r in rs]
    kinds = " and ".join(m.get("blocked", "both") for m, _ in runs)
    writes = ", ".join(f"{int(m['write_ns']) / 1e3:.1f}" for m, _ in runs)
    out = [f"### {layout(mode, meta)}", "",
           f"{len(runs)} run(s), blocked readers: {kinds}; "
           f"{len(runs[0][1])} rounds each; no reader missed a round. A "
           f"whole write(2) to an eventfd no one waits on: {writes} us "
           "(median, per run)."]
    if mode == "vm":
        other = sum(int(m.get("other", 0)) for m, _ in runs)
        out[-1] += (" Rounds whose page showed another publication right "
                    f"after the write: {other} (left out of exabond's rows).")
    out += ["", "From the action to the reader knowing (us):", "",
            "| reader | count | min | median | p99 | max |",
            "|---|---:|---:|---:|---:|---:|"]
    busy = meta.get("busy_cpu")
    kinds = (EXABOND if mode == "vm" else []) + FLOOR
    d = {col: delays(rounds, col, origin) for _, col, origin in kinds}
    out += [row(label.format(busy=busy), d[col], 1e3)
            for label, col, _ in kinds if d[col]]
    if mode == "vm":
        out += ["", "| exabond's median ÷ the floor's | ratio |",
                "|---|---:|"]
        for (label, col, _), (_, fcol, _) in zip(EXABOND, FLOOR):
            if d[col] and d[fcol]:
                r = statistics.median(d[col]) / statistics.median(d[fcol])
                name = label.split(", ", 1)[1].format(busy=busy)
                out.append(f"| {name} | {r:.2f} |")
    return out + [""]


def tables(mode, paths):
    runs = [parse(path) for path in paths]
    meta = runs[0][0]
    if mode == "vm":
        out = [f"Setting: {meta.get('bond')}, an active-backup bond of two "
               f"veth members (miimon {meta.get('miimon')}), managed by "
               f"exabond.ko; guest of {meta.get('cpus')} vCPUs under TCG. "
               "Each round, a driver thread writes the bond's updelay "
               "through sysfs and exabond publishes the change before the "
               "write returns; the exabond readers notice it, timed from "
               "the publication's publish_ns. Then the same driver stores a "
               "memory word and writes eventfds, and readers of the same "
               "kinds notice that, timed from just before the store or "
               "write(2): the floor, what such a reader pays on this kernel "
               "and CPU whatever woke it. The floor's origin is earlier by "
               "a system call's entry, which exabond's (taken in the "
               "kernel) leaves out; a whole write(2) is given as its upper "
               "bound. 10 ms pause after each half. One kind of blocked "
               "reader per run (two woken at once would take turns on a "
               "CPU), in two layouts of the threads:", ""]
    else:
        out = [f"Setting: the host's own kernel, {meta.get('cpus')} CPUs, no "
               "module: the floor of the VM's wakeup section, natively, in "
               "the same layouts. Each round, a driver thread stores a "
               "memory word and writes eventfds; readers notice, timed "
               "from just before the store or write(2). The guest's floor "
               "over this one is what the emulator adds to a wake-up.", ""]
    groups = {}
    for m, rounds in runs:
        key = tuple(m.get(k) for k in ("busy_cpu", "reader_cpu",
                                       "driver_cpu"))
        groups.setdefault(key, []).append((m, rounds))
    for group in groups.values():
        out += section(mode, group)
    return out


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("vm", "host"):
        sys.exit(__doc__)
    print("\n".join(tables(sys.argv[1], sys.argv[2:])).rstrip("\n"))


if __name__ == "__main__":
    main()
