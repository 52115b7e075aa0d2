// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor's metrics: the histogram, the exposition text (read back
// with a strict checker), node_exporter's bonding semantics, LACP health
// and the status document, on synthetic pages published by PageWriter.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <exabond/reader.h>
#include <exabond/writer.hpp>

#include "exposition_check.hpp"
#include "metrics.hpp"

namespace {

using exabond::monitor::BondMetrics;
using exabond::monitor::DaemonMetrics;
using exabond::monitor::Histogram;
using exabond::monitor::render_prometheus;
using exabond::monitor::status_json;
using exposition::Labels;

struct alignas(4096) AlignedPage {
	exabond_page pg;
};

struct MemberSpec {
	const char *name;
	unsigned link;
	std::uint16_t aggregator = 1;
	std::uint32_t link_failures = 0;
};

// A staged bond of @members, the first one active (for modes that have an
// active member), admin up with carrier, miimon 100, compliant.
exabond_page staged(const char *bond, unsigned mode,
		    const std::vector<MemberSpec> &members)
{
	exabond_page st;

	std::memset(&st, 0, sizeof(st));
	st.bond.ifindex = 10;
	std::snprintf(st.bond.name, sizeof(st.bond.name), "%s", bond);
	st.bond.mode = std::uint8_t(mode);
	st.bond.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
	st.bond.miimon = 100;
	st.bond.member_count = st.bond.members_total =
		std::uint32_t(members.size());
	st.policy.flags = EXABOND_POLICY_F_COMPLIANT;
	const bool has_active = mode == EXABOND_MODE_ACTIVE_BACKUP ||
				mode == EXABOND_MODE_BALANCE_TLB ||
				mode == EXABOND_MODE_BALANCE_ALB;
	if (has_active && !members.empty())
		st.bond.active_ifindex = 11;
	for (std::size_t i = 0; i < members.size(); i++) {
		exabond_member &m = st.members[i];

		m.ifindex = int(11 + i);
		std::snprintf(m.name, sizeof(m.name), "%s", members[i].name);
		std::snprintf(m.driver, sizeof(m.driver), "mlx5_core");
		std::snprintf(m.bus_info, sizeof(m.bus_info),
			      "0000:3b:00.%zu", i);
		m.link = std::uint8_t(members[i].link);
		m.role = m.ifindex == st.bond.active_ifindex
			? EXABOND_ROLE_ACTIVE : EXABOND_ROLE_BACKUP;
		if (m.ifindex == st.bond.active_ifindex)
			m.flags |= EXABOND_MEMBER_F_ACTIVE;
		m.carrier = members[i].link == EXABOND_LINK_UP;
		m.duplex = EXABOND_DUPLEX_FULL;
		m.speed = 25000;
		m.ad_aggregator_id = members[i].aggregator;
		m.link_failure_count = members[i].link_failures;
	}
	if (mode == EXABOND_MODE_8023AD) {
		static const std::uint8_t partner[] = {0x9c, 0x05, 0xd6,
						       0x63, 0xf9, 0xbb};

		st.bond.flags |= EXABOND_BOND_F_AD_INFO_VALID;
		st.ad.aggregator_id = 1;
		st.ad.num_ports = std::uint16_t(members.size());
		std::memcpy(st.ad.partner_mac, partner, sizeof(partner));
	}
	return st;
}

// @st published by PageWriter, as a reader would copy it.
std::unique_ptr<BondMetrics> published(const exabond_page &st,
				       const char *source = "monitor")
{
	auto mem = std::make_unique<AlignedPage>();
	exabond::PageWriter w(&mem->pg);
	auto m = std::make_unique<BondMetrics>();

	EXPECT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, st.bond.ifindex,
			      exabond::PageWriter::now_ns()));
	std::memcpy(&m->page, &mem->pg, sizeof(m->page));
	m->source = source;
	return m;
}

std::unique_ptr<BondMetrics> bond3()
{
	return published(staged("bond0", EXABOND_MODE_ACTIVE_BACKUP,
				{{"eth0", EXABOND_LINK_UP},
				 {"eth1", EXABOND_LINK_UP},
				 {"eth2", EXABOND_LINK_DOWN, 1, 3}}));
}

DaemonMetrics daemon_metrics()
{
	DaemonMetrics d;

	d.mode = "observe";
	d.version = "0.1.0";
	d.start_unix_s = 1700000000;
	d.now_monotonic_ns = 5000000000ULL;
	d.netlink_messages = 42;
	d.netlink_resyncs = 1;
	d.audit_divergences = 3;
	return d;
}

