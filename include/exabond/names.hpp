// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note
//
// Names for the page's enumerations, spelled as iproute2 spells them (`ip
// -d -j link show`), so output built from a snapshot matches what operators
// already read. Where /proc/net/bonding/<bond> spells a value differently,
// a *_proc_name() function gives its spelling. Unknown values are "unknown".
// Every function is constexpr and allocation-free.
#ifndef EXABOND_NAMES_HPP
#define EXABOND_NAMES_HPP

#include <cstdint>
#include <optional>
#include <string_view>

#include <exabond/page.h>

namespace exabond {

namespace detail {
template <std::size_t N>
constexpr std::string_view pick(const std::string_view (&t)[N],
				unsigned v) noexcept
{
	return v < N ? t[v] : std::string_view("unknown");
}

constexpr std::string_view mode_names[] = {
	"balance-rr", "active-backup", "balance-xor", "broadcast",
	"802.3ad", "balance-tlb", "balance-alb",
};
} // namespace detail

// Bonding mode, EXABOND_MODE_*: "active-backup", "802.3ad", ...
constexpr std::string_view mode_name(unsigned mode) noexcept
{
	return detail::pick(detail::mode_names, mode);
}

// The inverse of mode_name(); also accepts the number ("1").
constexpr std::optional<unsigned> mode_from_name(std::string_view s) noexcept
{
	for (unsigned i = 0; i < std::size(detail::mode_names); i++)
		if (s == detail::mode_names[i])
			return i;
	if (s.size() == 1 && s[0] >= '0' && s[0] <= '6')
		return unsigned(s[0] - '0');
	return std::nullopt;
}

// Member link state, EXABOND_LINK_*, as ip's "mii_status": "UP",
// "GOING_DOWN" (bonding's FAIL), "DOWN", "GOING_BACK" (BACK).
constexpr std::string_view link_name(unsigned link) noexcept
{
	constexpr std::string_view t[] = {"UP", "GOING_DOWN", "DOWN",
					  "GOING_BACK"};
	return detail::pick(t, link);
}

// The same, as /proc/net/bonding's "MII Status:": "up", "going down"...
constexpr std::string_view link_proc_name(unsigned link) noexcept
{
	constexpr std::string_view t[] = {"up", "going down", "down",
					  "going back"};
	return detail::pick(t, link);
}

// Member role, EXABOND_ROLE_*, as ip's slave "state": "ACTIVE", "BACKUP".
constexpr std::string_view role_name(unsigned role) noexcept
{
	constexpr std::string_view t[] = {"ACTIVE", "BACKUP"};
	return detail::pick(t, role);
}

// RFC 2863 operstate, IF_OPER_*, as ip prints it: "UP", "DOWN", ...
constexpr std::string_view operstate_name(unsigned oper) noexcept
{
	constexpr std::string_view t[] = {"UNKNOWN", "NOTPRESENT", "DOWN",
					  "LOWERLAYERDOWN", "TESTING",
					  "DORMANT", "UP"};
	return detail::pick(t, oper);
}

// Transmit hash policy, EXABOND_XMIT_*: "layer2", "layer3+4", ...
constexpr std::string_view xmit_hash_policy_name(unsigned p) noexcept
{
	constexpr std::string_view t[] = {"layer2", "layer3+4", "layer2+3",
					  "encap2+3", "encap3+4",
					  "vlan+srcmac"};
	return detail::pick(t, p);
}

constexpr std::string_view primary_reselect_name(unsigned v) noexcept
{
	constexpr std::string_view t[] = {"always", "better", "failure"};
	return detail::pick(t, v);
}

constexpr std::string_view fail_over_mac_name(unsigned v) noexcept
{
	constexpr std::string_view t[] = {"none", "active", "follow"};
	return detail::pick(t, v);
}

constexpr std::string_view arp_validate_name(unsigned v) noexcept
{
	constexpr std::string_view t[] = {"none", "active", "backup", "all",
					  "filter", "filter_active",
					  "filter_backup"};
	return detail::pick(t, v);
}

constexpr std::string_view arp_all_targets_name(unsigned v) noexcept
{
	constexpr std::string_view t[] = {"any", "all"};
	return detail::pick(t, v);
}

constexpr std::string_view lacp_rate_name(unsigned v) noexcept
{
	constexpr std::string_view t[] = {"slow", "fast"};
	return detail::pick(t, v);
}

constexpr std::string_view ad_select_name(unsigned v) noexcept
{
	constexpr std::string_view t[] = {"stable", "bandwidth", "count"};
	return detail::pick(t, v);
}

// Duplex, EXABOND_DUPLEX_*, as /proc/net/bonding and ethtool: "half",
// "full", "unknown".
constexpr std::string_view duplex_name(unsigned d) noexcept
{
	return d == EXABOND_DUPLEX_HALF	  ? "half"
	       : d == EXABOND_DUPLEX_FULL ? "full"
					  : "unknown";
}

// What caused a publication, EXABOND_EVENT_*: "failover", "member-add"...
constexpr std::string_view event_name(unsigned e) noexcept
{
	constexpr std::string_view t[] = {
		"none", "manage", "unmanage", "bond-delete", "bond-change",
		"failover", "member-add", "member-del", "member-link",
		"carrier", "rename", "policy", "refresh", "resync",
	};
	return detail::pick(t, e);
}

// Who writes the page, EXABOND_PUBLISHER_*: "kernel", "monitor".
constexpr std::string_view publisher_name(unsigned p) noexcept
{
	return p == EXABOND_PUBLISHER_KERNEL	? "kernel"
	       : p == EXABOND_PUBLISHER_MONITOR ? "monitor"
						: "unknown";
}

} // namespace exabond

#endif // EXABOND_NAMES_HPP
