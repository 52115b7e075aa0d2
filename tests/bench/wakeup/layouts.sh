# shellcheck shell=bash
# The layouts exabond-bench-wakeup runs in, for tests/bench/wakeup.sh (in
# the VM) and tools/reader_host.sh (on the host), sourced by both:
#   shared	the blocked readers on the driver's (the waker's) CPU 0, the
#		busy readers on CPU 1
#   own		the blocked readers on CPU 1 of their own, no busy reader
WAKEUP_LAYOUTS=(shared own)

# wakeup_args LAYOUT: the program's options for LAYOUT, one per line.
wakeup_args() {
	case $1 in
	shared) printf '%s\n' --reader-cpu 0 --driver-cpu 0 ;;
	own) printf '%s\n' --no-busy --reader-cpu 1 --driver-cpu 0 ;;
	*) echo "wakeup_args: no layout $1" >&2; return 1 ;;
	esac
}