exposition::Parsed render(const std::vector<const BondMetrics *> &bonds)
{
	const std::string text = render_prometheus(daemon_metrics(), bonds);

	try {
		return exposition::parse(text);
	} catch (const exposition::Error &e) {
		ADD_FAILURE() << e.what() << "\n" << text;
		throw;
	}
}

Labels bond(const char *b)
{
	return {{"bond", b}};
}

Labels member(const char *b, const char *m)
{
	return {{"bond", b}, {"member", m}};
}

// Histogram

TEST(Histogram, CumulativeBucketsSumAndCount)
{
	Histogram h({0.001, 0.01, 0.1});

	for (double v : {0.0005, 0.001, 0.005, 0.05, 0.5, 2.0})
		h.observe(v);
	EXPECT_EQ(h.cumulative(0), 2u);	// le is inclusive: 0.001 counts
	EXPECT_EQ(h.cumulative(1), 3u);
	EXPECT_EQ(h.cumulative(2), 4u);
	EXPECT_EQ(h.cumulative(3), 6u);	// +Inf
	EXPECT_EQ(h.count(), 6u);
	EXPECT_DOUBLE_EQ(h.sum(), 0.0005 + 0.001 + 0.005 + 0.05 + 0.5 + 2.0);
}

TEST(Histogram, NaNIsIgnored)
{
	Histogram h({1});

	h.observe(NAN);
	EXPECT_EQ(h.count(), 0u);
	EXPECT_EQ(h.sum(), 0);
}

TEST(Histogram, BoundsMustBeFiniteAndIncreasing)
{
	EXPECT_THROW(Histogram({1, 1}), std::invalid_argument);
	EXPECT_THROW(Histogram({2, 1}), std::invalid_argument);
	EXPECT_THROW(Histogram({1, INFINITY}), std::invalid_argument);
	EXPECT_THROW(Histogram({NAN}), std::invalid_argument);
	EXPECT_NO_THROW(Histogram(Histogram::publication_lag_buckets()));
	EXPECT_NO_THROW(Histogram(Histogram::carrier_to_failover_buckets()));
}

TEST(Histogram, DefaultBucketRanges)
{
	auto lag = Histogram::publication_lag_buckets();
	auto c2f = Histogram::carrier_to_failover_buckets();

	EXPECT_DOUBLE_EQ(lag.front(), 1e-6);
	EXPECT_DOUBLE_EQ(lag.back(), 0.1);
	EXPECT_DOUBLE_EQ(c2f.front(), 1e-4);
	EXPECT_DOUBLE_EQ(c2f.back(), 10);
}

TEST(Histogram, QuantileInterpolatesWithinABucket)
{
	Histogram h({1, 2, 4});

	EXPECT_FALSE(h.quantile(0.5));
	for (int i = 0; i < 4; i++)
		h.observe(1.5);		// all in (1, 2]
	EXPECT_DOUBLE_EQ(*h.quantile(0.5), 1.5);
	EXPECT_DOUBLE_EQ(*h.quantile(1), 2);
	h.observe(100);			// +Inf: the highest finite bound
	EXPECT_DOUBLE_EQ(*h.quantile(1), 4);
	EXPECT_FALSE(h.quantile(1.5));
}

TEST(Histogram, RendersAsPrometheusHistogram)
{
	Histogram h({1e-6, 0.25, 10});
	std::string out;

	h.observe(0.1);
	h.observe(20);
	h.render(out, "x_seconds", "bond=\"b\"");
	EXPECT_EQ(out, "x_seconds_bucket{bond=\"b\",le=\"1e-06\"} 0\n"
		       "x_seconds_bucket{bond=\"b\",le=\"0.25\"} 1\n"
		       "x_seconds_bucket{bond=\"b\",le=\"10\"} 1\n"
		       "x_seconds_bucket{bond=\"b\",le=\"+Inf\"} 2\n"
		       "x_seconds_sum{bond=\"b\"} 20.1\n"
		       "x_seconds_count{bond=\"b\"} 2\n");
}

