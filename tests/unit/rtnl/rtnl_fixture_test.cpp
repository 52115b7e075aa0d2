// SPDX-License-Identifier: GPL-2.0
//
// parse_link() on what Linux 6.1 really sent (tests/vm/fixtures/capture.sh):
//
// dump.hex against dump.ip.json, iproute2's reading of the same links at
// the same moment: every link of one is a link of the other, and every
// field both show agrees. ip prints names where the kernel sends numbers
// (modes, states, ifindexes of masters and members); names.hpp and the
// dump's own ifindex -> name table translate. A field ip shows must have
// been parsed; the reverse is checked for the fields ip always prints.
//
// events.hex: the messages of each step, which the capture's comments name
// with their ifindexes.
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <exabond/names.hpp>

#include "hex_fixture.hpp"
#include "rtnl_link.hpp"

namespace exabond::rtnl {
namespace {

using nlohmann::json;

const std::string dir = EXABOND_RTNL_FIXTURES;

std::string mac_str(const Mac &m)
{
	char s[18];
	std::snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
		      m[1], m[2], m[3], m[4], m[5]);
	return s;
}

std::string ip4_str(std::uint32_t be)
{
	char s[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &be, s, sizeof(s));
	return s;
}

struct Parsed {
	std::vector<Link> links;
	std::map<int, const Link *> by_index;
	std::map<std::string, const Link *> by_name;
};

// Every message of a fixture, parsed; a message that does not parse fails
// the test that loads it.
std::vector<std::pair<fixture::Message, Link>> parse_file(const char *name)
{
	std::string error;
	auto msgs = fixture::load(dir + "/" + name, &error);
	EXPECT_EQ(error, "");
	std::vector<std::pair<fixture::Message, Link>> out;
	for (auto &m : msgs) {
		Link l;
		std::string why;
		const int err = parse_link(m.bytes.data(), m.bytes.size(), &l,
					   &why);
		EXPECT_EQ(err, 0) << name << ":" << m.line << ": " << why;
		if (!err)
			out.emplace_back(std::move(m), std::move(l));
	}
	return out;
}

class Dump : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		parsed_ = new Parsed;
		for (auto &[m, l] : parse_file("dump.hex"))
			parsed_->links.push_back(std::move(l));
		for (const Link &l : parsed_->links) {
			parsed_->by_index[l.ifindex] = &l;
			parsed_->by_name[l.name] = &l;
		}
		std::ifstream in(dir + "/dump.ip.json");
		ip_ = new json(json::parse(in, nullptr, false));
	}
	static void TearDownTestSuite()
	{
		delete parsed_;
		delete ip_;
	}

	const Link &link(const std::string &name)
	{
		auto it = parsed_->by_name.find(name);
		if (it == parsed_->by_name.end()) {
			ADD_FAILURE() << "no " << name << " in dump.hex";
			static const Link none;
			return none;
		}
		return *it->second;
	}

	std::string name_of(std::uint32_t ifindex)
	{
		auto it = parsed_->by_index.find(int(ifindex));
		return it == parsed_->by_index.end() ? "?" : it->second->name;
	}

	static Parsed *parsed_;
	static json *ip_;
};

Parsed *Dump::parsed_;
json *Dump::ip_;

TEST_F(Dump, EveryMessageIsANewLinkOfTheDump)
{
	ASSERT_GE(parsed_->links.size(), 10u);
	for (const Link &l : parsed_->links) {
		EXPECT_EQ(l.msg_type, RTM_NEWLINK) << l.name;
		EXPECT_TRUE(l.msg_flags & NLM_F_MULTI) << l.name;
		EXPECT_GT(l.ifindex, 0);
		EXPECT_FALSE(l.name.empty());
		EXPECT_FALSE(l.event) << l.name << ": a dump has no event";
	}
	EXPECT_EQ(parsed_->by_index.size(), parsed_->links.size())
		<< "an ifindex twice";
}

