// SPDX-License-Identifier: GPL-2.0
//
// `status`. The layout and wording follow bonding's bond_procfs.c, so an
// operator who knows /proc/net/bonding reads it at once and a script that
// greps "Currently Active Slave:" keeps working; everything comes from
// one snapshot of the page, not from /proc, so it is one consistent view.
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <sstream>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <nlohmann/json.hpp>

#include <exabond/bond.hpp>
#include <exabond/names.hpp>

#include "bond_json.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "control_file.hpp"
#include "status.hpp"

namespace exabond::ctl {

std::uint64_t monotonic_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ULL + ts.tv_nsec;
}

std::string mode_proc_text(unsigned mode)
{
	switch (mode) {
	case EXABOND_MODE_BALANCE_RR:
		return "load balancing (round-robin)";
	case EXABOND_MODE_ACTIVE_BACKUP:
		return "fault-tolerance (active-backup)";
	case EXABOND_MODE_BALANCE_XOR:
		return "load balancing (xor)";
	case EXABOND_MODE_BROADCAST:
		return "fault-tolerance (broadcast)";
	case EXABOND_MODE_8023AD:
		return "IEEE 802.3ad Dynamic link aggregation";
	case EXABOND_MODE_BALANCE_TLB:
		return "transmit load balancing";
	case EXABOND_MODE_BALANCE_ALB:
		return "adaptive load balancing";
	}
	return "unknown (" + std::to_string(mode) + ")";
}

std::string age_text(std::uint64_t then_ns, std::uint64_t now_ns)
{
	char buf[64];

	if (!then_ns)
		return "never";
	if (now_ns < then_ns)
		return "just now";
	std::snprintf(buf, sizeof(buf), "%.3f s ago",
		      double(now_ns - then_ns) / 1e9);
	return buf;
}

std::string violation_list(std::uint32_t v)
{
	static const char *const names[] = {
		"mode", "driver", "member_type", "max_members", "same_card",
		"link_monitor",
	};
	std::string s;

	for (unsigned bit = 0; bit < std::size(names); bit++)
		if (v & (1U << bit))
			s += (s.empty() ? "" : ", ") + std::string(names[bit]);
	return s;
}

namespace {

std::string mac(const MacAddress &m)
{
	char buf[18];

	std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
		      m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

bool uses_primary(unsigned mode)
{
	return mode == EXABOND_MODE_ACTIVE_BACKUP ||
	       mode == EXABOND_MODE_BALANCE_TLB ||
	       mode == EXABOND_MODE_BALANCE_ALB;
}

std::string ip4(__be32 a)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr in;

	in.s_addr = a;
	return inet_ntop(AF_INET, &in, buf, sizeof(buf)) ? buf : "?";
}

std::string member_name(const Snapshot &s, int ifindex)
{
	if (!ifindex)
		return "None";
	if (auto m = s.member(ifindex))
		return std::string(m->name());
	return "ifindex " + std::to_string(ifindex);
}

} // namespace

