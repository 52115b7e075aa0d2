// SPDX-License-Identifier: GPL-2.0
//
// What exabondctl makes of a page: bond_json's names against the ones
// `ip -d -j link show` uses on 6.1, the /proc/net/bonding-style status
// text, check's verdict for a compliant bond and for each violation, the
// 802.3ad health rules, and watch's transitions. Pages are published with
// exabond::PageWriter into memory, exactly as a publisher would.
#include <cstdlib>
#include <arpa/inet.h>
#include <cstring>
#include <memory>

#include <gtest/gtest.h>

#include <exabond/snapshot.hpp>
#include <exabond/writer.hpp>

#include "bond_json.hpp"
#include "check.hpp"
#include "status.hpp"
#include "watch.hpp"

namespace ctl = exabond::ctl;
using exabond::Snapshot;

namespace {

struct PageDeleter {
	void operator()(exabond_page *p) const { std::free(p); }
};

// A page in memory, its writer, and a staged body to publish.
class Fixture {
public:
	Fixture()
		: pg_(static_cast<exabond_page *>(
			  std::aligned_alloc(4096, sizeof(exabond_page)))),
		  staged_(std::make_unique<exabond_page>())
	{
		std::memset(pg_.get(), 0, sizeof(exabond_page));
		std::memset(staged_.get(), 0, sizeof(exabond_page));
		w_ = std::make_unique<exabond::PageWriter>(
			pg_.get(), EXABOND_PUBLISHER_KERNEL);
		ab_bond();
	}

	exabond_page &st() { return *staged_; }
	exabond_bond &b() { return staged_->bond; }
	exabond_member &m(int i) { return staged_->members[i]; }

	// An active-backup bond0 (ifindex 10) over va0 (11, active) and vb0
	// (12), miimon 100, compliant, as the kernel publishes one.
	void ab_bond()
	{
		exabond_bond &bd = b();

		bd.ifindex = 10;
		std::strcpy(bd.name, "bond0");
		bd.mode = EXABOND_MODE_ACTIVE_BACKUP;
		bd.operstate = 6;	// IF_OPER_UP
		bd.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
		bd.miimon = 100;
		bd.mtu = 1500;
		std::memcpy(bd.addr, "\x02\x00\x00\x00\x00\x0a", 6);
		bd.member_count = bd.members_total = 2;
		bd.active_ifindex = 11;
		member(0, 11, "va0", "veth", "");
		member(1, 12, "vb0", "veth", "");
		m(0).role = EXABOND_ROLE_ACTIVE;
		m(0).flags = EXABOND_MEMBER_F_ACTIVE;
		m(1).role = EXABOND_ROLE_BACKUP;
		staged_->policy.flags = EXABOND_POLICY_F_COMPLIANT;
		staged_->policy.allowed_modes = 1U << EXABOND_MODE_ACTIVE_BACKUP;
	}

	void member(int i, int ifindex, const char *name, const char *drv,
		    const char *bus)
	{
		exabond_member &mm = m(i);

		mm.ifindex = ifindex;
		std::strcpy(mm.name, name);
		std::strcpy(mm.driver, drv);
		std::strcpy(mm.bus_info, bus);
		mm.link = EXABOND_LINK_UP;
		mm.carrier = 1;
		mm.operstate = 6;
		mm.duplex = EXABOND_DUPLEX_FULL;
		mm.speed = 10000;
		mm.mtu = 1500;
		std::memset(mm.perm_addr, 0, 6);
		mm.perm_addr[0] = 0x02;
		mm.perm_addr[5] = std::uint8_t(ifindex);
		std::memcpy(mm.addr, b().addr, 6);
	}

