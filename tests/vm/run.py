#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run VM tests: boot Debian's packaged kernel under QEMU and run tests in it.

The guest sees the host's root read-only over virtio-9p (with a tmpfs overlay
on top), so it runs the host's iproute2, bash and the freshly built binaries
and module. tests/vm/guest/run.sh is its PID 1.

What makes a result trustworthy:

* Results come only from the "exabond.results" virtio-serial port. A planned
  test with no RESULT line there has failed, whatever the console says, so
  a panic, a hang or a test printing "PASS" cannot fake a pass.
* The serial console carries the kernel log. Any WARNING, BUG, Oops, panic,
  lockdep, KASAN or UBSAN report fails the test that was running (the guest
  brackets each test with markers in the kernel log), or the whole run when
  it happened outside a test.
* A watchdog kills a VM that stops making progress; a crashed or killed VM
  is booted again for the tests it did not reach. Before the kill it asks
  the guest's kernel, through SysRq on the emulated keyboard, for its
  blocked tasks and every CPU's backtrace, so console.log says where the
  guest was stuck.

The machine: 2 vCPUs under TCG, and three virtio-net NICs on one QEMU hub:
card0p0 and card0p1 are functions 0 and 1 of PCI slot 5 (a dual-port card),
card1p0 is on slot 6. A test cuts and restores their carrier through the
"exabond.ctl" port, which this runner turns into QMP set_link commands.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_TESTS_DIR = REPO / "tests" / "vm" / "tests"

# (QMP id, PCI address in the guest, QEMU addr, MAC)
NICS = [
    ("card0p0", "0000:00:05.0", "05.0", "52:54:00:e0:05:00"),
    ("card0p1", "0000:00:05.1", "05.1", "52:54:00:e0:05:01"),
    ("card1p0", "0000:00:06.0", "06.0", "52:54:00:e0:06:00"),
]

# Kernel log lines that fail a run. Kept strict on purpose: a debug kernel
# reports lockdep, KASAN and debugobjects findings through these same
# prefixes ("WARNING: possible circular locking dependency detected", "BUG:
# KASAN: ..."). Only the banners a debug kernel prints at boot ("RCU lockdep
# checking is enabled") must not match.
KERNEL_PROBLEMS = re.compile(
    r"WARNING:|\bBUG:|Oops|Kernel panic|kernel BUG at|"
    r"general protection fault|KASAN:|UBSAN|KFENCE|ODEBUG:|"
    r"possible circular locking|possible recursive locking|"
    r"DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|"
    r"INFO: trying to register non-static key|"
    r"detected stall|blocked for more than|soft lockup|hard LOCKUP|"
    r"refcount_t: |list_(add|del) corruption|Call Trace:")
MARKER = re.compile(r"exabond-vm: (BEGIN|END) (\S+)")

BOOT_TIMEOUT = 120     # QEMU start to the BOOT line
SETUP_TIMEOUT = 60     # BOOT to SETUP
GRACE = 30             # beyond a test's own timeout
TEARDOWN_TIMEOUT = 60  # last RESULT to DONE


@dataclass
class Outcome:
    name: str
    status: str = "FAIL"        # PASS, FAIL, SKIP
    detail: str = "not run"
    ms: int = 0
    log: list = field(default_factory=list)
    kernel: list = field(default_factory=list)


class Qmp:
    """A minimal QMP client: one command at a time (the guest's link requests
    and the watchdog share it), events skipped."""

    def __init__(self, path, proc, timeout=30):
        self.sock = connect_unix(path, proc, timeout)
        self.file = self.sock.makefile("rw", encoding="utf-8")
        self.lock = threading.Lock()
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def execute(self, command, **arguments):
        req = {"execute": command}
        if arguments:
            req["arguments"] = arguments
        with self.lock:
            self.file.write(json.dumps(req) + "\n")
            self.file.flush()
            reply = self._read()
        if "error" in reply:
            raise RuntimeError(reply["error"].get("desc", str(reply)))
        return reply.get("return")


