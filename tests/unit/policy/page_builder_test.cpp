// SPDX-License-Identifier: GPL-2.0
//
// build_page() on synthetic rtnetlink links: each expectation is what
// kmod/bond_state.c would write for the bonding state the messages
// describe (6.1's bond_fill_info() and bond_fill_slave_info() decide which
// attributes a message has).

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <linux/if.h>
#include <linux/if_arp.h>

#include <exabond/reader.h>
#include <exabond/writer.hpp>

#include "page_builder.hpp"

namespace {

using namespace exabond;
using namespace exabond::monitor;
using tools::LinkSpeed;
using tools::PciParent;

constexpr std::uint32_t up_flags = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;

rtnl::Link bond_link(std::uint8_t mode, std::uint32_t flags = up_flags)
{
	rtnl::Link l;
	rtnl::BondInfo bi;

	l.ifindex = 2;
	l.name = "bond0";
	l.type = ARPHRD_ETHER;
	l.flags = flags;
	l.address = rtnl::Mac{ 0x02, 0, 0, 0, 0, 0x01 };
	l.mtu = 9000;
	l.operstate = IF_OPER_UP;
	l.carrier = 1;
	l.kind = "bond";
	bi.mode = mode;
	bi.miimon = 100;
	bi.updelay = 200;
	bi.downdelay = 300;
	bi.peer_notif_delay = 0;
	bi.arp_interval = 0;
	bi.arp_validate = 0;
	bi.arp_all_targets = 0;
	bi.primary_reselect = 0;
	bi.fail_over_mac = 0;
	bi.xmit_hash_policy = 0;
	l.bond = bi;
	return l;
}

rtnl::Link member_link(int ifindex, const std::string &name,
		       std::uint8_t mii = EXABOND_LINK_UP,
		       std::uint8_t state = EXABOND_ROLE_BACKUP,
		       std::uint32_t flags = up_flags)
{
	rtnl::Link l;
	rtnl::BondSlaveInfo s;

	l.ifindex = ifindex;
	l.name = name;
	l.type = ARPHRD_ETHER;
	l.flags = flags;
	l.address = rtnl::Mac{ 0x02, 0, 0, 0, 0, 0x01 };
	l.mtu = 9000;
	l.operstate = IF_OPER_UP;
	l.carrier = 1;
	l.carrier_changes = 3;
	l.master = 2;
	l.slave_kind = "bond";
	s.state = state;
	s.mii_status = mii;
	s.link_failure_count = 1;
	s.perm_hwaddr = rtnl::Mac{ 0x52, 0x54, 0, 0, 0, std::uint8_t(ifindex) };
	s.queue_id = 0;
	l.bond_slave = s;
	return l;
}

MemberInput input(const rtnl::Link &l, const std::string &bus,
		  std::optional<LinkSpeed> speed = LinkSpeed{ 25000, EXABOND_DUPLEX_FULL })
{
	return { &l, member_facts(l, tools::DrvInfo{ "mlx5_core", bus },
				  PciParent::Function), speed };
}

exabond_page zero_page()
{
	exabond_page pg;

	std::memset(static_cast<void *>(&pg), 0, sizeof(pg));
	return pg;
}

BondContext context()
{
	BondContext c;

	c.netns_ino = 4026531840u;
	c.netns_cookie = 1;
	c.managed_since_ns = 555;
	return c;
}

exabond_page build(const rtnl::Link &bond, const std::vector<MemberInput> &m,
		   const BondContext &ctx = context(),
		   const exabond_page &prev = zero_page(), std::uint64_t now = 1000)
{
	exabond_page out = zero_page();

	std::memset(static_cast<void *>(&out), 0xa5, sizeof(out));
	build_page(bond, m, ctx, prev, now, &out);
	return out;
}

TEST(PageBuilder, ActiveBackupWithPrimary)
{
	rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	const rtnl::Link eth0 = member_link(3, "eth0");
	const rtnl::Link eth1 = member_link(4, "eth1", EXABOND_LINK_UP,
					    EXABOND_ROLE_ACTIVE);

	bond.bond->active_slave = 4;
	bond.bond->primary = 4;
	bond.bond->arp_ip_target = { 0x0100000a, 0x0200000a };
	const auto pg = build(bond, { input(eth0, "0000:03:00.0"),
				      input(eth1, "0000:03:00.1") });
	const exabond_bond &b = pg.bond;

	EXPECT_EQ(b.ifindex, 2);
	EXPECT_STREQ(b.name, "bond0");
	EXPECT_EQ(b.netns_ino, 4026531840u);
	EXPECT_EQ(b.netns_cookie, 1u);
	EXPECT_EQ(b.mode, EXABOND_MODE_ACTIVE_BACKUP);
	EXPECT_EQ(b.operstate, IF_OPER_UP);
	EXPECT_EQ(b.flags, EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER);
	EXPECT_EQ(b.miimon, 100u);
	// bond_fill_info() sends ms already: not multiplied again.
	EXPECT_EQ(b.updelay, 200u);
	EXPECT_EQ(b.downdelay, 300u);
	EXPECT_EQ(b.primary_ifindex, 4);
	EXPECT_STREQ(b.primary, "eth1");
	EXPECT_EQ(b.active_ifindex, 4);
	EXPECT_EQ(b.mtu, 9000u);
	EXPECT_EQ(b.addr[5], 0x01);
	EXPECT_EQ(b.member_count, 2u);
	EXPECT_EQ(b.members_total, 2u);
	EXPECT_EQ(b.arp_ip_target_count, 2u);
	EXPECT_EQ(b.arp_ip_target[1], 0x0200000au);
	// Publisher-derived fields stay zero here.
	EXPECT_EQ(b.failover_count, 0u);
	EXPECT_EQ(b.last_failover_ns, 0u);
	EXPECT_EQ(pg.hot, 0u);
	EXPECT_EQ(pg.generation, 0u);

	const exabond_member &m0 = pg.members[0], &m1 = pg.members[1];
	EXPECT_EQ(m0.ifindex, 3);
	EXPECT_STREQ(m0.name, "eth0");
	EXPECT_EQ(m0.flags, 0);
	EXPECT_EQ(m0.role, EXABOND_ROLE_BACKUP);
	EXPECT_EQ(m1.flags, EXABOND_MEMBER_F_PRIMARY | EXABOND_MEMBER_F_ACTIVE);
	EXPECT_EQ(m1.role, EXABOND_ROLE_ACTIVE);
	EXPECT_EQ(m1.link, EXABOND_LINK_UP);
	EXPECT_EQ(m1.carrier, 1);
	EXPECT_EQ(m1.operstate, IF_OPER_UP);
	EXPECT_EQ(m1.speed, 25000u);
	EXPECT_EQ(m1.duplex, EXABOND_DUPLEX_FULL);
	EXPECT_EQ(m1.perm_addr[5], 4);
	EXPECT_EQ(m1.link_failure_count, 1u);
	EXPECT_EQ(m1.carrier_changes, 3u);
	EXPECT_EQ(m1.mtu, 9000u);
	EXPECT_STREQ(m1.driver, "mlx5_core");
	EXPECT_STREQ(m1.bus_info, "0000:03:00.1");
	// A new entry has no history yet.
	EXPECT_EQ(m1.carrier_changed_ns, 0u);
	EXPECT_EQ(m1.link_changed_ns, 0u);
	EXPECT_EQ(m1.ad_aggregator_id, 0);
	// The tail past the members is zero.
	EXPECT_EQ(pg.members[2].ifindex, 0);

	EXPECT_EQ(pg.policy.flags, EXABOND_POLICY_F_COMPLIANT |
				   EXABOND_POLICY_F_ROCE_LAG);
	EXPECT_EQ(pg.policy.allowed_modes, 1u << EXABOND_MODE_ACTIVE_BACKUP);
	// An up active-backup bond: only this publisher's speed refresh.
	EXPECT_EQ(pg.policy.refreshed, EXABOND_REFRESH_SPEED);
	EXPECT_EQ(pg.policy.refresh_interval_ms, 100u);
	EXPECT_EQ(pg.policy.managed_since_ns, 555u);

	// A page readers accept, and the writer derives the hot word.
	alignas(4096) static exabond_page shm;
	PageWriter w(&shm);
	const char *why = nullptr;

	ASSERT_TRUE(w.publish(pg, EXABOND_EVENT_MANAGE, 2, 1000));
	EXPECT_EQ(exabond_check_snapshot(&shm, &why), 0) << why;
	EXPECT_EQ(EXABOND_HOT_IFINDEX(shm.hot), 4u);
	EXPECT_TRUE(shm.hot & EXABOND_HOT_F_UP);
	EXPECT_FALSE(shm.hot & EXABOND_HOT_F_NONCOMPLIANT);
}

TEST(PageBuilder, PrimaryNameWithoutAPrimaryMember)
{
	rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	const rtnl::Link eth0 = member_link(3, "eth0");
	BondContext ctx = context();

	ctx.primary_name = "eth5";
	auto pg = build(bond, { input(eth0, "") }, ctx);
	EXPECT_STREQ(pg.bond.primary, "eth5");
	EXPECT_EQ(pg.bond.primary_ifindex, 0);
	EXPECT_EQ(pg.members[0].flags, 0);

	// With a primary member, its name is the configured name.
	bond.bond->primary = 3;
	pg = build(bond, { input(eth0, "") }, ctx);
	EXPECT_STREQ(pg.bond.primary, "eth0");
	EXPECT_EQ(pg.members[0].flags, EXABOND_MEMBER_F_PRIMARY);
}

TEST(PageBuilder, ActiveMemberOnlyInModesThatUseAPrimary)
{
	const rtnl::Link eth0 = member_link(3, "eth0", EXABOND_LINK_UP,
					    EXABOND_ROLE_ACTIVE);

	for (std::uint8_t mode = 0; mode <= 6; mode++) {
		rtnl::Link bond = bond_link(mode);

		bond.bond->active_slave = 3;
		const auto pg = build(bond, { input(eth0, "") });
		const bool has = mode == 1 || mode == 5 || mode == 6;

		EXPECT_EQ(pg.bond.active_ifindex, has ? 3 : 0) << int(mode);
		EXPECT_EQ(bool(pg.members[0].flags & EXABOND_MEMBER_F_ACTIVE), has)
			<< int(mode);
	}
}

TEST(PageBuilder, DownBond)
{
	// Stale operstate and carrier in a message of a device that is not
	// up: rtnetlink masks operstate itself; the module masks both.
	rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP, 0);
	const rtnl::Link eth0 = member_link(3, "eth0");

