#!/bin/bash
# PID 1 of the test VM, started by the initramfs on an overlay of the host's
# root. It is a checklist:
#
#   1. mount the pseudo filesystems, open the three virtio-serial ports
#   2. BOOT    report that the guest reached user space
#   3. SETUP   load bonding, veth, virtio_net and the freshly built exabond.ko
#   4. for each test in the plan: BEGIN, run it under a timeout, RESULT,
#      then check it left nothing behind (namespaces, bonds, NIC links)
#   5. TEARDOWN unload exabond.ko (it must unload cleanly)
#   6. DONE, power off
#
# Results go only to the "exabond.results" port, which nothing else writes:
# a kernel panic, a hang or a test printing "PASS" on the console cannot make
# a test pass, because the host counts only RESULT lines from this port and
# fails every planned test that has none. Test output goes to "exabond.log";
# the kernel log stays on the serial console, where the host scans it.
#
# usage (from the initramfs): run.sh REPO PLAN

set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
repo=$1
plan=$2

power_off() {
	sync
	busybox poweroff -f
	echo o > /proc/sysrq-trigger
	sleep infinity
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
hostname exabond-vm
ip link set lo up

port_dev() {
	local p
	for p in /sys/class/virtio-ports/*; do
		if [[ "$(cat "$p/name" 2>/dev/null)" == "$1" ]]; then
			echo "/dev/${p##*/}"
			return 0
		fi
	done
	return 1
}

results=$(port_dev exabond.results) || { echo "no results port" > /dev/console; power_off; }
logport=$(port_dev exabond.log) || { echo "no log port" > /dev/console; power_off; }
ctlport=$(port_dev exabond.ctl) || { echo "no control port" > /dev/console; power_off; }
exec 7>"$results" 8>"$logport" 9<>"$ctlport"
exec 1>&8 2>&8 </dev/null

result() { printf '%s\n' "$*" >&7; }
kmsg() { printf 'exabond-vm: %s\n' "$*" > /dev/kmsg; }

# The plan, written by tests/vm/run.py: one directive a line.
declare -a test_names=() test_files=()
module= build= test_timeout=120
declare -a nic_ids=() nic_pcis=()
while read -r key a b; do
	case "$key" in
	module) module=$a ;;
	build) build=$a ;;
	test_timeout) test_timeout=$a ;;
	nic) nic_ids+=("$a"); nic_pcis+=("$b") ;;
	test) test_names+=("$a"); test_files+=("$b") ;;
	'' | '#'*) ;;
	*) echo "plan: unknown directive '$key'" ;;
	esac
done < "$plan"

export EXABOND_REPO=$repo EXABOND_BUILD=$build EXABOND_MODULE=$module
export EXABOND_VM_PLAN=$plan
result "BOOT $(cut -d' ' -f1 /proc/uptime)"

setup() {
	local m
	for m in bonding veth virtio_net; do
		modprobe "$m" || { echo "setup: modprobe $m failed"; return 1; }
	done
	insmod "$module" || { echo "setup: insmod $module failed"; return 1; }
	# NICs probe asynchronously; wait until each has its netdev.
	local i tries
	for i in "${!nic_pcis[@]}"; do
		for tries in $(seq 100); do
			compgen -G "/sys/bus/pci/devices/${nic_pcis[$i]}/virtio*/net/*" \
				>/dev/null && break
			sleep 0.05
		done
		compgen -G "/sys/bus/pci/devices/${nic_pcis[$i]}/virtio*/net/*" \
			>/dev/null || { echo "setup: NIC ${nic_ids[$i]} has no netdev"; return 1; }
	done
	return 0
}

if ! setup; then
	result "SETUP FAIL"
	power_off
fi
result "SETUP ok"

# Whatever a test leaves behind fails it, and is cleaned so the next test
# starts from the same state.
check_clean() {
	local leaks=() ns bond i dev reply
	for ns in $(ip netns list | awk '{print $1}'); do
		leaks+=("netns $ns")
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns"
	done
	for bond in $(cat /sys/class/net/bonding_masters 2>/dev/null); do
		leaks+=("bond $bond")
		ip link del "$bond"
	done
	for i in "${!nic_pcis[@]}"; do
		dev=$(ls "/sys/bus/pci/devices/${nic_pcis[$i]}"/virtio*/net/ 2>/dev/null)
		[[ -n "$dev" ]] || leaks+=("NIC ${nic_ids[$i]} not in the initial namespace")
	done
	printf 'links_reset\n' >&9
	if read -r -t 10 reply <&9; then
		[[ "$reply" == "ok" ]] || leaks+=("NIC links left down: ${reply#restored }")
	else
		leaks+=("no answer from the host to links_reset")
	fi
	lsmod | grep -q '^exabond ' || {
		leaks+=("exabond.ko not loaded")
		insmod "$module"
	}
	if ((${#leaks[@]})); then
		local IFS=,
		echo "left behind: ${leaks[*]}"
		return 1
	fi
	return 0
}

# A test may ask for a longer timeout with a "# vm-timeout: SECONDS" line.
timeout_of() {
	local t
	t=$(sed -n 's/^# vm-timeout: *\([0-9]\+\).*/\1/p' "$1" | head -n1)
	echo "${t:-$test_timeout}"
}

for i in "${!test_names[@]}"; do
	name=${test_names[$i]}
	file=${test_files[$i]}
	limit=$(timeout_of "$file")
	kmsg "BEGIN $name"
	result "BEGIN $name $limit"
	start=$(date +%s%N)
	work=$(mktemp -d "/tmp/$name.XXXXXX")
	( cd "$work" && exec 7>&- && exec timeout -k 5 "$limit" \
		bash "$file" ) 2>&1 | sed -u "s/^/$name| /"
	rc=${PIPESTATUS[0]}
	secs=$(( ($(date +%s%N) - start) / 1000000 ))
	case $rc in
	0) status=PASS detail= ;;
	4) status=SKIP detail= ;;
	124 | 137) status=FAIL detail="timed out after ${limit}s" ;;
	*) status=FAIL detail="exit status $rc" ;;
	esac
	clean=$(check_clean 2>&1)
	if [[ $? -ne 0 ]]; then
		printf '%s| %s\n' "$name" "$clean"
		if [[ $status != FAIL ]]; then
			status=FAIL
			detail=$clean
		fi
	fi
	kmsg "END $name"
	result "RESULT $name $status ${secs}ms $detail"
done

if rmmod exabond; then
	result "TEARDOWN ok"
else
	result "TEARDOWN FAIL rmmod exabond"
fi
dmesg | sed 's/^/dmesg| /'
result "DONE"
power_off
