// SPDX-License-Identifier: GPL-2.0
#include "transitions.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include <exabond/names.hpp>

namespace exabond::monitor {

namespace {

std::string str(const char *s, std::size_t n)
{
	return std::string(s, strnlen(s, n));
}

std::string member_name(const exabond_page &pg, int ifindex)
{
	if (!ifindex)
		return "(none)";
	for (std::uint32_t i = 0; i < pg.bond.member_count &&
				  i < EXABOND_MAX_MEMBERS; i++)
		if (pg.members[i].ifindex == ifindex)
			return str(pg.members[i].name,
				   sizeof(pg.members[i].name));
	return "ifindex " + std::to_string(ifindex);
}

const exabond_member *find(const exabond_page &pg, int ifindex)
{
	for (std::uint32_t i = 0; i < pg.bond.member_count &&
				  i < EXABOND_MAX_MEMBERS; i++)
		if (pg.members[i].ifindex == ifindex)
			return &pg.members[i];
	return nullptr;
}

std::string violations_text(std::uint32_t v)
{
	static const struct {
		std::uint32_t bit;
		const char *name;
	} rules[] = {
		{ EXABOND_VIOLATION_MODE, "mode" },
		{ EXABOND_VIOLATION_DRIVER, "driver" },
		{ EXABOND_VIOLATION_MEMBER_TYPE, "member-type" },
		{ EXABOND_VIOLATION_MAX_MEMBERS, "max-members" },
		{ EXABOND_VIOLATION_SAME_CARD, "same-card" },
		{ EXABOND_VIOLATION_LINK_MONITOR, "link-monitor" },
	};
	std::string s;

	for (const auto &r : rules)
		if (v & r.bit)
			s += (s.empty() ? "" : ",") + std::string(r.name);
	return s.empty() ? "none" : s;
}

bool compliant(const exabond_page &pg)
{
	return pg.policy.flags & EXABOND_POLICY_F_COMPLIANT;
}

bool no_link_mon(const exabond_page &pg)
{
	return pg.policy.flags & EXABOND_POLICY_F_NO_LINK_MON;
}

void add(std::vector<Transition> &out, Transition::Kind k, Severity s,
	 std::string text)
{
	out.push_back(Transition{ k, s, std::move(text), std::nullopt,
				  std::nullopt });
}

} // namespace

std::string format_duration(std::uint64_t ns)
{
	char buf[48];

	if (ns < 1000)
		std::snprintf(buf, sizeof(buf), "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		std::snprintf(buf, sizeof(buf), "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		std::snprintf(buf, sizeof(buf), "%.3f ms", ns / 1e6);
	else
		std::snprintf(buf, sizeof(buf), "%.3f s", ns / 1e9);
	return buf;
}

std::vector<Transition> transitions(const exabond_page *prev,
				    const exabond_page &next)
{
	std::vector<Transition> out;
	const std::string bond = str(next.bond.name, sizeof(next.bond.name));

	if (!prev) {
		if (no_link_mon(next))
			add(out, Transition::no_link_monitor,
			    Severity::warning,
			    bond + ": no link monitor (miimon 0, arp_interval 0): a failed member is never noticed and failover never happens");
		if (!compliant(next))
			add(out, Transition::policy, Severity::warning,
			    bond + ": does not meet the policy (violations: " +
				    violations_text(next.policy.violations) +
				    ")");
		return out;
	}

	/* Members that left, then members that came. */
	for (std::uint32_t i = 0; i < prev->bond.member_count &&
				  i < EXABOND_MAX_MEMBERS; i++) {
		const exabond_member &m = prev->members[i];

		if (!find(next, m.ifindex))
			add(out, Transition::member_removed, Severity::info,
			    bond + ": member " +
				    str(m.name, sizeof(m.name)) + " removed");
	}
	for (std::uint32_t i = 0; i < next.bond.member_count &&
				  i < EXABOND_MAX_MEMBERS; i++) {
		const exabond_member &m = next.members[i];
		const exabond_member *o = find(*prev, m.ifindex);
		const std::string name = str(m.name, sizeof(m.name));

		if (!o) {
			add(out, Transition::member_added, Severity::info,
			    bond + ": member " + name + " added (link " +
				    std::string(link_name(m.link)) +
				    ", carrier " + (m.carrier ? "up" : "down") +
				    ", " + std::string(role_name(m.role)) + ")");
			continue;
		}
		if (o->carrier != m.carrier)
			add(out, Transition::member_carrier,
			    m.carrier ? Severity::info : Severity::warning,
			    bond + ": member " + name + " carrier " +
				    (m.carrier ? "up" : "down") +
				    " (raw, from the NIC driver)");
		if (o->link != m.link)
			add(out, Transition::member_link,
			    m.link == EXABOND_LINK_UP ? Severity::info :
							Severity::warning,
			    bond + ": member " + name + " link " +
				    std::string(link_name(o->link)) + " -> " +
				    std::string(link_name(m.link)) +
				    " (link failures " +
				    std::to_string(m.link_failure_count) + ")");
	}

	if (prev->bond.active_ifindex != next.bond.active_ifindex) {
		Transition t{ Transition::failover, Severity::warning, "",
			      std::nullopt, std::nullopt };
		const exabond_member *old = find(next, prev->bond.active_ifindex);
		std::string text = bond + ": failover " +
				   member_name(*prev, prev->bond.active_ifindex) +
				   " -> " +
				   member_name(next, next.bond.active_ifindex);

		if (old && !old->carrier && old->carrier_changed_ns &&
		    next.bond.last_failover_ns >= old->carrier_changed_ns) {
			t.carrier_to_failover_ns = next.bond.last_failover_ns -
						   old->carrier_changed_ns;
			text += ", " + format_duration(*t.carrier_to_failover_ns) +
				" after " +
				str(old->name, sizeof(old->name)) +
				" lost carrier";
		}
		if (next.publish_ns >= next.event_ns && next.event_ns) {
			t.lag_ns = next.publish_ns - next.event_ns;
			text += ", published " + format_duration(*t.lag_ns) +
				" after the event";
		}
		text += " (failover " +
			std::to_string(next.bond.failover_count) + ")";
		t.text = std::move(text);
		out.push_back(std::move(t));
	}

	{
		bool was = (prev->bond.flags & EXABOND_BOND_F_ADMIN_UP) &&
			   (prev->bond.flags & EXABOND_BOND_F_CARRIER);
		bool is = (next.bond.flags & EXABOND_BOND_F_ADMIN_UP) &&
			  (next.bond.flags & EXABOND_BOND_F_CARRIER);

		if (was != is)
			add(out, Transition::bond_state,
			    is ? Severity::info : Severity::warning,
			    bond + (is ? ": up (carrier)" :
					 (next.bond.flags &
					  EXABOND_BOND_F_ADMIN_UP) ?
					 ": down (no carrier: no member link is up)" :
					 ": down (administratively)"));
	}

	if (compliant(*prev) != compliant(next) ||
	    prev->policy.violations != next.policy.violations)
		add(out, Transition::policy,
		    compliant(next) ? Severity::info : Severity::warning,
		    bond + (compliant(next) ?
				    std::string(": meets the policy again") :
				    ": does not meet the policy (violations: " +
					    violations_text(next.policy.violations) +
					    ")"));
	if (!no_link_mon(*prev) && no_link_mon(next))
		add(out, Transition::no_link_monitor, Severity::warning,
		    bond + ": no link monitor (miimon 0, arp_interval 0): a failed member is never noticed and failover never happens");
	else if (no_link_mon(*prev) && !no_link_mon(next))
		add(out, Transition::no_link_monitor, Severity::info,
		    bond + ": link monitor set (miimon " +
			    std::to_string(next.bond.miimon) +
			    " ms, arp_interval " +
			    std::to_string(next.bond.arp_interval) + " ms)");

	if (!(prev->hot & EXABOND_HOT_F_DEAD) && (next.hot & EXABOND_HOT_F_DEAD))
		add(out, Transition::bond_gone, Severity::warning,
		    bond + (next.event == EXABOND_EVENT_UNMANAGE ?
				    ": released from management; the page is final" :
				    ": deleted; the page is final"));
	return out;
}

} // namespace exabond::monitor
