// SPDX-License-Identifier: GPL-2.0
//
// apply_policy() against kmod/policy.c's exabond_bond_violations() and
// exabond_policy_read(), rule by rule and in combination, and explain()'s
// verdicts and sentences. Expected values are worked out from the module's
// code, not from this implementation.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <linux/if_arp.h>

#include "policy.hpp"

namespace {

using namespace exabond::tools;

MemberFacts eth(const std::string &name, const std::string &driver,
		const std::string &bus, PciParent pci = PciParent::Function)
{
	static int ifindex = 10;
	MemberFacts f;

	f.ifindex = ifindex++;
	f.name = name;
	f.arphrd_type = ARPHRD_ETHER;
	f.driver = driver;
	f.bus_info = bus;
	f.pci = pci;
	return f;
}

// A staged page whose policy section holds garbage: apply_policy() must
// set every field it owns.
exabond_page staged(std::uint8_t mode, std::uint32_t miimon,
		    std::uint32_t arp_interval = 0, std::uint32_t n = 2)
{
	exabond_page pg;

	std::memset(static_cast<void *>(&pg), 0, sizeof(pg));
	std::strcpy(pg.bond.name, "bond0");
	pg.bond.mode = mode;
	pg.bond.miimon = miimon;
	pg.bond.arp_interval = arp_interval;
	pg.bond.members_total = n;
	pg.policy.flags = 0xffffffff;
	pg.policy.violations = 0xffffffff;
	pg.policy.allowed_modes = 0xffffffff;
	pg.policy.max_members = 0xffffffff;
	return pg;
}

PolicyParams roce_lag()
{
	PolicyParams p = PolicyParams::defaults();

	p.allowed_modes = roce_lag_modes;
	p.same_card = true;
	return p;
}

struct Result {
	std::uint32_t flags, violations;
};

Result run(const PolicyParams &p, std::uint8_t mode, std::uint32_t miimon,
	   const std::vector<MemberFacts> &m, std::uint32_t arp_interval = 0)
{
	exabond_page pg = staged(mode, miimon, arp_interval,
				 std::uint32_t(m.size()));

	apply_policy(p, m, &pg);
	EXPECT_EQ(pg.policy.allowed_modes, p.allowed_modes);
	EXPECT_EQ(pg.policy.max_members, p.max_members);
	EXPECT_FALSE(pg.policy.flags & EXABOND_POLICY_F_NO_HOOK);
	return { pg.policy.flags, pg.policy.violations };
}

const std::vector<MemberFacts> two_nics = {
	eth("eth0", "ixgbe", "0000:03:00.0"),
	eth("eth1", "ixgbe", "0000:04:00.0"),
};

TEST(ApplyPolicy, DefaultsActiveBackupComplies)
{
	const Result r = run(PolicyParams::defaults(), 1, 100, two_nics);

	EXPECT_EQ(r.violations, 0u);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_COMPLIANT);
}

TEST(ApplyPolicy, ModeNotAllowed)
{
	EXPECT_EQ(run(PolicyParams::defaults(), 0, 100, two_nics).violations,
		  EXABOND_VIOLATION_MODE);
	EXPECT_EQ(run(PolicyParams::defaults(), 4, 100, two_nics).flags, 0u);
	// A mode bonding does not have is never allowed.
	PolicyParams all = PolicyParams::defaults();

	all.allowed_modes = 0xffffffff;
	EXPECT_EQ(run(all, 9, 100, two_nics).violations, EXABOND_VIOLATION_MODE);
	EXPECT_EQ(run(all, 6, 100, two_nics).violations, 0u);
}

TEST(ApplyPolicy, LinkMonitor)
{
	PolicyParams p = PolicyParams::defaults();

	// Not required: flagged, still compliant.
	Result r = run(p, 1, 0, two_nics);
	EXPECT_EQ(r.violations, 0u);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_COMPLIANT |
			   EXABOND_POLICY_F_NO_LINK_MON);

	p.require_link_monitor = true;
	r = run(p, 1, 0, two_nics);
	EXPECT_EQ(r.violations, EXABOND_VIOLATION_LINK_MONITOR);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_NO_LINK_MON |
			   EXABOND_POLICY_F_LINK_MON_REQUIRED);

	// Either monitor will do.
	r = run(p, 1, 0, two_nics, 200);
	EXPECT_EQ(r.violations, 0u);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_COMPLIANT |
			   EXABOND_POLICY_F_LINK_MON_REQUIRED);
	r = run(p, 1, 100, two_nics);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_COMPLIANT |
			   EXABOND_POLICY_F_LINK_MON_REQUIRED);
}