	bond.operstate = IF_OPER_UP;
	bond.carrier = 1;
	bond.bond->active_slave = 3;
	const auto pg = build(bond, { input(eth0, "") });

	EXPECT_EQ(pg.bond.operstate, IF_OPER_DOWN);
	EXPECT_EQ(pg.bond.flags, 0u);
	// A down bond can change mode without an event.
	EXPECT_EQ(pg.policy.refreshed, EXABOND_REFRESH_MODE | EXABOND_REFRESH_SPEED);

	// Up without carrier.
	bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP, IFF_UP);
	bond.operstate = IF_OPER_DOWN;
	bond.carrier = 0;
	const auto nc = build(bond, {});
	EXPECT_EQ(nc.bond.flags, EXABOND_BOND_F_ADMIN_UP);
	EXPECT_EQ(nc.bond.operstate, IF_OPER_DOWN);
	// No members: nothing to refresh at all.
	EXPECT_EQ(nc.policy.refreshed, 0u);
	EXPECT_EQ(nc.policy.refresh_interval_ms, 0u);
}

TEST(PageBuilder, MemberNotRunning)
{
	const rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	rtnl::Link eth0 = member_link(3, "eth0", EXABOND_LINK_DOWN,
				      EXABOND_ROLE_BACKUP, 0);

	eth0.operstate = IF_OPER_UP;	// what a stale message could say
	eth0.carrier = 1;
	auto pg = build(bond, { input(eth0, "", LinkSpeed{ 1000, EXABOND_DUPLEX_FULL }) });
	EXPECT_EQ(pg.members[0].carrier, 0);
	EXPECT_EQ(pg.members[0].operstate, IF_OPER_DOWN);
	EXPECT_EQ(pg.members[0].link, EXABOND_LINK_DOWN);
	// First seen: what ethtool says (bonding read it at enslave time).
	EXPECT_EQ(pg.members[0].speed, 1000u);

	// Bonding does not look on NETDEV_DOWN: the previous value stays.
	exabond_page prev = pg;
	prev.members[0].speed = 10000;
	prev.members[0].duplex = EXABOND_DUPLEX_FULL;
	pg = build(bond, { input(eth0, "", LinkSpeed{ EXABOND_SPEED_UNKNOWN,
						      EXABOND_DUPLEX_UNKNOWN }) },
		   context(), prev);
	EXPECT_EQ(pg.members[0].speed, 10000u);
	EXPECT_EQ(pg.members[0].duplex, EXABOND_DUPLEX_FULL);
}

