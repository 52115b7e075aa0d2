#!/bin/bash
# Self-test: a test that passes but leaves state behind (an address on a NIC,
# a veth pair) is reported FAIL, and the next test starts clean.
source "$EXABOND_REPO/tests/vm/guest/lib.sh"
run ip addr add 192.0.2.1/24 dev "$(nic card1p0)"
run ip link add leak0 type veth peer name leak1