TEST(ApplyPolicy, MemberType)
{
	const PolicyParams p = PolicyParams::defaults();
	MemberFacts bond = eth("bond1", "bonding", "");
	MemberFacts vlan = eth("eth0.10", "802.1Q VLAN Support", "");
	MemberFacts ib = eth("ib0", "mlx5_core", "0000:05:00.0");
	MemberFacts noaddr = eth("odd0", "odd", "");

	bond.kind = "bond";
	vlan.kind = "vlan";
	ib.arphrd_type = ARPHRD_INFINIBAND;
	noaddr.addr_len = 0;
	for (const auto &m : { bond, vlan, ib, noaddr }) {
		SCOPED_TRACE(m.name);
		const Result r = run(p, 1, 100, { two_nics[0], m });

		EXPECT_EQ(r.violations, EXABOND_VIOLATION_MEMBER_TYPE);
		EXPECT_FALSE(r.flags & EXABOND_POLICY_F_COMPLIANT);
	}
	// A macvlan or veth is an Ethernet device like any other.
	MemberFacts veth = eth("veth0", "veth", "", PciParent::None);

	veth.kind = "veth";
	EXPECT_EQ(run(p, 1, 100, { veth }).violations, 0u);
}

TEST(ApplyPolicy, Drivers)
{
	PolicyParams p = PolicyParams::defaults();

	p.allowed_drivers = { "mlx5_core", "ixgbe" };
	EXPECT_EQ(run(p, 1, 100, two_nics).violations, 0u);
	EXPECT_EQ(run(p, 1, 100, { two_nics[0], eth("eth2", "e1000e", "0000:00:19.0") })
			  .violations, EXABOND_VIOLATION_DRIVER);
	EXPECT_EQ(run(p, 1, 100, { eth("eth2", "", "") }).violations,
		  EXABOND_VIOLATION_DRIVER);
	// Prefixes are not names.
	EXPECT_EQ(run(p, 1, 100, { eth("eth2", "mlx5", "") }).violations,
		  EXABOND_VIOLATION_DRIVER);

	// The type rule goes first: a bond's driver is not looked at.
	MemberFacts bond = eth("bond1", "bonding", "");

	bond.kind = "bond";
	EXPECT_EQ(run(p, 1, 100, { bond }).violations,
		  EXABOND_VIOLATION_MEMBER_TYPE);
	EXPECT_EQ(run(p, 1, 100, { bond, eth("eth3", "tg3", "") }).violations,
		  EXABOND_VIOLATION_MEMBER_TYPE | EXABOND_VIOLATION_DRIVER);
}

TEST(ApplyPolicy, MaxMembers)
{
	PolicyParams p = PolicyParams::defaults();
	std::vector<MemberFacts> three = two_nics;

	three.push_back(eth("eth2", "ixgbe", "0000:05:00.0"));
	p.max_members = 2;
	EXPECT_EQ(run(p, 1, 100, two_nics).violations, 0u);
	EXPECT_EQ(run(p, 1, 100, three).violations, EXABOND_VIOLATION_MAX_MEMBERS);
	p.max_members = 0;
	EXPECT_EQ(run(p, 1, 100, three).violations, 0u);
}

