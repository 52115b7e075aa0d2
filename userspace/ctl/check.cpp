// SPDX-License-Identifier: GPL-2.0
//
// `check`. Where the page holds a verdict (policy.violations, the
// COMPLIANT and ROCE_LAG flags), that verdict decides OK or FAIL and our
// own reading of the members only adds the reason: if the two ever
// disagreed, the kernel's view is the one that refuses changes. The LACP
// health rules (seeds 000 and 002) have no page bit; they are read from
// the 802.3ad fields as /proc/net/bonding would show them.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include <exabond/bond.hpp>
#include <exabond/names.hpp>

#include "check.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "control_file.hpp"
#include "status.hpp"

namespace exabond::ctl {

const char *result_name(Result r)
{
	switch (r) {
	case Result::ok:
		return "OK";
	case Result::fail:
		return "FAIL";
	case Result::info:
		return "INFO";
	}
	return "?";
}

std::string pci_slot(std::string_view bus_info)
{
	unsigned dom, bus, slot, fn;
	char end;
	std::string s(bus_info);

	// The kernel's test (kmod/policy.c): exactly "%x:%x:%x.%x".
	if (std::sscanf(s.c_str(), "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn,
			&end) != 4)
		return "";
	return s.substr(0, s.rfind('.'));
}

bool passed(const std::vector<Verdict> &v)
{
	return std::none_of(v.begin(), v.end(), [](const Verdict &x) {
		return x.result == Result::fail;
	});
}

std::string format_verdicts(const std::vector<Verdict> &v)
{
	std::size_t w = 0;
	std::string out;

	for (const Verdict &x : v)
		w = std::max(w, x.check.size());
	for (const Verdict &x : v) {
		char head[96];

		std::snprintf(head, sizeof(head), "%-4s  %-*s  ",
			      result_name(x.result), int(w), x.check.c_str());
		out += head + x.why + '\n';
	}
	return out;
}

namespace {

struct Checker {
	const Snapshot &s;
	const CheckOptions &o;
	std::vector<Verdict> v;

	void add(std::string check, bool ok, std::string why)
	{
		v.push_back({std::move(check), ok ? Result::ok : Result::fail,
			     std::move(why)});
	}
	void info(std::string check, std::string why)
	{
		v.push_back({std::move(check), Result::info, std::move(why)});
	}
	bool broken(std::uint32_t bit) const
	{
		return s.violations() & bit;
	}

	std::string allowed_modes_text() const
	{
		std::string t;
		std::uint32_t m = s.policy().allowed_modes;

		for (unsigned i = 0; i <= EXABOND_MODE_BALANCE_ALB; i++)
			if (m & (1U << i))
				t += (t.empty() ? "" : ", ") +
				     std::string(mode_name(i));
		return t.empty() ? "none" : t;
	}

	void mode()
	{
		std::string m(s.mode_name());
		bool bad = broken(EXABOND_VIOLATION_MODE);

		if (s.abi_minor() < 1)
			add("policy.mode", !bad,
			    "mode " + m + (bad ? " is not" : " is") +
				    " in allowed_modes");
		else
			add("policy.mode", !bad,
			    "mode " + m + (bad ? " is not" : " is") +
				    " in allowed_modes (" +
				    allowed_modes_text() + ")");
	}

	// Each member's type and driver. The page has one bit per rule for
	// the whole bond; a member is named when its driver says what it is.
	void members()
	{
		bool type_named = false, driver_named = false;
		const auto &drivers = o.allowed_drivers;

		for (Member m : s.members()) {
			std::string name(m.name()), drv(m.driver());
			std::string c = "policy.member " + name;

			if (drv == "bonding") {
				add(c, false, name + " is a bond: a bond "
						     "cannot be a member");
				type_named = true;
				continue;
			}
			if (drv == "802.1Q VLAN Support") {
				add(c, false, name + " is a VLAN device");
				type_named = true;
				continue;
			}
			if (drivers && !drivers->empty() &&
			    std::find(drivers->begin(), drivers->end(), drv) ==
				    drivers->end()) {
				add(c, false,
				    name + "'s driver " +
					    (drv.empty() ? "(none)" : drv) +
					    " is not in allowed_drivers");
				driver_named = true;
				continue;
			}
			add(c, true,
			    name + ": driver " + (drv.empty() ? "(none)" : drv) +
				    (m.bus_info().empty()
					     ? ""
					     : ", bus " +
						       std::string(m.bus_info())) +
				    (drivers && !drivers->empty()
					     ? " (allowed)"
					     : ""));
		}
		if (s.members().empty())
			info("policy.members", "no members");
		if (broken(EXABOND_VIOLATION_MEMBER_TYPE) && !type_named)
			add("policy.member_type", false,
			    "a member is a bond, a VLAN or not Ethernet");
		if (broken(EXABOND_VIOLATION_DRIVER) && !driver_named)
			add("policy.driver", false,
			    "a member's driver is not in allowed_drivers");
	}