TEST(Histogram, BoundsSpelledAsClientGolangSpellsThem)
{
	// le is compared as a string: 0.0001 must not read "1e-04".
	Histogram h({1e-5, 1e-4, 0.00025, 1, 100000, 1e6});
	std::string out;
	std::vector<std::string> le;

	h.render(out, "x", "");
	for (std::size_t at = out.find("le=\""); at != std::string::npos;
	     at = out.find("le=\"", at + 1))
		le.push_back(out.substr(at + 4,
					out.find('"', at + 4) - at - 4));
	EXPECT_EQ(le, (std::vector<std::string>{"1e-05", "0.0001", "0.00025",
						"1", "100000", "1e+06",
						"+Inf"}));
	EXPECT_NE(out.find("x_count 0\n"), std::string::npos);
}

// Label values

TEST(Labels, EscapesBackslashQuoteAndNewline)
{
	EXPECT_EQ(exabond::monitor::escape_label_value("a\\b\"c\nd"),
		  "a\\\\b\\\"c\\nd");
}

TEST(Labels, NonUtf8BytesBecomeReplacementCharacters)
{
	using exabond::monitor::escape_label_value;

	EXPECT_EQ(escape_label_value("\xff" "a"), "\xef\xbf\xbd" "a");
	EXPECT_EQ(escape_label_value("\xc3\xa9"), "\xc3\xa9");	// é
	EXPECT_EQ(escape_label_value("\xc3"), "\xef\xbf\xbd");	// cut short
	EXPECT_EQ(escape_label_value("\xed\xa0\x80"),		// surrogate
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

// The exposition

TEST(Exposition, IsValidDeterministicAndSorted)
{
	auto a = bond3();
	auto b = published(staged("bond1", EXABOND_MODE_8023AD,
				  {{"eth3", EXABOND_LINK_UP},
				   {"eth4", EXABOND_LINK_UP}}));

	for (double v : {3e-6, 2e-5, 0.2})
		a->publication_lag.observe(v);
	a->carrier_to_failover.observe(0.15);
	const std::string ab = render_prometheus(daemon_metrics(),
						 {a.get(), b.get()});
	const std::string ba = render_prometheus(daemon_metrics(),
						 {b.get(), nullptr, a.get()});

	EXPECT_EQ(ab, ba);
	exposition::Parsed p = render({a.get(), b.get()});

	// Bonds in name order within every family.
	auto slaves = p.all("node_bonding_slaves");
	ASSERT_EQ(slaves.size(), 2u);
	EXPECT_EQ(slaves[0].labels.at("master"), "bond0");
	EXPECT_EQ(slaves[1].labels.at("master"), "bond1");

	EXPECT_EQ(p.families.at("exabond_publication_lag_seconds").type,
		  "histogram");
	EXPECT_EQ(p.value("exabond_publication_lag_seconds_count",
			  bond("bond0")), 3);
	EXPECT_EQ(p.value("exabond_publication_lag_seconds_bucket",
			  {{"bond", "bond0"}, {"le", "+Inf"}}), 3);
	EXPECT_EQ(p.value("exabond_publication_lag_seconds_bucket",
			  {{"bond", "bond0"}, {"le", "0.1"}}), 2);
	EXPECT_EQ(p.value("exabond_carrier_to_failover_seconds_count",
			  bond("bond0")), 1);
	EXPECT_EQ(p.value("exabond_publication_lag_seconds_count",
			  bond("bond1")), 0);
	EXPECT_EQ(p.families.at("exabond_failovers_total").type, "counter");
	EXPECT_EQ(p.value("exabond_monitor_netlink_messages_total"), 42);
	EXPECT_EQ(p.value("exabond_monitor_netlink_resyncs_total"), 1);
	EXPECT_EQ(p.value("exabond_monitor_audit_divergences_total"), 3);
	EXPECT_EQ(p.value("exabond_monitor_start_time_seconds"), 1700000000);
	EXPECT_EQ(p.value("exabond_monitor_monotonic_seconds"), 5);
	EXPECT_EQ(p.value("exabond_monitor_bonds"), 2);
	EXPECT_EQ(p.value("exabond_monitor_info",
			  {{"mode", "observe"}, {"version", "0.1.0"},
			   {"abi", std::to_string(EXABOND_ABI_MAJOR) + "." +
					   std::to_string(EXABOND_ABI_MINOR)}}),
		  1);
}

TEST(Exposition, NoBondsStillValid)
{
	exposition::Parsed p = render({});

	EXPECT_EQ(p.value("exabond_monitor_bonds"), 0);
	EXPECT_EQ(p.families.count("node_bonding_slaves"), 0u);
}

TEST(Exposition, LabelValuesAreEscapedAndReadBack)
{
	// Linux allows quotes and backslashes in interface names.
	auto m = published(staged("b\"o\\nd", EXABOND_MODE_ACTIVE_BACKUP,
				  {{"e\"0", EXABOND_LINK_UP}}));
	const std::string text = render_prometheus(daemon_metrics(),
						   {m.get()});

	EXPECT_NE(text.find("master=\"b\\\"o\\\\nd\""), std::string::npos);
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("node_bonding_slaves", {{"master", "b\"o\\nd"}}), 1);
	EXPECT_EQ(p.value("exabond_member_link_up", member("b\"o\\nd", "e\"0")),
		  1);
}

TEST(Exposition, PublicationSourceInBondInfo)
{
	auto m = published(staged("bond0", EXABOND_MODE_ACTIVE_BACKUP,
				  {{"eth0", EXABOND_LINK_UP}}),
			   "kernel");
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("exabond_bond_info",
			  {{"bond", "bond0"}, {"ifindex", "10"},
			   {"mode", "active-backup"},
			   {"xmit_hash_policy", "layer2"},
			   {"source", "kernel"}}),
		  1);
	EXPECT_EQ(p.value("exabond_bond_up", bond("bond0")), 1);
}

