// SPDX-License-Identifier: GPL-2.0
//
// kmod/policy.c's rules in user space, for exabond-monitor's page (hosts
// without the module) and for `exabondctl check`.
//
// The module is the reference: a page published here must carry the same
// policy section as the module's page for the same bond and parameters,
// so every rule below is the module's, evaluated in the module's order,
// and the parameter syntax is the module's setter's, refusal for refusal.
//
// What user space cannot see as the kernel does (each is a field of
// MemberFacts the caller fills from rtnetlink, ethtool and sysfs):
//
//  - "is a bond" is netif_is_bond_master() in the kernel; here it is the
//    member's IFLA_INFO_KIND "bond". "Is a VLAN" is is_vlan_dev(); here
//    IFLA_INFO_KIND "vlan". Both are set by those drivers alone, so the
//    two agree for every device 6.1 has.
//  - The Ethernet test is dev->type == ARPHRD_ETHER && dev->addr_len == 6;
//    the address length is IFLA_ADDRESS's length (MemberFacts::addr_len).
//  - A "port of a card" is, in the kernel, a device whose nearest PCI
//    ancestor in the device tree is not an SR-IOV virtual function. User
//    space reads that from sysfs (pci_parent() in ethtool.hpp); a caller
//    that did not look (PciParent::Unknown) gets the bus id alone as the
//    test, which calls a VF, or a virtual device that reports a PCI-like
//    bus id, a port where the kernel does not.
//  - The driver name and bus id are `ethtool -i`'s, with the module's
//    fallbacks (see ethtool.hpp for the one case they differ).
//  - EXABOND_POLICY_F_NO_HOOK is the kernel's own state and never set here.
#ifndef EXABOND_TOOLS_POLICY_HPP
#define EXABOND_TOOLS_POLICY_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <exabond/page.h>

#include "ethtool.hpp"

namespace exabond::tools {

// Modes of the roce-lag profile: active-backup, balance-xor, 802.3ad.
constexpr std::uint32_t roce_lag_modes =
	(1u << EXABOND_MODE_ACTIVE_BACKUP) | (1u << EXABOND_MODE_BALANCE_XOR) |
	(1u << EXABOND_MODE_8023AD);

// Most names allowed_drivers holds (the module's EXABOND_MAX_DRIVERS).
constexpr std::size_t max_allowed_drivers = 16;

// The module's four parameters, in the module's representation.
struct PolicyParams {
	std::uint32_t allowed_modes;	// 1 << EXABOND_MODE_*
	bool same_card;			// the roce-lag profile is in force
	std::vector<std::string> allowed_drivers;	// empty: any
	std::uint32_t max_members;	// 0: no limit
	bool require_link_monitor;

	// What the module starts with: active-backup, any driver, no limit,
	// no link monitor required.
	static PolicyParams defaults();
};

// A parse of one parameter value: the value, or why the module's setter
// would refuse it (the setter itself only says EINVAL).
template <class T> struct Parsed {
	std::optional<T> value;
	std::string error;

	explicit operator bool() const noexcept { return value.has_value(); }
};

struct AllowedModes {
	std::uint32_t modes;	// 1 << EXABOND_MODE_*
	bool same_card;		// "roce-lag"
};

// allowed_modes as the module's setter takes it: bonding's mode names or
// numbers 0-6, separated by commas, spaces or tabs, surrounding white
// space ignored; or "roce-lag" alone. Accepts exactly what the setter
// accepts (including its quirks: "+1" and "01" are mode 1, a token may end
// in one newline) and refuses the rest: nothing, an unknown name, a number
// past 6, "roce-lag" with anything else, 128 bytes or more.
Parsed<AllowedModes> parse_allowed_modes(std::string_view text);

// allowed_drivers as the setter takes it: names of letters, digits, '_',
// '.' and '-', 1 to 31 of them, at most 16 names; empty means any.
Parsed<std::vector<std::string>> parse_allowed_drivers(std::string_view text);

// allowed_modes as the module prints it, without the newline: "roce-lag"
// for the profile, else the allowed mode names in mode order, comma-
// separated (the text of its refusal messages too).
std::string format_allowed_modes(std::uint32_t modes, bool same_card);
std::string format_allowed_modes(const PolicyParams &p);

// allowed_drivers as the module prints it: comma-separated, "" for any.
std::string format_allowed_drivers(const std::vector<std::string> &drivers);

// The module's parameters from @dir, or std::nullopt if @dir does not
// exist (the module is not loaded). Throws exabond::Error, naming the
// file, if an existing directory cannot be read or holds a value the
// module would not print.
std::optional<PolicyParams>
read_module_params(const std::string &dir = "/sys/module/exabond/parameters");

// What the rules need to know about one member, beyond the page.
struct MemberFacts {
	int ifindex = 0;
	std::string name;
	std::uint16_t arphrd_type = 0;	// ifinfomsg.ifi_type (ARPHRD_*)
	std::string kind;		// IFLA_INFO_KIND: "bond", "vlan"... or ""
	std::string driver;		// ethtool -i
	std::string bus_info;
	// IFLA_ADDRESS's length: the kernel's Ethernet test wants 6. The
	// parser keeps only 6-byte addresses, so a member without one is
	// given 0 (every ARPHRD_ETHER device has one).
	std::uint8_t addr_len = EXABOND_ADDR_LEN;
	PciParent pci = PciParent::Unknown;	// see the top of this file
};

// Fills @staged->policy's flags (but NO_HOOK), violations, allowed_modes
// and max_members from @staged->bond (mode, miimon, arp_interval) and
// @members, every member of the bond in the bond's order (not only those
// that fit the page), as exabond_policy_read() does. The member count is
// @members.size(), which should equal bond.members_total.
void apply_policy(const PolicyParams &p,
		  const std::vector<MemberFacts> &members,
		  exabond_page *staged);

// One rule's verdict on a page, for `exabondctl check`.
struct RuleVerdict {
	// "mode", "driver", "member-type", "max-members", "same-card",
	// "link-monitor", "roce-lag"
	std::string rule;
	bool ok;		// "roce-lag": the bond is an eligible RoCE LAG
	std::string why;	// a sentence naming the bond, member and rule
};

// Every rule of @p against @page, in the module's order, then RoCE-LAG
// eligibility. Mode, driver, max members, same card and link monitor are
// evaluated from the page; the member type rule needs what the page does
// not hold, so with @members (the bond's members, as for apply_policy())
// it is evaluated, and without it the page's own violation bit is
// reported. Members past the page's EXABOND_MAX_MEMBERS entries are known
// only through @members or the page's violation bits, likewise.
std::vector<RuleVerdict>
explain(const PolicyParams &p, const exabond_page &page,
	const std::vector<MemberFacts> *members = nullptr);

} // namespace exabond::tools

#endif // EXABOND_TOOLS_POLICY_HPP