	// A two-port 802.3ad bond with partner @partner and aggregators
	// @agg0/@agg1 for its members; the active one is 1.
	void lacp_bond(bool partner, int agg0, int agg1)
	{
		b().mode = EXABOND_MODE_8023AD;
		b().active_ifindex = 0;
		m(0).flags = 0;
		m(0).role = m(1).role = EXABOND_ROLE_ACTIVE;
		b().flags |= EXABOND_BOND_F_AD_INFO_VALID;
		staged_->ad.aggregator_id = 1;
		staged_->ad.num_ports = 2;
		staged_->ad.actor_key = 15;
		staged_->ad.partner_key = partner ? 33 : 1;
		if (partner)
			std::memcpy(staged_->ad.partner_mac,
				    "\x52\x54\x00\x12\x34\x56", 6);
		staged_->ad.actor_sys_prio = 65535;
		std::memcpy(staged_->ad.actor_system, b().addr, 6);
		staged_->ad.lacp_active = 1;
		m(0).ad_aggregator_id = std::uint16_t(agg0);
		m(1).ad_aggregator_id = std::uint16_t(agg1);
		m(0).ad_actor_oper_port_state = 0x3d;
		m(1).ad_actor_oper_port_state = 0x3d;
		staged_->policy.allowed_modes |= 1U << EXABOND_MODE_8023AD;
	}

	// Publishes the staged page and returns a snapshot of it.
	const Snapshot &publish(std::uint32_t event = EXABOND_EVENT_MANAGE)
	{
		w_->publish(*staged_, event, b().ifindex, 1000000000ULL);
		auto st = snap_.read(pg_.get());

		EXPECT_TRUE(bool(st)) << (st.why ? st.why : "");
		return snap_;
	}

	Snapshot copy() const { return snap_; }

private:
	std::unique_ptr<exabond_page, PageDeleter> pg_;
	std::unique_ptr<exabond_page> staged_;
	std::unique_ptr<exabond::PageWriter> w_;
	Snapshot snap_;
};

const ctl::Verdict *find(const std::vector<ctl::Verdict> &v,
			 const std::string &name)
{
	for (const auto &x : v)
		if (x.check == name)
			return &x;
	return nullptr;
}

ctl::Result result_of(const std::vector<ctl::Verdict> &v,
		      const std::string &name)
{
	const ctl::Verdict *x = find(v, name);

	EXPECT_NE(x, nullptr) << "no check " << name << " in\n"
			      << ctl::format_verdicts(v);
	return x ? x->result : ctl::Result::info;
}

} // namespace

// --- bond_json ---------------------------------------------------------------

TEST(BondJson, InvalidSnapshotIsEmpty)
{
	Snapshot s;

	EXPECT_TRUE(exabond::tools::bond_json(s).empty());
}