TEST(PageBuilder, SpeedAsBondingRecordsIt)
{
	const rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	const rtnl::Link eth0 = member_link(3, "eth0");

	// bond_update_speed_duplex(): one unknown makes both unknown.
	auto pg = build(bond, { input(eth0, "", LinkSpeed{ 1000, EXABOND_DUPLEX_UNKNOWN }) });
	EXPECT_EQ(pg.members[0].speed, EXABOND_SPEED_UNKNOWN);
	EXPECT_EQ(pg.members[0].duplex, EXABOND_DUPLEX_UNKNOWN);
	pg = build(bond, { input(eth0, "", LinkSpeed{ 0, EXABOND_DUPLEX_FULL }) });
	EXPECT_EQ(pg.members[0].speed, EXABOND_SPEED_UNKNOWN);
	EXPECT_EQ(pg.members[0].duplex, EXABOND_DUPLEX_UNKNOWN);
	pg = build(bond, { input(eth0, "", LinkSpeed{ 100, EXABOND_DUPLEX_HALF }) });
	EXPECT_EQ(pg.members[0].speed, 100u);
	EXPECT_EQ(pg.members[0].duplex, EXABOND_DUPLEX_HALF);
	// Not asked, nothing before: unknown.
	pg = build(bond, { input(eth0, "", std::nullopt) });
	EXPECT_EQ(pg.members[0].speed, EXABOND_SPEED_UNKNOWN);
	// Not asked: the previous value.
	exabond_page prev = pg;
	prev.members[0].speed = 40000;
	prev.members[0].duplex = EXABOND_DUPLEX_FULL;
	pg = build(bond, { input(eth0, "", std::nullopt) }, context(), prev);
	EXPECT_EQ(pg.members[0].speed, 40000u);
}