TEST(ApplyPolicy, RoceLagTwoPortsOfOneCard)
{
	const std::vector<MemberFacts> ports = {
		eth("ens1f0", "mlx5_core", "0000:03:00.0"),
		eth("ens1f1", "mlx5_core", "0000:03:00.1"),
	};

	for (std::uint8_t mode : { 1, 2, 4 }) {
		const Result r = run(roce_lag(), mode, 100, ports);

		EXPECT_EQ(r.violations, 0u) << int(mode);
		EXPECT_EQ(r.flags, EXABOND_POLICY_F_COMPLIANT |
				   EXABOND_POLICY_F_ROCE_LAG |
				   EXABOND_POLICY_F_SAME_CARD_RULE) << int(mode);
	}
	// Modes the profile does not allow.
	const Result r = run(roce_lag(), 0, 100, ports);

	EXPECT_EQ(r.violations, EXABOND_VIOLATION_MODE);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_SAME_CARD_RULE);

	// ConnectX-3: two ports of one function.
	EXPECT_EQ(run(roce_lag(), 4, 100,
		      { eth("a", "mlx4_en", "0000:05:00.0"),
			eth("b", "mlx4_en", "0000:05:00.0") }).flags,
		  EXABOND_POLICY_F_COMPLIANT | EXABOND_POLICY_F_ROCE_LAG |
			  EXABOND_POLICY_F_SAME_CARD_RULE);
	// One member: allowed, but not a LAG yet.
	EXPECT_EQ(run(roce_lag(), 4, 100, { ports[0] }).flags,
		  EXABOND_POLICY_F_COMPLIANT | EXABOND_POLICY_F_SAME_CARD_RULE);
}

TEST(ApplyPolicy, RoceLagTwoCards)
{
	const Result r = run(roce_lag(), 4, 100, two_nics);

	EXPECT_EQ(r.violations, EXABOND_VIOLATION_SAME_CARD);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_SAME_CARD_RULE);
	// Same bus and device numbers in another domain is another card.
	EXPECT_EQ(run(roce_lag(), 4, 100,
		      { eth("a", "x", "0000:03:00.0"), eth("b", "x", "0001:03:00.1") })
			  .violations, EXABOND_VIOLATION_SAME_CARD);
}

TEST(ApplyPolicy, RoceLagThreeMembers)
{
	const std::vector<MemberFacts> three = {
		eth("p0", "mlx5_core", "0000:03:00.0"),
		eth("p1", "mlx5_core", "0000:03:00.1"),
		eth("p2", "mlx5_core", "0000:03:00.2"),
	};
	const Result r = run(roce_lag(), 4, 100, three);

	EXPECT_EQ(r.violations, EXABOND_VIOLATION_SAME_CARD);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_SAME_CARD_RULE);

	// Without the profile three ports break nothing, and are no LAG.
	PolicyParams p = PolicyParams::defaults();

	p.allowed_modes = 0x7f;
	EXPECT_EQ(run(p, 4, 100, three).flags, EXABOND_POLICY_F_COMPLIANT);
}

TEST(ApplyPolicy, RoceLagNotACardPort)
{
	// A VF shares its PF's slot but is no port; so is a device whose
	// bus id only looks like PCI.
	for (const auto &odd : {
		     eth("vf0", "mlx5_core", "0000:03:00.2", PciParent::VirtualFunction),
		     eth("v0", "fake", "0000:03:00.1", PciParent::None),
		     eth("u0", "r8152", "usb-0000:00:14.0-1"),
		     eth("v1", "virtio_net", "virtio0"),
		     eth("t0", "x", "0000:03:00.1 "),	// sscanf's %c
		     eth("t1", "x", "03:00.1"),
		     eth("t2", "x", ""),
	     }) {
		SCOPED_TRACE(odd.bus_info);
		const std::vector<MemberFacts> m = {
			eth("p0", "mlx5_core", "0000:03:00.0"), odd
		};

		EXPECT_EQ(run(roce_lag(), 4, 100, m).violations,
			  EXABOND_VIOLATION_SAME_CARD);
		// Not eligible either, whatever the policy.
		EXPECT_EQ(run(PolicyParams::defaults(), 1, 100, m).flags,
			  EXABOND_POLICY_F_COMPLIANT);
	}
	// Unknown ancestry trusts the bus id.
	EXPECT_EQ(run(roce_lag(), 4, 100,
		      { eth("p0", "x", "0000:03:00.0", PciParent::Unknown),
			eth("p1", "x", "0000:03:00.1", PciParent::Unknown) })
			  .violations, 0u);
	// The kernel's %x: white space and "0x" before a number are fine.
	EXPECT_EQ(run(roce_lag(), 4, 100,
		      { eth("p0", "x", "0000:03:00.0"),
			eth("p1", "x", "0000:03:0x0.1") }).violations,
		  EXABOND_VIOLATION_SAME_CARD);	// slot text differs: "03:0x0"
	EXPECT_EQ(run(roce_lag(), 4, 100,
		      { eth("p0", "x", "0000:03: 00.0"),
			eth("p1", "x", "0000:03: 00.1") }).violations, 0u);
}