TEST_F(Dump, SameLinksAsIp)
{
	ASSERT_TRUE(ip_->is_array()) << "dump.ip.json is not ip's array";
	std::set<int> in_ip;
	for (const json &j : *ip_) {
		const int ix = j.at("ifindex").get<int>();
		in_ip.insert(ix);
		EXPECT_TRUE(parsed_->by_index.count(ix))
			<< j.at("ifname") << " missing from dump.hex";
	}
	for (const Link &l : parsed_->links)
		EXPECT_TRUE(in_ip.count(l.ifindex))
			<< l.name << " missing from dump.ip.json";
}

// Compares @key of ip's object @j with @v: present in both and equal, or
// (when @required is false) absent from ip.
template <typename T, typename F>
void field(const json &j, const char *key, const std::optional<T> &v,
	   const std::string &who, F &&as_ip, bool required = true)
{
	if (!j.contains(key)) {
		EXPECT_FALSE(required && v)
			<< who << "." << key << ": parsed but ip has none";
		return;
	}
	ASSERT_TRUE(v) << who << "." << key << ": ip has "
		       << j.at(key).dump() << ", not parsed";
	EXPECT_EQ(j.at(key), as_ip(*v)) << who << "." << key;
}

auto number = [](auto v) { return json(std::uint64_t(v)); };
auto text = [](std::string_view s) { return json(std::string(s)); };

