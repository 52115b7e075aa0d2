// SPDX-License-Identifier: GPL-2.0
//
// kmod/policy.c in user space. The functions keep the module's names in
// their comments so a change there is easy to carry here: the parameter
// setters (exabond_modes_set, exabond_drivers_set), the per-member rule
// (exabond_member_rule), the whole-bond evaluation
// (exabond_bond_violations) and the page section (exabond_policy_read).
// The kernel's string helpers the setters lean on (strim, strsep,
// kstrtouint, sscanf) are reproduced where their corner cases decide
// whether a value is accepted.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <linux/if_arp.h>
#include <sys/stat.h>

#include <exabond/error.hpp>

#include "policy.hpp"

namespace exabond::tools {

namespace {

constexpr unsigned nr_modes = EXABOND_MODE_BALANCE_ALB + 1;

// Bonding's names, which are also iproute2's; indexed by mode.
const char *const mode_names[nr_modes] = {
	"balance-rr", "active-backup", "balance-xor", "broadcast",
	"802.3ad",    "balance-tlb",   "balance-alb",
};

std::string mode_name(std::uint32_t mode)
{
	return mode < nr_modes ? mode_names[mode] : "unknown";
}

// The module's exabond_param_copy() buffer for allowed_modes.
constexpr std::size_t modes_buf_len = 128;
// ... and for allowed_drivers: 16 names of 31, 15 commas, '\n' and NUL.
constexpr std::size_t drivers_buf_len =
	max_allowed_drivers * EXABOND_DRIVER_LEN + 2;

// The kernel's isspace(): its ctype table also calls Latin-1's no-break
// space (0xa0) a space, so strim() removes it.
bool kspace(char c)
{
	const unsigned char u = static_cast<unsigned char>(c);

	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

// A sysfs store hands the setter a C string, so a NUL ends the value;
// then exabond_param_copy(): strscpy() into @len bytes (too long is
// EINVAL) and strim().
std::optional<std::string_view> param_copy(std::string_view val,
					   std::size_t len)
{
	const auto nul = val.find('\0');

	if (nul != std::string_view::npos)
		val = val.substr(0, nul);
	if (val.size() >= len)
		return std::nullopt;
	while (!val.empty() && kspace(val.back()))
		val.remove_suffix(1);
	while (!val.empty() && kspace(val.front()))
		val.remove_prefix(1);
	return val;
}

// strsep(&s, ", \t") to the end, empty tokens included as strsep gives
// them (the setters skip those).
std::vector<std::string_view> split(std::string_view s)
{
	std::vector<std::string_view> out;

	for (;;) {
		const auto at = s.find_first_of(", \t");

		out.push_back(s.substr(0, at));
		if (at == std::string_view::npos)
			return out;
		s.remove_prefix(at + 1);
	}
}

// kstrtouint(@s, 10): an optional '+', decimal digits, one optional
// newline, nothing else, and a value that fits 32 bits.
std::optional<std::uint32_t> kstrtouint(std::string_view s)
{
	std::uint64_t v = 0;
	std::size_t i = 0, digits = 0;

	if (!s.empty() && s[0] == '+')
		i++;
	for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		v = v * 10 + std::uint64_t(s[i] - '0');
		if (v > 0xffffffffULL)
			return std::nullopt;
	}
	if (!digits)
		return std::nullopt;
	if (i < s.size() && s[i] == '\n')
		i++;
	if (i != s.size())
		return std::nullopt;
	return std::uint32_t(v);
}

// kstrtobool(): only the first one or two characters count.
std::optional<bool> kstrtobool(std::string_view s)
{
	if (s.empty())
		return std::nullopt;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		return true;
	case 'n': case 'N': case 'f': case 'F': case '0':
		return false;
	case 'o': case 'O':
		if (s.size() > 1 && (s[1] == 'n' || s[1] == 'N'))
			return true;
		if (s.size() > 1 && (s[1] == 'f' || s[1] == 'F'))
			return false;
		break;
	}
	return std::nullopt;
}

bool driver_name_ok(std::string_view name)
{
	if (name.empty() || name.size() >= EXABOND_DRIVER_LEN)
		return false;
	for (const char c : name)
		if (!std::isalnum(static_cast<unsigned char>(c)) &&
		    !std::strchr("_.-", c))
			return false;
	return true;
}

bool kxdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

// One "%x" of the kernel's vsscanf() at @s[*i]: white space skipped, a
// hex digit first, "0x" dropped, then hex digits.
bool scan_hex(std::string_view s, std::size_t *i)
{
	while (*i < s.size() && kspace(s[*i]))
		(*i)++;
	if (*i >= s.size() || !kxdigit(s[*i]))
		return false;
	if (s[*i] == '0' && *i + 1 < s.size() &&
	    (s[*i + 1] == 'x' || s[*i + 1] == 'X'))
		*i += 2;
	while (*i < s.size() && kxdigit(s[*i]))
		(*i)++;
	return true;
}

// exabond_pci_slot_len(): the length of "dddd:bb:dd" in a PCI function's
// "dddd:bb:dd.f" (sscanf "%x:%x:%x.%x%c" == 4: four numbers and nothing
// after them), else 0.
std::size_t pci_slot_len(std::string_view bus)
{
	static const char seps[] = "::.";
	std::size_t i = 0;

	for (int field = 0; field < 4; field++) {
		if (!scan_hex(bus, &i))
			return 0;
		if (field < 3) {
			if (i >= bus.size() || bus[i] != seps[field])
				return 0;
			i++;
		}
	}
	if (i != bus.size())
		return 0;
	return bus.rfind('.');
}

// exabond_same_card(): one PCI slot.
bool same_card(std::string_view a, std::string_view b)
{
	const std::size_t la = pci_slot_len(a);

	return la && la == pci_slot_len(b) &&
	       a.substr(0, la) == b.substr(0, la);
}

// What is known of a member's type: the module's three refusals, or not
// known at all (a page without facts).
enum class TypeFault { Unknown, None, Bond, Vlan, NotEther };

// One member as the rules see it.
struct View {
	std::string name, driver, bus;
	TypeFault type = TypeFault::Unknown;
	std::uint16_t arphrd = 0;
	PciParent pci = PciParent::Unknown;
};

View view_of(const MemberFacts &f)
{
	View v{ f.name, f.driver, f.bus_info, TypeFault::None, f.arphrd_type,
		f.pci };

	// exabond_member_rule()'s order: bond, VLAN, then Ethernet.
	if (f.kind == "bond")
		v.type = TypeFault::Bond;
	else if (f.kind == "vlan")
		v.type = TypeFault::Vlan;
	else if (f.arphrd_type != ARPHRD_ETHER ||
		 f.addr_len != EXABOND_ADDR_LEN)
		v.type = TypeFault::NotEther;
	return v;
}

// exabond_card_port(): a PCI function's bus id, on a device whose nearest
// PCI ancestor is a physical function. Unknown ancestry trusts the id.
bool card_port(const View &v)
{
	if (!pci_slot_len(v.bus))
		return false;
	return v.pci == PciParent::Function || v.pci == PciParent::Unknown;
}

// Everything exabond_bond_violations() finds, with the module's words for
// the first break of each rule ("" where the rule holds).
struct Findings {
	std::uint32_t bits = 0;
	bool roce_lag = false;
	std::uint32_t n = 0;
	std::uint32_t ports = 0;
	std::string mode, link_monitor, member_type, driver, max_members,
		same_card;
	unsigned type_breaks = 0, driver_breaks = 0, card_breaks = 0;
};

void first(std::string *slot, const std::string &why)
{
	if (slot->empty())
		*slot = why;
}

// exabond_bond_violations() over @members, the first of @n members
// (@n > @members.size() when only the page's entries are known).
Findings evaluate(const PolicyParams &p, std::uint32_t mode,
		  std::uint32_t miimon, std::uint32_t arp_interval,
		  const std::vector<View> &members, std::uint32_t n)
{
	Findings f;
	std::string first_bus;
	std::uint32_t i = 0;

	if (mode >= nr_modes || !(p.allowed_modes & (1u << mode))) {
		f.bits |= EXABOND_VIOLATION_MODE;
		f.mode = "mode " + mode_name(mode) +
			 " is not in allowed_modes (" +
			 format_allowed_modes(p) + ")";
	}
	if (p.require_link_monitor && !miimon && !arp_interval) {
		f.bits |= EXABOND_VIOLATION_LINK_MONITOR;
		f.link_monitor = "neither miimon nor arp_interval is set (require_link_monitor)";
	}

	for (const View &v : members) {
		// exabond_member_rule(): the first fault only, so a bond
		// member's driver is not looked at.
		switch (v.type) {
		case TypeFault::Bond:
			first(&f.member_type, v.name + " is a bond");
			break;
		case TypeFault::Vlan:
			first(&f.member_type, v.name + " is a VLAN device");
			break;
		case TypeFault::NotEther:
			first(&f.member_type, v.name +
			      " is not an Ethernet device (type " +
			      std::to_string(v.arphrd) + ")");
			break;
		case TypeFault::None:
		case TypeFault::Unknown:
			break;
		}
		if (v.type == TypeFault::Bond || v.type == TypeFault::Vlan ||
		    v.type == TypeFault::NotEther) {
			f.bits |= EXABOND_VIOLATION_MEMBER_TYPE;
			f.type_breaks++;
		} else if (!p.allowed_drivers.empty()) {
			bool allowed = false;

			for (const auto &d : p.allowed_drivers)
				allowed |= d == v.driver;
			if (!allowed) {
				f.bits |= EXABOND_VIOLATION_DRIVER;
				f.driver_breaks++;
				first(&f.driver, v.name + "'s driver " +
				      (v.driver.empty() ? "(none)" : v.driver) +
				      " is not in allowed_drivers");
			}
		}

		if (i == 0)
			first_bus = v.bus;
		if (!card_port(v)) {
			if (p.same_card) {
				f.bits |= EXABOND_VIOLATION_SAME_CARD;
				f.card_breaks++;
				first(&f.same_card, v.name +
				      " is not a port of a PCI card (bus-info '" +
				      v.bus + "', roce-lag)");
			}
		} else if (i == 0 || same_card(first_bus, v.bus)) {
			f.ports++;
		} else if (p.same_card) {
			f.bits |= EXABOND_VIOLATION_SAME_CARD;
			f.card_breaks++;
			first(&f.same_card, v.name + " (" + v.bus +
			      ") is not a port of the first member's card (" +
			      first_bus + ", roce-lag)");
		}
		i++;
	}
	f.n = n;
	f.roce_lag = n == 2 && f.ports == 2 && mode < 32 &&
		     (roce_lag_modes & (1u << mode));

	if (p.max_members && n > p.max_members) {
		f.bits |= EXABOND_VIOLATION_MAX_MEMBERS;
		f.max_members = std::to_string(n) + " members (max_members " +
				std::to_string(p.max_members) + ")";
	}
	if (p.same_card && n > 2) {
		f.bits |= EXABOND_VIOLATION_SAME_CARD;
		first(&f.same_card, std::to_string(n) +
		      " members (roce-lag allows two)");
	}
	return f;
}

std::string read_param(const std::string &path)
{
	std::ifstream in(path);
	std::ostringstream s;

	if (!in)
		throw Error("read", path, errno ? errno : EIO);
	s << in.rdbuf();
	if (in.bad())
		throw Error("read", path, EIO);
	return s.str();
}

[[noreturn]] void bad_param(const std::string &path, const std::string &text,
			    const std::string &why)
{
	throw Error("parse", path, EPROTO,
		    "'" + text + "' is not what the module prints: " + why);
}

std::string bounded(const char *s, std::size_t len)
{
	return std::string(s, ::strnlen(s, len - 1));
}

} // namespace

