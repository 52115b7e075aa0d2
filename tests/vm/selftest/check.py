#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-test of the VM harness: it must fail what fails.

Runs tests/vm/run.py on tests/vm/selftest/tests and checks each outcome
against what it must be. A harness that passed a failing, warning, hanging,
panicking, stalled or untidy test would make every VM result worthless, and
one that killed a stalled guest without its SysRq dumps would leave the
stall unexplained.
Prints one line a check and a closing 'N passed, N failed'.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN = HERE.parent / "run.py"

# name -> (status, a phrase the detail must contain), run in this order in
# one VM. The order matters: quiet_warn runs after warn has already set the
# sticky taint flag and silences the console itself, so only the streamed
# dmesg can catch it; after_panic needs the reboot that panic causes.
EXPECT_MAIN = {
    "pass": ("PASS", ""),
    "skip": ("SKIP", "deliberately"),
    "exit4": ("FAIL", "exit status 4 without skip"),
    "fail": ("FAIL", "exit status 1"),
    "warn": ("FAIL", "kernel log: "),
    "quiet_warn": ("FAIL", "kernel log: "),
    "leak": ("FAIL", "left behind"),
    "background": ("PASS", ""),
    "ctl_garbage": ("PASS", ""),
    "ctl_after": ("PASS", ""),
    "hang": ("FAIL", "timed out"),
    "panic": ("FAIL", "VM stopped"),
    "after_panic": ("PASS", ""),
}
EXPECT_STALL = {"stall": ("FAIL", "watchdog")}


def run(common, names, extra, out):
    js = Path(out) / "result.json"
    cmd = [sys.executable, str(RUN), *common, "--tests-dir",
           str(HERE / "tests"), "--out", str(Path(out) / "vm"),
           "--json", str(js), *extra, *names]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    return proc.returncode, json.loads(js.read_text()), proc.stdout


def main():
    common = sys.argv[1:]
    checks = []

    def check(what, ok, why=""):
        checks.append(ok)
        print(f"{'PASS' if ok else 'FAIL'} harness-selftest: {what}"
              + ("" if ok else f": {why}"), flush=True)

    for expect, extra in ((EXPECT_MAIN, []), (EXPECT_STALL, ["--watchdog", "35"])):
        with tempfile.TemporaryDirectory(prefix="exabond-selftest-") as out:
            rc, res, text = run(common, list(expect), extra, out)
            check(f"run of {', '.join(expect)} exits non-zero", rc != 0,
                  f"exit {rc}\n{text}")
            for name, (status, phrase) in expect.items():
                got = res["tests"][name]
                ok = got["status"] == status and phrase in got["detail"]
                check(f"{name} is {status}" + (f" ({phrase.strip()})" if phrase else ""),
                      ok, f"got {got['status']}: {got['detail']}\n{text}")
            if expect is EXPECT_MAIN:
                check("the panic cost exactly one extra boot",
                      len(res["boots"]) == 2, f"boots: {res['boots']}")
            else:
                console = (Path(out) / "vm" / "boot0" / "console.log").read_text(
                    errors="replace")
                # SysRq prints its banners whatever the loglevel; the level
                # change and the NMI backtraces show the dump itself arrived.
                for banner in ("sysrq: Loglevel set to 7",
                               "sysrq: Show Blocked State",
                               "sysrq: Show backtrace of all active CPUs",
                               "NMI backtrace for cpu"):
                    check(f"the stalled guest's console has '{banner}'",
                          banner in console, console[-2000:])
    failed = checks.count(False)
    print(f"harness-selftest: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
