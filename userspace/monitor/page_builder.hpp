// SPDX-License-Identifier: GPL-2.0
//
// A bond's page body from rtnetlink: what kmod/bond_state.c reads from the
// bonding driver, read from the bond's and its members' RTM_NEWLINK
// messages plus ethtool, so exabond-monitor publishes the page the module
// would. page_builder.cpp lists, at its top, every field where the two can
// differ and why.
#ifndef EXABOND_MONITOR_PAGE_BUILDER_HPP
#define EXABOND_MONITOR_PAGE_BUILDER_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <exabond/page.h>

#include "ethtool.hpp"
#include "policy.hpp"
#include "rtnl_link.hpp"

namespace exabond::monitor {

// How often the fields in policy.refreshed are re-read: the module's
// EXABOND_REFRESH_MS, so the two publishers' pages agree on it.
constexpr std::uint32_t refresh_interval_ms = 100;

struct MemberInput {
	const rtnl::Link *link;		// the member's latest RTM_NEWLINK
	tools::MemberFacts facts;	// see member_facts()
	// ethtool's speed and duplex; std::nullopt when not asked (or the
	// device was gone): the previous page's value is kept.
	std::optional<tools::LinkSpeed> speed;
};

struct BondContext {
	std::uint32_t netns_ino = 0;	// the bond's netns inode
	std::uint64_t netns_cookie = 0;	// SO_NETNS_COOKIE
	// The configured primary's name when no member is the primary
	// (netlink has only the primary member's ifindex, and sysfs
	// bonding/primary only its name): "" when unknown.
	std::string primary_name;
	tools::PolicyParams policy = tools::PolicyParams::defaults();
	// policy.managed_since_ns for the first page (@prev has none).
	std::uint64_t managed_since_ns = 0;
};

// A member's policy facts from its link message, ethtool -i (std::nullopt:
// unknown, both empty) and its PCI ancestry (pci_parent()).
tools::MemberFacts member_facts(const rtnl::Link &link,
				const std::optional<tools::DrvInfo> &drv,
				tools::PciParent pci);

// exabond_refresh_needed() (kmod/refresh.c) on @bond and every member,
// plus EXABOND_REFRESH_SPEED for a bond with members: this publisher's
// speed is ethtool's, which changes without an event.
std::uint32_t refresh_needed(const rtnl::Link &bond,
			     const std::vector<MemberInput> &members);

// Builds into @out (all of it: the header is zeroed, PageWriter::publish()
// writes its own) the body of @bond's page: bond, ad, policy and members,
// @members being every member in the bond's slave-list order (sysfs
// bonding/slaves; rtnetlink dumps in ifindex order). @prev is the page as
// published now (all zero before the first publication): it keeps each
// member's timestamps, driver and bus id, matched by ifindex. @now_ns
// stamps the carrier and link changes found. @out must not be @prev.
// failover_count, last_failover_ns, the hot word and the event are
// PageWriter::publish()'s.
void build_page(const rtnl::Link &bond, const std::vector<MemberInput> &members,
		const BondContext &ctx, const exabond_page &prev,
		std::uint64_t now_ns, exabond_page *out);

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_PAGE_BUILDER_HPP
