// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor's event loop: one thread, one epoll set, no polling.
//
// Inputs (each an fd in the epoll set):
//  - the rtnetlink socket (netlink.hpp): a dump at start and on a loss,
//    then RTNLGRP_LINK events;
//  - each managed bond's kernel page (/dev/exabond-<bond>, readable when
//    its generation moves, POLLHUP when it is final);
//  - inotify on /dev, to open a bond's node the moment exabond.ko creates
//    it (being placed under management raises no netlink event);
//  - a signalfd (SIGTERM, SIGINT: stop; SIGHUP: resync);
//  - a timerfd, armed only while something needs it: the bounded re-read
//    of fields the bonding driver changes without an event, and audit
//    deadlines;
//  - the HTTP endpoint's fd.
//
// Per bond the daemon keeps the page it builds from rtnetlink (the
// "monitor" view, page_builder.hpp) through a PageWriter: into shared
// memory with --publish, else into private memory, so the failover
// counting and the hot word are derived exactly as for a published page.
// Transitions are logged once per bond, from the kernel's page when the
// module manages the bond (it is the authority, and it has the kernel's
// own event times) and from the monitor's view otherwise.
#ifndef EXABOND_MONITOR_DAEMON_HPP
#define EXABOND_MONITOR_DAEMON_HPP

#include <memory>

#include <spdlog/logger.h>

#include "options.hpp"

namespace exabond::monitor {

class Daemon {
public:
	Daemon(const Options &options, std::shared_ptr<spdlog::logger> log);
	~Daemon();
	Daemon(const Daemon &) = delete;
	Daemon &operator=(const Daemon &) = delete;

	// Runs until SIGTERM or SIGINT; returns the exit status. Throws
	// std::system_error (with context) on a setup failure.
	int run();

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_DAEMON_HPP