TEST(Exposition, InvalidPageHasNoBondSeries)
{
	auto m = bond3();

	m->page.magic = 0;
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.families.count("node_bonding_slaves"), 0u);
	EXPECT_EQ(p.value("exabond_monitor_bonds"), 1);
	EXPECT_EQ(p.value("exabond_monitor_bonds_unreadable"), 1);
}

// node_exporter's bonding series

TEST(NodeBonding, ThreeMembersTwoUp)
{
	auto m = bond3();
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("node_bonding_slaves", {{"master", "bond0"}}), 3);
	EXPECT_EQ(p.value("node_bonding_active", {{"master", "bond0"}}), 2);
	EXPECT_EQ(p.families.at("node_bonding_slaves").type, "gauge");
	EXPECT_EQ(p.families.at("node_bonding_active").type, "gauge");
}

TEST(NodeBonding, GoingDownAndGoingBackAreNotUp)
{
	// node_exporter counts mii_status == "up" only; bonding prints
	// "going down" and "going back" for FAIL and BACK.
	auto m = published(staged("bond0", EXABOND_MODE_ACTIVE_BACKUP,
				  {{"eth0", EXABOND_LINK_UP},
				   {"eth1", EXABOND_LINK_FAIL},
				   {"eth2", EXABOND_LINK_BACK},
				   {"eth3", EXABOND_LINK_DOWN}}));
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("node_bonding_slaves", {{"master", "bond0"}}), 4);
	EXPECT_EQ(p.value("node_bonding_active", {{"master", "bond0"}}), 1);
}

TEST(NodeBonding, SlavesCountsMembersPastThePageArray)
{
	auto m = bond3();

	m->page.bond.members_total = 20;
	m->page.bond.flags |= EXABOND_BOND_F_MEMBER_OVERFLOW;
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("node_bonding_slaves", {{"master", "bond0"}}), 20);
	EXPECT_EQ(p.value("node_bonding_active", {{"master", "bond0"}}), 2);
}

TEST(NodeBonding, BondWithoutMembers)
{
	auto m = published(staged("bond0", EXABOND_MODE_ACTIVE_BACKUP, {}));
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("node_bonding_slaves", {{"master", "bond0"}}), 0);
	EXPECT_EQ(p.value("node_bonding_active", {{"master", "bond0"}}), 0);
	EXPECT_EQ(p.families.count("exabond_active_member_info"), 0u);
}

// Members and failovers