	void max_members()
	{
		std::uint32_t max = s.policy().max_members;
		std::string n = std::to_string(s.members_total());
		bool bad = broken(EXABOND_VIOLATION_MAX_MEMBERS);

		if (s.abi_minor() >= 1 && !max && !bad)
			add("policy.max_members", true,
			    n + " members, no limit");
		else if (s.abi_minor() >= 1)
			add("policy.max_members", !bad,
			    n + " members, max_members " +
				    std::to_string(max));
		else
			add("policy.max_members", !bad,
			    n + (bad ? " members: over" : " members: within") +
				    " max_members");
	}

	// Two ports of one card: exactly two members, PCI functions of one
	// slot. Returns the reason; @ok says whether it holds.
	std::string same_card(bool *ok) const
	{
		auto ms = s.members();

		*ok = false;
		if (s.members_total() != 2)
			return std::to_string(s.members_total()) +
			       " members: a RoCE LAG has exactly two";
		std::string a = pci_slot(ms[0].bus_info());
		std::string b = pci_slot(ms[1].bus_info());

		if (a.empty() || b.empty()) {
			Member m = a.empty() ? ms[0] : ms[1];

			return std::string(m.name()) + " is not a PCI function "
			       "(bus info \"" + std::string(m.bus_info()) +
			       "\")";
		}
		if (a != b)
			return std::string(ms[0].name()) + " (" + a + ") and " +
			       std::string(ms[1].name()) + " (" + b +
			       ") are on different cards";
		*ok = true;
		return std::string(ms[0].name()) + " and " +
		       std::string(ms[1].name()) + " are ports of card " + a;
	}

	void same_card_rule()
	{
		bool in_force = s.policy().flags &
				EXABOND_POLICY_F_SAME_CARD_RULE;
		bool ok;
		std::string why = same_card(&ok);

		if (!in_force) {
			info("policy.same_card",
			     "not in force (allowed_modes is not roce-lag)");
			return;
		}
		add("policy.same_card", !broken(EXABOND_VIOLATION_SAME_CARD),
		    why);
	}

	void link_monitor()
	{
		const exabond_bond &b = s.raw().bond;
		bool required = s.policy().flags &
				EXABOND_POLICY_F_LINK_MON_REQUIRED;
		bool bad = broken(EXABOND_VIOLATION_LINK_MONITOR);

		if (b.miimon)
			add("policy.link_monitor", !bad,
			    "miimon " + std::to_string(b.miimon) + " ms");
		else if (b.arp_interval)
			add("policy.link_monitor", !bad,
			    "arp_interval " + std::to_string(b.arp_interval) +
				    " ms");
		else if (required || bad)
			add("policy.link_monitor", false,
			    "neither miimon nor arp_interval is set "
			    "(require_link_monitor)");
		else
			add("policy.link_monitor", true,
			    "neither miimon nor arp_interval is set: allowed "
			    "(require_link_monitor is off), but a failed "
			    "member is never detected");
	}

	void compliant()
	{
		add("policy.compliant", s.compliant(),
		    s.compliant() ? "the bond meets the policy"
				  : "breaks: " +
					    violation_list(s.violations()));
		if (s.policy().flags & EXABOND_POLICY_F_NO_HOOK)
			info("policy.hook",
			     "bonding's setters are not hooked: a disallowed "
			     "mode is refused at bring-up only");
	}

	void roce_lag()
	{
		unsigned m = s.mode();
		bool mode_ok = m == EXABOND_MODE_ACTIVE_BACKUP ||
			       m == EXABOND_MODE_BALANCE_XOR ||
			       m == EXABOND_MODE_8023AD;
		bool card_ok;
		std::string why = same_card(&card_ok);
		bool counted = o.roce_lag || (s.policy().flags &
					      EXABOND_POLICY_F_SAME_CARD_RULE);
		bool eligible = s.roce_lag_eligible();
		std::string mode_why = "mode " + std::string(s.mode_name()) +
				       (mode_ok ? " is" : " is not") +
				       " one of active-backup, balance-xor, "
				       "802.3ad";

		if (counted) {
			add("roce_lag.mode", mode_ok, mode_why);
			add("roce_lag.members", card_ok, why);
			add("roce_lag.eligible", eligible,
			    eligible ? "the page says eligible"
				     : "the page says not eligible");
		} else {
			info("roce_lag.mode", mode_why);
			info("roce_lag.members", why);
			info("roce_lag.eligible",
			     eligible ? "eligible" : "not eligible");
		}
	}

