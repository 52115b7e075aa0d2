// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor's command line. Parsing is a pure function so every
// accepted and refused argument is unit-tested.
#ifndef EXABOND_MONITOR_OPTIONS_HPP
#define EXABOND_MONITOR_OPTIONS_HPP

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <spdlog/common.h>

#include "logging.hpp"

namespace exabond::monitor {

// The documented default: loopback only, a port of our own (node_exporter
// has 9100).
constexpr const char *default_listen = "127.0.0.1:9467";

struct Options {
	bool publish = false;		// shared-memory pages (no module)
	bool audit = false;		// kernel page vs rtnetlink
	std::vector<std::string> bonds;	// only these; empty: every bond
	std::string listen_address = "127.0.0.1";
	std::uint16_t listen_port = 9467;
	bool http = true;		// --listen none: no endpoint
	LogTarget log_target = LogTarget::automatic;
	spdlog::level::level_enum log_level = spdlog::level::info;
	std::uint32_t refresh_ms = 100;	// re-read of event-less fields
	std::uint32_t audit_grace_ms = 1000;
	int rcvbuf = 4 << 20;		// netlink receive buffer, bytes
};

struct ParseResult {
	enum { run, help, version, error } what = run;
	Options options;
	std::string error_text;		// what == error: one line
};

ParseResult parse_options(int argc, char *const argv[]);

// "ADDRESS:PORT" or "[IPV6]:PORT" or "none".
bool parse_listen(const std::string &s, Options &o, std::string *why);

std::string usage_text();

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_OPTIONS_HPP