PolicyParams PolicyParams::defaults()
{
	return PolicyParams{ 1u << EXABOND_MODE_ACTIVE_BACKUP, false, {}, 0,
			     false };
}

Parsed<AllowedModes> parse_allowed_modes(std::string_view text)
{
	const auto s = param_copy(text, modes_buf_len);
	AllowedModes m{ 0, false };
	unsigned ntok = 0;
	bool profile = false;

	if (!s)
		return { std::nullopt, "longer than " +
			 std::to_string(modes_buf_len - 1) + " bytes" };
	for (const auto tok : split(*s)) {
		if (tok.empty())
			continue;
		ntok++;
		if (tok == "roce-lag") {
			profile = true;
			m.modes |= roce_lag_modes;
			m.same_card = true;
			continue;
		}
		unsigned mode = 0;

		while (mode < nr_modes && tok != mode_names[mode])
			mode++;
		if (mode == nr_modes) {
			const auto v = kstrtouint(tok);

			if (!v || *v >= nr_modes)
				return { std::nullopt, "'" + std::string(tok) +
					 "' is not a bonding mode (a name or 0-6)" };
			mode = *v;
		}
		m.modes |= 1u << mode;
	}
	// The profile is a whole policy, not a mode to add to others.
	if (!ntok)
		return { std::nullopt, "no mode given" };
	if (profile && ntok > 1)
		return { std::nullopt, "roce-lag is a whole policy and takes no other mode" };
	return { m, {} };
}

