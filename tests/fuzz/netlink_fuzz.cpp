// SPDX-License-Identifier: GPL-2.0
//
// libFuzzer target: hostile bytes through the rtnetlink link parser
// (userspace/common/rtnl_link.cpp), the way exabond-monitor meets them.
//
// Each input is used three ways:
//
//  1. parse_link() on the whole input as one message, from an exact-size
//     heap copy (ASan sees a read one byte past it);
//  2. the same bytes one byte off alignment: the parser's aligned copy must
//     give the same verdict, the same `why` and the same Link;
//  3. a receive loop: the input as a datagram of several messages, walked
//     with message_ok() + mnl_nlmsg_ok() / mnl_nlmsg_next() as the monitor
//     walks a recv() buffer, each message parsed with the rest of the
//     buffer as its length. (mnl_nlmsg_ok() alone let an nlmsg_len of
//     2^31 or more through, and mnl_nlmsg_next() jump out of the buffer:
//     the first crash this target found.)
//
// Beyond "no crash, no out-of-bounds read, no UB", the parser's promises
// are checked and a broken one aborts: an error is -EINVAL with a reason
// and leaves the Link alone; a success has a link message type, a name of
// at most 15 characters without NUL, slave data only for a "bond" slave
// kind, bond data only for a "bond" kind.
//
// Seeds: netlink_fuzz_seeds writes the messages the 6.1 kernel sent in
// the VM (tests/unit/rtnl/fixtures/), one a file, and the event stream as
// one buffer.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "rtnl_link.hpp"

namespace {

using exabond::rtnl::Link;
using exabond::rtnl::parse_link;

[[noreturn]] void broken(const char *what) noexcept
{
	std::fprintf(stderr, "netlink_fuzz: parser promise broken: %s\n",
		     what);
	std::abort();
}

#define PROMISE(cond)                                                       \
	do {                                                                \
		if (!(cond))                                                \
			broken(#cond);                                      \
	} while (0)

// One parse, its promises checked; returns the error.
int parse_checked(const void *buf, std::size_t len, Link *l, std::string *why)
{
	l->name = "sentinel";
	why->clear();
	const int err = parse_link(buf, len, l, why);
	if (err) {
		PROMISE(err == -EINVAL);
		PROMISE(!why->empty());
		PROMISE(l->name == "sentinel");
		return err;
	}
	PROMISE(l->msg_type == RTM_NEWLINK || l->msg_type == RTM_DELLINK);
	PROMISE(l->name.size() < 16);
	PROMISE(l->name.find('\0') == std::string::npos);
	PROMISE(l->kind.find('\0') == std::string::npos);
	PROMISE(!l->bond || l->kind == "bond");
	PROMISE(!l->bond_slave || l->slave_kind == "bond");
	PROMISE(l->master >= 0 && l->link >= 0);
	return 0;
}

bool same(const Link &a, const Link &b)
{
	return a.msg_type == b.msg_type && a.ifindex == b.ifindex &&
	       a.flags == b.flags && a.name == b.name &&
	       a.address == b.address && a.mtu == b.mtu &&
	       a.master == b.master && a.event == b.event &&
	       a.kind == b.kind && a.slave_kind == b.slave_kind &&
	       bool(a.bond) == bool(b.bond) &&
	       bool(a.bond_slave) == bool(b.bond_slave) &&
	       (!a.bond || (a.bond->mode == b.bond->mode &&
			    a.bond->active_slave == b.bond->active_slave &&
			    a.bond->arp_ip_target == b.bond->arp_ip_target &&
			    bool(a.bond->ad_info) == bool(b.bond->ad_info))) &&
	       (!a.bond_slave ||
		(a.bond_slave->state == b.bond_slave->state &&
		 a.bond_slave->mii_status == b.bond_slave->mii_status));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
				      std::size_t size)
{
	// 1. Exact size; new[] is aligned for nlmsghdr.
	std::unique_ptr<std::uint8_t[]> exact(
		new std::uint8_t[size ? size : 1]);
	if (size)
		std::memcpy(exact.get(), data, size);
	Link a, b;
	std::string why_a, why_b;
	const int err_a = parse_checked(size ? exact.get() : nullptr, size, &a,
					&why_a);

	// 2. One byte off: same answer.
	std::unique_ptr<std::uint8_t[]> shifted(new std::uint8_t[size + 1]);
	if (size)
		std::memcpy(shifted.get() + 1, data, size);
	const int err_b = parse_checked(shifted.get() + 1, size, &b, &why_b);
	PROMISE(err_a == err_b);
	if (size >= sizeof(nlmsghdr))
		PROMISE(why_a == why_b);
	PROMISE(err_a || same(a, b));

	// 3. A datagram of messages, as a receive loop walks it.
	const auto *nlh = reinterpret_cast<const nlmsghdr *>(exact.get());
	int len = int(size);
	unsigned n = 0;
	// mnl_nlmsg_ok() alone is not enough: see message_ok().
	while (exabond::rtnl::message_ok(nlh, std::size_t(len < 0 ? 0 : len)) &&
	       mnl_nlmsg_ok(nlh, len)) {
		Link l;
		std::string why;
		// The rest of the datagram, and the message alone: the same.
		const int e1 = parse_checked(nlh, std::size_t(len), &l, &why);
		const int e2 = parse_checked(nlh, nlh->nlmsg_len, &l, &why);
		PROMISE(e1 == e2);
		n++;
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	PROMISE(n <= size / sizeof(nlmsghdr));
	return 0;
}