TEST_F(Dump, EveryFieldAgreesWithIp)
{
	unsigned bonds = 0, members = 0;

	for (const json &j : *ip_) {
		const int ix = j.at("ifindex").get<int>();
		auto it = parsed_->by_index.find(ix);
		if (it == parsed_->by_index.end())
			continue;	// SameLinksAsIp reports it
		const Link &l = *it->second;
		const std::string who = l.name;
		SCOPED_TRACE(who);

		EXPECT_EQ(j.at("ifname"), l.name);
		field(j, "mtu", l.mtu, who, number);
		field(j, "operstate", l.operstate, who, [](auto v) {
			return text(operstate_name(v));
		});
		field(j, "address", l.address, who,
		      [](const Mac &m) { return json(mac_str(m)); }, false);
		if (j.contains("master"))
			EXPECT_EQ(j.at("master"), name_of(l.master));
		else
			EXPECT_EQ(l.master, 0);
		if (j.contains("link") && !j.contains("link_netnsid")) {
			EXPECT_EQ(j.at("link"), name_of(l.link));
		}
		if (j.contains("link_netnsid"))
			field(j, "link_netnsid", l.link_netnsid, who,
			      [](auto v) { return json(int(v)); });
		field(j, "parentbus", l.parent_dev_bus, who,
		      [](const std::string &s) { return json(s); });
		field(j, "parentdev", l.parent_dev_name, who,
		      [](const std::string &s) { return json(s); });
		// ip derives "flags" from ifi_flags; check the one it must.
		const json &flags = j.at("flags");
		EXPECT_EQ(std::find(flags.begin(), flags.end(), "UP") !=
				  flags.end(),
			  bool(l.flags & IFF_UP));

		if (!j.contains("linkinfo")) {
			EXPECT_EQ(l.kind, "");
			EXPECT_EQ(l.slave_kind, "");
			continue;
		}
		const json &li = j.at("linkinfo");
		EXPECT_EQ(li.value("info_kind", ""), l.kind);
		EXPECT_EQ(li.value("info_slave_kind", ""), l.slave_kind);

		if (l.kind == "bond") {
			bonds++;
			ASSERT_TRUE(l.bond);
			const BondInfo &b = *l.bond;
			const json &d = li.at("info_data");
			field(d, "mode", b.mode, who,
			      [](auto v) { return text(mode_name(v)); });
			if (d.contains("active_slave")) {
				ASSERT_TRUE(b.active_slave);
				EXPECT_EQ(d.at("active_slave"),
					  name_of(*b.active_slave));
			} else {
				EXPECT_FALSE(b.active_slave);
			}
			field(d, "miimon", b.miimon, who, number);
			field(d, "updelay", b.updelay, who, number);
			field(d, "downdelay", b.downdelay, who, number);
			field(d, "peer_notify_delay", b.peer_notif_delay, who,
			      number);
			field(d, "use_carrier", b.use_carrier, who, number);
			field(d, "arp_interval", b.arp_interval, who, number);
			field(d, "arp_missed_max", b.missed_max, who, number);
			json targets = json::array();
			for (std::uint32_t t : b.arp_ip_target)
				targets.push_back(ip4_str(t));
			if (d.contains("arp_ip_target"))
				EXPECT_EQ(d.at("arp_ip_target"), targets);
			else
				EXPECT_TRUE(b.arp_ip_target.empty());
			// iproute2 prints "none" as null in JSON.
			field(d, "arp_validate", b.arp_validate, who,
			      [](auto v) {
				      return v ? text(arp_validate_name(v))
					       : json();
			      });
			field(d, "arp_all_targets", b.arp_all_targets, who,
			      [](auto v) {
				      return text(arp_all_targets_name(v));
			      });
			if (d.contains("primary")) {
				ASSERT_TRUE(b.primary);
				EXPECT_EQ(d.at("primary"), name_of(*b.primary));
			} else {
				EXPECT_FALSE(b.primary);
			}
			field(d, "primary_reselect", b.primary_reselect, who,
			      [](auto v) {
				      return text(primary_reselect_name(v));
			      });
			field(d, "fail_over_mac", b.fail_over_mac, who,
			      [](auto v) {
				      return text(fail_over_mac_name(v));
			      });
			field(d, "xmit_hash_policy", b.xmit_hash_policy, who,
			      [](auto v) {
				      return text(xmit_hash_policy_name(v));
			      });
			field(d, "resend_igmp", b.resend_igmp, who, number);
			field(d, "num_peer_notif", b.num_peer_notif, who,
			      number);
			field(d, "all_slaves_active", b.all_slaves_active, who,
			      number);
			field(d, "min_links", b.min_links, who, number);
			field(d, "lp_interval", b.lp_interval, who, number);
			field(d, "packets_per_slave", b.packets_per_slave, who,
			      number);
			field(d, "ad_lacp_active", b.ad_lacp_active, who,
			      [](auto v) { return text(v ? "on" : "off"); });
			field(d, "ad_lacp_rate", b.ad_lacp_rate, who,
			      [](auto v) { return text(lacp_rate_name(v)); });
			field(d, "ad_select", b.ad_select, who,
			      [](auto v) { return text(ad_select_name(v)); });
			field(d, "tlb_dynamic_lb", b.tlb_dynamic_lb, who,
			      number);
			field(d, "ad_actor_sys_prio", b.ad_actor_sys_prio, who,
			      number);
			field(d, "ad_user_port_key", b.ad_user_port_key, who,
			      number);
			field(d, "ad_actor_system", b.ad_actor_system, who,
			      [](const Mac &m) { return json(mac_str(m)); });
			if (d.contains("ad_info")) {
				ASSERT_TRUE(b.ad_info);
				const json &a = d.at("ad_info");
				const AdInfo &ad = *b.ad_info;
				field(a, "aggregator", ad.aggregator, who,
				      number);
				field(a, "num_ports", ad.num_ports, who,
				      number);
				field(a, "actor_key", ad.actor_key, who,
				      number);
				field(a, "partner_key", ad.partner_key, who,
				      number);
				field(a, "partner_mac", ad.partner_mac, who,
				      [](const Mac &m) {
					      return json(mac_str(m));
				      });
			} else {
				EXPECT_FALSE(b.ad_info);
			}
		} else {
			EXPECT_FALSE(l.bond);
		}

		if (l.slave_kind == "bond") {
			members++;
			ASSERT_TRUE(l.bond_slave);
			const BondSlaveInfo &s = *l.bond_slave;
			const json &d = li.at("info_slave_data");
			field(d, "state", s.state, who,
			      [](auto v) { return text(role_name(v)); });
			field(d, "mii_status", s.mii_status, who,
			      [](auto v) { return text(link_name(v)); });
			field(d, "link_failure_count", s.link_failure_count,
			      who, number);
			field(d, "perm_hwaddr", s.perm_hwaddr, who,
			      [](const Mac &m) { return json(mac_str(m)); });
			field(d, "queue_id", s.queue_id, who, number);
			field(d, "prio", s.prio, who,
			      [](auto v) { return json(int(v)); }, false);
			field(d, "ad_aggregator_id", s.ad_aggregator_id, who,
			      number);
			field(d, "ad_actor_oper_port_state",
			      s.ad_actor_oper_port_state, who, number);
			field(d, "ad_partner_oper_port_state",
			      s.ad_partner_oper_port_state, who, number);
			EXPECT_NE(l.master, 0) << "a member without master";
		} else {
			EXPECT_FALSE(l.bond_slave);
		}
	}
	// The capture made four bonds here (lacp1 is in another namespace),
	// with nine members: if these are not there, nothing was compared.
	EXPECT_GE(bonds, 4u);
	EXPECT_GE(members, 8u);
}

