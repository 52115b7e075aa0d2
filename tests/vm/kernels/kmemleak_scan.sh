#!/bin/bash
# The debug kernel's last test (make debug-check runs it after the whole VM
# suite, in the same boot): kmemleak must find no object the module leaked.
#
#  1. Scan with exabond loaded: every unreferenced object so far, from all
#     the tests before this one. None may have been allocated by exabond
#     (its frames are still resolvable while it is loaded).
#  2. Unload exabond and scan again: whatever it allocated and did not free
#     is now unreferenced (its module data held the last pointers). Nothing
#     else is unloaded in that window, so every new report there is
#     exabond's; its frames print as bare addresses once it is gone.
# Reports that name other code are printed (for the reliability report) but
# are not the module's.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"

leaks=/sys/kernel/debug/kmemleak
[[ -e $leaks ]] || fail "no $leaks: this test needs the debug kernel (make debug-check)"

# scan_twice: kmemleak reports an object only after it has stayed
# unreferenced across scans and is older than its minimum age (5 s).
scan_twice() {
	echo scan > "$leaks"
	sleep 6
	echo scan > "$leaks"
}

# summary FILE: one line per report: the size and the first three frames.
summary() {
	awk '/^unreferenced object/ { if (obj) print obj; obj = $0; n = 0; next }
	     /^    \[<[0-9a-f]+>\]/ && n < 3 { obj = obj " | " $2; n++ }
	     END { if (obj) print obj }' "$1"
}

# exabond_objects FILE: how many of FILE's reports have a frame in exabond.
exabond_objects() {
	awk '/^unreferenced object/ { n += hit; hit = 0; next }
	     /\[exabond\]/ { hit = 1 }
	     END { print n + hit }' "$1"
}

scan_twice
cat "$leaks" > loaded.txt
n_loaded=$(grep -c '^unreferenced object' loaded.txt || true)
log "kmemleak with exabond loaded: $n_loaded unreferenced object(s) in the whole run"
summary loaded.txt | sed 's/^/  /'
check_eq "objects allocated by exabond and unreferenced" 0 \
	"$(exabond_objects loaded.txt)"

echo clear > "$leaks"
on_exit insmod "$EXABOND_MODULE"
run rmmod exabond
scan_twice
cat "$leaks" > unloaded.txt
n_unloaded=$(grep -c '^unreferenced object' unloaded.txt || true)
summary unloaded.txt | sed 's/^/  /'
check_eq "objects left unreferenced by unloading exabond" 0 "$n_unloaded"
log "kmemleak: $n_loaded report(s) over the run, none exabond's; 0 after unloading it"