TEST(BondJson, ActiveBackupAsIpNamesIt)
{
	Fixture f;
	auto j = exabond::tools::bond_json(f.publish());

	EXPECT_EQ(j["ifname"], "bond0");
	EXPECT_EQ(j["ifindex"], 10);
	EXPECT_EQ(j["mtu"], 1500);
	EXPECT_EQ(j["operstate"], "UP");
	EXPECT_EQ(j["address"], "02:00:00:00:00:0a");
	EXPECT_EQ(j["linkinfo"]["info_kind"], "bond");

	auto &d = j["linkinfo"]["info_data"];

	EXPECT_EQ(d["mode"], "active-backup");
	EXPECT_EQ(d["active_slave"], "va0");
	EXPECT_EQ(d["miimon"], 100);
	EXPECT_EQ(d["updelay"], 0);
	EXPECT_EQ(d["downdelay"], 0);
	EXPECT_EQ(d["peer_notify_delay"], 0);
	EXPECT_EQ(d["arp_interval"], 0);
	EXPECT_TRUE(d["arp_validate"].is_null()) << "ip prints 0 as null";
	EXPECT_EQ(d["arp_all_targets"], "any");
	EXPECT_FALSE(d.contains("primary")) << "ip omits an unset primary";
	EXPECT_FALSE(d.contains("arp_ip_target"));
	EXPECT_EQ(d["primary_reselect"], "always");
	EXPECT_EQ(d["fail_over_mac"], "none");
	EXPECT_EQ(d["xmit_hash_policy"], "layer2");
	EXPECT_FALSE(d.contains("ad_lacp_rate")) << "802.3ad only";
	EXPECT_FALSE(d.contains("ad_actor_system")) << "802.3ad only";
	EXPECT_FALSE(d.contains("ad_info"));

	ASSERT_EQ(j["members"].size(), 2u);
	auto &m0 = j["members"][0];
	auto &sd = m0["linkinfo"]["info_slave_data"];

	EXPECT_EQ(m0["ifname"], "va0");
	EXPECT_EQ(m0["master"], "bond0");
	EXPECT_EQ(m0["linkinfo"]["info_slave_kind"], "bond");
	EXPECT_EQ(sd["state"], "ACTIVE");
	EXPECT_EQ(sd["mii_status"], "UP");
	EXPECT_EQ(sd["link_failure_count"], 0);
	EXPECT_EQ(sd["perm_hwaddr"], "02:00:00:00:00:0b");
	EXPECT_EQ(sd["queue_id"], 0);
	EXPECT_FALSE(sd.contains("ad_aggregator_id"));
	EXPECT_EQ(j["members"][1]["linkinfo"]["info_slave_data"]["state"],
		  "BACKUP");
	EXPECT_EQ(m0["speed"], 10000);
	EXPECT_EQ(m0["duplex"], "full");
	EXPECT_EQ(m0["driver"], "veth");
	EXPECT_EQ(m0["carrier"], true);

	EXPECT_EQ(j["generation"], 1);
	EXPECT_EQ(j["event"], "manage");
	EXPECT_EQ(j["event_ns"], 1000000000ULL);
	EXPECT_EQ(j["publisher"], "kernel");
	EXPECT_EQ(j["dead"], false);
	EXPECT_EQ(j["policy"]["compliant"], true);
	EXPECT_EQ(j["policy"]["violations"], nlohmann::ordered_json::array());
	EXPECT_EQ(j["policy"]["allowed_modes"],
		  nlohmann::ordered_json::array({"active-backup"}));
	EXPECT_EQ(j["policy"]["max_members"], 0);
}

TEST(BondJson, LacpAndViolations)
{
	Fixture f;

	f.lacp_bond(true, 1, 1);
	f.st().policy.flags = 0;
	f.st().policy.violations = EXABOND_VIOLATION_DRIVER |
				   EXABOND_VIOLATION_LINK_MONITOR;
	f.m(1).speed = EXABOND_SPEED_UNKNOWN;
	f.b().arp_validate = 3;
	f.b().arp_ip_target_count = 1;
	f.b().arp_ip_target[0] = htonl(0x0a000001);
	std::strcpy(f.b().primary, "va0");

	auto j = exabond::tools::bond_json(f.publish());
	auto &d = j["linkinfo"]["info_data"];

	EXPECT_EQ(d["mode"], "802.3ad");
	EXPECT_FALSE(d.contains("active_slave"));
	EXPECT_EQ(d["arp_validate"], "all");
	EXPECT_EQ(d["arp_ip_target"], nlohmann::ordered_json::array({"10.0.0.1"}));
	EXPECT_EQ(d["primary"], "va0");
	EXPECT_EQ(d["ad_info"]["aggregator"], 1);
	EXPECT_EQ(d["ad_info"]["num_ports"], 2);
	EXPECT_EQ(d["ad_info"]["actor_key"], 15);
	EXPECT_EQ(d["ad_info"]["partner_key"], 33);
	EXPECT_EQ(d["ad_info"]["partner_mac"], "52:54:00:12:34:56");
	EXPECT_EQ(d["ad_actor_sys_prio"], 65535);
	EXPECT_EQ(d["ad_actor_system"], "02:00:00:00:00:0a");
	EXPECT_EQ(d["ad_lacp_active"], "on");
	EXPECT_EQ(d["ad_lacp_rate"], "slow");
	EXPECT_EQ(d["ad_select"], "stable");

	auto &sd = j["members"][0]["linkinfo"]["info_slave_data"];

	EXPECT_EQ(sd["ad_aggregator_id"], 1);
	EXPECT_EQ(sd["ad_actor_oper_port_state"], 0x3d);
	EXPECT_EQ(sd["ad_actor_oper_port_state_str"],
		  nlohmann::ordered_json::array({"active", "aggregating", "in_sync",
					 "collecting", "distributing"}));
	EXPECT_TRUE(j["members"][1]["speed"].is_null());
	EXPECT_EQ(j["policy"]["compliant"], false);
	EXPECT_EQ(j["policy"]["violations"],
		  nlohmann::ordered_json::array({"driver", "link_monitor"}));
}

