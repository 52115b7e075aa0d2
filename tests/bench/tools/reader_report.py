#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""reader_report.py JSON: markdown for one run of exabond-bench-reader.

JSON is the file --benchmark_out wrote (with --benchmark_repetitions;
every repetition is kept). Prints the setting, a table of every reader,
idle and with the writer, and the ratios the targets are stated in, all
computed from this one run. Figures only: nothing here fails on a ratio.
"""

import json
import statistics
import sys

ROWS = [
    ("bare_atomic_load", "bare atomic load",
     "one 64-bit acquire load of a word in ordinary memory (baseline)"),
    ("exasock_word32", "Exasock-style word",
     "one 32-bit volatile load from the mapped page (bond.active_ifindex)"),
    ("hot_active_ifindex", "hot check: `active_ifindex()`",
     "`Bond::active_ifindex()`: one acquire load of the hot word"),
    ("hot_changed_since", "hot check: `changed_since()`",
     "`Bond::changed_since(g)`: one acquire load of the generation, one compare"),
    ("snapshot", "snapshot", "`Bond::snapshot()`: seqlock copy + content checks"),
    ("memcpy_floor", "memcpy floor",
     "`memcpy` of the bytes a snapshot copies, out of the mapped page"),
    ("seqlock_copy_only", "(snapshot's copy only)",
     "diagnostic: R1..R4 copying what a snapshot copies, no checks"),
    ("check_only", "(snapshot's checks only)",
     "diagnostic: `exabond_check_snapshot()` on a copy already taken"),
    ("sysfs_active_slave", "sysfs `active_slave`",
     "`pread()` of bonding/active_slave on a kept fd, name parsed"),
    ("sysfs_proxy", "(sysfs proxy: `IF/operstate`)",
     "host only, not bonding: `pread()` of /sys/class/net/IF/operstate on a kept fd"),
    ("proc_net_bonding", "`/proc/net/bonding/<bond>`",
     "open + read + close, the active member's line parsed"),
    ("rtnl_getlink", "rtnetlink `RTM_GETLINK`",
     "libmnl request + reply on a kept socket, parsed to IFLA_BOND_ACTIVE_SLAVE"),
]


def fmt_ns(x):
    if x is None:
        return "—"
    if x < 10:
        return f"{x:.2f}"
    if x < 100:
        return f"{x:.1f}"
    return f"{x:,.0f}"


def fmt_ratio(x):
    if x is None:
        return "—"
    if x < 10:
        return f"{x:.2f}"
    if x < 100:
        return f"{x:.1f}"
    return f"{x:,.0f}"


def fmt_rate(x):
    if x is None:
        return "—"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M/s"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k/s"
    return f"{x:.0f}/s"


def load(path):
    with open(path) as f:
        doc = json.load(f)
    runs = {}
    for b in doc["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
        name = b["run_name"].removesuffix("/real_time")
        kind, _, variant = name.partition("/")
        r = runs.setdefault((kind, variant), {"real": [], "cpu": [], "counters": []})
        r["real"].append(b["real_time"] * scale)
        r["cpu"].append(b["cpu_time"] * scale)
        r["counters"].append(b)
    errors = {b["run_name"].removesuffix("/real_time"): b.get("error_message", "")
              for b in doc["benchmarks"] if b.get("error_occurred")}
    return doc["context"], runs, errors


class Run:
    def __init__(self, runs, metric):
        self.runs = runs
        self.metric = metric

    def get(self, kind, variant, metric=None):
        r = self.runs.get((kind, variant))
        if not r:
            return None
        return statistics.median(r[metric or self.metric])

    def cv(self, kind, variant, metric=None):
        r = self.runs.get((kind, variant))
        if not r or len(r[metric or self.metric]) < 2:
            return None
        v = r[metric or self.metric]
        m = statistics.mean(v)
        return statistics.stdev(v) / m if m else None

    def counter(self, kind, variant, key, how=statistics.median):
        r = self.runs.get((kind, variant))
        if not r:
            return None
        v = [c[key] for c in r["counters"] if key in c]
        return how(v) if v else None

    def ratio(self, a, b, variant):
        x, y = self.get(a, variant), self.get(b, variant)
        if x is None or y is None or y == 0:
            return None
        return x / y


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n")[0])
    ctx, runs, errors = load(sys.argv[1])
    vm = ctx.get("exabond_mode") == "vm"
    # Host: thread CPU time, the reader's own time; real time also counts
    # the time the thread was preempted, which on a shared machine is
    # noise. VM: real time; the guest marks its TSC unstable under TCG and
    # its thread CPU clock is not trustworthy (seen above real time).
    metric = "real" if vm else "cpu"
    other = "cpu" if vm else "real"
    mname = {"cpu": "CPU", "real": "real"}
    run = Run(runs, metric)
    reps = max((len(r["cpu"]) for r in runs.values()), default=0)
    snap_bytes = ctx.get("exabond_snapshot_bytes", "?")
    out = []
    p = out.append

    if vm:
        p(f"Setting: **in the VM**: the real exabond.ko page of `{ctx.get('exabond_bond')}` "
          f"({ctx.get('exabond_page')}, opened with `Bond::open()`), an active-backup "
          f"bond of {ctx.get('exabond_members')} veth members. Guest kernel "
          f"{ctx.get('exabond_kernel')}, {ctx.get('num_cpus')} vCPUs "
          f"(\"{ctx.get('exabond_cpu_model')}\") under **qemu TCG software "
          "emulation**: every instruction is translated, so absolute times "
          "(kernel paths above all) are inflated many times over and "
          "only ratios within this run mean anything.")
    else:
        p(f"Setting: **on the host**, no VM: {ctx.get('num_cpus')} CPUs "
          f"(\"{ctx.get('exabond_cpu_model')}\", {ctx.get('mhz_per_cpu')} MHz), "
          f"kernel {ctx.get('exabond_kernel')}. A synthetic page "
          f"({ctx.get('exabond_page')}, written by `PageWriter`, opened with "
          f"`Bond::open_shared_memory()`), an active-backup bond of "
          f"{ctx.get('exabond_members')} members.")
    p("")
    p(f"A snapshot copies {snap_bytes} bytes (header, bond, ad and policy, "
      "then member_count members); the memcpy floor copies the same bytes. "
      f"Reader pinned to CPU {ctx.get('exabond_reader_cpu')}, writer to CPU "
      f"{ctx.get('exabond_writer_cpu')}: {ctx.get('exabond_writer')}. "
      f"Google Benchmark ({ctx.get('library_build_type')} build of the "
      f"library), {reps} repetitions; figures are medians over the "
      "repetitions, in ns per operation; every timed loop is aligned to 64 "
      "bytes (tests/bench/CMakeLists.txt says why). Load average "
      f"{', '.join(f'{x:.1f}' for x in ctx.get('load_avg', []))} at the start.")
    p("")
    if vm:
        p("**Ratios use real time** (CLOCK_MONOTONIC, HPET in this guest). "
          "The guest marks its TSC unstable under TCG and its per-thread CPU "
          "clock is not to be trusted (some repetitions read more CPU time "
          "than real time), so CPU time is shown for reference only. A "
          "system call's share is inflated far more than a load's: TCG "
          "translates kernel paths instruction by instruction, and memcpy's "
          "vector instructions go through helpers, so ratios here are not "
          "the host's.")
    else:
        p("**Ratios use thread CPU time**: the reader's own time, its "
          "system calls' kernel time included. This machine is shared with "
          "concurrent builds, tests and VMs; real time (shown too) also "
          "counts the time the thread was preempted.")
    p("")
    if not vm:
        p("sysfs `bonding/active_slave` and `/proc/net/bonding`: **not "
          "measured on the host**: its kernel has no bonding driver (no "
          "/sys/class/net/bonding_masters), and a figure without one would be "
          "made up. See the VM section; the proxy row reads another sysfs "
          "attribute through the same path to show what sysfs costs on this "
          "hardware, and is not a figure for the target. rtnetlink asks about "
          f"`{ctx.get('exabond_netlink_if')}`, which has no IFLA_LINKINFO, so "
          "its parse ends at the top level (the VM's bond reply nests two "
          "levels deeper).")
        p("")
    if ctx.get("exabond_sanity", "ok") != "ok":
        p(f"**Warning: the readers disagreed about the active member at "
          f"setup: {ctx['exabond_sanity']}.**")
        p("")
    for name, msg in sorted(errors.items()):
        p(f"**{name} did not run: {msg}**")
    if errors:
        p("")

    p(f"| reader | one operation | idle {mname[metric]} ns | idle {mname[other]} ns | idle cv | "
      f"writer {mname[metric]} ns | writer {mname[other]} ns | writer publications |")
    p("|---|---|---:|---:|---:|---:|---:|---:|")
    nif = ctx.get("exabond_netlink_if", "lo")
    for kind, label, what in ROWS:
        label = label.replace("IF/", f"{nif}/")
        what = what.replace("/IF/", f"/{nif}/")
        if not any(k == kind for k, _ in runs):
            if kind in ("sysfs_active_slave", "proc_net_bonding") and not vm:
                p(f"| {label} | {what} | n/a: no bonding driver on the host | | | | | |")
            continue
        cv = run.cv(kind, "idle")
        p(f"| {label} | {what} | {fmt_ns(run.get(kind, 'idle'))} | "
          f"{fmt_ns(run.get(kind, 'idle', other))} | "
          f"{'—' if cv is None else f'{100 * cv:.0f}%'} | "
          f"{fmt_ns(run.get(kind, 'writer'))} | "
          f"{fmt_ns(run.get(kind, 'writer', other))} | "
          f"{fmt_rate(run.counter(kind, 'writer', 'pubs_per_s'))} |")
    p("")

    def target_row(label, a, b, target, want_le):
        ri, rw = run.ratio(a, b, "idle"), run.ratio(a, b, "writer")

        def verdict(r):
            if r is None:
                return "—"
            ok = r <= target if want_le else r >= target
            return "yes" if ok else "**no**"
        cmp = "≤" if want_le else "≥"
        p(f"| {label} | {fmt_ratio(ri)} | {fmt_ratio(rw)} | {cmp} {target:g} | "
          f"{verdict(ri)} | {verdict(rw)} |")

    p(f"| target (ratio of {mname[metric]} times) | idle | with writer | target | met idle | met with writer |")
    p("|---|---:|---:|---:|---|---|")
    target_row("hot check `active_ifindex()` ÷ bare atomic load",
               "hot_active_ifindex", "bare_atomic_load", 2, True)
    target_row("hot check `changed_since()` ÷ bare atomic load",
               "hot_changed_since", "bare_atomic_load", 2, True)
    target_row(f"snapshot ÷ memcpy floor ({snap_bytes} B)",
               "snapshot", "memcpy_floor", 1.5, True)
    if vm:
        target_row("sysfs `active_slave` ÷ hot check",
                   "sysfs_active_slave", "hot_active_ifindex", 300, False)
        target_row("sysfs `active_slave` ÷ snapshot",
                   "sysfs_active_slave", "snapshot", 300, False)
    else:
        p("| sysfs `active_slave` ÷ hot check | n/a (host) | n/a | ≥ 300 | "
          "VM only | VM only |")
        p("| sysfs `active_slave` ÷ snapshot | n/a (host) | n/a | ≥ 300 | "
          "VM only | VM only |")
    p("")

    # Context: not targets, but what the readers are compared with.
    ctxrows = [
        ("Exasock-style word ÷ bare atomic load", "exasock_word32", "bare_atomic_load"),
        ("hot check ÷ Exasock-style word", "hot_active_ifindex", "exasock_word32"),
        ("snapshot's copy only ÷ memcpy floor", "seqlock_copy_only", "memcpy_floor"),
        ("snapshot's checks only ÷ memcpy floor", "check_only", "memcpy_floor"),
        ("(sysfs proxy, not bonding) ÷ hot check", "sysfs_proxy", "hot_active_ifindex"),
        ("(sysfs proxy, not bonding) ÷ snapshot", "sysfs_proxy", "snapshot"),
        ("(sysfs proxy, not bonding) ÷ memcpy floor: the most any copy of these bytes can reach",
         "sysfs_proxy", "memcpy_floor"),
        ("sysfs `active_slave` ÷ memcpy floor: the most any copy of these bytes can reach",
         "sysfs_active_slave", "memcpy_floor"),
        ("`/proc/net/bonding` ÷ hot check", "proc_net_bonding", "hot_active_ifindex"),
        ("rtnetlink ÷ hot check", "rtnl_getlink", "hot_active_ifindex"),
        ("rtnetlink ÷ snapshot", "rtnl_getlink", "snapshot"),
    ]
    p(f"| other ratios ({mname[metric]} time) | idle | with writer |")
    p("|---|---:|---:|")
    for label, a, b in ctxrows:
        ri, rw = run.ratio(a, b, "idle"), run.ratio(a, b, "writer")
        if ri is None and rw is None:
            continue
        p(f"| {label} | {fmt_ratio(ri)} | {fmt_ratio(rw)} |")
    p("")

    rates = [c["pubs_per_s"] for (k, v), r in runs.items() if v == "writer"
             for c in r["counters"] if "pubs_per_s" in c]
    idle_pubs = [c["pubs_per_s"] for (k, v), r in runs.items() if v == "idle"
                 for c in r["counters"] if "pubs_per_s" in c]
    if rates:
        p(f"Writer: the page's generation moved at {fmt_rate(statistics.median(rates))} "
          f"(median over the {len(rates)} timed loops with the writer on; "
          f"{fmt_rate(min(rates))} to {fmt_rate(max(rates))}); idle loops saw "
          f"{fmt_rate(max(idle_pubs) if idle_pubs else 0)} at most.")
    starved = {}
    for (k, v), r in runs.items():
        if v == "writer":
            n = sum(1 for c in r["counters"] if c.get("pubs_per_s", 1) == 0)
            if n:
                starved[k] = (n, len(r["counters"]))
    for k, (n, total) in sorted(starved.items()):
        why = ""
        if vm and k == "rtnl_getlink":
            why = (": both sides take RTNL, and bonding's sysfs store takes "
                   "it with rtnl_trylock() and restarts the system call when "
                   "that fails, so a reader holding RTNL back to back can "
                   "starve the writer; in the other repetitions the reader "
                   "queued behind the writer instead, hence its spread")
        p(f"{k}: in {n} of {total} repetitions with the writer on, the page "
          f"saw no publication during the timed loop{why}.")
    retried = run.counter("seqlock_copy_only", "writer", "retried_per_1k")
    if retried is not None:
        torn = run.counter("seqlock_copy_only", "writer", "torn_per_1k")
        odd = run.counter("seqlock_copy_only", "writer", "odd_spins_per_1k")
        p(f"Retries with the writer on (counted by the copy-only diagnostic, "
          f"which runs the library's protocol; `Snapshot::read()` does not "
          f"expose its own): {retried:.1f} reads in 1000 retried; per 1000 "
          f"reads, {torn:.1f} copies were thrown away because seq moved and "
          f"{odd:.1f} spins saw an odd seq.")
    failed = run.counter("snapshot", "writer", "failed", max)
    eagain = run.counter("snapshot", "writer", "eagain", max)
    if failed is not None:
        p(f"`Bond::snapshot()` with the writer on: {failed:.0f} failed reads "
          f"in the worst repetition, {eagain:.0f} of them -EAGAIN.")
    bad = [(k, v) for (k, v), r in runs.items()
           for c in r["counters"] if c.get("errors")]
    if bad:
        p(f"Read errors in: {', '.join(sorted({f'{k}/{v}' for k, v in bad}))}.")
    if "rtnl_getlink" in {k for k, _ in runs}:
        rb = run.counter("rtnl_getlink", "idle", "reply_bytes")
        p(f"The RTM_GETLINK reply (IFLA_EXT_MASK RTEXT_FILTER_SKIP_STATS) is "
          f"{rb:.0f} bytes.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