def connect_unix(path, proc, timeout=30):
    """Connect to a socket QEMU listens on, giving up if QEMU exits."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if proc.poll() is not None:
                raise ConnectionError(f"QEMU exited ({proc.returncode})")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def complete_lines(data):
    """The newline-terminated lines of data; a partial last line is not
    a line yet. Splits on \n only (str.splitlines also splits on \x1c,
    \x85, \u2028 ...)."""
    return data.split("\n")[:-1]


class Boot:
    """One QEMU boot running a list of tests."""

    def __init__(self, args, tests, outdir):
        self.args = args
        self.tests = tests          # [(name, path)]
        self.outdir = outdir
        self.sockdir = tempfile.mkdtemp(prefix="exabond-vm-")
        self.console = outdir / "console.log"
        self.results = outdir / "results.txt"
        self.guestlog = outdir / "guest.log"
        self.plan = outdir / "plan"
        self.links_down = set()
        self.lock = threading.Lock()
        self.guest_lines = []

    # -- the guest's requests -------------------------------------------------
    def serve_ctl(self, qmp, ctl):
        """Answer "<tag> request" lines with "<tag> reply" lines."""
        f = ctl.makefile("rw", encoding="utf-8", errors="replace",
                         newline="\n")
        try:
            for line in f:
                words = line.split()
                if not words:
                    continue
                tag, words = words[0], words[1:]
                try:
                    reply = self.handle(qmp, words)
                except Exception as e:  # reported to the guest, which fails
                    reply = f"error {type(e).__name__}: {e}"
                f.write(f"{tag} {reply}\n".replace("\r", " "))
                f.flush()
        except OSError:
            pass  # QEMU went away

    def handle(self, qmp, words):
        if not words:
            return "error empty request"
        if words[0] == "ping":
            return "ok"
        if words[0] == "set_link" and len(words) == 3:
            nic, state = words[1], words[2]
            if nic not in [n[0] for n in NICS]:
                return f"error no NIC {nic}"
            if state not in ("up", "down"):
                return "error state must be up or down"
            qmp.execute("set_link", name=nic, up=(state == "up"))
            with self.lock:
                if state == "down":
                    self.links_down.add(nic)
                else:
                    self.links_down.discard(nic)
            return "ok"
        if words[0] == "links_reset":
            with self.lock:
                down = sorted(self.links_down)
                self.links_down.clear()
            for nic in down:
                qmp.execute("set_link", name=nic, up=True)
            return "ok" if not down else "restored " + ",".join(down)
        return "error unknown request " + words[0]

    def read_log(self, sock):
        with open(self.guestlog, "a", encoding="utf-8", errors="replace") as out:
            buf = b""
            while True:
                try:
                    data = sock.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                buf += data
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    line = raw.decode("utf-8", errors="replace")
                    out.write(line + "\n")
                    out.flush()
                    with self.lock:
                        self.guest_lines.append(line)
                    if self.args.verbose and not line.startswith("dmesg| "):
                        print("  " + line, flush=True)

    # -- the machine ----------------------------------------------------------
    def qemu_cmd(self):
        a = self.args
        s = self.sockdir
        cmdline = " ".join([
            "console=ttyS0", "loglevel=5", "panic=-1", "sysrq_always_enabled",
            f"exabond_vm_repo={REPO}", f"exabond_vm_plan={self.plan}",
            *a.kernel_arg,
        ])
        cmd = [
            a.qemu, "-machine", "q35", "-accel", "tcg,thread=multi",
            "-cpu", "max", "-smp", str(a.cpus), "-m", str(a.memory),
            "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
            "-kernel", a.kernel, "-initrd", a.initrd, "-append", cmdline,
            "-chardev", f"file,id=console,path={self.console}",
            "-serial", "chardev:console",
            "-fsdev", "local,id=hostroot,path=/,security_model=none,"
                      "readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
            "-device", "virtio-serial-pci,id=vser",
            "-chardev", f"file,id=results,path={self.results}",
            "-device", "virtserialport,bus=vser.0,chardev=results,"
                       "name=exabond.results",
            "-chardev", f"socket,id=log,path={s}/log,server=on,wait=off",
            "-device", "virtserialport,bus=vser.0,chardev=log,name=exabond.log",
            "-chardev", f"socket,id=ctl,path={s}/ctl,server=on,wait=off",
            "-device", "virtserialport,bus=vser.0,chardev=ctl,name=exabond.ctl",
            "-qmp", f"unix:{s}/qmp,server=on,wait=off",
        ]
        for i, (nic, _, addr, mac) in enumerate(NICS):
            dev = (f"virtio-net-pci,netdev=hub{i},id={nic},addr={addr},mac={mac},"
                   "romfile=")
            if addr.endswith(".0"):
                dev += ",multifunction=on"
            cmd += ["-netdev", f"hubport,id=hub{i},hubid=0", "-device", dev]
        return cmd

    def write_plan(self):
        lines = [f"module {self.args.module}", f"build {self.args.build}",
                 f"test_timeout {self.args.test_timeout}",
                 f"timeout_scale {self.args.slowdown}"]
        if self.args.modules:
            lines.append(f"modules {self.args.modules}")
        lines += [f"env {k} {v}" for k, v in self.args.env]
        lines += [f"nic {n} {pci}" for n, pci, _, _ in NICS]
        lines += [f"test {name} {path}" for name, path in self.tests]
        self.plan.write_text("\n".join(lines) + "\n")

    def run(self):
        """Boot, run, and return (records, t_boot, verdict) where records is
        the list of result-port lines and verdict explains how it ended."""
        self.outdir.mkdir(parents=True, exist_ok=True)
        for p in (self.console, self.results, self.guestlog):
            p.write_text("")
        self.write_plan()
        qemu_err = open(self.outdir / "qemu.stderr", "w")
        t0 = time.monotonic()
        proc = None
        threads = []
        try:
            proc = subprocess.Popen(self.qemu_cmd(), stdin=subprocess.DEVNULL,
                                    stdout=qemu_err, stderr=qemu_err)
            qmp = Qmp(f"{self.sockdir}/qmp", proc)
            ctl = connect_unix(f"{self.sockdir}/ctl", proc)
            log = connect_unix(f"{self.sockdir}/log", proc)
            threads = [
                threading.Thread(target=self.serve_ctl, args=(qmp, ctl),
                                 daemon=True),
                threading.Thread(target=self.read_log, args=(log,),
                                 daemon=True),
            ]
            for t in threads:
                t.start()
            verdict, t_boot = self.watch(proc, t0, qmp)
        except (OSError, ConnectionError) as e:
            verdict, t_boot = f"QEMU did not start: {e}", None
        except Exception as e:  # a harness bug must not lose the report
            verdict, t_boot = f"harness error: {type(e).__name__}: {e}", None
        finally:
            if proc is not None:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            qemu_err.close()
            for t in threads:
                t.join(timeout=5)
            shutil.rmtree(self.sockdir, ignore_errors=True)
        records = complete_lines(self.results.read_text(errors="replace"))
        return records, t_boot, verdict

    def dump_stuck_guest(self, qmp):
        """SysRq 7 (console loglevel 7, or the stacks stay in the ring
        buffer), w (tasks blocked in D state, with stacks) and l (a backtrace
        of every CPU), then wait for the console to go quiet. Best effort: a
        guest too far gone to take the keyboard interrupt prints nothing, and
        a QEMU that stops answering QMP must not keep the watchdog from its
        kill, so the keys go from a thread given a bounded time. Returns
        what to say about the dump in the verdict."""
        sent = []

        def send():
            try:
                for key in ("7", "w", "l"):
                    qmp.execute("send-key", keys=[
                        {"type": "qcode", "data": k}
                        for k in ("alt", "sysrq", key)])
                    time.sleep(1)
                sent.append(True)
            except (OSError, ValueError, ConnectionError, RuntimeError) as e:
                sent.append(f"SysRq dump failed: {e}")

        t = threading.Thread(target=send, daemon=True)
        t.start()
        t.join(timeout=30)
        if not sent:
            return "SysRq dump failed: QMP did not answer in 30 s"
        if sent[0] is not True:
            return sent[0]
        size, quiet, end = -1, 0, time.monotonic() + 30 * self.args.slowdown
        while quiet < 3 and time.monotonic() < end:
            time.sleep(1)
            now = self.console.stat().st_size
            quiet = quiet + 1 if now == size else 0
            size = now
        return "SysRq w and l dumps in console.log"

    def watch(self, proc, t0, qmp):
        """Follow the result port until DONE, QEMU's exit or a deadline."""
        k = self.args.slowdown
        deadline = t0 + BOOT_TIMEOUT * k
        phase = "boot"
        seen = 0
        t_boot = None
        while True:
            records = complete_lines(self.results.read_text(errors="replace"))
            for rec in records[seen:]:
                word = rec.split()
                if not word:
                    continue
                now = time.monotonic()
                if word[0] == "BOOT":
                    t_boot = now - t0
                    phase, deadline = "setup", now + SETUP_TIMEOUT * k
                elif word[0] == "BEGIN" and len(word) >= 3:
                    limit = int(word[2]) if word[2].isdigit() else 0
                    if self.args.watchdog:
                        limit = min(limit, self.args.watchdog - GRACE)
                    phase, deadline = f"test {word[1]}", now + limit + GRACE
                elif word[0] in ("SETUP", "RESULT"):
                    phase, deadline = "between tests", now + TEARDOWN_TIMEOUT * k
                elif word[0] == "DONE":
                    try:
                        proc.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        return "VM did not power off after DONE", t_boot
                    return "done", t_boot
            seen = len(records)
            if proc.poll() is not None:
                return f"VM stopped during {phase} (QEMU exit {proc.returncode})", t_boot
            if time.monotonic() > deadline:
                dump = self.dump_stuck_guest(qmp)
                proc.kill()
                return (f"VM stopped responding during {phase}: watchdog "
                        f"({dump})"), t_boot
            time.sleep(0.1)