// --- status -------------------------------------------------------------------

TEST(Status, ActiveBackupLikeProc)
{
	Fixture f;
	std::string t = ctl::format_status(f.publish(), 3500000000ULL);

	for (const char *line :
	     {"Bonding Mode: fault-tolerance (active-backup)\n",
	      "Primary Slave: None\n", "Currently Active Slave: va0\n",
	      "MII Status: up\n", "MII Polling Interval (ms): 100\n",
	      "Up Delay (ms): 0\n", "Down Delay (ms): 0\n",
	      "\nSlave Interface: va0\n", "\nSlave Interface: vb0\n",
	      "Speed: 10000 Mbps\n", "Duplex: full\n",
	      "Link Failure Count: 0\n",
	      "Permanent HW addr: 02:00:00:00:00:0c\n", "Driver: veth\n",
	      "Policy: compliant\n", "RoCE LAG eligible: no\n",
	      "Link monitor: miimon\n",
	      "Page: generation 1, publisher kernel\n",
	      "Last Event: manage, 2.500 s ago"})
		EXPECT_NE(t.find(line), std::string::npos)
			<< "missing \"" << line << "\" in\n"
			<< t;
	EXPECT_EQ(t.find("Transmit Hash Policy"), std::string::npos);
	EXPECT_EQ(t.find("802.3ad info"), std::string::npos);
}

TEST(Status, LacpAndNonCompliant)
{
	Fixture f;

	f.lacp_bond(false, 1, 2);
	f.st().policy.flags = 0;
	f.st().policy.violations = EXABOND_VIOLATION_MODE;
	f.m(1).speed = EXABOND_SPEED_UNKNOWN;
	f.m(1).link = EXABOND_LINK_DOWN;

	std::string t = ctl::format_status(f.publish(), 2000000000ULL);

	for (const char *line :
	     {"Bonding Mode: IEEE 802.3ad Dynamic link aggregation\n",
	      "Transmit Hash Policy: layer2 (0)\n", "802.3ad info\n",
	      "\tAggregator ID: 1\n", "\tPartner Mac Address: 00:00:00:00:00:00\n",
	      "Aggregator ID: 2\n", "Speed: Unknown\n", "MII Status: down\n",
	      "Policy: NOT compliant (mode)\n"})
		EXPECT_NE(t.find(line), std::string::npos)
			<< "missing \"" << line << "\" in\n"
			<< t;
	EXPECT_EQ(t.find("Currently Active Slave"), std::string::npos);
}

TEST(Status, Helpers)
{
	EXPECT_EQ(ctl::age_text(0, 5), "never");
	EXPECT_EQ(ctl::age_text(1000000000ULL, 2500000000ULL), "1.500 s ago");
	EXPECT_EQ(ctl::violation_list(EXABOND_VIOLATION_MAX_MEMBERS |
				      EXABOND_VIOLATION_SAME_CARD),
		  "max_members, same_card");
	EXPECT_EQ(ctl::pci_slot("0000:00:05.1"), "0000:00:05");
	EXPECT_EQ(ctl::pci_slot("0000:00:05"), "");
	EXPECT_EQ(ctl::pci_slot(""), "");
	EXPECT_EQ(ctl::pci_slot("0000:00:05.1x"), "");
}

