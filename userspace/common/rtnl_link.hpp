// SPDX-License-Identifier: GPL-2.0
//
// One rtnetlink link message (RTM_NEWLINK / RTM_DELLINK), parsed.
//
// exabond-monitor and exabondctl learn bonds from rtnetlink: a dump at start
// and RTNLGRP_LINK events after. parse_link() turns one message into a Link:
// the ifinfomsg header, the IFLA_* attributes both tools use, the bonding
// master's IFLA_LINKINFO/IFLA_INFO_DATA (IFLA_BOND_*, with IFLA_BOND_AD_INFO)
// and a bonding member's IFLA_INFO_SLAVE_DATA (IFLA_BOND_SLAVE_*), and
// IFLA_EVENT. An attribute the kernel did not send stays std::nullopt; the
// parser invents nothing.
//
// The input is untrusted bytes (a fuzz target drives it): every length is
// checked with libmnl before anything is read, an attribute of the wrong
// size is an error rather than a guess, and nothing past @len is touched.
#ifndef EXABOND_RTNL_LINK_HPP
#define EXABOND_RTNL_LINK_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace exabond::rtnl {

using Mac = std::array<std::uint8_t, 6>;

// IFLA_BOND_AD_INFO: the active aggregator (802.3ad, and only while one is).
struct AdInfo {
	std::optional<std::uint16_t> aggregator;	// IFLA_BOND_AD_INFO_AGGREGATOR
	std::optional<std::uint16_t> num_ports;
	std::optional<std::uint16_t> actor_key;
	std::optional<std::uint16_t> partner_key;
	std::optional<Mac> partner_mac;
};

// IFLA_INFO_DATA of a link whose IFLA_INFO_KIND is "bond". Units are the
// kernel's netlink units (updelay/downdelay/peer_notif_delay in ms).
struct BondInfo {
	std::optional<std::uint8_t> mode;		// IFLA_BOND_MODE
	std::optional<std::uint32_t> active_slave;	// ifindex
	std::optional<std::uint32_t> miimon;
	std::optional<std::uint32_t> updelay;
	std::optional<std::uint32_t> downdelay;
	std::optional<std::uint32_t> peer_notif_delay;
	std::optional<std::uint8_t> use_carrier;
	std::optional<std::uint32_t> arp_interval;
	std::vector<std::uint32_t> arp_ip_target;	// network byte order
	std::optional<std::uint32_t> arp_validate;
	std::optional<std::uint32_t> arp_all_targets;
	std::optional<std::uint32_t> primary;		// ifindex
	std::optional<std::uint8_t> primary_reselect;
	std::optional<std::uint8_t> fail_over_mac;
	std::optional<std::uint8_t> xmit_hash_policy;
	std::optional<std::uint32_t> resend_igmp;
	std::optional<std::uint8_t> num_peer_notif;
	std::optional<std::uint8_t> all_slaves_active;
	std::optional<std::uint32_t> min_links;
	std::optional<std::uint32_t> lp_interval;
	std::optional<std::uint32_t> packets_per_slave;
	std::optional<std::uint8_t> ad_lacp_rate;
	std::optional<std::uint8_t> ad_select;
	std::optional<AdInfo> ad_info;
	std::optional<std::uint16_t> ad_actor_sys_prio;
	std::optional<std::uint16_t> ad_user_port_key;
	std::optional<Mac> ad_actor_system;
	std::optional<std::uint8_t> tlb_dynamic_lb;
	std::optional<std::uint8_t> missed_max;
	std::optional<std::uint8_t> ad_lacp_active;

	// Added with the parser (6.1 sends them too).
	// IFLA_BOND_NS_IP6_TARGET: in6_addr each
	std::vector<std::array<std::uint8_t, 16>> ns_ip6_target;
	std::optional<std::uint8_t> coupled_control;
};

