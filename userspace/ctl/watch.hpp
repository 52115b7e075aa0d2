// SPDX-License-Identifier: GPL-2.0
//
// `watch`: what changed between two snapshots of a bond, as transitions an
// operator cares about, and the loop that prints them as they happen.
#ifndef EXABOND_CTL_WATCH_HPP
#define EXABOND_CTL_WATCH_HPP

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <exabond/snapshot.hpp>

namespace exabond::ctl {

struct Transition {
	std::string kind;	// failover, member-link, member-add, ...
	std::string text;	// "failover va0 -> vb0"
	nlohmann::ordered_json detail;	// the same, as fields
};

// Everything that differs from @before to @after that watch reports: the
// bond gone, failover, members added and removed, a member's bonding
// link and raw carrier, the bond's carrier, compliance. Empty when the
// change was none of these (an option, a counter).
std::vector<Transition> transitions(const Snapshot &before,
				    const Snapshot &after);

// One output line for a transition (without the newline): human or JSON.
// @wall is the wall-clock time to print, "2024-01-02T03:04:05.123456Z".
std::string format_transition(const Snapshot &after, const Transition &t,
			      const std::string &wall, bool json);

std::string wall_clock_now();

} // namespace exabond::ctl

#endif // EXABOND_CTL_WATCH_HPP
