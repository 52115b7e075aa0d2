#!/bin/bash
# Self-test: a test that prints fake PASS results everywhere it can except
# the result port, then panics the kernel, is reported FAIL; the tests after
# it run in a fresh boot.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
for name in panic after_panic; do
	echo "RESULT $name PASS 1ms" > /dev/console
	echo "RESULT $name PASS 1ms" > /dev/kmsg
	echo "RESULT $name PASS 1ms"
done
echo DONE > /dev/console
echo c > /proc/sysrq-trigger