TEST(ApplyPolicy, RoceLagFirstMemberNotAPort)
{
	// The module counts the second as a port of the first's slot, but
	// the first breaks the rule and no LAG forms.
	const std::vector<MemberFacts> m = {
		eth("vf0", "mlx5_core", "0000:03:00.2", PciParent::VirtualFunction),
		eth("p0", "mlx5_core", "0000:03:00.0"),
	};

	EXPECT_EQ(run(roce_lag(), 1, 100, m).violations,
		  EXABOND_VIOLATION_SAME_CARD);
	EXPECT_EQ(run(PolicyParams::defaults(), 1, 100, m).flags,
		  EXABOND_POLICY_F_COMPLIANT);
}

TEST(ApplyPolicy, EligibleWithoutTheProfile)
{
	const std::vector<MemberFacts> ports = {
		eth("ens1f0", "mlx5_core", "0000:03:00.0"),
		eth("ens1f1", "mlx5_core", "0000:03:00.1"),
	};
	PolicyParams p = PolicyParams::defaults();

	p.allowed_modes = 0x7f;
	EXPECT_EQ(run(p, 1, 100, ports).flags,
		  EXABOND_POLICY_F_COMPLIANT | EXABOND_POLICY_F_ROCE_LAG);
	EXPECT_EQ(run(p, 2, 100, ports).flags,
		  EXABOND_POLICY_F_COMPLIANT | EXABOND_POLICY_F_ROCE_LAG);
	for (std::uint8_t mode : { 0, 3, 5, 6 })
		EXPECT_EQ(run(p, mode, 100, ports).flags,
			  EXABOND_POLICY_F_COMPLIANT) << int(mode);
	// Two cards: allowed, not eligible.
	EXPECT_EQ(run(p, 4, 100, two_nics).flags, EXABOND_POLICY_F_COMPLIANT);
}

TEST(ApplyPolicy, EveryRuleAtOnce)
{
	PolicyParams p = roce_lag();
	MemberFacts vlan = eth("eth0.5", "", "");

	vlan.kind = "vlan";
	p.allowed_drivers = { "mlx5_core" };
	p.max_members = 2;
	p.require_link_monitor = true;
	const Result r = run(p, 0, 0,
			     { eth("p0", "mlx5_core", "0000:03:00.0"),
			       eth("p1", "ixgbe", "0000:04:00.0"), vlan });

	EXPECT_EQ(r.violations, EXABOND_VIOLATION_MODE |
				       EXABOND_VIOLATION_LINK_MONITOR |
				       EXABOND_VIOLATION_MEMBER_TYPE |
				       EXABOND_VIOLATION_DRIVER |
				       EXABOND_VIOLATION_MAX_MEMBERS |
				       EXABOND_VIOLATION_SAME_CARD);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_NO_LINK_MON |
			   EXABOND_POLICY_F_SAME_CARD_RULE |
			   EXABOND_POLICY_F_LINK_MON_REQUIRED);
}

TEST(ApplyPolicy, NoMembers)
{
	const Result r = run(roce_lag(), 1, 100, {});

	EXPECT_EQ(r.violations, 0u);
	EXPECT_EQ(r.flags, EXABOND_POLICY_F_COMPLIANT |
			   EXABOND_POLICY_F_SAME_CARD_RULE);
}

// explain(): one verdict per rule, in order, each a sentence naming the
// bond and, for a member rule, the member.

const RuleVerdict &verdict(const std::vector<RuleVerdict> &v,
			   const std::string &rule)
{
	for (const auto &r : v)
		if (r.rule == rule)
			return r;
	static const RuleVerdict none{ "", false, "" };
	ADD_FAILURE() << "no verdict for " << rule;
	return none;
}