TEST(Members, ActiveMemberAndCounters)
{
	auto m = bond3();

	m->page.bond.failover_count = 7;
	m->page.bond.last_failover_ns = 4500000000ULL;
	m->page.members[1].carrier_changes = 5;
	m->publications_seen = 9;
	m->audit_divergences = 2;
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("exabond_active_member_info",
			  {{"bond", "bond0"}, {"member", "eth0"},
			   {"ifindex", "11"}}),
		  1);
	EXPECT_EQ(p.all("exabond_active_member_info").size(), 1u);
	EXPECT_EQ(p.value("exabond_failovers_total", bond("bond0")), 7);
	EXPECT_EQ(p.value("exabond_last_failover_monotonic_seconds",
			  bond("bond0")), 4.5);
	EXPECT_EQ(p.value("exabond_member_active", member("bond0", "eth0")), 1);
	EXPECT_EQ(p.value("exabond_member_active", member("bond0", "eth1")), 0);
	EXPECT_EQ(p.value("exabond_member_link_up", member("bond0", "eth2")),
		  0);
	EXPECT_EQ(p.value("exabond_member_carrier", member("bond0", "eth1")),
		  1);
	EXPECT_EQ(p.value("exabond_member_carrier", member("bond0", "eth2")),
		  0);
	EXPECT_EQ(p.value("exabond_member_link_failures_total",
			  member("bond0", "eth2")), 3);
	EXPECT_EQ(p.value("exabond_member_carrier_changes_total",
			  member("bond0", "eth1")), 5);
	EXPECT_EQ(p.value("exabond_member_info",
			  {{"bond", "bond0"}, {"member", "eth1"},
			   {"ifindex", "12"}, {"driver", "mlx5_core"},
			   {"bus_info", "0000:3b:00.1"}}),
		  1);
	EXPECT_EQ(p.value("exabond_publications_seen_total", bond("bond0")),
		  9);
	EXPECT_EQ(p.value("exabond_audit_divergences_total", bond("bond0")),
		  2);
	EXPECT_TRUE(p.value("exabond_page_generation", bond("bond0")));
}

TEST(Members, NoActiveMemberNoFailoverSeries)
{
	auto m = published(staged("bond0", EXABOND_MODE_BALANCE_XOR,
				  {{"eth0", EXABOND_LINK_UP}}));
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.families.count("exabond_active_member_info"), 0u);
	EXPECT_EQ(p.families.count("exabond_last_failover_monotonic_seconds"),
		  0u);
	EXPECT_EQ(p.value("exabond_failovers_total", bond("bond0")), 0);
}

// LACP health: partner MAC known, every member in the active aggregator,
// a link monitor set.

struct LacpCase {
	const char *what;
	void (*change)(exabond_page &);
	bool healthy;
	double partner_known;
	double in_active;
};

class Lacp : public ::testing::TestWithParam<LacpCase> {};

TEST_P(Lacp, Health)
{
	const LacpCase &c = GetParam();
	exabond_page st = staged("bond0", EXABOND_MODE_8023AD,
				 {{"eth0", EXABOND_LINK_UP},
				  {"eth1", EXABOND_LINK_UP}});

	c.change(st);
	auto m = published(st);
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("exabond_lacp_healthy", bond("bond0")),
		  c.healthy ? 1 : 0);
	EXPECT_EQ(p.value("exabond_lacp_partner_mac_known", bond("bond0")),
		  c.partner_known);
	EXPECT_EQ(p.value("exabond_lacp_members_in_active_aggregator",
			  bond("bond0")), c.in_active);
}

INSTANTIATE_TEST_SUITE_P(
	Cases, Lacp,
	::testing::Values(
		LacpCase{"healthy", [](exabond_page &) {}, true, 1, 2},
		LacpCase{"no_partner",
			 [](exabond_page &p) {
				 std::memset(p.ad.partner_mac, 0,
					     sizeof(p.ad.partner_mac));
			 },
			 false, 0, 2},
		LacpCase{"member_in_other_aggregator",
			 [](exabond_page &p) {
				 p.members[1].ad_aggregator_id = 2;
			 },
			 false, 1, 1},
		LacpCase{"no_link_monitor",
			 [](exabond_page &p) {
				 p.bond.miimon = 0;
				 p.policy.flags |= EXABOND_POLICY_F_NO_LINK_MON;
			 },
			 false, 1, 2},
		LacpCase{"no_aggregator_info",
			 [](exabond_page &p) {
				 p.bond.flags &= ~EXABOND_BOND_F_AD_INFO_VALID;
			 },
			 false, 0, 0}),
	[](const ::testing::TestParamInfo<LacpCase> &i) {
		return std::string(i.param.what);
	});

TEST(LacpSeries, AggregatorPortsAndOnlyFor8023ad)
{
	auto lacp = published(staged("bond1", EXABOND_MODE_8023AD,
				     {{"eth3", EXABOND_LINK_UP},
				      {"eth4", EXABOND_LINK_UP}}));
	auto ab = bond3();
	exposition::Parsed p = render({ab.get(), lacp.get()});

	EXPECT_EQ(p.value("exabond_lacp_aggregator_ports", bond("bond1")), 2);
	EXPECT_EQ(p.all("exabond_lacp_healthy").size(), 1u);
	EXPECT_FALSE(p.value("exabond_lacp_healthy", bond("bond0")));
}

