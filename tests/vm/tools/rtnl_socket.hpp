// SPDX-License-Identifier: GPL-2.0
//
// The VM tools' rtnetlink socket (exabond-nlcapture, exabond-order): owned,
// bound to a port of its own, and subscribed to link events.
#ifndef EXABOND_VM_TOOLS_RTNL_SOCKET_HPP
#define EXABOND_VM_TOOLS_RTNL_SOCKET_HPP

#include <cerrno>
#include <memory>

#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

namespace exabond::vm_tools {

struct MnlSocketClose {
	void operator()(mnl_socket *nl) const noexcept { mnl_socket_close(nl); }
};
using MnlSocket = std::unique_ptr<mnl_socket, MnlSocketClose>;

// A NETLINK_ROUTE socket bound to a port of its own. On failure: nullptr,
// errno set and *@step naming what failed ("netlink socket", "bind").
inline MnlSocket open_rtnl(const char **step)
{
	MnlSocket nl(mnl_socket_open(NETLINK_ROUTE));

	if (!nl) {
		*step = "netlink socket";
		return nullptr;
	}
	if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
		const int err = errno;

		*step = "bind";
		nl.reset();
		errno = err;	/* bind's, not close's */
		return nullptr;
	}
	return nl;
}

// Joins RTNLGRP_LINK. Events arrive in bursts (a bond delete sends one per
// member) and a full queue drops them, which the next recv() reports as
// ENOBUFS, so the receive buffer is first raised to 4 MiB (SO_RCVBUFFORCE,
// best effort: it needs CAP_NET_ADMIN). Returns 0, or -1 with errno.
inline int join_link_events(mnl_socket *nl)
{
	int size = 4 << 20;
	int group = RTNLGRP_LINK;

	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		   sizeof(size));
	return mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &group,
				     sizeof(group));
}

} // namespace exabond::vm_tools

#endif // EXABOND_VM_TOOLS_RTNL_SOCKET_HPP