bool has(const std::string &s, const std::string &what)
{
	return s.find(what) != std::string::npos;
}

// A page as a publisher leaves it: entries from @m, then apply_policy().
exabond_page page_of(const PolicyParams &p, std::uint8_t mode,
		     std::uint32_t miimon, const std::vector<MemberFacts> &m)
{
	exabond_page pg = staged(mode, miimon, 0, std::uint32_t(m.size()));

	pg.bond.member_count = std::min<std::uint32_t>(std::uint32_t(m.size()),
						       EXABOND_MAX_MEMBERS);
	for (std::uint32_t i = 0; i < pg.bond.member_count; i++) {
		pg.members[i].ifindex = m[i].ifindex;
		std::strncpy(pg.members[i].name, m[i].name.c_str(), 15);
		std::strncpy(pg.members[i].driver, m[i].driver.c_str(), 31);
		std::strncpy(pg.members[i].bus_info, m[i].bus_info.c_str(), 31);
	}
	apply_policy(p, m, &pg);
	return pg;
}

TEST(Explain, AllRulesHold)
{
	const auto pg = page_of(PolicyParams::defaults(), 1, 100, two_nics);
	const auto v = explain(PolicyParams::defaults(), pg);
	const char *order[] = { "mode", "driver", "member-type", "max-members",
				"same-card", "link-monitor", "roce-lag" };

	ASSERT_EQ(v.size(), 7u);
	for (std::size_t i = 0; i < 7; i++) {
		EXPECT_EQ(v[i].rule, order[i]);
		EXPECT_EQ(v[i].why.rfind("bond0: ", 0), 0u) << v[i].why;
		if (i < 6) {
			EXPECT_TRUE(v[i].ok) << v[i].why;
		}
	}
	EXPECT_EQ(v[0].why, "bond0: mode active-backup is in allowed_modes (active-backup)");
	EXPECT_TRUE(has(verdict(v, "link-monitor").why, "miimon 100 ms"));
	// Two cards: not a RoCE LAG, and it says which.
	EXPECT_FALSE(v[6].ok);
	EXPECT_TRUE(has(v[6].why, "eth1 (0000:04:00.0)")) << v[6].why;
}

TEST(Explain, ModeSentence)
{
	const auto v = explain(PolicyParams::defaults(),
			       page_of(PolicyParams::defaults(), 0, 100, two_nics));

	EXPECT_FALSE(v[0].ok);
	EXPECT_EQ(v[0].why, "bond0: mode balance-rr is not in allowed_modes (active-backup)");
	EXPECT_EQ(explain(roce_lag(), page_of(roce_lag(), 6, 100, {}))[0].why,
		  "bond0: mode balance-alb is not in allowed_modes (roce-lag)");
}

TEST(Explain, DriverSentenceNamesTheMember)
{
	PolicyParams p = PolicyParams::defaults();

	p.allowed_drivers = { "ixgbe" };
	const std::vector<MemberFacts> m = { two_nics[0], eth("eth7", "", "") };
	const auto v = explain(p, page_of(p, 1, 100, m));
	const auto &d = verdict(v, "driver");

	EXPECT_FALSE(d.ok);
	EXPECT_EQ(d.why, "bond0: eth7's driver (none) is not in allowed_drivers");
	p.allowed_drivers.clear();
	EXPECT_TRUE(verdict(explain(p, page_of(p, 1, 100, m)), "driver").ok);
}

TEST(Explain, MemberTypeFromFactsOrFromThePage)
{
	const PolicyParams p = PolicyParams::defaults();
	MemberFacts vlan = eth("eth0.10", "", "");

	vlan.kind = "vlan";
	const std::vector<MemberFacts> m = { two_nics[0], vlan };
	const auto pg = page_of(p, 1, 100, m);

	const RuleVerdict with = verdict(explain(p, pg, &m), "member-type");
	EXPECT_FALSE(with.ok);
	EXPECT_EQ(with.why, "bond0: eth0.10 is a VLAN device");

	// The page alone holds only the verdict bit.
	const RuleVerdict without = verdict(explain(p, pg), "member-type");
	EXPECT_FALSE(without.ok);
	EXPECT_TRUE(has(without.why, "page's verdict")) << without.why;

	const auto good = page_of(p, 1, 100, two_nics);
	EXPECT_TRUE(verdict(explain(p, good), "member-type").ok);
}

