#!/bin/bash
# PID 1 of the test VM, started by the initramfs on an overlay of the host's
# root. It is a checklist:
#
#   1. mount the pseudo filesystems, open the three virtio-serial ports
#   2. BOOT    report that the guest reached user space
#   3. SETUP   load bonding, veth, virtio_net and the freshly built exabond.ko
#   4. for each test in the plan: BEGIN, run it in its own session under a
#      timeout, RESULT, then check it left nothing behind (check_clean)
#   5. TEARDOWN unload exabond.ko (it must unload cleanly)
#   6. DONE, power off
#
# Results go only to the "exabond.results" port, which nothing else writes:
# a kernel panic, a hang or a test printing "PASS" on the console cannot make
# a test pass, because the host counts only RESULT lines from this port and
# fails every planned test that has none. Test output goes to "exabond.log",
# followed by the kernel log as it grows (send_dmesg); the host scans that
# and the serial console, which survives a crash.
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
# What udev would create: bash's process substitution needs /dev/fd.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
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
module= build= test_timeout=120 timeout_scale=1 modules=
declare -a nic_ids=() nic_pcis=()
while read -r key a b; do
	case "$key" in
	module) module=$a ;;
	build) build=$a ;;
	test_timeout) test_timeout=$a ;;
	timeout_scale) timeout_scale=$a ;;
	modules) modules=$a ;;
	env) export "$a=$b" ;;
	nic) nic_ids+=("$a"); nic_pcis+=("$b") ;;
	test) test_names+=("$a"); test_files+=("$b") ;;
	'' | '#'*) ;;
	*) echo "plan: unknown directive '$key'" ;;
	esac
done < "$plan"

export EXABOND_REPO=$repo EXABOND_BUILD=$build EXABOND_MODULE=$module
export EXABOND_VM_PLAN=$plan
# A slow kernel (run.py --slowdown) scales lib.sh's wait_for limits too.
export EXABOND_TIMEOUT_SCALE=$timeout_scale
result "BOOT $(cut -d' ' -f1 /proc/uptime)"

