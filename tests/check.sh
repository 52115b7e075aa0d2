#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test tier, in one run, with one count at the end (called by
# `make check`, which has built everything first):
#
#   1. host unit tests, normal build            (CTest)
#   2. host unit tests, ASan + UBSan build      (CTest)
#   3. host unit tests, TSan build              (CTest)
#   4. libFuzzer targets, FUZZ_SECONDS each     (tests/fuzz/run.sh)
#   5. VM tests on the packaged kernel          (tests/vm/run.py)
#   6. the same VM tests on the PREEMPT_RT kernel (--rt), beside tier 5
#   7. the VM harness self-test                 (tests/vm/selftest/check.py)
#
# All tiers run even when one fails, so one run shows everything. The last
# line is "check: N passed, M failed"; the exit status is non-zero if any
# test failed or any tier could not run.
#
# usage: check.sh --build DIR [--rt "RT-ARGS"] -- VM-RUNNER-ARGS...
#	RT-ARGS: runner options appended to VM-RUNNER-ARGS for the RT kernel
#	(--kernel, --initrd, --module; no spaces in paths)
set -uo pipefail

usage() { echo "usage: $0 --build DIR [--rt \"RT-ARGS\"] -- VM-RUNNER-ARGS..." >&2; exit 2; }
[[ "${1:-}" == --build && -n "${2:-}" ]] || usage
build=$2
shift 2
rt_args=()
if [[ "${1:-}" == --rt ]]; then
	[[ -n "${2:-}" ]] || usage
	read -r -a rt_args <<< "$2"
	shift 2
fi
[[ "${1:-}" == -- ]] || usage
shift
vm_args=("$@")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

total_pass=0
total_fail=0
broken=()
summary=()

# tier NAME PASSED FAILED RC
tier() {
	local name=$1 pass=$2 fail=$3 rc=$4
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	summary+=("$(printf '%-28s %4d passed, %d failed' "$name" "$pass" "$fail")")
	if [[ $rc -ne 0 && $fail -eq 0 ]]; then
		broken+=("$name (exit $rc with no failed test: it did not run)")
	fi
}

banner() { printf '\n==== %s ====\n' "$*"; }

# CTest: "100% tests passed, 0 tests failed out of 11"
ctest_tier() {
	local name=$1 dir=$2 out rc pass fail total
	banner "$name"
	out=$(cd "$dir" && ctest --output-on-failure 2>&1)
	rc=$?
	printf '%s\n' "$out"
	read -r fail total < <(printf '%s\n' "$out" |
		sed -n 's/.*tests passed, \([0-9]\+\) tests\? failed out of \([0-9]\+\).*/\1 \2/p' | tail -n1)
	if [[ -z "${total:-}" || "$total" -eq 0 ]]; then
		tier "$name" 0 0 0
		broken+=("$name: no CTest summary (exit $rc)")
		return
	fi
	pass=$((total - fail))
	tier "$name" "$pass" "$fail" "$rc"
}

ctest_tier "host unit tests" "$build/userspace"
ctest_tier "host unit tests (ASan+UBSan)" "$build/userspace-asan"
ctest_tier "host unit tests (TSan)" "$build/userspace-tsan"

# tests/fuzz/run.sh: "fuzz: N passed, M failed", one per target.
banner "fuzz"
out=$("$here/fuzz/run.sh" "$build/userspace-fuzz" "${FUZZ_SECONDS:-60}" 2>&1)
rc=$?
printf '%s\n' "$out"
read -r pass fail < <(printf '%s\n' "$out" |
	sed -n 's/^fuzz: \([0-9]\+\) passed, \([0-9]\+\) failed$/\1 \2/p')
if [[ -n "${pass:-}" && $((pass + fail)) -gt 0 ]]; then
	tier "fuzz" "$pass" "$fail" "$rc"
else
	tier "fuzz" 0 1 "$rc"
	broken+=("fuzz: no closing line or no target")
fi

# vm_result NAME OUT RC: count the tier from the runner's JSON.
vm_result() {
	local name=$1 json=$2-result.json rc=$3 pass fail
	if [[ -f "$json" ]]; then
		read -r pass fail < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["passed"], r["failed"] + len(r["problems"]))' "$json")
		tier "$name" "$pass" "$fail" "$rc"
	else
		tier "$name" 0 1 "$rc"
		broken+=("$name: the runner wrote no result")
	fi
}

# vm_run OUT RUNNER-ARGS...: one VM tier; its result goes to OUT-result.json.
vm_run() {
	local out=$1
	shift
	rm -f "$out-result.json"
	python3 "$here/vm/run.py" "$@" --out "$out" --json "$out-result.json"
}

# The PREEMPT_RT tier runs beside the generic one, in its own VM. On 2
# cores that saves little (the VM tests are mostly CPU-bound under TCG: the
# first 26 tests took 27 minutes side by side, 31 one tier after the other;
# tests/RELIABILITY.md). Its output is kept in a file and printed after the
# generic tier's, so neither interleaves with the other.
rt_name="VM tests (PREEMPT_RT)"
if ((${#rt_args[@]})); then
	banner "$rt_name: started in the background (its log: $build/vm-rt.log)"
	vm_run "$build/vm-rt" "${vm_args[@]}" "${rt_args[@]}" \
		> "$build/vm-rt.log" 2>&1 &
	rt_pid=$!
fi

banner "VM tests"
vm_run "$build/vm" "${vm_args[@]}"
vm_result "VM tests" "$build/vm" $?

if ((${#rt_args[@]})); then
	wait "$rt_pid"
	rt_rc=$?
	banner "$rt_name"
	cat "$build/vm-rt.log"
	vm_result "$rt_name" "$build/vm-rt" "$rt_rc"
fi

banner "VM harness self-test"
out=$(python3 "$here/vm/selftest/check.py" "${vm_args[@]}" 2>&1)
rc=$?
printf '%s\n' "$out"
read -r pass fail < <(printf '%s\n' "$out" |
	sed -n 's/^harness-selftest: \([0-9]\+\) passed, \([0-9]\+\) failed$/\1 \2/p')
if [[ -n "${pass:-}" ]]; then
	tier "VM harness self-test" "$pass" "$fail" "$rc"
else
	tier "VM harness self-test" 0 1 "$rc"
	broken+=("VM harness self-test: no closing line")
fi

banner "summary"
printf '%s\n' "${summary[@]}"
for b in "${broken[@]}"; do
	echo "BROKEN: $b"
done
echo "check: $total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 && ${#broken[@]} -eq 0 ]]
