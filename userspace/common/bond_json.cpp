// SPDX-License-Identifier: GPL-2.0
//
// A page as JSON. The bond's and the members' iproute2 fields come first,
// named and nested as `ip -d -j link show` names and nests them
// ("linkinfo" / "info_data" for the bond, "info_slave_data" for a
// member), so `jq '.linkinfo.info_data.mode'` works on both. ip prints an
// option only when the kernel reports it; we follow it where the kernel's
// rule is simple (the ad_* fields and "ad_info" only in 802.3ad,
// "active_slave" only when there is one, "primary" only when set, and
// arp_validate 0 as null, as ip's JSON does). Fields the page has and ip
// has not follow, under names of their own, never reusing an ip name with
// another meaning.
#include <cstdio>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <exabond/names.hpp>

#include "bond_json.hpp"

namespace exabond::tools {

namespace {

using json = nlohmann::ordered_json;

std::string mac_string(const MacAddress &m)
{
	char buf[3 * EXABOND_ADDR_LEN];

	std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
		      m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

std::string mac_string(const std::uint8_t (&a)[EXABOND_ADDR_LEN])
{
	MacAddress m;

	std::copy(std::begin(a), std::end(a), m.begin());
	return mac_string(m);
}

std::string ipv4_string(__be32 addr)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr in;

	in.s_addr = addr;
	if (!inet_ntop(AF_INET, &in, buf, sizeof(buf)))
		return "?";
	return buf;
}

// LACP port state bits as ip names them ("ad_actor_oper_port_state_str").
json port_state_names(std::uint8_t state)
{
	static const char *const names[] = {
		"active", "short_timeout", "aggregating", "in_sync",
		"collecting", "distributing", "defaulted", "expired",
	};
	json a = json::array();

	for (unsigned bit = 0; bit < 8; bit++)
		if (state & (1U << bit))
			a.push_back(names[bit]);
	return a;
}

json names_of_bits(std::uint32_t bits, const char *const *names,
		   unsigned count)
{
	json a = json::array();

	for (unsigned bit = 0; bit < count; bit++)
		if (bits & (1U << bit))
			a.push_back(names[bit]);
	return a;
}

json info_data(const Snapshot &s)
{
	const exabond_bond &b = s.raw().bond;
	const bool lacp = s.mode() == EXABOND_MODE_8023AD;
	json d;

	d["mode"] = s.mode_name();
	if (auto a = s.active_member())
		d["active_slave"] = a->name();
	d["miimon"] = b.miimon;
	d["updelay"] = b.updelay;
	d["downdelay"] = b.downdelay;
	d["peer_notify_delay"] = b.peer_notif_delay;
	d["arp_interval"] = b.arp_interval;
	if (b.arp_ip_target_count) {
		json t = json::array();

		for (std::uint32_t i = 0; i < b.arp_ip_target_count &&
					  i < EXABOND_MAX_ARP_TARGETS; i++)
			t.push_back(ipv4_string(b.arp_ip_target[i]));
		d["arp_ip_target"] = t;
	}
	if (b.arp_validate)
		d["arp_validate"] = arp_validate_name(b.arp_validate);
	else
		d["arp_validate"] = nullptr;
	d["arp_all_targets"] = arp_all_targets_name(b.arp_all_targets);
	if (!s.primary().empty())
		d["primary"] = s.primary();
	d["primary_reselect"] = primary_reselect_name(b.primary_reselect);
	d["fail_over_mac"] = fail_over_mac_name(b.fail_over_mac);
	d["xmit_hash_policy"] = s.xmit_hash_policy_name();

	// The page holds the 802.3ad settings of 802.3ad bonds only (zero
	// otherwise, which would print lacp_active "off" where ip says
	// "on"); ip, for its part, prints the actor fields only then too.
	if (!lacp)
		return d;

	const exabond_ad &ad = s.ad();

	d["ad_lacp_active"] = ad.lacp_active ? "on" : "off";
	d["ad_lacp_rate"] = lacp_rate_name(ad.lacp_rate);
	d["ad_select"] = ad_select_name(ad.ad_select);
	if (s.ad_info_valid()) {
		json i;

		i["aggregator"] = ad.aggregator_id;
		i["num_ports"] = ad.num_ports;
		i["actor_key"] = ad.actor_key;
		i["partner_key"] = ad.partner_key;
		i["partner_mac"] = mac_string(ad.partner_mac);
		d["ad_info"] = i;
	}
	d["ad_actor_sys_prio"] = ad.actor_sys_prio;
	d["ad_user_port_key"] = ad.user_port_key;
	d["ad_actor_system"] = mac_string(ad.actor_system);
	return d;
}

json member_json(const Snapshot &s, Member m)
{
	const bool lacp = s.mode() == EXABOND_MODE_8023AD;
	json j, sd;

	j["ifname"] = m.name();
	j["ifindex"] = m.ifindex();
	j["master"] = s.name();
	j["mtu"] = m.mtu();
	j["operstate"] = operstate_name(m.operstate());
	j["address"] = mac_string(m.addr());

	sd["state"] = m.role_name();
	sd["mii_status"] = m.link_name();
	sd["link_failure_count"] = m.link_failure_count();
	sd["perm_hwaddr"] = mac_string(m.perm_addr());
	sd["queue_id"] = m.queue_id();
	if (lacp) {
		sd["ad_aggregator_id"] = m.ad_aggregator_id();
		sd["ad_actor_oper_port_state"] = m.ad_actor_oper_port_state();
		sd["ad_actor_oper_port_state_str"] =
			port_state_names(m.ad_actor_oper_port_state());
		sd["ad_partner_oper_port_state"] =
			m.ad_partner_oper_port_state();
		sd["ad_partner_oper_port_state_str"] =
			port_state_names(m.ad_partner_oper_port_state());
	}
	j["linkinfo"] = {{"info_slave_kind", "bond"}, {"info_slave_data", sd}};

	// exabond's own: what the NIC driver says, ahead of bonding.
	j["active"] = m.active();
	j["primary"] = m.primary();
	j["carrier"] = m.carrier();
	j["carrier_changes"] = m.carrier_changes();
	j["carrier_changed_ns"] = m.carrier_changed_ns();
	j["link_changed_ns"] = m.link_changed_ns();
	if (auto sp = m.speed())
		j["speed"] = *sp;
	else
		j["speed"] = nullptr;
	j["duplex"] = m.duplex_name();
	j["driver"] = m.driver();
	j["bus_info"] = m.bus_info();
	return j;
}

json policy_json(const Snapshot &s)
{
	static const char *const violation_names[] = {
		"mode", "driver", "member_type", "max_members", "same_card",
		"link_monitor",
	};
	static const char *const refresh_names[] = {
		"ad", "speed", "active", "mode", "link",
	};
	const exabond_policy &p = s.policy();
	json j;
	json modes = json::array();

	j["compliant"] = s.compliant();
	j["violations"] = names_of_bits(p.violations, violation_names,
					std::size(violation_names));
	j["roce_lag_eligible"] = s.roce_lag_eligible();
	j["link_monitor"] = s.has_link_monitor();
	j["link_monitor_required"] =
		bool(p.flags & EXABOND_POLICY_F_LINK_MON_REQUIRED);
	j["same_card_rule"] = bool(p.flags & EXABOND_POLICY_F_SAME_CARD_RULE);
	j["hooked"] = !(p.flags & EXABOND_POLICY_F_NO_HOOK);
	// ABI 1.0 pages have no allowed_modes: say "unknown", not "none".
	if (s.abi_minor() >= 1) {
		for (unsigned m = 0; m <= EXABOND_MODE_BALANCE_ALB; m++)
			if (p.allowed_modes & (1U << m))
				modes.push_back(mode_name(m));
		j["allowed_modes"] = modes;
		j["max_members"] = p.max_members;
	} else {
		j["allowed_modes"] = nullptr;
		j["max_members"] = nullptr;
	}
	j["refreshed"] = names_of_bits(p.refreshed, refresh_names,
				       std::size(refresh_names));
	j["refresh_interval_ms"] = p.refresh_interval_ms;
	j["last_refresh_ns"] = p.last_refresh_ns;
	j["managed_since_ns"] = p.managed_since_ns;
	return j;
}

} // namespace

nlohmann::ordered_json bond_json(const exabond::Snapshot &s)
{
	json j = json::object();

	if (!s.valid())
		return j;

	const exabond_bond &b = s.raw().bond;

	j["ifname"] = s.name();
	j["ifindex"] = s.ifindex();
	j["mtu"] = s.mtu();
	j["operstate"] = operstate_name(s.operstate());
	j["address"] = mac_string(s.addr());
	j["linkinfo"] = {{"info_kind", "bond"}, {"info_data", info_data(s)}};

	json members = json::array();

	for (Member m : s.members())
		members.push_back(member_json(s, m));
	j["members"] = members;
	j["members_total"] = s.members_total();
	j["member_overflow"] = s.member_overflow();

	// exabond's own.
	j["admin_up"] = s.admin_up();
	j["carrier"] = s.carrier();
	j["netns_ino"] = s.netns_ino();
	j["active_ifindex"] = s.active_ifindex();
	j["primary_ifindex"] = b.primary_ifindex;
	j["active_epoch"] = s.active_epoch();
	j["failover_count"] = s.failover_count();
	j["last_failover_ns"] = s.last_failover_ns();
	j["generation"] = s.generation();
	j["event"] = s.event_name();
	j["event_ifindex"] = s.event_ifindex();
	j["event_ns"] = s.event_ns();
	j["publish_ns"] = s.publish_ns();
	j["publisher"] = publisher_name(s.publisher());
	j["policy"] = policy_json(s);
	j["dead"] = s.dead();
	return j;
}

} // namespace exabond::tools