std::string format_status(const Snapshot &s, std::uint64_t now_ns)
{
	const exabond_bond &b = s.raw().bond;
	const exabond_ad &ad = s.ad();
	const unsigned mode = s.mode();
	std::ostringstream o;

	o << "Bond: " << s.name() << " (ifindex " << s.ifindex() << ")\n";
	o << "Bonding Mode: " << mode_proc_text(mode) << '\n';
	if (mode == EXABOND_MODE_BALANCE_XOR || mode == EXABOND_MODE_8023AD ||
	    mode == EXABOND_MODE_BALANCE_TLB)
		o << "Transmit Hash Policy: " << s.xmit_hash_policy_name()
		  << " (" << unsigned(b.xmit_hash_policy) << ")\n";
	if (uses_primary(mode)) {
		o << "Primary Slave: ";
		if (s.primary().empty())
			o << "None";
		else
			o << s.primary() << " (primary_reselect "
			  << primary_reselect_name(b.primary_reselect) << ")";
		o << '\n';
		if (b.fail_over_mac)
			o << "Fail Over MAC: "
			  << fail_over_mac_name(b.fail_over_mac) << '\n';
		o << "Currently Active Slave: "
		  << member_name(s, s.active_ifindex()) << '\n';
	}
	o << "MII Status: " << (s.carrier() ? "up" : "down") << '\n';
	o << "MII Polling Interval (ms): " << b.miimon << '\n';
	o << "Up Delay (ms): " << b.updelay << '\n';
	o << "Down Delay (ms): " << b.downdelay << '\n';
	o << "Peer Notification Delay (ms): " << b.peer_notif_delay << '\n';
	if (b.arp_interval) {
		o << "ARP Polling Interval (ms): " << b.arp_interval << '\n';
		o << "ARP IP target/s (n.n.n.n form):";
		for (std::uint32_t i = 0; i < b.arp_ip_target_count &&
					  i < EXABOND_MAX_ARP_TARGETS; i++)
			o << (i ? "," : " ") << ip4(b.arp_ip_target[i]);
		o << '\n';
	}
	if (mode == EXABOND_MODE_8023AD) {
		o << "\n802.3ad info\n";
		o << "LACP active: " << (ad.lacp_active ? "on" : "off") << '\n';
		o << "LACP rate: " << lacp_rate_name(ad.lacp_rate) << '\n';
		o << "Aggregator selection policy (ad_select): "
		  << ad_select_name(ad.ad_select) << '\n';
		o << "System priority: " << ad.actor_sys_prio << '\n';
		o << "System MAC address: "
		  << mac(detail::mac(ad.actor_system)) << '\n';
		if (s.ad_info_valid()) {
			o << "Active Aggregator Info:\n";
			o << "\tAggregator ID: " << ad.aggregator_id << '\n';
			o << "\tNumber of ports: " << ad.num_ports << '\n';
			o << "\tActor Key: " << ad.actor_key << '\n';
			o << "\tPartner Key: " << ad.partner_key << '\n';
			o << "\tPartner Mac Address: "
			  << mac(detail::mac(ad.partner_mac)) << '\n';
		} else {
			o << "Active Aggregator Info: none\n";
		}
	}
	for (Member m : s.members()) {
		o << "\nSlave Interface: " << m.name() << '\n';
		o << "MII Status: " << link_proc_name(m.link()) << '\n';
		if (auto sp = m.speed())
			o << "Speed: " << *sp << " Mbps\n";
		else
			o << "Speed: Unknown\n";
		o << "Duplex: " << m.duplex_name() << '\n';
		o << "Link Failure Count: " << m.link_failure_count() << '\n';
		o << "Permanent HW addr: " << mac(m.perm_addr()) << '\n';
		o << "Slave queue ID: " << m.queue_id() << '\n';
		if (mode == EXABOND_MODE_8023AD) {
			o << "Aggregator ID: " << m.ad_aggregator_id() << '\n';
			o << "Actor oper port state: "
			  << unsigned(m.ad_actor_oper_port_state()) << '\n';
			o << "Partner oper port state: "
			  << unsigned(m.ad_partner_oper_port_state()) << '\n';
		}
		o << "State: " << m.role_name()
		  << (m.active() ? ", active" : "")
		  << (m.primary() ? ", primary" : "") << '\n';
		o << "Carrier: " << (m.carrier() ? "up" : "down")
		  << " (changed " << age_text(m.carrier_changed_ns(), now_ns)
		  << ", " << m.carrier_changes() << " changes)\n";
		o << "Driver: "
		  << (m.driver().empty() ? "(none)" : m.driver()) << '\n';
		o << "Bus Info: "
		  << (m.bus_info().empty() ? "(none)" : m.bus_info()) << '\n';
	}
	if (s.member_overflow())
		o << "\n(" << s.members_total() - s.members().size()
		  << " more members are not in the page)\n";

	const exabond_policy &p = s.policy();

	o << "\nexabond\n";
	o << "Policy: "
	  << (s.compliant() ? "compliant"
			    : "NOT compliant (" +
				      violation_list(p.violations) + ")")
	  << '\n';
	o << "RoCE LAG eligible: " << (s.roce_lag_eligible() ? "yes" : "no")
	  << '\n';
	o << "Link monitor: "
	  << (b.miimon ? "miimon" : b.arp_interval ? "arp" : "none")
	  << ((p.flags & EXABOND_POLICY_F_LINK_MON_REQUIRED) ? " (required)"
							      : "")
	  << '\n';
	o << "Failovers: " << s.failover_count() << " (last "
	  << age_text(s.last_failover_ns(), now_ns) << ")\n";
	o << "Page: generation " << s.generation() << ", publisher "
	  << publisher_name(s.publisher()) << (s.dead() ? ", DEAD" : "")
	  << '\n';
	o << "Last Event: " << s.event_name();
	if (s.event_ifindex() && s.event_ifindex() != s.ifindex())
		o << " (" << member_name(s, s.event_ifindex()) << ")";
	o << ", " << age_text(s.event_ns(), now_ns);
	if (s.event_ns() && s.publish_ns() >= s.event_ns())
		o << ", published after "
		  << (s.publish_ns() - s.event_ns()) / 1000 << " us";
	o << '\n';
	return o.str();
}

int cmd_status(Context &ctx, const Args &args)
{
	Args ops = take_options(ctx, args, {});
	std::vector<std::string> names;
	const bool all = ops.empty();

	if (ops.size() > 1)
		throw UsageError("status takes at most one bond");
	names = all ? managed_bonds() : ops;

	nlohmann::ordered_json arr = nlohmann::ordered_json::array();
	int rc = EXIT_OK;
	bool first = true;

	for (const std::string &name : names) {
		Snapshot snap;
		Status st;

		try {
			Bond bond = open_managed(name);

			st = bond.snapshot(snap);
		} catch (const Failure &f) {
			// A bond released between the list and the open.
			if (!all)
				throw;
			ctx.err << "exabondctl: " << f.what() << '\n';
			rc = f.code;
			continue;
		}
		if (!st) {
			if (!all)
				throw Failure(EXIT_SYSTEM,
					      name + ": unreadable page: " +
						      st.why);
			ctx.err << "exabondctl: " << name
				<< ": unreadable page: " << st.why << '\n';
			rc = EXIT_SYSTEM;
			continue;
		}
		if (ctx.json) {
			arr.push_back(tools::bond_json(snap));
			continue;
		}
		ctx.out << (first ? "" : "\n")
			<< format_status(snap, monotonic_ns());
		first = false;
	}
	if (ctx.json)
		ctx.out << (all ? arr.dump() : arr.empty() ? "{}"
							    : arr[0].dump())
			<< '\n';
	else if (all && names.empty())
		ctx.out << "no managed bonds (exabondctl manage <bond>)\n";
	return rc;
}

} // namespace exabond::ctl