	void lacp()
	{
		const exabond_ad &ad = s.ad();
		const exabond_bond &b = s.raw().bond;

		if (s.mode() != EXABOND_MODE_8023AD)
			return;
		if (!s.ad_info_valid()) {
			add("lacp.aggregator", false,
			    "no active aggregator");
		} else {
			add("lacp.aggregator", true,
			    "active aggregator " +
				    std::to_string(ad.aggregator_id) + ", " +
				    std::to_string(ad.num_ports) + " ports");
		}
		char mac[18];

		std::snprintf(mac, sizeof(mac),
			      "%02x:%02x:%02x:%02x:%02x:%02x",
			      ad.partner_mac[0], ad.partner_mac[1],
			      ad.partner_mac[2], ad.partner_mac[3],
			      ad.partner_mac[4], ad.partner_mac[5]);
		add("lacp.partner_mac", s.ad_info_valid() &&
					       s.ad_partner_known(),
		    s.ad_partner_known()
			    ? std::string("partner ") + mac
			    : "partner MAC is 00:00:00:00:00:00: no LACP "
			      "partner answers (switch ports not in a LAG?)");

		std::string split;

		for (Member m : s.members())
			if (!s.ad_info_valid() ||
			    m.ad_aggregator_id() != ad.aggregator_id)
				split += (split.empty() ? "" : ", ") +
					 std::string(m.name()) + " in " +
					 std::to_string(m.ad_aggregator_id());
		if (s.members().empty())
			add("lacp.one_aggregator", false, "no members");
		else if (!split.empty())
			add("lacp.one_aggregator", false,
			    "not every port is in the active aggregator " +
				    std::to_string(ad.aggregator_id) + ": " +
				    split);
		else
			add("lacp.one_aggregator", true,
			    "all " + std::to_string(s.members().size()) +
				    " ports in aggregator " +
				    std::to_string(ad.aggregator_id));
		add("lacp.link_monitor", b.miimon || b.arp_interval,
		    b.miimon ? "miimon " + std::to_string(b.miimon) + " ms"
		    : b.arp_interval
			    ? "arp_interval " +
				      std::to_string(b.arp_interval) + " ms"
			    : std::string("no miimon: a port that loses its "
					  "link stays in the aggregator"));
	}
};

std::optional<std::vector<std::string>> read_allowed_drivers()
{
	std::ifstream f(std::string(module_sysfs_path) +
			"/parameters/allowed_drivers");
	std::vector<std::string> v;
	std::string line;

	if (!f || !std::getline(f, line))
		return std::nullopt;
	for (char &c : line)
		if (c == ',' || c == '\t')
			c = ' ';
	std::istringstream is(line);

	for (std::string d; is >> d;)
		v.push_back(d);
	return v;
}

} // namespace

std::vector<Verdict> check_bond(const Snapshot &s, const CheckOptions &o)
{
	Checker c{s, o, {}};

	if (s.dead()) {
		c.add("page", false, "the bond is gone or no longer managed");
		return c.v;
	}
	c.mode();
	c.members();
	c.max_members();
	c.same_card_rule();
	c.link_monitor();
	c.compliant();
	c.roce_lag();
	c.lacp();
	return c.v;
}

int cmd_check(Context &ctx, const Args &args)
{
	std::vector<std::string> flags;
	Args ops = take_options(ctx, args, {"--roce-lag"}, &flags);

	if (ops.size() != 1)
		throw UsageError(ops.empty() ? "check which bond?"
					     : "check takes one bond");

	Bond bond = open_managed(ops[0]);
	Snapshot snap;

	if (Status st = bond.snapshot(snap); !st)
		throw Failure(EXIT_SYSTEM,
			      ops[0] + ": unreadable page: " + st.why);

	CheckOptions o;

	o.roce_lag = !flags.empty();
	o.allowed_drivers = read_allowed_drivers();

	std::vector<Verdict> v = check_bond(snap, o);
	bool ok = passed(v);

	if (ctx.json) {
		nlohmann::ordered_json j, a = nlohmann::ordered_json::array();

		for (const Verdict &x : v)
			a.push_back({{"check", x.check},
				     {"result", result_name(x.result)},
				     {"why", x.why}});
		j["bond"] = ops[0];
		j["passed"] = ok;
		j["checks"] = a;
		ctx.out << j.dump() << '\n';
	} else {
		ctx.out << format_verdicts(v);
		ctx.out << ops[0] << ": " << (ok ? "all checks passed"
						 : "some checks FAILED")
			<< '\n';
	}
	return ok ? EXIT_OK : EXIT_CHECK_FAILED;
}

} // namespace exabond::ctl
