// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor's rtnetlink socket (libmnl): RTNLGRP_LINK events and link
// dumps on one non-blocking socket, driven by the daemon's epoll loop.
//
// Ordering: the socket joins RTNLGRP_LINK before the first dump is asked
// for, so no change can fall between the dump and the events; an event
// that overtakes a dump reply is older or equal information and is applied
// in arrival order, which is the kernel's order.
//
// Loss: when the kernel cannot queue an event (the receive buffer is full)
// the next recv() fails with ENOBUFS. Events are then missing, so the
// listener asks for a new dump and tells its caller (on_resync); a dump
// that the kernel marks NLM_F_DUMP_INTR (the link table changed under it)
// is asked for again the same way.
#ifndef EXABOND_MONITOR_NETLINK_HPP
#define EXABOND_MONITOR_NETLINK_HPP

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rtnl_link.hpp"

struct mnl_socket;

namespace exabond::monitor {

class RtnlListener {
public:
	struct Handlers {
		// One parsed link message, event or dump reply. @reply: the
		// answer to request_link(), not an event.
		std::function<void(const rtnl::Link &, bool reply)> on_link;
		// A dump ended. @complete: every link the kernel has was
		// passed to on_link since the matching on_dump_start. A dump
		// the kernel marked interrupted (NLM_F_DUMP_INTR), or one
		// during which events were lost, may have skipped links: it
		// is not complete, and another dump follows at once.
		std::function<void()> on_dump_start;
		std::function<void(bool complete)> on_dump_done;
		// Events were lost (ENOBUFS) or a dump was interrupted: a new
		// dump is under way. @why says which.
		std::function<void(const std::string &why)> on_resync;
		// A message that failed to parse (never expected from a
		// kernel; logged and counted, not fatal).
		std::function<void(const std::string &why)> on_bad_message;
	};

	// Opens and binds the socket, joins RTNLGRP_LINK and asks for the
	// first dump. @rcvbuf: receive buffer bytes (SO_RCVBUFFORCE when
	// allowed, else SO_RCVBUF). Throws std::system_error with context.
	RtnlListener(Handlers handlers, int rcvbuf);
	~RtnlListener();
	RtnlListener(const RtnlListener &) = delete;
	RtnlListener &operator=(const RtnlListener &) = delete;

	int fd() const noexcept;

	// Reads everything the socket holds, without blocking, and calls
	// the handlers. Throws std::system_error on a socket error other
	// than EAGAIN, EINTR and ENOBUFS.
	void receive();

	// Asks for a dump of every link (RTM_GETLINK, NLM_F_DUMP); if one
	// is running, another follows it.
	void request_dump();

	// Asks for one link by ifindex (a refresh of a bond or member whose
	// state changes without an event).
	void request_link(int ifindex);

	std::uint64_t messages() const noexcept { return messages_; }
	std::uint64_t resyncs() const noexcept { return resyncs_; }
	std::uint64_t bad_messages() const noexcept { return bad_; }
	bool dumping() const noexcept { return dump_seq_ != 0; }

private:
	void send_dump();
	void handle(const void *buf, std::size_t len);
	void resync(const std::string &why);

	Handlers h_;
	mnl_socket *nl_ = nullptr;
	std::uint32_t portid_ = 0;
	std::uint32_t seq_ = 0;
	std::uint32_t dump_seq_ = 0;	// the dump under way, 0: none
	bool dump_again_ = false;	// another dump once this one ends
	std::vector<char> buf_;
	std::uint64_t messages_ = 0;
	std::uint64_t resyncs_ = 0;
	std::uint64_t bad_ = 0;
};

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_NETLINK_HPP