Parsed<std::vector<std::string>> parse_allowed_drivers(std::string_view text)
{
	const auto s = param_copy(text, drivers_buf_len);
	std::vector<std::string> drivers;

	if (!s)
		return { std::nullopt, "longer than " +
			 std::to_string(drivers_buf_len - 1) + " bytes" };
	for (const auto tok : split(*s)) {
		if (tok.empty())
			continue;
		if (!driver_name_ok(tok))
			return { std::nullopt, "'" + std::string(tok) +
				 "' is not a driver name (1-31 of A-Z a-z 0-9 _ . -)" };
		if (drivers.size() == max_allowed_drivers)
			return { std::nullopt, "more than " +
				 std::to_string(max_allowed_drivers) +
				 " drivers" };
		drivers.emplace_back(tok);
	}
	return { std::move(drivers), {} };
}

std::string format_allowed_modes(std::uint32_t modes, bool same_card)
{
	std::string out;

	if (same_card)
		return "roce-lag";
	for (unsigned mode = 0; mode < nr_modes; mode++)
		if (modes & (1u << mode))
			out += (out.empty() ? "" : ",") +
			       std::string(mode_names[mode]);
	return out;
}

std::string format_allowed_modes(const PolicyParams &p)
{
	return format_allowed_modes(p.allowed_modes, p.same_card);
}

