// SPDX-License-Identifier: GPL-2.0
#include "netlink.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace exabond::monitor {

namespace {

[[noreturn]] void fail(int err, const std::string &what)
{
	throw std::system_error(err, std::generic_category(),
				"rtnetlink: " + what);
}

} // namespace

RtnlListener::RtnlListener(Handlers handlers, int rcvbuf)
	: h_(std::move(handlers))
{
	unsigned int group = RTNLGRP_LINK;
	int one = 1;

	/*
	 * Bigger than any datagram the kernel sends: a dump skb is at most
	 * 32 KiB (netlink_dump's max_recvmsg_len cap); MNL_SOCKET_DUMP_SIZE
	 * is newer than bookworm's libmnl.
	 */
	buf_.resize(64 * 1024);
	nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!nl_)
		fail(errno, "socket(NETLINK_ROUTE)");
	if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl_);
		fail(err, "bind");
	}
	portid_ = mnl_socket_get_portid(nl_);
	/*
	 * A failover storm on a host with many bonds must not overflow the
	 * queue: ask for a large buffer, beyond rmem_max if CAP_NET_ADMIN
	 * allows. Without it the smaller buffer still works; a loss is then
	 * a resync, not an error.
	 */
	if (setsockopt(mnl_socket_get_fd(nl_), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl_), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	/* Strict checking keeps dumps from carrying what we did not ask. */
	mnl_socket_setsockopt(nl_, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_setsockopt(nl_, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		int err = errno;

		mnl_socket_close(nl_);
		fail(err, "join RTNLGRP_LINK");
	}
	send_dump();
}

RtnlListener::~RtnlListener()
{
	if (nl_)
		mnl_socket_close(nl_);
}

int RtnlListener::fd() const noexcept
{
	return mnl_socket_get_fd(nl_);
}

void RtnlListener::send_dump()
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++seq_;
	ifm = static_cast<struct ifinfomsg *>(
		mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm)));
	ifm->ifi_family = AF_UNSPEC;
	/* Members' IFLA_INFO_SLAVE_DATA is only in stats-free full info. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0)
		fail(errno, "send RTM_GETLINK dump");
	dump_seq_ = nlh->nlmsg_seq;
	dump_again_ = false;
	if (h_.on_dump_start)
		h_.on_dump_start();
}

void RtnlListener::request_dump()
{
	if (dump_seq_)
		dump_again_ = true;
	else
		send_dump();
}

void RtnlListener::request_link(int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++seq_;
	ifm = static_cast<struct ifinfomsg *>(
		mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm)));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0)
		fail(errno, "send RTM_GETLINK ifindex " +
			    std::to_string(ifindex));
}

void RtnlListener::resync(const std::string &why)
{
	resyncs_++;
	if (h_.on_resync)
		h_.on_resync(why);
	request_dump();
}

void RtnlListener::handle(const void *buf, std::size_t len)
{
	const struct nlmsghdr *nlh = static_cast<const struct nlmsghdr *>(buf);
	int left = static_cast<int>(len);

	/*
	 * rtnl::message_ok() first: libmnl 1.0.4's mnl_nlmsg_ok() takes a
	 * length of 2^31 or more for a negative one and walks out of the
	 * buffer.
	 */
	for (; rtnl::message_ok(nlh, std::size_t(left)) &&
	       mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		bool ours = dump_seq_ && nlh->nlmsg_seq == dump_seq_ &&
			    nlh->nlmsg_pid == portid_;

		messages_++;
		if (ours && (nlh->nlmsg_flags & NLM_F_DUMP_INTR)) {
			/* Finish reading it, then dump again. */
			dump_again_ = true;
		}
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			if (!ours)
				break;
			dump_seq_ = 0;
			if (h_.on_dump_done)
				h_.on_dump_done(!dump_again_);
			if (dump_again_) {
				resyncs_++;
				if (h_.on_resync)
					h_.on_resync("the link table changed during the dump (NLM_F_DUMP_INTR)");
				send_dump();
			}
			break;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = static_cast<const struct nlmsgerr *>(
				mnl_nlmsg_get_payload(nlh));

			if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				break;
			/* A link asked for by request_link() is gone. */
			if (e->error == -ENODEV || e->error == 0)
				break;
			if (ours) {
				/*
				 * Transient (memory, a dump already running):
				 * ask again. Anything else is a broken socket.
				 */
				dump_seq_ = 0;
				if (e->error != -ENOBUFS && e->error != -ENOMEM &&
				    e->error != -EBUSY && e->error != -EINTR)
					fail(-e->error, "RTM_GETLINK dump");
				resync(std::string("the dump failed (") +
				       std::strerror(-e->error) + ")");
			}
			break;
		}
		case RTM_NEWLINK:
		case RTM_DELLINK: {
			rtnl::Link link;
			std::string why;

			if (rtnl::parse_link(nlh, nlh->nlmsg_len, &link, &why)) {
				bad_++;
				if (h_.on_bad_message)
					h_.on_bad_message(why);
				break;
			}
			if (h_.on_link)
				h_.on_link(link, !ours && nlh->nlmsg_seq &&
							 nlh->nlmsg_pid == portid_);
			break;
		}
		default:
			break;
		}
	}
}

void RtnlListener::receive()
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl_, buf_.data(), buf_.size());

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/*
				 * The kernel dropped events for us. A dump
				 * under way may have lost replies too: start
				 * over once it ends.
				 */
				resync("receive buffer overrun (ENOBUFS): events were lost");
				continue;
			}
			fail(errno, "recv");
		}
		handle(buf_.data(), static_cast<std::size_t>(n));
	}
}

} // namespace exabond::monitor