// IFLA_INFO_SLAVE_DATA of a link whose IFLA_INFO_SLAVE_KIND is "bond".
struct BondSlaveInfo {
	std::optional<std::uint8_t> state;		// BOND_STATE_* (role)
	std::optional<std::uint8_t> mii_status;		// BOND_LINK_*
	std::optional<std::uint32_t> link_failure_count;
	std::optional<Mac> perm_hwaddr;
	std::optional<std::uint16_t> queue_id;
	std::optional<std::uint16_t> ad_aggregator_id;
	std::optional<std::uint8_t> ad_actor_oper_port_state;
	std::optional<std::uint16_t> ad_partner_oper_port_state;

	// Added with the parser (6.1 sends them too).
	std::optional<std::int32_t> prio;		// IFLA_BOND_SLAVE_PRIO
	std::optional<std::uint8_t> ad_churn_actor_state;
	std::optional<std::uint8_t> ad_churn_partner_state;
	std::optional<std::uint16_t> actor_port_prio;
};

struct Link {
	std::uint16_t msg_type = 0;		// RTM_NEWLINK or RTM_DELLINK
	std::uint16_t msg_flags = 0;		// nlmsg_flags (NLM_F_MULTI: a dump)
	int ifindex = 0;
	std::uint16_t type = 0;			// ARPHRD_*
	std::uint32_t flags = 0;		// IFF_*
	std::uint32_t change = 0;		// ifi_change

	std::string name;			// IFLA_IFNAME
	std::optional<Mac> address;		// IFLA_ADDRESS, when 6 bytes
	std::optional<std::uint32_t> mtu;
	std::optional<std::uint8_t> operstate;	// IF_OPER_*
	std::optional<std::uint8_t> carrier;	// IFLA_CARRIER
	std::optional<std::uint32_t> carrier_changes;
	std::optional<std::uint32_t> carrier_up_count;
	std::optional<std::uint32_t> carrier_down_count;
	int master = 0;				// IFLA_MASTER, 0: none
	int link = 0;				// IFLA_LINK (a VLAN's lower device)
	std::optional<std::uint32_t> event;	// IFLA_EVENT (IFLA_EVENT_*)
	std::optional<std::int32_t> link_netnsid;	// IFLA_LINK_NETNSID
	std::optional<std::string> parent_dev_name;	// IFLA_PARENT_DEV_NAME
	std::optional<std::string> parent_dev_bus;	// IFLA_PARENT_DEV_BUS_NAME

	std::string kind;			// IFLA_INFO_KIND ("" if none)
	std::string slave_kind;			// IFLA_INFO_SLAVE_KIND
	std::optional<BondInfo> bond;		// kind == "bond"
	std::optional<BondSlaveInfo> bond_slave;	// slave_kind == "bond"

	bool is_bond() const noexcept { return kind == "bond"; }
};

// Parses the one netlink message at @buf (its nlmsghdr first; @len bytes are
// readable, the message may be shorter). Returns 0 and fills @out, or a
// negative errno with @why set: -EINVAL for a message that is not a link
// message or is malformed (truncated header, attribute overrunning its
// parent, wrong attribute size, name without NUL). Never throws for bad
// input; may throw std::bad_alloc. On error *@out is left as it was.
// @why may be nullptr.
int parse_link(const void *buf, std::size_t len, Link *out, std::string *why);

// Added with the parser. Whether the @len bytes at @buf start with a whole
// netlink message: a header, and an nlmsg_len at least the header's and at
// most @len. Use it with mnl_nlmsg_ok() in a receive loop: libmnl 1.0.4's
// mnl_nlmsg_ok() compares (int)nlmsg_len, so an nlmsg_len of 2^31 or more
// passes and mnl_nlmsg_next() then steps outside the buffer (found by
// tests/fuzz/netlink_fuzz).
bool message_ok(const void *buf, std::size_t len) noexcept;

} // namespace exabond::rtnl

#endif // EXABOND_RTNL_LINK_HPP