std::string format_allowed_drivers(const std::vector<std::string> &drivers)
{
	std::string out;

	for (const auto &d : drivers)
		out += (out.empty() ? "" : ",") + d;
	return out;
}

std::optional<PolicyParams> read_module_params(const std::string &dir)
{
	struct stat st;

	if (::stat(dir.c_str(), &st)) {
		if (errno == ENOENT)
			return std::nullopt;
		throw Error("stat", dir, errno);
	}
	if (!S_ISDIR(st.st_mode))
		throw Error("read", dir, ENOTDIR);

	PolicyParams p = PolicyParams::defaults();
	std::string path = dir + "/allowed_modes";
	std::string text = read_param(path);

	// What the getters print reads back through the setters' syntax.
	auto modes = parse_allowed_modes(text);
	if (!modes)
		bad_param(path, text, modes.error);
	p.allowed_modes = modes.value->modes;
	p.same_card = modes.value->same_card;

	path = dir + "/allowed_drivers";
	text = read_param(path);
	auto drivers = parse_allowed_drivers(text);
	if (!drivers)
		bad_param(path, text, drivers.error);
	p.allowed_drivers = std::move(*drivers.value);

	path = dir + "/max_members";
	text = read_param(path);
	const auto max = kstrtouint(text);
	if (!max)
		bad_param(path, text, "not a number");
	p.max_members = *max;

	path = dir + "/require_link_monitor";
	text = read_param(path);
	const auto req = kstrtobool(text);
	if (!req)
		bad_param(path, text, "not Y or N");
	p.require_link_monitor = *req;
	return p;
}

