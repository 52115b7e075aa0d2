#!/bin/bash
# Build the tiny initramfs that boots the packaged kernel far enough to mount
# the host's root (read-only 9p) under a tmpfs overlay and hand over to
# tests/vm/guest/run.sh. It holds busybox, the modules that path needs (with
# their dependencies, in load order, as modprobe resolves them) and /init.
#
# usage: mkinitramfs.sh KVER OUTPUT [MODROOT]
#	MODROOT: where lib/modules/KVER is, for a kernel whose modules are not
#	installed on this host (default /)
set -euo pipefail

usage() { echo "usage: $0 KVER OUTPUT [MODROOT]" >&2; exit 2; }
[[ $# -eq 2 || $# -eq 3 ]] || usage
kver=$1
out=$2
modroot=${3:-/}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
moddir=$modroot/lib/modules/$kver

[[ -d "$moddir" ]] || { echo "$0: $moddir missing (install linux-image-$kver)" >&2; exit 1; }
busybox=$(command -v busybox || true)
[[ -n "$busybox" ]] || { echo "$0: busybox missing (install busybox-static)" >&2; exit 1; }
if ! file -L "$busybox" | grep -q 'statically linked'; then
	echo "$0: $busybox is not static (install busybox-static)" >&2
	exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,lower,upper,newroot,modules}
cp "$busybox" "$stage/bin/busybox"
for applet in sh mount umount mkdir insmod switch_root cat echo sleep poweroff; do
	ln -s busybox "$stage/bin/$applet"
done

# Modules in dependency order, each once, uncompressed (busybox insmod
# takes plain .ko; newer Debian kernels ship .ko.xz or .ko.zst). A module
# built into the kernel shows as "builtin" and needs nothing.
n=0
declare -A seen=()
for mod in virtio_pci 9pnet_virtio 9p overlay virtio_console; do
	deps=$(modprobe -S "$kver" -d "$modroot" --show-depends "$mod") ||
		{ echo "$0: modprobe cannot resolve $mod for $kver" >&2; exit 1; }
	while read -r verb path _; do
		[[ "$verb" == insmod ]] || continue
		[[ -z "${seen[$path]:-}" ]] || continue
		seen[$path]=1
		base=$(basename "$path")
		printf -v name '%02d-%s.ko' "$n" "${base%%.ko*}"
		case "$path" in
		*.ko) cp "$path" "$stage/modules/$name" ;;
		*.ko.xz) xz -dc "$path" > "$stage/modules/$name" ;;
		*.ko.zst) zstd -qdc "$path" > "$stage/modules/$name" ;;
		*.ko.gz) gzip -dc "$path" > "$stage/modules/$name" ;;
		*) echo "$0: unknown module format: $path" >&2; exit 1 ;;
		esac
		n=$((n + 1))
	done <<< "$deps"
done

install -m 0755 "$here/guest/initramfs-init" "$stage/init"
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