# wait_nics SECONDS: wait until every NIC of the plan has its netdev in the
# initial namespace (NICs probe asynchronously, and come back asynchronously
# from a deleted namespace). Prints the IDs still missing after SECONDS.
wait_nics() {
	local try i missing=()
	for try in $(seq $(($1 * 10))); do
		missing=()
		for i in "${!nic_pcis[@]}"; do
			compgen -G "/sys/bus/pci/devices/${nic_pcis[$i]}/virtio*/net/*" \
				>/dev/null || missing+=("${nic_ids[$i]}")
		done
		((${#missing[@]})) || return 0
		sleep 0.1
	done
	echo "${missing[*]}"
	return 1
}

setup() {
	local m missing
	# A kernel built outside Debian's packages (the debug kernel) brings its
	# modules in a directory of its own.
	if [[ -n "$modules" ]]; then
		mkdir -p "/lib/modules/$(uname -r)" &&
			mount --bind "$modules" "/lib/modules/$(uname -r)" ||
			{ echo "setup: cannot mount $modules"; return 1; }
	fi
	for m in bonding veth virtio_net; do
		modprobe "$m" || { echo "setup: modprobe $m failed"; return 1; }
	done
	insmod "$module" || { echo "setup: insmod $module failed"; return 1; }
	missing=$(wait_nics 5) || { echo "setup: NIC $missing has no netdev"; return 1; }
}

if ! setup; then
	result "SETUP FAIL"
	power_off
fi
result "SETUP ok"

source "$repo/tests/vm/guest/ctl.sh"

# The console log level the guest booted with (5, or run.py --kernel-arg
# loglevel=N): how the host sees kernel warnings, restored after each test.
boot_loglevel=$(cut -f1 /proc/sys/kernel/printk)

# What a test must leave as it found it, one line per item. Scope-link
# addresses and operational state come and go with links going up and down.
snapshot() {
	ip -j link show | jq -r '.[] | "link \(.ifname) mtu \(.mtu) master \(.master // "-") addr \(.address // "-") up \(.flags | index(["UP"]) != null)"'
	ip -j addr show | jq -r '.[] | .ifname as $n | .addr_info[] | select(.scope != "link") | "addr \($n) \(.local)/\(.prefixlen)"'
	local k
	for k in net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
		net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.rp_filter; do
		echo "sysctl $k $(sysctl -n "$k")"
	done
	echo "printk $(cut -f1 /proc/sys/kernel/printk)"
}

# Whatever a test leaves behind fails it, and is cleaned so the next test
# starts from the same state. Prints one line; details go to the log.
check_clean() {
	local before=$1 after=$1.after leaks=() ns bond reply missing m
	for ns in $(ip netns list | awk '{print $1}'); do
		leaks+=("netns $ns")
		ip netns pids "$ns" | xargs -r kill -9
		ip netns del "$ns"
	done >&2 2>&1
	for bond in $(cat /sys/class/net/bonding_masters 2>/dev/null); do
		leaks+=("bond $bond")
		ip link del "$bond" >&2 2>&1
	done
	missing=$(wait_nics 10) ||
		leaks+=("NIC $missing not back in the initial namespace")
	reply=$(ctl_request links_reset) || reply="no answer from the host"
	[[ "$reply" == ok ]] || leaks+=("NIC links: $reply")
	for m in bonding veth virtio_net exabond; do
		# /sys/module, not lsmod: a kernel may have them built in.
		[[ -d /sys/module/$m ]] && continue
		leaks+=("module $m unloaded")
		if [[ $m == exabond ]]; then
			insmod "$module" >&2 2>&1
		else
			modprobe "$m" >&2 2>&1
		fi
	done
	local diff
	if ! snapshot > "$after"; then
		leaks+=("cannot read the state after the test")
	elif ! diff=$(diff "$before" "$after"); then
		leaks+=("state changed: $(grep '^[<>]' <<< "$diff" | tr '\n' ';')")
	fi
	echo "$boot_loglevel" > /proc/sys/kernel/printk
	if ((${#leaks[@]})); then
		local IFS=,
		echo "left behind: ${leaks[*]}"
		return 1
	fi
	return 0
}

# The kernel log as it grows, after setup and after each test, on the log
# port: the host scans it for problems a test may have hidden from the
# console (dmesg -n). The console remains the record if the VM dies.
dmesg_sent=0
send_dmesg() {
	local lines
	mapfile -t lines < <(dmesg)
	((${#lines[@]} >= dmesg_sent)) || dmesg_sent=0 # the ring wrapped
	((${#lines[@]} == dmesg_sent)) ||
		printf 'dmesg| %s\n' "${lines[@]:dmesg_sent}"
	dmesg_sent=${#lines[@]}
}

# Taint flags that mean the kernel found a problem (everything but O and E,
# which loading out-of-tree, unsigned test modules sets). They are sticky:
# this catches the first problem of each kind; the kernel log the rest.
taint_bad() { echo $(( $(cat /proc/sys/kernel/tainted) & ~(4096 | 8192) )); }

# A test may ask for a longer timeout with a "# vm-timeout: SECONDS" line;
# a slow kernel scales them all (run.py --slowdown).
timeout_of() {
	local t
	t=$(sed -n 's/^# vm-timeout: *\([0-9]\+\).*/\1/p' "$1" | head -n1)
	echo $((${t:-$test_timeout} * timeout_scale))
}

for i in "${!test_names[@]}"; do
	name=${test_names[$i]}
	file=${test_files[$i]}
	limit=$(timeout_of "$file")
	work=$(mktemp -d "/tmp/$name.XXXXXX")
	before=$work.state
	snapshot > "$before" || echo "cannot read the state before $name"
	taint0=$(taint_bad)
	export EXABOND_SKIP_FILE=$work/.skipped
	kmsg "BEGIN $name"
	result "BEGIN $name $limit"
	start=$(date +%s%N)
	# Its own session and process group, so nothing it started survives it;
	# output streamed to the log port with the test's name in front.
	(cd "$work" && exec 7>&- && exec setsid timeout -k 5 "$limit" \
		bash "$file") > >(sed -u "s/^/$name| /") 2>&1 &
	pid=$!
	wait "$pid"
	rc=$?
	kill -9 -- "-$pid" 2>/dev/null
	secs=$(( ($(date +%s%N) - start) / 1000000 ))
	case $rc in
	0) status=PASS detail= ;;
	4)
		if [[ -e "$EXABOND_SKIP_FILE" ]]; then
			status=SKIP detail=$(head -c 200 "$EXABOND_SKIP_FILE")
		else
			status=FAIL detail="exit status 4 without skip"
		fi
		;;
	124 | 137) status=FAIL detail="timed out after ${limit}s" ;;
	*) status=FAIL detail="exit status $rc" ;;
	esac
	taint1=$(taint_bad)
	if [[ "$taint1" != "$taint0" && $status != FAIL ]]; then
		status=FAIL detail="kernel tainted during the test: $taint0 -> $taint1"
	fi
	if ! clean=$(check_clean "$before"); then
		printf '%s| %s\n' "$name" "$clean"
		if [[ $status != FAIL ]]; then
			status=FAIL
			detail=$clean
		fi
	fi
	kmsg "END $name"
	send_dmesg
	detail=${detail//[$'\n\r']/ }
	result "RESULT $name $status ${secs}ms $detail"
done

if rmmod exabond; then
	result "TEARDOWN ok"
else
	result "TEARDOWN FAIL rmmod exabond"
fi
send_dmesg
result "DONE"
power_off
