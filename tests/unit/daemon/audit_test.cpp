// SPDX-License-Identifier: GPL-2.0
//
// The audit: which fields are compared, and when a difference is reported.
#include <gtest/gtest.h>

#include "audit.hpp"
#include "test_page.hpp"

using namespace exabond::monitor;
using exabond::test::two_member_page;

TEST(Audit, IdenticalPagesAgree)
{
	exabond_page k = two_member_page(), m = k;

	EXPECT_TRUE(compare_pages(k, m).empty());
}

TEST(Audit, HeaderTimesAndBookkeepingAreNotCompared)
{
	exabond_page k = two_member_page(), m = k;

	k.publisher = EXABOND_PUBLISHER_KERNEL;
	m.generation = 99;
	m.event_ns = 5;
	m.publish_ns = 6;
	m.bond.failover_count = 3;
	m.bond.last_failover_ns = 4;
	m.members[0].carrier_changed_ns = 7;
	m.members[1].link_changed_ns = 8;
	k.policy.flags |= EXABOND_POLICY_F_NO_HOOK;
	m.policy.refreshed = EXABOND_REFRESH_SPEED;
	m.policy.refresh_interval_ms = 100;
	m.policy.last_refresh_ns = 9;
	m.policy.managed_since_ns = 10;
	EXPECT_TRUE(compare_pages(k, m).empty());
}

TEST(Audit, EachComparedFieldIsNamed)
{
	exabond_page k = two_member_page(), m = k;

	m.bond.miimon = 200;
	m.members[1].speed = 1000;
	m.policy.violations = EXABOND_VIOLATION_DRIVER;
	m.ad.partner_mac[5] = 1;
	auto d = compare_pages(k, m);
	ASSERT_EQ(d.size(), 4u);
	EXPECT_EQ(d[0].field, "bond.miimon");
	EXPECT_EQ(d[0].kernel, "100");
	EXPECT_EQ(d[0].monitor, "200");
	EXPECT_EQ(d[1].field, "ad.partner_mac");
	EXPECT_EQ(d[1].monitor, "00:00:00:00:00:01");
	EXPECT_EQ(d[1].refresh, unsigned(EXABOND_REFRESH_AD));
	EXPECT_EQ(d[2].field, "policy.violations");
	EXPECT_EQ(d[3].field, "members[eth1].speed");
	EXPECT_EQ(d[3].refresh, unsigned(EXABOND_REFRESH_SPEED));
}

TEST(Audit, MemberOrderAndMembership)
{
	exabond_page k = two_member_page(), m = k;

	std::swap(m.members[0], m.members[1]);
	auto d = compare_pages(k, m);
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].field, "members");
	EXPECT_EQ(d[0].kernel, "eth0,eth1");
	EXPECT_EQ(d[0].monitor, "eth1,eth0");
	m.bond.member_count = 1;
	d = compare_pages(k, m);
	EXPECT_EQ(d[0].field, "bond.member_count");
}

TEST(Audit, ReportedOnlyPastTheBoundThenConverged)
{
	const std::uint64_t ms = 1000000;
	Auditor a(1000 * ms);
	exabond_page k = two_member_page(), m = k;

	m.bond.updelay = 200;
	EXPECT_TRUE(a.check(k, m, 10 * ms).empty());
	EXPECT_EQ(a.next_deadline(), 1010 * ms);
	EXPECT_TRUE(a.check(k, m, 1010 * ms).empty());	/* at, not past */
	auto r = a.check(k, m, 1011 * ms);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].what, Auditor::Report::diverged);
	EXPECT_EQ(r[0].diff.field, "bond.updelay");
	EXPECT_EQ(r[0].for_ns, 1001 * ms);
	EXPECT_EQ(a.next_deadline(), 0u);
	EXPECT_TRUE(a.check(k, m, 5000 * ms).empty());	/* once */
	r = a.check(k, k, 6000 * ms);
	ASSERT_EQ(r.size(), 1u);
	EXPECT_EQ(r[0].what, Auditor::Report::converged);
	EXPECT_EQ(a.reported(), 1u);
}

TEST(Audit, TransientDifferenceIsNeverReported)
{
	const std::uint64_t ms = 1000000;
	Auditor a(1000 * ms);
	exabond_page k = two_member_page(), m = k;

	m.bond.active_ifindex = 12;
	EXPECT_TRUE(a.check(k, m, 0).empty());
	EXPECT_TRUE(a.check(k, k, 500 * ms).empty());
	EXPECT_EQ(a.next_deadline(), 0u);
	EXPECT_EQ(a.reported(), 0u);
}

TEST(Audit, RefreshedFieldsGetTheRefreshIntervalToo)
{
	const std::uint64_t ms = 1000000;
	Auditor a(1000 * ms);
	exabond_page k = two_member_page(), m = k;

	k.policy.refreshed = EXABOND_REFRESH_AD;
	k.policy.refresh_interval_ms = 100;
	m.policy.refreshed = EXABOND_REFRESH_AD | EXABOND_REFRESH_SPEED;
	m.policy.refresh_interval_ms = 100;
	m.ad.num_ports = 2;
	a.check(k, m, 0);
	EXPECT_EQ(a.next_deadline(), 1200 * ms);
}
