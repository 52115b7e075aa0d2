// SPDX-License-Identifier: GPL-2.0
//
// exabond-order: whether a managed bond's page already shows a failover by
// the time rtnetlink reports it (tests/vm/tests/page_before_rtnetlink.sh).
//
//	exabond-order BOND N
//
// Bonding announces a new active member with that member's
// NETDEV_CHANGELOWERSTATE, raised by bond_change_active_slave() after it
// has moved the active pointer, and rtnetlink's RTM_NEWLINK for that event
// (IFLA_BOND_SLAVE_STATE active) is the first a listener can hear of the
// failover. exabond.ko publishes on the same event from the head of the
// notifier chain, so the page is current before that message is even
// built. This tool listens to RTNLGRP_LINK spinning on a non-blocking
// socket, so that it reads each message as soon as the kernel queues it,
// loads the page's active member before it even parses the datagram (the
// one load a reader's hot path makes, Bond::active_ifindex) and, for every
// member of BOND whose state changes from backup to active, prints
//
//	listening
//	ok|late MEMBER page ACTIVE
//
// "late": the page did not name MEMBER yet. ACTIVE is the page's active
// member, "-" for none. Members start in the state the page shows when the
// tool starts (start it on a settled bond). It exits after N members were
// reported active.
//
// Only the change to active is checked. The other way proves nothing: when
// miimon finds the active member's link down, bonding marks it backup
// (NETDEV_CHANGELOWERSTATE again) before it chooses another member, so the
// page rightly names it while that message is on its way.
//
// Exit status: 0 when every line was ok, 1 when one was late, 2 on a usage
// or setup error (and on a lost message, ENOBUFS: a state change may be
// missing).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <net/if.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_bonding.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <exabond/bond.hpp>

#include "rtnl_link.hpp"
#include "rtnl_socket.hpp"

namespace {

[[noreturn]] void die(const char *what, int err)
{
	std::fprintf(stderr, "exabond-order: %s: %s\n", what,
		     std::strerror(err));
	std::exit(2);
}

std::string name_of(int ifindex)
{
	char buf[IF_NAMESIZE];

	if (ifindex <= 0)
		return "-";
	if (!if_indextoname(unsigned(ifindex), buf))
		return std::to_string(ifindex);
	return buf;
}

class Checker {
public:
	// Members start in the state the page shows now: @bond's active
	// member active, the others backup.
	Checker(const exabond::Bond &bond, int bond_ifindex)
		: bond_(bond), bond_ifindex_(bond_ifindex),
		  first_active_(bond.active_ifindex())
	{
	}

	// One datagram of @n bytes, just received.
	void datagram(const void *buf, std::size_t n)
	{
		/*
		 * The load first, before parsing: anything in between would
		 * give a late page time to catch up.
		 */
		const int active = bond_.active_ifindex();
		const auto *nlh = static_cast<const nlmsghdr *>(buf);
		int left = int(n);

		while (exabond::rtnl::message_ok(nlh, std::size_t(left)) &&
		       mnl_nlmsg_ok(nlh, left)) {
			message(nlh, active);
			nlh = mnl_nlmsg_next(nlh, &left);
		}
	}

	unsigned activations() const noexcept { return activations_; }
	unsigned late() const noexcept { return late_; }

private:
	// @active: the page's active member when the datagram arrived.
	void message(const nlmsghdr *nlh, int active)
	{
		exabond::rtnl::Link l;

		if (nlh->nlmsg_type != RTM_NEWLINK ||
		    exabond::rtnl::parse_link(nlh, nlh->nlmsg_len, &l,
					      nullptr) ||
		    l.master != bond_ifindex_ || !l.bond_slave ||
		    !l.bond_slave->state)
			return;
		const std::uint8_t state = *l.bond_slave->state;
		auto it = states_.emplace(l.ifindex,
					  l.ifindex == first_active_ ?
						  BOND_STATE_ACTIVE :
						  BOND_STATE_BACKUP).first;

		if (it->second == state)
			return;	/* not a change of state */
		it->second = state;

		if (state != BOND_STATE_ACTIVE)
			return;
		activations_++;
		const bool ok = active == l.ifindex;
		if (!ok)
			late_++;
		std::printf("%s %s page %s\n", ok ? "ok" : "late",
			    l.name.c_str(), name_of(active).c_str());
		std::fflush(stdout);
	}

	const exabond::Bond &bond_;
	const int bond_ifindex_;
	const int first_active_;
	std::map<int, std::uint8_t> states_;	// each member's last state
	unsigned activations_ = 0;
	unsigned late_ = 0;
};

int run(const char *bond_name, unsigned want)
{
	const exabond::Bond bond = exabond::Bond::open(bond_name);
	const int bond_ifindex = int(if_nametoindex(bond_name));
	if (!bond_ifindex)
		die(bond_name, errno);
	if (bond.source() != exabond::Source::device) {
		std::fprintf(stderr, "exabond-order: %s: not managed by exabond.ko (%s)\n",
			     bond_name, bond.path().c_str());
		return 2;
	}

	const char *step;
	const exabond::vm_tools::MnlSocket nl = exabond::vm_tools::open_rtnl(&step);
	if (!nl)
		die(step, errno);
	if (exabond::vm_tools::join_link_events(nl.get()) < 0)
		die("join RTNLGRP_LINK", errno);
	std::puts("listening");
	std::fflush(stdout);

	Checker checker(bond, bond_ifindex);
	std::vector<char> buf(32768);
	while (checker.activations() < want) {
		const ssize_t n = recv(mnl_socket_get_fd(nl.get()), buf.data(),
				       buf.size(), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;	/* spin: no wake-up to wait for */
			die(errno == ENOBUFS ? "recv (a message was lost)" :
					       "recv", errno);
		}
		checker.datagram(buf.data(), std::size_t(n));
	}
	return checker.late() ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
	char *end;

	if (argc != 3) {
		std::fputs("usage: exabond-order BOND N\n", stderr);
		return 2;
	}
	const unsigned long want = std::strtoul(argv[2], &end, 10);
	if (*end || !want) {
		std::fputs("exabond-order: N must be a positive number\n",
			   stderr);
		return 2;
	}
	try {
		return run(argv[1], unsigned(want));
	} catch (const std::exception &e) {
		std::fprintf(stderr, "exabond-order: %s\n", e.what());
		return 2;
	}
}
