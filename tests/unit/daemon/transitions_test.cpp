// SPDX-License-Identifier: GPL-2.0
//
// Every transition the monitor logs, from pairs of pages.
#include <gtest/gtest.h>

#include "test_page.hpp"
#include "transitions.hpp"

using namespace exabond::monitor;
using exabond::test::add_member;
using exabond::test::two_member_page;

namespace {

std::vector<std::string> texts(const std::vector<Transition> &v)
{
	std::vector<std::string> out;

	for (const auto &t : v)
		out.push_back(t.text);
	return out;
}

} // namespace

TEST(Transitions, NothingChangedSaysNothing)
{
	exabond_page a = two_member_page(), b = a;

	b.generation++;
	EXPECT_TRUE(transitions(&a, b).empty());
}

TEST(Transitions, FirstPageReportsStandingConditionsOnly)
{
	exabond_page a = two_member_page();

	EXPECT_TRUE(transitions(nullptr, a).empty());
	a.policy.flags = EXABOND_POLICY_F_NO_LINK_MON;
	a.policy.violations = EXABOND_VIOLATION_MODE |
			      EXABOND_VIOLATION_SAME_CARD;
	auto t = transitions(nullptr, a);
	ASSERT_EQ(t.size(), 2u);
	EXPECT_EQ(t[0].kind, Transition::no_link_monitor);
	EXPECT_EQ(t[1].kind, Transition::policy);
	EXPECT_NE(t[1].text.find("violations: mode,same-card"),
		  std::string::npos) << t[1].text;
}

TEST(Transitions, FailoverWithCarrierLossTime)
{
	exabond_page a = two_member_page(), b = a;

	b.bond.active_ifindex = 12;
	b.members[0].carrier = 0;
	b.members[0].link = EXABOND_LINK_DOWN;
	b.members[0].link_failure_count = 1;
	b.members[0].carrier_changed_ns = 5000000000ULL;
	b.bond.last_failover_ns = 5000000000ULL + 1500000;	/* 1.5 ms */
	b.bond.failover_count = 1;
	b.event_ns = b.bond.last_failover_ns;
	b.publish_ns = b.event_ns + 20000;			/* 20 us */

	auto t = transitions(&a, b);
	ASSERT_EQ(t.size(), 3u) << ::testing::PrintToString(texts(t));
	EXPECT_EQ(t[0].kind, Transition::member_carrier);
	EXPECT_EQ(t[0].text, "bond0: member eth0 carrier down (raw, from the NIC driver)");
	EXPECT_EQ(t[1].kind, Transition::member_link);
	EXPECT_EQ(t[1].text, "bond0: member eth0 link UP -> DOWN (link failures 1)");
	EXPECT_EQ(t[2].kind, Transition::failover);
	EXPECT_EQ(t[2].text,
		  "bond0: failover eth0 -> eth1, 1.500 ms after eth0 lost carrier, published 20.0 us after the event (failover 1)");
	ASSERT_TRUE(t[2].carrier_to_failover_ns);
	EXPECT_EQ(*t[2].carrier_to_failover_ns, 1500000u);
	ASSERT_TRUE(t[2].lag_ns);
	EXPECT_EQ(*t[2].lag_ns, 20000u);
}

TEST(Transitions, FailoverWithoutCarrierLossHasNoCarrierTime)
{
	exabond_page a = two_member_page(), b = a;

	/* An administrative change of the active member: carrier stays. */
	b.bond.active_ifindex = 12;
	b.bond.last_failover_ns = 7;
	auto t = transitions(&a, b);
	ASSERT_EQ(t.size(), 1u);
	EXPECT_EQ(t[0].kind, Transition::failover);
	EXPECT_FALSE(t[0].carrier_to_failover_ns);
	EXPECT_EQ(t[0].text.find("lost carrier"), std::string::npos);
}

TEST(Transitions, FailoverToNone)
{
	exabond_page a = two_member_page(), b = a;

	b.bond.active_ifindex = 0;
	auto t = transitions(&a, b);
	ASSERT_EQ(t.size(), 1u);
	EXPECT_NE(t[0].text.find("failover eth0 -> (none)"),
		  std::string::npos) << t[0].text;
}

TEST(Transitions, MembersAddedAndRemoved)
{
	exabond_page a = two_member_page(), b = two_member_page();

	/* eth1 leaves, eth2 comes. */
	b.bond.member_count = 1;
	add_member(b, 13, "eth2").link = EXABOND_LINK_DOWN;
	b.members[1].carrier = 0;
	auto t = transitions(&a, b);
	ASSERT_EQ(t.size(), 2u) << ::testing::PrintToString(texts(t));
	EXPECT_EQ(t[0].text, "bond0: member eth1 removed");
	EXPECT_EQ(t[1].text,
		  "bond0: member eth2 added (link DOWN, carrier down, BACKUP)");
}

TEST(Transitions, BondDownAndUp)
{
	exabond_page a = two_member_page(), b = a;

	b.bond.flags &= ~EXABOND_BOND_F_CARRIER;
	auto t = transitions(&a, b);
	ASSERT_EQ(t.size(), 1u);
	EXPECT_EQ(t[0].text, "bond0: down (no carrier: no member link is up)");
	EXPECT_EQ(t[0].severity, Severity::warning);
	t = transitions(&b, a);
	ASSERT_EQ(t.size(), 1u);
	EXPECT_EQ(t[0].text, "bond0: up (carrier)");
	b.bond.flags = 0;
	t = transitions(&a, b);
	ASSERT_EQ(t.size(), 1u);
	EXPECT_EQ(t[0].text, "bond0: down (administratively)");
}

TEST(Transitions, PolicyAndLinkMonitor)
{
	exabond_page a = two_member_page(), b = a;

	b.policy.flags = EXABOND_POLICY_F_NO_LINK_MON;
	b.policy.violations = EXABOND_VIOLATION_LINK_MONITOR;
	b.bond.miimon = 0;
	auto t = transitions(&a, b);
	ASSERT_EQ(t.size(), 2u) << ::testing::PrintToString(texts(t));
	EXPECT_EQ(t[0].text,
		  "bond0: does not meet the policy (violations: link-monitor)");
	EXPECT_EQ(t[1].kind, Transition::no_link_monitor);
	t = transitions(&b, a);
	ASSERT_EQ(t.size(), 2u);
	EXPECT_EQ(t[0].text, "bond0: meets the policy again");
	EXPECT_EQ(t[1].text,
		  "bond0: link monitor set (miimon 100 ms, arp_interval 0 ms)");
}

TEST(Transitions, FinalPage)
{
	exabond_page a = two_member_page(), b = a;

	b.hot |= EXABOND_HOT_F_DEAD;
	b.event = EXABOND_EVENT_BOND_DELETE;
	auto t = transitions(&a, b);
	ASSERT_EQ(t.size(), 1u);
	EXPECT_EQ(t[0].text, "bond0: deleted; the page is final");
	b.event = EXABOND_EVENT_UNMANAGE;
	EXPECT_EQ(transitions(&a, b)[0].text,
		  "bond0: released from management; the page is final");
	/* Already dead: said once. */
	EXPECT_TRUE(transitions(&b, b).empty());
}

TEST(Transitions, FormatDuration)
{
	EXPECT_EQ(format_duration(999), "999 ns");
	EXPECT_EQ(format_duration(56700), "56.7 us");
	EXPECT_EQ(format_duration(1234000), "1.234 ms");
	EXPECT_EQ(format_duration(2000000000), "2.000 s");
}