TEST(LacpSeries, OverflowingPageIsNotHealthy)
{
	exabond_page st = staged("bond0", EXABOND_MODE_8023AD,
				 {{"eth0", EXABOND_LINK_UP},
				  {"eth1", EXABOND_LINK_UP}});

	st.bond.members_total = 3;
	st.bond.flags |= EXABOND_BOND_F_MEMBER_OVERFLOW;
	auto m = published(st);
	exposition::Parsed p = render({m.get()});

	EXPECT_EQ(p.value("exabond_lacp_healthy", bond("bond0")), 0);
}

// Policy

TEST(Policy, ComplianceViolationsAndEligibility)
{
	auto m = bond3();

	m->page.policy.flags = EXABOND_POLICY_F_ROCE_LAG |
			       EXABOND_POLICY_F_NO_LINK_MON;
	m->page.policy.violations = EXABOND_VIOLATION_SAME_CARD |
				    EXABOND_VIOLATION_LINK_MONITOR;
	exposition::Parsed p = render({m.get()});
	const auto rule = [](const char *r) {
		return Labels{{"bond", "bond0"}, {"rule", r}};
	};

	EXPECT_EQ(p.value("exabond_policy_compliant", bond("bond0")), 0);
	EXPECT_EQ(p.value("exabond_roce_lag_eligible", bond("bond0")), 1);
	EXPECT_EQ(p.value("exabond_link_monitor_configured", bond("bond0")),
		  0);
	EXPECT_EQ(p.value("exabond_policy_violation", rule("same_card")), 1);
	EXPECT_EQ(p.value("exabond_policy_violation", rule("link_monitor")),
		  1);
	EXPECT_EQ(p.value("exabond_policy_violation", rule("mode")), 0);
	EXPECT_EQ(p.all("exabond_policy_violation").size(), 6u);
}

// The status document: the fields metrics.cpp adds around bond_json().

TEST(Status, DaemonAndBonds)
{
	auto a = bond3();
	auto b = published(staged("bond1", EXABOND_MODE_8023AD,
				  {{"eth3", EXABOND_LINK_UP},
				   {"eth4", EXABOND_LINK_UP}}),
			   "kernel");
	auto bad = bond3();

	bad->page.magic = 0;
	a->publication_lag.observe(2e-5);
	a->publication_lag.observe(4e-5);
	const auto j = status_json(daemon_metrics(),
				   {bad.get(), b.get(), a.get()});

	EXPECT_EQ(j.at("daemon").at("mode"), "observe");
	EXPECT_EQ(j.at("daemon").at("netlink_messages"), 42);
	const auto &bonds = j.at("bonds");
	ASSERT_EQ(bonds.size(), 3u);
	EXPECT_EQ(bonds[0].at("bond"), "bond0");
	EXPECT_EQ(bonds[0].at("source"), "monitor");
	EXPECT_EQ(bonds[0].at("valid"), true);
	EXPECT_TRUE(bonds[0].contains("page"));
	EXPECT_FALSE(bonds[0].contains("lacp"));
	EXPECT_EQ(bonds[0].at("publication_lag").at("count"), 2);
	EXPECT_GT(bonds[0].at("publication_lag").at("p50_seconds"), 1e-5);
	EXPECT_LE(bonds[0].at("publication_lag").at("p50_seconds"), 5e-5);
	EXPECT_TRUE(bonds[0].at("carrier_to_failover").at("p50_seconds")
			    .is_null());
	EXPECT_EQ(bonds[1].at("bond"), "bond1");
	EXPECT_EQ(bonds[1].at("source"), "kernel");
	EXPECT_EQ(bonds[1].at("lacp").at("healthy"), true);
	EXPECT_EQ(bonds[2].at("valid"), false);
	EXPECT_TRUE(bonds[2].contains("error"));
	EXPECT_FALSE(bonds[2].contains("page"));
	// The document is JSON that any parser reads back.
	const auto back = nlohmann::json::parse(j.dump());

	EXPECT_EQ(back.at("bonds").size(), 3u);
}

TEST(Status, NonUtf8NamesStillDump)
{
	auto m = bond3();

	m->page.magic = 0;
	m->page.bond.name[0] = '\xff';
	const auto j = status_json(daemon_metrics(), {m.get()});

	std::string text;

	EXPECT_NO_THROW(text = j.dump());
	EXPECT_FALSE(text.empty());
}

} // namespace
