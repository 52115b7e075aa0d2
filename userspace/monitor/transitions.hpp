// SPDX-License-Identifier: GPL-2.0
//
// What changed between two versions of a bond's page, as the transitions an
// operator reads in the log: a failover with its carrier-loss-to-failover
// time, member link and carrier changes, members added and removed, policy
// and link-monitor changes, the bond going away. Pure functions of two
// pages, so every line the daemon logs is unit-tested.
#ifndef EXABOND_MONITOR_TRANSITIONS_HPP
#define EXABOND_MONITOR_TRANSITIONS_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <exabond/page.h>

namespace exabond::monitor {

enum class Severity { info, warning };

struct Transition {
	enum Kind {
		failover,		// active member changed
		member_added,
		member_removed,
		member_link,		// bonding's link state (mii_status)
		member_carrier,		// the NIC's raw carrier
		bond_state,		// admin/carrier of the bond
		policy,			// compliance or violations changed
		no_link_monitor,	// neither miimon nor arp_interval
		bond_gone,		// final page: deleted or unmanaged
	};
	Kind kind;
	Severity severity;
	std::string text;	// one line, names and times included
	// failover only: carrier loss of the old active member to the
	// failover, when the old member lost its carrier before it.
	std::optional<std::uint64_t> carrier_to_failover_ns;
	std::optional<std::uint64_t> lag_ns;	// failover: publish - event
};

// The transitions from @prev to @next (same bond). @prev == nullptr: the
// first page seen, which reports only standing conditions (no link
// monitor, non-compliant). Both pages must be validated snapshots.
std::vector<Transition> transitions(const exabond_page *prev,
				    const exabond_page &next);

// "1.234 ms", "56.7 us", "2.000 s".
std::string format_duration(std::uint64_t ns);

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_TRANSITIONS_HPP