void apply_policy(const PolicyParams &p,
		  const std::vector<MemberFacts> &members,
		  exabond_page *staged)
{
	exabond_policy *pol = &staged->policy;
	const exabond_bond *b = &staged->bond;
	std::vector<View> views;

	views.reserve(members.size());
	for (const auto &m : members)
		views.push_back(view_of(m));
	const Findings f = evaluate(p, b->mode, b->miimon, b->arp_interval,
				    views, std::uint32_t(members.size()));

	// exabond_policy_read(), but never EXABOND_POLICY_F_NO_HOOK: hooks
	// are the kernel's.
	pol->violations = f.bits;
	pol->allowed_modes = p.allowed_modes;
	pol->max_members = p.max_members;
	pol->flags = 0;
	if (!pol->violations)
		pol->flags |= EXABOND_POLICY_F_COMPLIANT;
	if (!b->miimon && !b->arp_interval)
		pol->flags |= EXABOND_POLICY_F_NO_LINK_MON;
	if (f.roce_lag)
		pol->flags |= EXABOND_POLICY_F_ROCE_LAG;
	if (p.same_card)
		pol->flags |= EXABOND_POLICY_F_SAME_CARD_RULE;
	if (p.require_link_monitor)
		pol->flags |= EXABOND_POLICY_F_LINK_MON_REQUIRED;
}

// " (and N more)" when a rule breaks for more than one member.
static std::string more(unsigned breaks)
{
	return breaks > 1 ? " (and " + std::to_string(breaks - 1) + " more)" :
			    "";
}