TEST(PageBuilder, TimestampsCarriedOverAndUpdated)
{
	const rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	rtnl::Link eth0 = member_link(3, "eth0");
	rtnl::Link eth1 = member_link(4, "eth1");
	const rtnl::Link eth2 = member_link(5, "eth2");

	exabond_page prev = build(bond, { input(eth0, "a"), input(eth1, "b") });
	prev.generation = 7;
	prev.members[0].carrier_changed_ns = 11;
	prev.members[0].link_changed_ns = 12;
	prev.members[1].carrier_changed_ns = 21;
	prev.members[1].link_changed_ns = 22;
	prev.policy.last_refresh_ns = 99;
	prev.policy.managed_since_ns = 42;

	// eth1 loses carrier and bonding's link goes to FAIL; eth0 does not
	// change; eth2 is new; the order changed: matched by ifindex.
	eth1.carrier = 0;
	eth1.flags = IFF_UP;
	eth1.bond_slave->mii_status = EXABOND_LINK_FAIL;
	const auto pg = build(bond, { input(eth2, "c"), input(eth1, "b"),
				      input(eth0, "a") },
			      context(), prev, 5000);

	EXPECT_EQ(pg.members[0].ifindex, 5);
	EXPECT_EQ(pg.members[0].carrier_changed_ns, 0u);
	EXPECT_EQ(pg.members[0].link_changed_ns, 0u);
	EXPECT_EQ(pg.members[1].ifindex, 4);
	EXPECT_EQ(pg.members[1].carrier, 0);
	EXPECT_EQ(pg.members[1].carrier_changed_ns, 5000u);
	EXPECT_EQ(pg.members[1].link_changed_ns, 5000u);
	EXPECT_EQ(pg.members[2].ifindex, 3);
	EXPECT_EQ(pg.members[2].carrier_changed_ns, 11u);
	EXPECT_EQ(pg.members[2].link_changed_ns, 12u);
	// The module's refresh state and management time come from @prev.
	EXPECT_EQ(pg.policy.last_refresh_ns, 99u);
	EXPECT_EQ(pg.policy.managed_since_ns, 42u);
	// miimon with delays and a member in FAIL: bonding will move its
	// link state without an event.
	EXPECT_EQ(pg.policy.refreshed, EXABOND_REFRESH_LINK | EXABOND_REFRESH_SPEED);

	// Only the link changes.
	rtnl::Link back = eth1;
	back.bond_slave->mii_status = EXABOND_LINK_DOWN;
	const auto pg2 = build(bond, { input(back, "b") }, context(), pg, 6000);
	EXPECT_EQ(pg2.members[0].carrier_changed_ns, 5000u);
	EXPECT_EQ(pg2.members[0].link_changed_ns, 6000u);
}