// --- check --------------------------------------------------------------------

TEST(Check, CompliantBondPasses)
{
	Fixture f;
	auto v = ctl::check_bond(f.publish(), {});

	EXPECT_TRUE(ctl::passed(v)) << ctl::format_verdicts(v);
	EXPECT_EQ(result_of(v, "policy.mode"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "policy.member va0"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "policy.max_members"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "policy.same_card"), ctl::Result::info);
	EXPECT_EQ(result_of(v, "policy.link_monitor"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "policy.compliant"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "roce_lag.members"), ctl::Result::info);
	EXPECT_EQ(find(v, "lacp.partner_mac"), nullptr);
	EXPECT_NE(find(v, "policy.mode")->why.find(
			  "mode active-backup is in allowed_modes (active-backup)"),
		  std::string::npos);

	// Asked to count RoCE LAG: veths are no card's ports.
	ctl::CheckOptions o;

	o.roce_lag = true;
	v = ctl::check_bond(f.copy(), o);
	EXPECT_FALSE(ctl::passed(v));
	EXPECT_EQ(result_of(v, "roce_lag.members"), ctl::Result::fail);
	EXPECT_EQ(result_of(v, "roce_lag.mode"), ctl::Result::ok);
}

struct ViolationCase {
	std::uint32_t bit;
	const char *check;
};

class CheckViolation : public ::testing::TestWithParam<ViolationCase> {};

