// SPDX-License-Identifier: GPL-2.0
//
// create, enslave and release: rtnetlink requests through libnl-route-3.
// The parsing of `create`'s options is separate, for the unit tests.
#ifndef EXABOND_CTL_NETLINK_ADMIN_HPP
#define EXABOND_CTL_NETLINK_ADMIN_HPP

#include <cstdint>
#include <optional>
#include <string>

#include "cli.hpp"

namespace exabond::ctl {

struct CreateRequest {
	std::string bond;
	std::optional<std::uint8_t> mode;
	std::optional<std::uint32_t> miimon;
	std::optional<std::uint32_t> updelay;
	std::optional<std::uint32_t> downdelay;
	std::optional<std::string> primary;
	std::optional<std::uint8_t> xmit_hash_policy;
	std::optional<std::uint8_t> lacp_rate;
};

// "<bond> [mode M] [miimon N] ...": UsageError on anything else.
CreateRequest parse_create(const Args &operands);

} // namespace exabond::ctl

#endif // EXABOND_CTL_NETLINK_ADMIN_HPP