TEST_F(Dump, ActiveBackupOverVeths)
{
	const Link &b = link("ab0");
	ASSERT_TRUE(b.bond);
	EXPECT_EQ(b.bond->mode, 1);
	EXPECT_EQ(b.bond->miimon, 100u);
	EXPECT_EQ(b.bond->updelay, 200u);
	EXPECT_EQ(b.bond->downdelay, 200u);
	const Link &a1 = link("fxa1");
	EXPECT_EQ(b.bond->primary, std::uint32_t(a1.ifindex));
	EXPECT_EQ(b.bond->active_slave, std::uint32_t(a1.ifindex));
	EXPECT_FALSE(b.bond->ad_info) << "no AD_INFO outside 802.3ad";
	EXPECT_FALSE(b.bond->ad_actor_system);
	for (const char *m : {"fxa0", "fxa1"}) {
		const Link &s = link(m);
		EXPECT_EQ(s.master, b.ifindex) << m;
		EXPECT_EQ(s.slave_kind, "bond") << m;
		EXPECT_EQ(s.kind, "veth") << m;
		ASSERT_TRUE(s.bond_slave) << m;
		EXPECT_EQ(s.bond_slave->mii_status, 0) << m << " UP";
		EXPECT_FALSE(s.bond_slave->ad_aggregator_id) << m;
	}
	EXPECT_EQ(link("fxa1").bond_slave->state, 0) << "ACTIVE";
	EXPECT_EQ(link("fxa0").bond_slave->state, 1) << "BACKUP";
}

TEST_F(Dump, ActiveBackupOverTheDualPortCard)
{
	const Link &b = link("abnic");
	ASSERT_TRUE(b.bond);
	EXPECT_EQ(b.bond->mode, 1);
	unsigned n = 0;
	for (const Link &l : parsed_->links) {
		if (l.master != b.ifindex)
			continue;
		n++;
		EXPECT_EQ(l.kind, "") << "a NIC has no IFLA_INFO_KIND";
		EXPECT_EQ(l.parent_dev_bus, "virtio") << l.name;
		ASSERT_TRUE(l.bond_slave);
		ASSERT_TRUE(l.bond_slave->perm_hwaddr);
		// The card's MACs, tests/vm/run.py: 52:54:00:e0:05:0N.
		EXPECT_EQ(mac_str(*l.bond_slave->perm_hwaddr).substr(0, 15),
			  "52:54:00:e0:05:");
	}
	EXPECT_EQ(n, 2u);
	ASSERT_TRUE(b.bond->active_slave);
}

TEST_F(Dump, ArpMonitorWithTwoTargets)
{
	const Link &b = link("arp0");
	ASSERT_TRUE(b.bond);
	EXPECT_EQ(b.bond->arp_interval, 1000u);
	EXPECT_EQ(b.bond->miimon, 0u);
	EXPECT_EQ(b.bond->arp_validate, 3u) << "all";
	ASSERT_EQ(b.bond->arp_ip_target.size(), 2u);
	EXPECT_EQ(ip4_str(b.bond->arp_ip_target[0]), "192.0.2.1");
	EXPECT_EQ(ip4_str(b.bond->arp_ip_target[1]), "192.0.2.2");
	// Other bonds have no target: the nest is not sent at all.
	EXPECT_TRUE(link("ab0").bond->arp_ip_target.empty());
}

