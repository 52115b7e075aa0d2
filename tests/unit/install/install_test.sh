#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install_test.sh SOURCE_DIR BUILD_DIR: installs the userspace build into a
# scratch prefix and builds programs against it as a user would, with
# find_package(exabond) and with pkg-config, then runs them on a page.
set -euo pipefail
src=$1 build=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name libexabond.so -print -quit)")
for f in "$prefix/include/exabond/page.h" "$prefix/include/exabond/reader.h" \
	 "$prefix/include/exabond/bond.hpp" "$libdir/libexabond.so" \
	 "$libdir/pkgconfig/exabond.pc" "$libdir/cmake/exabond/exabondConfig.cmake"; do
	[[ -e "$f" ]] || { echo "not installed: $f" >&2; exit 1; }
done

expect() {
	local what=$1 want=$2 got=$3
	if [[ "$got" != "$want" ]]; then
		echo "$what: got '$got', want '$want'" >&2
		exit 1
	fi
	echo "$what: $got"
}

# CMake package.
cmake -S "$here/consumer" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
	>/dev/null
cmake --build "$tmp/cmake" >/dev/null
out=$(LD_LIBRARY_PATH=$libdir "$tmp/cmake/consumer_cpp" "$tmp/page" bondx)
expect "find_package C++" "bondx active-backup 7 eth7" "$out"
out=$("$tmp/cmake/consumer_c" "$tmp/page")
expect "find_package C" "bondx 7 1 1" "$out"

# pkg-config.
export PKG_CONFIG_PATH=$libdir/pkgconfig
mkdir -p "$tmp/pc"
# shellcheck disable=SC2046
g++ -std=c++17 -Wall -Wextra -Werror -o "$tmp/pc/consumer_cpp" \
	"$here/consumer/consumer.cpp" $(pkg-config --cflags --libs exabond)
# shellcheck disable=SC2046
gcc -std=gnu99 -Wall -Wextra -Werror -o "$tmp/pc/consumer_c" \
	"$here/consumer/consumer.c" $(pkg-config --cflags exabond)
out=$(LD_LIBRARY_PATH=$libdir "$tmp/pc/consumer_cpp" "$tmp/page2" bondy)
expect "pkg-config C++" "bondy active-backup 7 eth7" "$out"
out=$("$tmp/pc/consumer_c" "$tmp/page2")
expect "pkg-config C" "bondy 7 1 1" "$out"