def scan_kernel_log(lines):
    """Map each kernel problem line to the test during which it appeared
    (None: outside any test)."""
    found = []
    current = None
    for line in lines:
        m = MARKER.search(line)
        if m:
            current = m.group(2) if m.group(1) == "BEGIN" else None
            continue
        if KERNEL_PROBLEMS.search(line):
            found.append((current, line.strip()))
    return found


def resolve_tests(args):
    tests = []
    names = args.tests or sorted(p.stem for p in Path(args.tests_dir).glob("*.sh"))
    for name in names:
        path = Path(name)
        if not path.suffix:
            path = Path(args.tests_dir) / f"{name}.sh"
        path = path.resolve()
        if not path.is_file():
            sys.exit(f"run.py: no VM test {name} ({path})")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", path.stem):
            sys.exit(f"run.py: test name {path.stem!r}: use letters, digits, _ . -")
        tests.append((path.stem, str(path)))
    if len({n for n, _ in tests}) != len(tests):
        sys.exit("run.py: test names must be unique")
    return tests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tests", nargs="*",
                    help="test names in --tests-dir, or paths (default: all)")
    ap.add_argument("--kernel", required=True, help="vmlinuz of the packaged kernel")
    ap.add_argument("--initrd", required=True, help="from tests/vm/mkinitramfs.sh")
    ap.add_argument("--module", required=True, help="exabond.ko built for that kernel")
    ap.add_argument("--build", default="", help="userspace build dir, for tests")
    ap.add_argument("--modules", default="",
                    help="the kernel's /lib/modules/KVER when the host has none "
                         "(a kernel built elsewhere); the guest mounts it there")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="set in the tests' environment (repeatable)")
    ap.add_argument("--tests-dir", default=str(DEFAULT_TESTS_DIR))
    ap.add_argument("--out", default=str(REPO / "build" / "vm"),
                    help="logs and results (default: build/vm)")
    ap.add_argument("--json", help="also write the outcome here")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--memory", type=int, default=1024, help="MiB")
    ap.add_argument("--test-timeout", type=int, default=120,
                    help="per test, enforced in the guest (default 120 s)")
    ap.add_argument("--slowdown", type=int, default=1, metavar="N",
                    help="multiply every timeout, the tests' own included, by N "
                         "(a KASAN/lockdep kernel runs several times slower)")
    ap.add_argument("--watchdog", type=int, default=0,
                    help="kill the VM when a test runs this long (host side)")
    ap.add_argument("--kernel-arg", action="append", default=[], metavar="ARG",
                    help="append to the guest kernel's command line, e.g. "
                         "loglevel=7 to see hung-task stacks; the guest "
                         "restores its boot loglevel after each test "
                         "(repeatable)")
    ap.add_argument("--max-boots", type=int, default=4,
                    help="boots allowed when VMs crash (default 4)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="stream the guest's output")
    args = ap.parse_args()
    for opt in ("kernel", "initrd", "module"):
        p = Path(getattr(args, opt)).resolve()
        if not p.is_file():
            sys.exit(f"run.py: --{opt} {p}: no such file")
        setattr(args, opt, str(p))

    if args.slowdown < 1:
        sys.exit("run.py: --slowdown must be 1 or more")
    if args.modules:
        p = Path(args.modules).resolve()
        if not (p / "modules.dep").is_file():
            sys.exit(f"run.py: --modules {p}: no modules.dep there")
        args.modules = str(p)
    env = []
    for item in args.env:
        k, sep, v = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", k) or "\n" in v:
            sys.exit(f"run.py: --env {item!r}: use NAME=VALUE")
        env.append((k, v))
    args.env = env

    tests = resolve_tests(args)
    outcomes = {name: Outcome(name) for name, _ in tests}
    run_problems = []
    pending = list(tests)
    boots = []
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    index = 0
    while pending and index < args.max_boots:
        boot = Boot(args, pending, out / f"boot{index}")
        print(f"vm: boot {index}: {len(pending)} test(s)", flush=True)
        records, t_boot, verdict = boot.run()
        boots.append({"index": index, "boot_s": t_boot, "verdict": verdict})
        if t_boot is not None:
            print(f"vm: boot {index}: guest up in {t_boot:.1f} s", flush=True)

        reported = set()
        planned = {n for n, _ in pending}
        running = None
        setup_ok = teardown_ok = False
        for rec in records:
            word = rec.split(maxsplit=4)
            if not word:
                continue
            if word[0] == "SETUP":
                setup_ok = word[1:2] == ["ok"]
            elif word[0] == "TEARDOWN":
                teardown_ok = word[1:2] == ["ok"]
                if not teardown_ok:
                    run_problems.append(f"boot {index}: {rec}")
            elif word[0] == "BEGIN" and len(word) >= 2 and word[1] in planned:
                running = word[1]
            elif word[0] == "RESULT":
                if (len(word) < 4 or word[1] not in outcomes
                        or word[1] not in planned
                        or word[2] not in ("PASS", "FAIL", "SKIP")
                        or word[1] in reported):
                    run_problems.append(f"boot {index}: bad record: {rec!r}")
                    continue
                o = outcomes[word[1]]
                o.status = word[2]
                ms = word[3].removesuffix("ms")
                o.ms = int(ms) if ms.isdigit() else 0
                o.detail = word[4] if len(word) > 4 else ""
                reported.add(word[1])
                running = None
        if not setup_ok:
            run_problems.append(f"boot {index}: guest setup failed, see "
                                f"{boot.guestlog} ({verdict})")
            break  # a setup that fails once fails again

        # Split the guest's output per test.
        for line in boot.guest_lines:
            name, sep, text = line.partition("| ")
            if sep and name in outcomes:
                outcomes[name].log.append(text)

        # The console shows what the kernel printed at loglevel <= 4 even if
        # the VM died; the guest's final dmesg dump shows everything, even
        # if a test lowered the console log level.
        console = boot.console.read_text(errors="replace").split("\n")
        dmesg = [line[len("dmesg| "):] for line in boot.guest_lines
                 if line.startswith("dmesg| ")]
        seen_lines = set()
        for where, line in scan_kernel_log(console) + scan_kernel_log(dmesg):
            if line in seen_lines:
                continue
            seen_lines.add(line)
            if where in outcomes:
                o = outcomes[where]
                if not o.kernel:  # the first kernel finding leads the detail
                    o.detail = "kernel log: " + line + (
                        f"; {o.detail}" if o.status == "FAIL" and o.detail else "")
                o.status = "FAIL"
                o.kernel.append(line)
            else:
                run_problems.append(f"boot {index}: kernel log outside a test: {line}")

        if running is not None and running not in reported:
            o = outcomes[running]
            o.status = "FAIL"
            o.detail = verdict if verdict != "done" else "no result"
            reported.add(running)
        elif verdict != "done":
            run_problems.append(f"boot {index}: {verdict}")
        if verdict == "done" and not teardown_ok:
            run_problems.append(f"boot {index}: no clean teardown")
        pending = [(n, p) for n, p in pending if n not in reported]
        index += 1

    for name, _ in pending:
        outcomes[name].detail = "not run: the VM never reached it"

    # Report.
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for name, _ in tests:
        o = outcomes[name]
        counts[o.status] = counts.get(o.status, 0) + 1
        line = f"{o.status:4} {name} ({o.ms / 1000:.1f} s)"
        if o.detail:
            line += f": {o.detail}"
        print(line)
        if o.status == "FAIL":
            for text in o.log[-60:]:
                print(f"     | {text}")
            for text in o.kernel[:20]:
                print(f"     ! {text}")
    for p in run_problems:
        print(f"FAIL harness: {p}")
    print(f"vm: logs in {out}")
    print(f"vm: {counts['PASS']} passed, {counts['FAIL']} failed, "
          f"{counts['SKIP']} skipped; {len(boots)} boot(s)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "tests": {n: {"status": o.status, "detail": o.detail, "ms": o.ms}
                      for n, o in outcomes.items()},
            "problems": run_problems,
            "boots": boots,
            "passed": counts["PASS"], "failed": counts["FAIL"],
            "skipped": counts["SKIP"],
        }, indent=2) + "\n")
    ok = counts["FAIL"] == 0 and not run_problems
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