TEST_F(Dump, LacpNegotiated)
{
	const Link &b = link("lacp0");
	ASSERT_TRUE(b.bond);
	EXPECT_EQ(b.bond->mode, 4);
	EXPECT_EQ(b.bond->ad_lacp_rate, 1) << "fast";
	ASSERT_TRUE(b.bond->ad_info) << "an active aggregator";
	const AdInfo &ad = *b.bond->ad_info;
	ASSERT_TRUE(ad.partner_mac);
	EXPECT_NE(*ad.partner_mac, Mac{}) << "LACP found a partner";
	EXPECT_EQ(ad.num_ports, 2);
	ASSERT_TRUE(ad.aggregator);
	EXPECT_TRUE(b.bond->ad_actor_system) << "sent to CAP_NET_ADMIN";
	EXPECT_TRUE(b.bond->ad_actor_sys_prio);
	for (const char *m : {"fxl0", "fxl1"}) {
		const Link &s = link(m);
		EXPECT_EQ(s.master, b.ifindex) << m;
		ASSERT_TRUE(s.bond_slave) << m;
		EXPECT_EQ(s.bond_slave->ad_aggregator_id, ad.aggregator) << m;
		ASSERT_TRUE(s.bond_slave->ad_actor_oper_port_state) << m;
		// Collecting and distributing.
		EXPECT_EQ(*s.bond_slave->ad_actor_oper_port_state & 0x30, 0x30)
			<< m;
		ASSERT_TRUE(s.bond_slave->ad_partner_oper_port_state) << m;
		EXPECT_EQ(*s.bond_slave->ad_partner_oper_port_state & 0x30,
			  0x30) << m;
		// Its peer is in the partner's namespace.
		EXPECT_TRUE(s.link_netnsid) << m;
	}
}

TEST_F(Dump, LinksThatAreNotBonds)
{
	const Link &d = link("fxdummy");
	EXPECT_EQ(d.kind, "dummy");
	EXPECT_FALSE(d.bond);
	EXPECT_FALSE(d.bond_slave);
	const Link &v = link("fxvlan");
	EXPECT_EQ(v.kind, "vlan");
	EXPECT_EQ(v.link, d.ifindex);
	EXPECT_FALSE(v.bond);
	const Link &lo = link("lo");
	EXPECT_EQ(lo.kind, "");
	EXPECT_EQ(lo.master, 0);
}

// --- events -----------------------------------------------------------------

// "key=value" of a step comment, as an int; -1 when absent.
int arg(const std::string &step, const std::string &key)
{
	const std::string k = " " + key + "=";
	auto at = step.find(k);
	if (at == std::string::npos)
		return -1;
	return std::atoi(step.c_str() + at + k.size());
}

std::string step_name(const std::string &step)
{
	return step.substr(0, step.find(':'));
}

class Events : public ::testing::Test {
protected:
	static void SetUpTestSuite()
	{
		events_ = new std::vector<std::pair<fixture::Message, Link>>(
			parse_file("events.hex"));
	}
	static void TearDownTestSuite() { delete events_; }

	// The messages of the first step called @name.
	std::vector<const Link *> of(const std::string &name,
				     std::string *step = nullptr)
	{
		std::vector<const Link *> v;
		std::string first;
		for (auto &[m, l] : *events_) {
			if (step_name(m.step) != name)
				continue;
			if (first.empty())
				first = m.step;
			if (m.step == first)
				v.push_back(&l);
		}
		if (step)
			*step = first;
		EXPECT_FALSE(v.empty())
			<< "no message after '# " << name << ":'";
		return v;
	}

	static std::vector<std::pair<fixture::Message, Link>> *events_;
};

std::vector<std::pair<fixture::Message, Link>> *Events::events_;

TEST_F(Events, NoneFromADump)
{
	ASSERT_GE(events_->size(), 8u);
	for (auto &[m, l] : *events_) {
		EXPECT_FALSE(l.msg_flags & NLM_F_MULTI) << m.line;
		EXPECT_NE(m.step, "listening") << m.line << ": before a step";
	}
}