std::vector<RuleVerdict> explain(const PolicyParams &p,
				 const exabond_page &page,
				 const std::vector<MemberFacts> *members)
{
	const exabond_bond &b = page.bond;
	const std::string pre = bounded(b.name, sizeof(b.name)) + ": ";
	const std::uint32_t seen =
		std::min<std::uint32_t>(b.member_count, EXABOND_MAX_MEMBERS);
	const std::uint32_t pv = page.policy.violations;
	const std::string mode = mode_name(b.mode);
	std::vector<RuleVerdict> out;
	std::vector<View> views;
	std::uint32_t n;

	if (members) {
		for (const auto &m : *members)
			views.push_back(view_of(m));
		n = std::uint32_t(members->size());
	} else {
		for (std::uint32_t i = 0; i < seen; i++) {
			const exabond_member &e = page.members[i];
			View v;

			v.name = bounded(e.name, sizeof(e.name));
			v.driver = bounded(e.driver, sizeof(e.driver));
			v.bus = bounded(e.bus_info, sizeof(e.bus_info));
			views.push_back(std::move(v));
		}
		n = std::max(b.members_total, seen);
	}
	// Members the rules could not look at: past the page's entries.
	const bool partial = views.size() < n;
	const Findings f = evaluate(p, b.mode, b.miimon, b.arp_interval,
				    views, n);
	auto say = [&](const char *rule, bool ok, const std::string &why) {
		out.push_back({ rule, ok, pre + why });
	};

	if (f.mode.empty())
		say("mode", true, "mode " + mode + " is in allowed_modes (" +
			format_allowed_modes(p) + ")");
	else
		say("mode", false, f.mode);

	// Driver: what the entries show, and the page's word on the rest.
	if (!f.driver.empty())
		say("driver", false, f.driver + more(f.driver_breaks));
	else if (partial && !p.allowed_drivers.empty() &&
		 (pv & EXABOND_VIOLATION_DRIVER))
		say("driver", false, "a member past the page's " +
			std::to_string(EXABOND_MAX_MEMBERS) +
			" entries has a driver not in allowed_drivers");
	else if (p.allowed_drivers.empty())
		say("driver", true,
		    "allowed_drivers is empty: any driver may be a member");
	else
		say("driver", true,
		    "every member's driver is in allowed_drivers (" +
			    format_allowed_drivers(p.allowed_drivers) + ")");

	// The page holds no device type: without facts, its publisher's
	// verdict is all there is.
	const std::string ether =
		"every member is an Ethernet device, neither a bond nor a VLAN device";
	if (!members && (pv & EXABOND_VIOLATION_MEMBER_TYPE))
		say("member-type", false,
		    "a member is a bond, a VLAN device or not an Ethernet device (the page's verdict)");
	else if (!members)
		say("member-type", true, ether + " (the page's verdict)");
	else if (!f.member_type.empty())
		say("member-type", false, f.member_type + more(f.type_breaks));
	else
		say("member-type", true, ether);

	if (!f.max_members.empty())
		say("max-members", false, f.max_members);
	else
		say("max-members", true, std::to_string(n) +
			" members (max_members " +
			(p.max_members ? std::to_string(p.max_members) :
					 std::string("0: no limit")) + ")");

	if (!p.same_card)
		say("same-card", true,
		    "the same-card rule is not in force (allowed_modes is not roce-lag)");
	else if (!f.same_card.empty())
		say("same-card", false, f.same_card + more(f.card_breaks));
	else if (partial && (pv & EXABOND_VIOLATION_SAME_CARD))
		say("same-card", false,
		    "a member past the page's entries is not a port of the first member's card (roce-lag)");
	else
		say("same-card", true, std::to_string(n) +
			(n == 1 ? " member, a port" : " members, ports") +
			" of one card (roce-lag)");

	if (!f.link_monitor.empty())
		say("link-monitor", false, f.link_monitor);
	else if (b.miimon)
		say("link-monitor", true, "miimon " + std::to_string(b.miimon) +
			" ms detects a failed member");
	else if (b.arp_interval)
		say("link-monitor", true, "arp_interval " +
			std::to_string(b.arp_interval) +
			" ms detects a failed member");
	else
		say("link-monitor", true,
		    "neither miimon nor arp_interval is set: allowed (require_link_monitor is off), but a failed member is never detected");

	// Eligibility, whatever the policy: mode 1, 2 or 4 and exactly the
	// two ports of one card.
	const std::string no = "not a RoCE LAG: ";

	if (f.roce_lag)
		say("roce-lag", true, "an eligible RoCE LAG: mode " + mode +
			", two ports of one card (" + views[0].bus + ", " +
			views[1].bus + ")");
	else if (b.mode >= 32 || !(roce_lag_modes & (1u << b.mode)))
		say("roce-lag", false, no + "mode " + mode +
			" is not active-backup, balance-xor or 802.3ad");
	else if (n != 2)
		say("roce-lag", false, no + std::to_string(n) +
			" members, a RoCE LAG has exactly two");
	else if (views.size() < 2)
		say("roce-lag", false,
		    no + "the page does not show its members");
	else if (!card_port(views[0]) || !card_port(views[1])) {
		const View &v = card_port(views[0]) ? views[1] : views[0];

		say("roce-lag", false, no + v.name +
			" is not a port of a PCI card (bus-info '" + v.bus +
			"')");
	} else {
		say("roce-lag", false, no + views[1].name + " (" +
			views[1].bus + ") and " + views[0].name + " (" +
			views[0].bus + ") are not two ports of one card");
	}
	return out;
}

} // namespace exabond::tools
