#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every libFuzzer target of a fuzz build for a fixed time each.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build of userspace/ with -DEXABOND_FUZZ=ON; its targets are
# the executables BUILD_DIR/tests/fuzz/*_fuzz. Each one fuzzes its corpus,
# BUILD_DIR/fuzz-corpus/<target> (kept between runs, seeded each run by
# BUILD_DIR/tests/fuzz/<target>_seeds when that program exists), for
# SECONDS. A crash, leak, UBSan report, OOM or hang is written to
# BUILD_DIR/fuzz-artifacts/<target>-*; the full log is
# BUILD_DIR/fuzz-logs/<target>.log.
#
# Prints one line per target, "fuzz: <target>: ok (<execs> execs, <cov>
# coverage)" or "fuzz: <target>: FAILED ...", and last "fuzz: N passed, M
# failed". Exits non-zero if any target failed or there is none.
set -euo pipefail

usage() {
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
}

[[ $# -eq 2 ]] || usage
build=$1
seconds=$2
if [[ ! -d "$build" ]]; then
	echo "fuzz: $build: not a directory" >&2
	usage
fi
if [[ ! "$seconds" =~ ^[1-9][0-9]*$ ]]; then
	echo "fuzz: SECONDS must be a positive integer, not '$seconds'" >&2
	usage
fi
build=$(cd "$build" && pwd)

bindir=$build/tests/fuzz
corpora=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
logs=$build/fuzz-logs

targets=()
if [[ -d "$bindir" ]]; then
	for t in "$bindir"/*_fuzz; do
		if [[ -f "$t" && -x "$t" ]]; then
			targets+=("$t")
		fi
	done
fi

pass=0
fail=0
if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz: no *_fuzz target in $bindir" \
		"(configure with -DEXABOND_FUZZ=ON and build)"
	echo "fuzz: 0 passed, 0 failed"
	exit 1
fi
mkdir -p "$corpora" "$artifacts" "$logs"

# The value of "stat::NAME: V" in a log, or "?".
stat_of() {
	local v
	v=$(sed -n "s/^stat::$1: *\([0-9]\+\).*/\1/p" "$2" | tail -n 1)
	echo "${v:-?}"
}

# The last "cov: N" libFuzzer printed, or "?".
cov_of() {
	local v
	v=$(grep -o 'cov: [0-9]\+' "$1" | tail -n 1 | sed 's/cov: //' || true)
	echo "${v:-?}"
}

for t in "${targets[@]}"; do
	name=$(basename "$t")
	corpus=$corpora/$name
	log=$logs/$name.log
	prefix=$artifacts/$name-
	mkdir -p "$corpus"

	seeds=$bindir/${name}_seeds
	if [[ -x "$seeds" ]] && ! "$seeds" "$corpus" >"$log" 2>&1; then
		echo "fuzz: $name: FAILED (seed generator $seeds failed," \
			"see $log)"
		fail=$((fail + 1))
		continue
	fi

	# Stale artifacts from an earlier run must not be blamed on this one.
	rm -f -- "$prefix"*

	start=$SECONDS
	rc=0
	# -timeout: one input running this long is a hang, reported as such.
	"$t" -max_total_time="$seconds" -print_final_stats=1 \
		-rss_limit_mb=2048 -timeout=60 \
		-artifact_prefix="$prefix" "$corpus" >>"$log" 2>&1 || rc=$?
	took=$((SECONDS - start))

	execs=$(stat_of number_of_executed_units "$log")
	cov=$(cov_of "$log")
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
		tail -n 1)
	if [[ $rc -eq 0 && -z "$artifact" ]]; then
		echo "fuzz: $name: ok ($execs execs, $cov coverage)"
		files=$(find "$corpus" -type f | wc -l)
		echo "  ${took}s, corpus $files files, log $log"
		pass=$((pass + 1))
	else
		echo "fuzz: $name: FAILED (exit $rc after ${took}s," \
			"artifact ${artifact:-none}, log $log)"
		# The report: from the sanitizer's or libFuzzer's first line.
		first='^==[0-9]+==|runtime error:|^SUMMARY:|ERROR: libFuzzer'
		first+='|reader promise broken'
		grep -m 1 -A 30 -E "$first" "$log" | sed 's/^/  | /' || true
		if [[ -n "$artifact" ]]; then
			echo "  reproduce: $t $artifact"
		fi
		fail=$((fail + 1))
	fi
done

echo "fuzz: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