TEST_F(Events, Create)
{
	std::string step;
	auto v = of("create", &step);
	const int bond = arg(step, "bond");
	ASSERT_EQ(bond, 1000);
	bool seen = false;
	for (const Link *l : v) {
		if (l->ifindex != bond)
			continue;
		seen = true;
		EXPECT_EQ(l->msg_type, RTM_NEWLINK);
		EXPECT_EQ(l->name, "evb");
		ASSERT_TRUE(l->bond);
		EXPECT_EQ(l->bond->mode, 1);
		EXPECT_EQ(l->bond->miimon, 100u);
		EXPECT_FALSE(l->bond->active_slave) << "no member yet";
	}
	EXPECT_TRUE(seen);
}

TEST_F(Events, EnslaveNamesTheMaster)
{
	std::string step;
	auto v = of("enslave", &step);
	const int bond = arg(step, "bond"), member = arg(step, "member");
	ASSERT_EQ(bond, 1000);
	ASSERT_GT(member, 0);
	// bond_enslave() opens the member before linking it to the bond:
	// its first messages have no master yet. Its last one of the step
	// names the bond and carries the slave data.
	const Link *last = nullptr;
	for (const Link *l : v)
		if (l->ifindex == member)
			last = l;
	ASSERT_TRUE(last);
	EXPECT_EQ(last->msg_type, RTM_NEWLINK);
	EXPECT_EQ(last->master, bond);
	EXPECT_EQ(last->slave_kind, "bond");
	EXPECT_TRUE(last->bond_slave);
	// Every message with slave data names the bond as master, and in
	// every step; no bond message has slave data. (capture.sh deletes
	// every other bond first: all slave data is evb's.)
	unsigned with_data = 0;
	for (auto &[m, l] : *events_) {
		if (!l.bond_slave)
			continue;
		with_data++;
		EXPECT_EQ(l.master, 1000) << m.line;
		EXPECT_EQ(l.slave_kind, "bond") << m.line;
		EXPECT_NE(l.ifindex, 1000) << m.line;
	}
	EXPECT_GE(with_data, 4u);
}

TEST_F(Events, FailoverCarriesTheEvent)
{
	std::string step;
	auto v = of("failover", &step);
	const int bond = arg(step, "bond");
	const int old_active = arg(step, "old_active");
	const int new_active = arg(step, "new_active");
	ASSERT_GT(old_active, 0);
	ASSERT_GT(new_active, 0);
	unsigned failovers = 0;
	for (const Link *l : v) {
		if (!l->event || *l->event != IFLA_EVENT_BONDING_FAILOVER)
			continue;
		failovers++;
		EXPECT_EQ(l->ifindex, bond);
		ASSERT_TRUE(l->bond);
		EXPECT_EQ(l->bond->active_slave, std::uint32_t(new_active));
	}
	EXPECT_EQ(failovers, 1u);
	// The old active member lost its carrier, and bonding saw it go.
	bool old_down = false;
	for (const Link *l : v)
		if (l->ifindex == old_active && l->bond_slave &&
		    l->bond_slave->mii_status == 2)
			old_down = true;
	EXPECT_TRUE(old_down);
}

TEST_F(Events, ReleaseDropsTheMaster)
{
	std::string step;
	auto v = of("release", &step);
	const int member = arg(step, "member");
	bool seen = false;
	for (const Link *l : v) {
		if (l->ifindex != member)
			continue;
		seen = true;
		EXPECT_EQ(l->msg_type, RTM_NEWLINK);
	}
	EXPECT_TRUE(seen);
	// Its last message: no master, no slave data.
	const Link *last = nullptr;
	for (const Link *l : v)
		if (l->ifindex == member)
			last = l;
	ASSERT_TRUE(last);
	EXPECT_EQ(last->master, 0);
	EXPECT_FALSE(last->bond_slave);
}

TEST_F(Events, DeleteIsDelLink)
{
	std::string step;
	auto v = of("delete", &step);
	const int bond = arg(step, "bond");
	unsigned dels = 0;
	for (const Link *l : v) {
		if (l->msg_type != RTM_DELLINK)
			continue;
		dels++;
		EXPECT_EQ(l->ifindex, bond);
		EXPECT_EQ(l->name, "evb");
		EXPECT_EQ(l->kind, "bond");
	}
	EXPECT_EQ(dels, 1u);
}

} // namespace
} // namespace exabond::rtnl