TEST(Explain, MaxMembersAndLinkMonitor)
{
	PolicyParams p = PolicyParams::defaults();

	p.max_members = 1;
	p.require_link_monitor = true;
	const auto v = explain(p, page_of(p, 1, 0, two_nics));

	EXPECT_FALSE(verdict(v, "max-members").ok);
	EXPECT_EQ(verdict(v, "max-members").why, "bond0: 2 members (max_members 1)");
	EXPECT_FALSE(verdict(v, "link-monitor").ok);
	EXPECT_EQ(verdict(v, "link-monitor").why,
		  "bond0: neither miimon nor arp_interval is set (require_link_monitor)");

	// Not required: holds, with the warning in words.
	p.require_link_monitor = false;
	const RuleVerdict lm = verdict(explain(p, page_of(p, 1, 0, two_nics)), "link-monitor");
	EXPECT_TRUE(lm.ok);
	EXPECT_TRUE(has(lm.why, "never detected")) << lm.why;
}

TEST(Explain, SameCardAndRoceLag)
{
	const std::vector<MemberFacts> ports = {
		eth("ens1f0", "mlx5_core", "0000:03:00.0"),
		eth("ens1f1", "mlx5_core", "0000:03:00.1"),
	};
	auto v = explain(roce_lag(), page_of(roce_lag(), 4, 100, ports));

	EXPECT_TRUE(verdict(v, "same-card").ok);
	EXPECT_TRUE(verdict(v, "roce-lag").ok);
	EXPECT_EQ(verdict(v, "roce-lag").why,
		  "bond0: an eligible RoCE LAG: mode 802.3ad, two ports of one card (0000:03:00.0, 0000:03:00.1)");

	v = explain(roce_lag(), page_of(roce_lag(), 4, 100, two_nics));
	EXPECT_FALSE(verdict(v, "same-card").ok);
	EXPECT_EQ(verdict(v, "same-card").why,
		  "bond0: eth1 (0000:04:00.0) is not a port of the first member's card (0000:03:00.0, roce-lag)");

	std::vector<MemberFacts> three = ports;
	three.push_back(eth("ens1f2", "mlx5_core", "0000:03:00.2"));
	v = explain(roce_lag(), page_of(roce_lag(), 4, 100, three));
	EXPECT_EQ(verdict(v, "same-card").why, "bond0: 3 members (roce-lag allows two)");
	EXPECT_TRUE(has(verdict(v, "roce-lag").why, "exactly two"));

	v = explain(roce_lag(), page_of(roce_lag(), 0, 100, ports));
	EXPECT_FALSE(verdict(v, "roce-lag").ok);
	EXPECT_TRUE(has(verdict(v, "roce-lag").why, "balance-rr"));

	// Without the profile the rule holds trivially.
	EXPECT_TRUE(verdict(explain(PolicyParams::defaults(),
				    page_of(PolicyParams::defaults(), 1, 100, two_nics)),
			    "same-card").ok);
}

TEST(Explain, MembersPastThePage)
{
	PolicyParams p = PolicyParams::defaults();
	std::vector<MemberFacts> m;

	p.allowed_drivers = { "ixgbe" };
	for (int i = 0; i < 17; i++)
		m.push_back(eth("eth" + std::to_string(i),
				i == 16 ? "e1000e" : "ixgbe", ""));
	const auto pg = page_of(p, 1, 100, m);

	ASSERT_EQ(pg.policy.violations, EXABOND_VIOLATION_DRIVER);
	const RuleVerdict d = verdict(explain(p, pg), "driver");
	EXPECT_FALSE(d.ok);
	EXPECT_TRUE(has(d.why, "past the page's 16")) << d.why;
	// With every member's facts the culprit is named.
	EXPECT_EQ(verdict(explain(p, pg, &m), "driver").why,
		  "bond0: eth16's driver e1000e is not in allowed_drivers");
	EXPECT_EQ(verdict(explain(p, pg), "max-members").why,
		  "bond0: 17 members (max_members 0: no limit)");
}

} // namespace