TEST(PageBuilder, DriverAndBusKeptFromThePreviousEntry)
{
	const rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	const rtnl::Link eth0 = member_link(3, "eth0");
	exabond_page prev = build(bond, { input(eth0, "0000:03:00.0") });

	std::strcpy(prev.members[0].driver, "first");
	const auto pg = build(bond, { input(eth0, "0000:09:00.0") }, context(), prev);
	EXPECT_STREQ(pg.members[0].driver, "first");
	EXPECT_STREQ(pg.members[0].bus_info, "0000:03:00.0");

	// The rules judge what the entry shows.
	BondContext ctx = context();
	ctx.policy.allowed_drivers = { "mlx5_core" };
	const auto judged = build(bond, { input(eth0, "") }, ctx, prev);
	EXPECT_EQ(judged.policy.violations, EXABOND_VIOLATION_DRIVER);
}

TEST(PageBuilder, Lacp)
{
	rtnl::Link bond = bond_link(EXABOND_MODE_8023AD);
	rtnl::Link eth0 = member_link(3, "eth0", EXABOND_LINK_UP, EXABOND_ROLE_ACTIVE);
	rtnl::Link eth1 = member_link(4, "eth1", EXABOND_LINK_UP, EXABOND_ROLE_ACTIVE);
	rtnl::AdInfo ai;

	ai.aggregator = 1;
	ai.num_ports = 2;
	ai.actor_key = 0x21;
	ai.partner_key = 0x31;
	ai.partner_mac = rtnl::Mac{ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	bond.bond->ad_info = ai;
	bond.bond->ad_lacp_rate = 1;
	bond.bond->ad_select = 0;
	bond.bond->ad_lacp_active = 1;
	bond.bond->ad_actor_sys_prio = 65535;
	bond.bond->ad_user_port_key = 0;
	bond.bond->ad_actor_system = rtnl::Mac{ 0x02, 0, 0, 0, 0, 0x09 };
	bond.bond->active_slave = 3;	// never sent in 802.3ad; ignored
	for (rtnl::Link *l : { &eth0, &eth1 }) {
		l->bond_slave->ad_aggregator_id = 1;
		l->bond_slave->ad_actor_oper_port_state = 0x3d;
		l->bond_slave->ad_partner_oper_port_state = 0x13d;	// u16 on the wire
	}
	BondContext ctx = context();
	ctx.policy.allowed_modes = 1u << EXABOND_MODE_8023AD;
	const auto pg = build(bond, { input(eth0, "0000:03:00.0"),
				      input(eth1, "0000:03:00.1") }, ctx);

	EXPECT_EQ(pg.bond.flags, EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER |
				 EXABOND_BOND_F_AD_INFO_VALID);
	EXPECT_EQ(pg.bond.active_ifindex, 0);
	EXPECT_EQ(pg.ad.aggregator_id, 1);
	EXPECT_EQ(pg.ad.num_ports, 2);
	EXPECT_EQ(pg.ad.actor_key, 0x21);
	EXPECT_EQ(pg.ad.partner_key, 0x31);
	EXPECT_EQ(pg.ad.partner_mac[5], 0x55);
	EXPECT_EQ(pg.ad.lacp_rate, 1);
	EXPECT_EQ(pg.ad.lacp_active, 1);
	EXPECT_EQ(pg.ad.actor_sys_prio, 65535);
	EXPECT_EQ(pg.ad.actor_system[5], 0x09);
	EXPECT_EQ(pg.members[1].ad_aggregator_id, 1);
	EXPECT_EQ(pg.members[1].ad_actor_oper_port_state, 0x3d);
	EXPECT_EQ(pg.members[1].ad_partner_oper_port_state, 0x3d);
	EXPECT_EQ(pg.policy.flags, EXABOND_POLICY_F_COMPLIANT |
				   EXABOND_POLICY_F_ROCE_LAG);
	EXPECT_EQ(pg.policy.refreshed, EXABOND_REFRESH_AD | EXABOND_REFRESH_SPEED);

	// No active aggregator: no AD_INFO, the flag goes, the settings stay;
	// the CAP_NET_ADMIN-only ones missing are kept from the last page.
	bond.bond->ad_info.reset();
	bond.bond->ad_actor_sys_prio.reset();
	bond.bond->ad_actor_system.reset();
	const auto none = build(bond, { input(eth0, "0000:03:00.0") }, ctx, pg);
	EXPECT_FALSE(none.bond.flags & EXABOND_BOND_F_AD_INFO_VALID);
	EXPECT_EQ(none.ad.aggregator_id, 0);
	EXPECT_EQ(none.ad.partner_mac[5], 0);
	EXPECT_EQ(none.ad.lacp_rate, 1);
	EXPECT_EQ(none.ad.actor_sys_prio, 65535);
	EXPECT_EQ(none.ad.actor_system[5], 0x09);
	// ... but not from another bond's page.
	exabond_page other = pg;
	other.bond.ifindex = 77;
	const auto fresh = build(bond, { input(eth0, "0000:03:00.0") }, ctx, other);
	EXPECT_EQ(fresh.ad.actor_sys_prio, 0);

	// Other modes leave the ad section and member ad_* zero.
	rtnl::Link ab = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	ab.bond->ad_lacp_rate = 1;
	const auto abpg = build(ab, { input(eth0, "") });
	EXPECT_EQ(abpg.ad.lacp_rate, 0);
	EXPECT_EQ(abpg.members[0].ad_aggregator_id, 0);
	EXPECT_EQ(abpg.members[0].ad_actor_oper_port_state, 0);
}

TEST(PageBuilder, MemberOverflow)
{
	const rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	std::vector<rtnl::Link> links;
	std::vector<MemberInput> in;

	for (int i = 0; i < 17; i++)
		links.push_back(member_link(10 + i, "eth" + std::to_string(i)));
	for (auto &l : links)
		in.push_back(input(l, ""));
	in[16].facts.driver = "e1000e";

	BondContext ctx = context();
	ctx.policy.max_members = 16;
	ctx.policy.allowed_drivers = { "mlx5_core" };
	const auto pg = build(bond, in, ctx);

	EXPECT_EQ(pg.bond.member_count, 16u);
	EXPECT_EQ(pg.bond.members_total, 17u);
	EXPECT_TRUE(pg.bond.flags & EXABOND_BOND_F_MEMBER_OVERFLOW);
	EXPECT_EQ(pg.members[15].ifindex, 25);
	EXPECT_STREQ(pg.members[15].name, "eth15");
	// The 17th member is not in the page but the rules see it.
	EXPECT_EQ(pg.policy.violations,
		  EXABOND_VIOLATION_MAX_MEMBERS | EXABOND_VIOLATION_DRIVER);

	const auto sixteen = build(bond, std::vector<MemberInput>(in.begin(), in.end() - 1), ctx);
	EXPECT_EQ(sixteen.bond.member_count, 16u);
	EXPECT_FALSE(sixteen.bond.flags & EXABOND_BOND_F_MEMBER_OVERFLOW);
	EXPECT_EQ(sixteen.policy.violations, 0u);
}

TEST(PageBuilder, RefreshAsTheModuleNeedsIt)
{
	const rtnl::Link eth0 = member_link(3, "eth0");
	rtnl::Link bond = bond_link(EXABOND_MODE_BALANCE_TLB);

	// TLB/ALB move the active member without an event.
	EXPECT_EQ(refresh_needed(bond, { input(eth0, "") }),
		  EXABOND_REFRESH_ACTIVE | EXABOND_REFRESH_SPEED);
	bond = bond_link(EXABOND_MODE_BALANCE_ALB);
	EXPECT_EQ(refresh_needed(bond, {}), EXABOND_REFRESH_ACTIVE);

	// The ARP monitor: always the link.
	bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	bond.bond->miimon = 0;
	bond.bond->arp_interval = 200;
	EXPECT_EQ(refresh_needed(bond, {}), EXABOND_REFRESH_LINK);

	// miimon: only while a delay is counting.
	bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	EXPECT_EQ(refresh_needed(bond, { input(eth0, "") }), EXABOND_REFRESH_SPEED);
	rtnl::Link lost = member_link(3, "eth0");
	lost.carrier = 0;	// carrier gone, link still up: downdelay
	EXPECT_EQ(refresh_needed(bond, { input(lost, "") }),
		  EXABOND_REFRESH_LINK | EXABOND_REFRESH_SPEED);
	rtnl::Link back = member_link(3, "eth0", EXABOND_LINK_BACK);
	EXPECT_EQ(refresh_needed(bond, { input(back, "") }),
		  EXABOND_REFRESH_LINK | EXABOND_REFRESH_SPEED);
	// No delays: bonding commits at once and notifies.
	bond.bond->updelay = 0;
	bond.bond->downdelay = 0;
	EXPECT_EQ(refresh_needed(bond, { input(lost, "") }), EXABOND_REFRESH_SPEED);
	// No monitor at all: nothing to settle.
	bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	bond.bond->miimon = 0;
	EXPECT_EQ(refresh_needed(bond, { input(lost, "") }), EXABOND_REFRESH_SPEED);
}

TEST(PageBuilder, MemberWithoutSlaveData)
{
	const rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	rtnl::Link eth0 = member_link(3, "eth0");

	eth0.bond_slave.reset();
	const auto pg = build(bond, { input(eth0, "") });
	EXPECT_EQ(pg.members[0].link, EXABOND_LINK_DOWN);
	EXPECT_EQ(pg.members[0].role, EXABOND_ROLE_BACKUP);
}

TEST(PageBuilder, LongNamesAreTruncatedAndTerminated)
{
	rtnl::Link bond = bond_link(EXABOND_MODE_ACTIVE_BACKUP);
	rtnl::Link eth0 = member_link(3, "eth0");
	BondContext ctx = context();

	bond.name = std::string(40, 'b');
	ctx.primary_name = std::string(40, 'p');
	MemberInput in = input(eth0, std::string(60, 'x'));
	in.facts.driver = std::string(60, 'd');
	const auto pg = build(bond, { in }, ctx);
	const char *why = nullptr;

	EXPECT_EQ(std::string(pg.bond.name), std::string(15, 'b'));
	EXPECT_EQ(std::string(pg.bond.primary), std::string(15, 'p'));
	EXPECT_EQ(std::string(pg.members[0].driver), std::string(31, 'd'));
	EXPECT_EQ(std::string(pg.members[0].bus_info), std::string(31, 'x'));

	exabond_page checked = pg;
	checked.magic = EXABOND_PAGE_MAGIC;
	checked.abi_major = EXABOND_ABI_MAJOR;
	checked.size = EXABOND_PAGE_SIZE_V1_0;
	checked.member_max = EXABOND_MAX_MEMBERS;
	checked.publisher = EXABOND_PUBLISHER_MONITOR;
	EXPECT_EQ(exabond_check_snapshot(&checked, &why), 0) << why;
}

} // namespace