TEST_P(CheckViolation, EachRuleFails)
{
	Fixture f;
	const ViolationCase &c = GetParam();

	f.st().policy.flags = 0;
	f.st().policy.violations = c.bit;
	if (c.bit == EXABOND_VIOLATION_SAME_CARD)
		f.st().policy.flags |= EXABOND_POLICY_F_SAME_CARD_RULE;
	if (c.bit == EXABOND_VIOLATION_LINK_MONITOR) {
		f.b().miimon = 0;
		f.st().policy.flags |= EXABOND_POLICY_F_LINK_MON_REQUIRED |
				       EXABOND_POLICY_F_NO_LINK_MON;
	}
	if (c.bit == EXABOND_VIOLATION_MAX_MEMBERS)
		f.st().policy.max_members = 1;

	auto v = ctl::check_bond(f.publish(), {});

	EXPECT_FALSE(ctl::passed(v));
	EXPECT_EQ(result_of(v, c.check), ctl::Result::fail)
		<< ctl::format_verdicts(v);
	EXPECT_EQ(result_of(v, "policy.compliant"), ctl::Result::fail);
	EXPECT_NE(find(v, "policy.compliant")->why.find(
			  ctl::violation_list(c.bit)),
		  std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
	Rules, CheckViolation,
	::testing::Values(
		ViolationCase{EXABOND_VIOLATION_MODE, "policy.mode"},
		ViolationCase{EXABOND_VIOLATION_DRIVER, "policy.driver"},
		ViolationCase{EXABOND_VIOLATION_MEMBER_TYPE,
			      "policy.member_type"},
		ViolationCase{EXABOND_VIOLATION_MAX_MEMBERS,
			      "policy.max_members"},
		ViolationCase{EXABOND_VIOLATION_SAME_CARD, "policy.same_card"},
		ViolationCase{EXABOND_VIOLATION_LINK_MONITOR,
			      "policy.link_monitor"}));

TEST(Check, DriverPinnedOnTheMember)
{
	Fixture f;

	f.st().policy.flags = 0;
	f.st().policy.violations = EXABOND_VIOLATION_DRIVER;
	std::strcpy(f.m(1).driver, "e1000");

	ctl::CheckOptions o;

	o.allowed_drivers = std::vector<std::string>{"veth"};
	auto v = ctl::check_bond(f.publish(), o);

	EXPECT_EQ(result_of(v, "policy.member va0"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "policy.member vb0"), ctl::Result::fail);
	EXPECT_NE(find(v, "policy.member vb0")->why.find(
			  "vb0's driver e1000 is not in allowed_drivers"),
		  std::string::npos);
	EXPECT_EQ(find(v, "policy.driver"), nullptr);
}

TEST(Check, BondMemberNamed)
{
	Fixture f;

	f.st().policy.flags = 0;
	f.st().policy.violations = EXABOND_VIOLATION_MEMBER_TYPE;
	std::strcpy(f.m(1).driver, "bonding");

	auto v = ctl::check_bond(f.publish(), {});

	EXPECT_EQ(result_of(v, "policy.member vb0"), ctl::Result::fail);
	EXPECT_EQ(find(v, "policy.member_type"), nullptr);
}

TEST(Check, RoceLagProfile)
{
	Fixture f;

	f.member(0, 11, "p0", "virtio_net", "0000:00:05.0");
	f.member(1, 12, "p1", "virtio_net", "0000:00:05.1");
	f.st().policy.flags |= EXABOND_POLICY_F_SAME_CARD_RULE |
			       EXABOND_POLICY_F_ROCE_LAG;
	auto v = ctl::check_bond(f.publish(), {});

	EXPECT_TRUE(ctl::passed(v)) << ctl::format_verdicts(v);
	EXPECT_EQ(result_of(v, "policy.same_card"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "roce_lag.members"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "roce_lag.eligible"), ctl::Result::ok);
	EXPECT_NE(find(v, "roce_lag.members")->why.find(
			  "ports of card 0000:00:05"),
		  std::string::npos);

	// Two cards.
	f.member(1, 12, "p1", "virtio_net", "0000:00:06.0");
	f.st().policy.flags = EXABOND_POLICY_F_SAME_CARD_RULE;
	f.st().policy.violations = EXABOND_VIOLATION_SAME_CARD;
	v = ctl::check_bond(f.publish(), {});
	EXPECT_EQ(result_of(v, "policy.same_card"), ctl::Result::fail);
	EXPECT_EQ(result_of(v, "roce_lag.members"), ctl::Result::fail);
	EXPECT_EQ(result_of(v, "roce_lag.eligible"), ctl::Result::fail);
	EXPECT_NE(find(v, "roce_lag.members")->why.find("different cards"),
		  std::string::npos);
}

TEST(Check, LacpHealthy)
{
	Fixture f;

	f.lacp_bond(true, 1, 1);
	auto v = ctl::check_bond(f.publish(), {});

	EXPECT_TRUE(ctl::passed(v)) << ctl::format_verdicts(v);
	EXPECT_EQ(result_of(v, "lacp.partner_mac"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "lacp.one_aggregator"), ctl::Result::ok);
	EXPECT_EQ(result_of(v, "lacp.link_monitor"), ctl::Result::ok);
}

TEST(Check, LacpNoPartner)
{
	Fixture f;

	f.lacp_bond(false, 1, 1);
	auto v = ctl::check_bond(f.publish(), {});

	EXPECT_FALSE(ctl::passed(v));
	EXPECT_EQ(result_of(v, "lacp.partner_mac"), ctl::Result::fail);
	EXPECT_NE(find(v, "lacp.partner_mac")->why.find("00:00:00:00:00:00"),
		  std::string::npos);
}

TEST(Check, LacpSplitAggregators)
{
	Fixture f;

	f.lacp_bond(true, 1, 2);
	auto v = ctl::check_bond(f.publish(), {});

	EXPECT_FALSE(ctl::passed(v));
	EXPECT_EQ(result_of(v, "lacp.one_aggregator"), ctl::Result::fail);
	EXPECT_NE(find(v, "lacp.one_aggregator")->why.find("vb0 in 2"),
		  std::string::npos);
	EXPECT_EQ(result_of(v, "lacp.partner_mac"), ctl::Result::ok);
}

TEST(Check, LacpNoLinkMonitorNoAggregator)
{
	Fixture f;

	f.lacp_bond(true, 1, 1);
	f.b().miimon = 0;
	f.b().flags &= ~EXABOND_BOND_F_AD_INFO_VALID;
	auto v = ctl::check_bond(f.publish(), {});

	EXPECT_EQ(result_of(v, "lacp.link_monitor"), ctl::Result::fail);
	EXPECT_EQ(result_of(v, "lacp.aggregator"), ctl::Result::fail);
	// Not required by the policy: that rule itself passes.
	EXPECT_EQ(result_of(v, "policy.link_monitor"), ctl::Result::ok);
}


// --- watch ---------------------------------------------------------------------

TEST(Watch, Failover)
{
	Fixture f;
	Snapshot a = f.publish();

	f.b().active_ifindex = 12;
	f.m(0).flags = 0;
	f.m(0).role = EXABOND_ROLE_BACKUP;
	f.m(0).link = EXABOND_LINK_DOWN;
	f.m(0).carrier = 0;
	f.m(1).flags = EXABOND_MEMBER_F_ACTIVE;
	f.m(1).role = EXABOND_ROLE_ACTIVE;

	const Snapshot &b = f.publish(EXABOND_EVENT_MEMBER_LINK);
	auto t = ctl::transitions(a, b);

	ASSERT_EQ(t.size(), 3u);
	EXPECT_EQ(t[0].kind, "failover");
	EXPECT_EQ(t[0].text, "failover va0 -> vb0");
	EXPECT_EQ(t[1].text, "member va0 link UP -> DOWN");
	EXPECT_EQ(t[2].text, "member va0 carrier off");
	EXPECT_EQ(b.event_name(), "failover") << "the writer makes it one";

	std::string line = ctl::format_transition(b, t[0], "T", false);

	EXPECT_EQ(line.rfind("T bond0: failover va0 -> vb0 (gen 2, failover at 1.000000000, published +", 0), 0u)
		<< line;

	auto j = nlohmann::json::parse(ctl::format_transition(b, t[0], "T", true));

	EXPECT_EQ(j["transition"], "failover");
	EXPECT_EQ(j["from"], "va0");
	EXPECT_EQ(j["to"], "vb0");
	EXPECT_EQ(j["bond"], "bond0");
	EXPECT_EQ(j["generation"], 2);
	EXPECT_EQ(j["event_ns"], 1000000000ULL);
	EXPECT_TRUE(j.contains("lag_ns"));
}

TEST(Watch, MembersAndCompliance)
{
	Fixture f;
	Snapshot a = f.publish();

	f.b().member_count = f.b().members_total = 1;
	f.st().policy.flags = 0;
	f.st().policy.violations = EXABOND_VIOLATION_MAX_MEMBERS;
	auto t = ctl::transitions(a, f.publish(EXABOND_EVENT_MEMBER_DEL));

	ASSERT_EQ(t.size(), 2u);
	EXPECT_EQ(t[0].text, "member vb0 removed");
	EXPECT_EQ(t[1].text, "NOT compliant (max_members)");

	Snapshot b = f.copy();

	f.b().member_count = f.b().members_total = 2;
	f.st().policy.flags = EXABOND_POLICY_F_COMPLIANT;
	f.st().policy.violations = 0;
	t = ctl::transitions(b, f.publish(EXABOND_EVENT_MEMBER_ADD));
	ASSERT_EQ(t.size(), 2u);
	EXPECT_EQ(t[0].text, "member vb0 added (link UP)");
	EXPECT_EQ(t[1].text, "compliant");

	// An option change is no transition.
	b = f.copy();
	f.b().updelay = 200;
	EXPECT_TRUE(ctl::transitions(b, f.publish(EXABOND_EVENT_BOND_CHANGE))
			    .empty());
}
