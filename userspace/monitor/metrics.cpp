// SPDX-License-Identifier: GPL-2.0
//
// Prometheus text format 0.0.4 and the status document, from the daemon's
// counters and a copy of each bond's page (see metrics.hpp for the series).
//
// A family is rendered into a buffer of its own and written out with its
// # HELP and # TYPE only if it has samples: the format wants each family
// once and contiguous, and an 802.3ad family with no 802.3ad bond is
// clearer absent than empty.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <stdexcept>

#include <exabond/names.hpp>
#include <exabond/snapshot.hpp>

#include "bond_json.hpp"
#include "metrics.hpp"

namespace exabond::monitor {

namespace {

using json = nlohmann::ordered_json;

// The shortest text that reads back as @v, spelled as Go's strconv 'g' -1
// spells it for client_golang ("1e-06", "0.0001", "0.25", "10", "1e+06"):
// le is a label, compared as a string by PromQL, so a bucket bound should
// read the same here as from any other exporter. The format's names for
// the special values.
std::string format_double(double v)
{
	char buf[64];

	if (std::isnan(v))
		return "NaN";
	if (std::isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	auto r = std::to_chars(buf, buf + sizeof(buf), v,
			       std::chars_format::scientific);
	const std::string sci(buf, r.ptr);
	const int exp = std::atoi(sci.c_str() + sci.find('e') + 1);

	// Go: %e when the exponent is below -4 or at least 6 (its
	// precision for the decision when printing the shortest form).
	if (exp < -4 || exp >= 6)
		return sci;
	r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
	return std::string(buf, r.ptr);
}

// Counters are printed as integers: a uint64 above 2^53 would lose its
// low digits as a double, and the format's float syntax accepts integers.
std::string format_uint(std::uint64_t v)
{
	return std::to_string(v);
}

// The length of the UTF-8 sequence at @s[i], or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i)
{
	const auto c = [&](std::size_t k) {
		return static_cast<unsigned char>(s[i + k]);
	};
	const auto cont = [&](std::size_t k) {
		return i + k < s.size() && (c(k) & 0xc0) == 0x80;
	};
	const unsigned char b = c(0);

	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return cont(1) ? 2 : 0;
	if (b >= 0xe0 && b <= 0xef) {
		if (!cont(1) || !cont(2))
			return 0;
		if ((b == 0xe0 && c(1) < 0xa0) || (b == 0xed && c(1) > 0x9f))
			return 0;
		return 3;
	}
	if (b >= 0xf0 && b <= 0xf4) {
		if (!cont(1) || !cont(2) || !cont(3))
			return 0;
		if ((b == 0xf0 && c(1) < 0x90) || (b == 0xf4 && c(1) > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

// @s with every byte that is not part of a UTF-8 sequence replaced by
// U+FFFD; @escape also applies the label value escapes.
std::string clean(std::string_view s, bool escape)
{
	std::string out;

	out.reserve(s.size());
	for (std::size_t i = 0; i < s.size();) {
		const std::size_t n = utf8_length(s, i);

		if (!n) {
			out += "\xef\xbf\xbd";
			i++;
			continue;
		}
		if (escape && s[i] == '\\')
			out += "\\\\";
		else if (escape && s[i] == '"')
			out += "\\\"";
		else if (escape && s[i] == '\n')
			out += "\\n";
		else
			out.append(s, i, n);
		i += n;
	}
	return out;
}

std::string utf8(std::string_view s)
{
	return clean(s, false);
}

// A label list without braces: `bond="bond0",member="eth0"`.
class Labels {
public:
	Labels &add(std::string_view name, std::string_view value)
	{
		if (!s_.empty())
			s_ += ',';
		s_.append(name);
		s_ += "=\"";
		s_ += escape_label_value(value);
		s_ += '"';
		return *this;
	}
	Labels &add(std::string_view name, std::uint64_t value)
	{
		return add(name, format_uint(value));
	}
	const std::string &str() const noexcept { return s_; }

private:
	std::string s_;
};

class Family {
public:
	Family(const char *name, const char *type, const char *help)
		: name_(name), type_(type), help_(help) {}

	void add(const Labels &l, std::uint64_t v)
	{
		line(name_, l.str(), format_uint(v));
	}
	void add(const Labels &l, bool v)
	{
		line(name_, l.str(), v ? "1" : "0");
	}
	void add(const Labels &l, double v)
	{
		line(name_, l.str(), format_double(v));
	}
	void add(const Labels &l, const Histogram &h)
	{
		h.render(body_, name_, l.str());
	}

	// Appends the family to @out if it has samples.
	void flush(std::string &out) const
	{
		if (body_.empty())
			return;
		out += "# HELP ";
		out += name_;
		out += ' ';
		out += help_;	// fixed text: nothing to escape
		out += "\n# TYPE ";
		out += name_;
		out += ' ';
		out += type_;
		out += '\n';
		out += body_;
	}

private:
	void line(const std::string &name, const std::string &labels,
		  const std::string &value)
	{
		body_ += name;
		if (!labels.empty()) {
			body_ += '{';
			body_ += labels;
			body_ += '}';
		}
		body_ += ' ';
		body_ += value;
		body_ += '\n';
	}

	std::string name_;
	const char *type_;
	const char *help_;
	std::string body_;
};

// One bond as rendered: its metrics and a checked snapshot of its page.
struct View {
	const BondMetrics *m;
	std::unique_ptr<Snapshot> s;	// 4 KiB: not on the stack, many bonds
	const char *why = nullptr;	// why the page copy did not validate

	std::string_view name() const { return s->name(); }
	Labels bond() const { return Labels().add("bond", s->name()); }
};

struct Views {
	std::vector<View> valid;	// sorted by name, then ifindex
	std::vector<View> invalid;	// in the caller's order
};

Views make_views(const std::vector<const BondMetrics *> &bonds)
{
	Views v;

	for (const BondMetrics *m : bonds) {
		if (!m)
			continue;
		View b{m, std::make_unique<Snapshot>()};
		Status st = b.s->read(&m->page);

		b.why = st.why ? st.why : "invalid page";
		(st ? v.valid : v.invalid).push_back(std::move(b));
	}
	std::stable_sort(v.valid.begin(), v.valid.end(),
			 [](const View &a, const View &b) {
				 if (a.name() != b.name())
					 return a.name() < b.name();
				 return a.s->ifindex() < b.s->ifindex();
			 });
	return v;
}

std::uint64_t monotonic_now_ns(const DaemonMetrics &d)
{
	struct timespec ts;

	if (d.now_monotonic_ns)
		return d.now_monotonic_ns;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ULL + ts.tv_nsec;
}

double seconds(std::uint64_t ns)
{
	return double(ns) / 1e9;
}

std::uint64_t members_up(const Snapshot &s)
{
	std::uint64_t n = 0;

	for (Member m : s.members())
		n += m.link() == EXABOND_LINK_UP;
	return n;
}

// 802.3ad health as the seed documents read /proc/net/bonding.
struct Lacp {
	bool partner_known = false;
	std::uint64_t aggregator_ports = 0;
	std::uint64_t in_active = 0;
	bool healthy = false;
};

Lacp lacp_of(const Snapshot &s)
{
	Lacp l;

	if (!s.ad_info_valid())
		return l;
	l.partner_known = s.ad_partner_known();
	l.aggregator_ports = s.ad().num_ports;
	for (Member m : s.members())
		l.in_active += m.ad_aggregator_id() == s.ad().aggregator_id;
	l.healthy = l.partner_known && s.members_total() > 0 &&
		    !s.member_overflow() && l.in_active == s.members_total() &&
		    s.has_link_monitor();
	return l;
}

bool is_lacp(const Snapshot &s)
{
	return s.mode() == EXABOND_MODE_8023AD;
}

// EXABOND_VIOLATION_* by bit, as the series' rule label spells them.
constexpr const char *violation_rules[] = {
	"mode", "driver", "member_type", "max_members", "same_card",
	"link_monitor",
};

std::string abi_version()
{
	return std::to_string(EXABOND_ABI_MAJOR) + "." +
	       std::to_string(EXABOND_ABI_MINOR);
}

// Runs @fn(family, view) over every valid bond, then writes the family.
template <typename Fn>
void per_bond(std::string &out, const Views &v, const char *name,
	      const char *type, const char *help, Fn fn)
{
	Family f(name, type, help);

	for (const View &b : v.valid)
		fn(f, b);
	f.flush(out);
}

void render_bonds(std::string &out, const Views &v)
{
	per_bond(out, v, "node_bonding_slaves", "gauge",
		 "Number of configured slaves per bonding interface.",
		 [](Family &f, const View &b) {
			 f.add(Labels().add("master", b.name()),
			       std::uint64_t(b.s->members_total()));
		 });
	per_bond(out, v, "node_bonding_active", "gauge",
		 "Number of active slaves per bonding interface.",
		 [](Family &f, const View &b) {
			 f.add(Labels().add("master", b.name()),
			       members_up(*b.s));
		 });
	per_bond(out, v, "exabond_bond_info", "gauge",
		 "A managed bond: its mode, hash policy and page publisher.",
		 [](Family &f, const View &b) {
			 Labels l = b.bond();

			 l.add("ifindex", std::uint64_t(b.s->ifindex()))
				 .add("mode", b.s->mode_name())
				 .add("xmit_hash_policy",
				      b.s->xmit_hash_policy_name())
				 .add("source", b.m->source);
			 f.add(l, true);
		 });
	per_bond(out, v, "exabond_bond_up", "gauge",
		 "Whether the bond is administratively up with carrier.",
		 [](Family &f, const View &b) { f.add(b.bond(), b.s->up()); });
	per_bond(out, v, "exabond_active_member_info", "gauge",
		 "The bond's active member; absent when it has none.",
		 [](Family &f, const View &b) {
			 const int ifindex = b.s->active_ifindex();

			 if (!ifindex)
				 return;
			 auto m = b.s->active_member();
			 Labels l = b.bond();

			 // An active member past the page's member array
			 // still has an ifindex worth showing.
			 l.add("member", m ? m->name() : std::string_view())
				 .add("ifindex", std::uint64_t(ifindex));
			 f.add(l, true);
		 });
	per_bond(out, v, "exabond_failovers_total", "counter",
		 "Changes of the bond's active member.",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.s->failover_count());
		 });
	per_bond(out, v, "exabond_last_failover_monotonic_seconds", "gauge",
		 "CLOCK_MONOTONIC time of the last failover; compare with "
		 "exabond_monitor_monotonic_seconds.",
		 [](Family &f, const View &b) {
			 if (b.s->last_failover_ns())
				 f.add(b.bond(),
				       seconds(b.s->last_failover_ns()));
		 });

	// Members, in the bond's order.
	const auto per_member = [&](const char *name, const char *type,
				    const char *help, auto fn) {
		per_bond(out, v, name, type, help,
			 [&](Family &f, const View &b) {
				 for (Member m : b.s->members())
					 fn(f, b.bond().add("member", m.name()),
					    m);
			 });
	};
	per_member("exabond_member_info", "gauge",
		   "A member of a bond: its ifindex, driver and bus.",
		   [](Family &f, Labels l, Member m) {
			   l.add("ifindex", std::uint64_t(m.ifindex()))
				   .add("driver", m.driver())
				   .add("bus_info", m.bus_info());
			   f.add(l, true);
		   });
	per_member("exabond_member_link_up", "gauge",
		   "Whether bonding considers the member's link up.",
		   [](Family &f, const Labels &l, Member m) {
			   f.add(l, m.link() == EXABOND_LINK_UP);
		   });
	per_member("exabond_member_carrier", "gauge",
		   "The member's raw carrier, as its NIC driver reports it.",
		   [](Family &f, const Labels &l, Member m) {
			   f.add(l, m.carrier());
		   });
	per_member("exabond_member_active", "gauge",
		   "Whether the member is the bond's active member.",
		   [](Family &f, const Labels &l, Member m) {
			   f.add(l, m.active());
		   });
	per_member("exabond_member_link_failures_total", "counter",
		   "Link failures bonding counted on the member.",
		   [](Family &f, const Labels &l, Member m) {
			   f.add(l, std::uint64_t(m.link_failure_count()));
		   });
	per_member("exabond_member_carrier_changes_total", "counter",
		   "Raw carrier up and down transitions of the member.",
		   [](Family &f, const Labels &l, Member m) {
			   f.add(l, std::uint64_t(m.carrier_changes()));
		   });

	// 802.3ad bonds only.
	const auto per_lacp = [&](const char *name, const char *help,
				  auto fn) {
		per_bond(out, v, name, "gauge", help,
			 [&](Family &f, const View &b) {
				 if (is_lacp(*b.s))
					 fn(f, b, lacp_of(*b.s));
			 });
	};
	per_lacp("exabond_lacp_partner_mac_known",
		 "Whether the active aggregator has an LACP partner.",
		 [](Family &f, const View &b, const Lacp &l) {
			 f.add(b.bond(), l.partner_known);
		 });
	per_lacp("exabond_lacp_aggregator_ports",
		 "Ports in the bond's active aggregator.",
		 [](Family &f, const View &b, const Lacp &l) {
			 f.add(b.bond(), l.aggregator_ports);
		 });
	per_lacp("exabond_lacp_members_in_active_aggregator",
		 "Members whose aggregator is the active one.",
		 [](Family &f, const View &b, const Lacp &l) {
			 f.add(b.bond(), l.in_active);
		 });
	per_lacp("exabond_lacp_healthy",
		 "Partner known, every member in the active aggregator and "
		 "a link monitor set.",
		 [](Family &f, const View &b, const Lacp &l) {
			 f.add(b.bond(), l.healthy);
		 });

	// Policy.
	per_bond(out, v, "exabond_policy_compliant", "gauge",
		 "Whether the bond meets the exabond policy.",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.s->compliant());
		 });
	per_bond(out, v, "exabond_policy_violation", "gauge",
		 "Whether the bond breaks a policy rule, one series per rule.",
		 [](Family &f, const View &b) {
			 for (unsigned i = 0; i < std::size(violation_rules);
			      i++)
				 f.add(b.bond().add("rule",
						    violation_rules[i]),
				       bool(b.s->violations() & (1U << i)));
		 });
	per_bond(out, v, "exabond_roce_lag_eligible", "gauge",
		 "Whether the bond can form a RoCE LAG (mode 1, 2 or 4 with "
		 "the two ports of one card).",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.s->roce_lag_eligible());
		 });
	per_bond(out, v, "exabond_link_monitor_configured", "gauge",
		 "Whether miimon or arp_interval is set.",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.s->has_link_monitor());
		 });
	per_bond(out, v, "exabond_page_generation", "gauge",
		 "The page's generation, one more per publication.",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.s->generation());
		 });

	per_bond(out, v, "exabond_publication_lag_seconds", "histogram",
		 "Time from an event to the page publication it caused.",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.m->publication_lag);
		 });
	per_bond(out, v, "exabond_carrier_to_failover_seconds", "histogram",
		 "Time from a member's raw carrier change to the failover it "
		 "caused.",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.m->carrier_to_failover);
		 });
	per_bond(out, v, "exabond_publications_seen_total", "counter",
		 "Page publications the monitor observed.",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.m->publications_seen);
		 });
	per_bond(out, v, "exabond_audit_divergences_total", "counter",
		 "Audits where the kernel's page and the monitor's differed.",
		 [](Family &f, const View &b) {
			 f.add(b.bond(), b.m->audit_divergences);
		 });
}

void render_daemon(std::string &out, const DaemonMetrics &d, const Views &v)
{
	const Labels none;
	const auto one = [&](const char *name, const char *type,
			     const char *help, auto value) {
		Family f(name, type, help);

		f.add(none, value);
		f.flush(out);
	};
	Family info("exabond_monitor_info", "gauge",
		    "The monitor's mode, version and page ABI.");

	info.add(Labels()
			 .add("mode", d.mode)
			 .add("version", d.version)
			 .add("abi", abi_version()),
		 true);
	info.flush(out);
	one("exabond_monitor_start_time_seconds", "gauge",
	    "Start time of the monitor since the Unix epoch, in seconds.",
	    d.start_unix_s);
	one("exabond_monitor_monotonic_seconds", "gauge",
	    "CLOCK_MONOTONIC now, the clock of the *_monotonic_seconds "
	    "series.",
	    seconds(monotonic_now_ns(d)));
	one("exabond_monitor_bonds", "gauge",
	    "Bonds the monitor follows.",
	    std::uint64_t(v.valid.size() + v.invalid.size()));
	one("exabond_monitor_bonds_unreadable", "gauge",
	    "Followed bonds whose page copy failed validation.",
	    std::uint64_t(v.invalid.size()));
	one("exabond_monitor_netlink_messages_total", "counter",
	    "Netlink messages received.", d.netlink_messages);
	one("exabond_monitor_netlink_resyncs_total", "counter",
	    "Full re-reads after netlink lost messages.", d.netlink_resyncs);
	one("exabond_monitor_audit_divergences_total", "counter",
	    "Audits where a kernel page and the monitor's differed, all bonds.",
	    d.audit_divergences);
	one("exabond_monitor_log_messages_dropped_total", "counter",
	    "Log messages dropped because the log could not keep up.",
	    d.log_messages_dropped);
	one("exabond_monitor_http_requests_total", "counter",
	    "HTTP requests answered.", d.http_requests);
	one("exabond_monitor_http_connections_rejected_total", "counter",
	    "HTTP connections refused over the connection cap.",
	    d.http_connections_rejected);
	one("exabond_monitor_http_timeouts_total", "counter",
	    "HTTP connections closed at their deadline.", d.http_timeouts);
}

json histogram_json(const Histogram &h)
{
	json j;

	j["count"] = h.count();
	j["sum_seconds"] = h.sum();
	for (auto [key, q] : {std::pair{"p50_seconds", 0.5},
			      std::pair{"p90_seconds", 0.9},
			      std::pair{"p99_seconds", 0.99}}) {
		if (auto v = h.quantile(q))
			j[key] = *v;
		else
			j[key] = nullptr;
	}
	return j;
}

} // namespace

std::string escape_label_value(std::string_view v)
{
	return clean(v, true);
}

std::vector<double> Histogram::publication_lag_buckets()
{
	return {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4,
		5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 1e-1};
}

std::vector<double> Histogram::carrier_to_failover_buckets()
{
	return {1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2,
		5e-2, 1e-1, 2.5e-1, 5e-1, 1, 2.5, 5, 10};
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds))
{
	for (std::size_t i = 0; i < bounds_.size(); i++) {
		if (!std::isfinite(bounds_[i]))
			throw std::invalid_argument(
				"histogram bound " + format_double(bounds_[i]) +
				" is not finite (+Inf is implied)");
		if (i && !(bounds_[i] > bounds_[i - 1]))
			throw std::invalid_argument(
				"histogram bounds are not increasing at " +
				format_double(bounds_[i]));
	}
	counts_.assign(bounds_.size() + 1, 0);
}

void Histogram::observe(double v) noexcept
{
	if (std::isnan(v))
		return;
	// The first bucket whose bound is >= v ("le"); past the last, +Inf.
	auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);

	counts_[it - bounds_.begin()]++;
	count_++;
	sum_ += v;
}

std::uint64_t Histogram::cumulative(std::size_t i) const noexcept
{
	std::uint64_t n = 0;

	for (std::size_t k = 0; k <= i && k < counts_.size(); k++)
		n += counts_[k];
	return n;
}

std::optional<double> Histogram::quantile(double q) const noexcept
{
	if (!count_ || !(q >= 0 && q <= 1))
		return std::nullopt;
	const double rank = q * double(count_);
	std::uint64_t below = 0;

	for (std::size_t i = 0; i < bounds_.size(); i++) {
		const std::uint64_t in = counts_[i];

		if (double(below + in) >= rank && in) {
			const double lo = i ? bounds_[i - 1]
					    : std::min(0.0, bounds_[0]);
			const double hi = bounds_[i];

			return lo + (hi - lo) * (rank - double(below)) /
					    double(in);
		}
		below += in;
	}
	// In +Inf: nothing better than the highest finite bound.
	if (bounds_.empty())
		return std::nullopt;
	return bounds_.back();
}

void Histogram::render(std::string &out, const std::string &name,
		       const std::string &labels) const
{
	const std::string sep = labels.empty() ? "" : ",";
	const std::string braces = labels.empty() ? "" : "{" + labels + "}";
	std::uint64_t n = 0;

	for (std::size_t i = 0; i <= bounds_.size(); i++) {
		n += counts_[i];
		out += name + "_bucket{" + labels + sep + "le=\"" +
		       (i < bounds_.size() ? format_double(bounds_[i])
					   : std::string("+Inf")) +
		       "\"} " + format_uint(n) + "\n";
	}
	out += name + "_sum" + braces + " " + format_double(sum_) + "\n";
	out += name + "_count" + braces + " " + format_uint(count_) + "\n";
}

std::string render_prometheus(const DaemonMetrics &d,
			      const std::vector<const BondMetrics *> &bonds)
{
	const Views v = make_views(bonds);
	std::string out;

	out.reserve(4096 + 8192 * v.valid.size());
	render_bonds(out, v);
	render_daemon(out, d, v);
	return out;
}

nlohmann::ordered_json status_json(
	const DaemonMetrics &d, const std::vector<const BondMetrics *> &bonds)
{
	const Views v = make_views(bonds);
	json j, daemon, list = json::array();

	daemon["mode"] = utf8(d.mode);
	daemon["version"] = utf8(d.version);
	daemon["abi"] = abi_version();
	daemon["start_unix_s"] = d.start_unix_s;
	daemon["monotonic_ns"] = monotonic_now_ns(d);
	daemon["netlink_messages"] = d.netlink_messages;
	daemon["netlink_resyncs"] = d.netlink_resyncs;
	daemon["log_messages_dropped"] = d.log_messages_dropped;
	daemon["audit_divergences"] = d.audit_divergences;
	daemon["http_requests"] = d.http_requests;
	daemon["http_connections_rejected"] = d.http_connections_rejected;
	daemon["http_timeouts"] = d.http_timeouts;
	j["daemon"] = std::move(daemon);

	const auto common = [](json &b, const BondMetrics &m) {
		b["publications_seen"] = m.publications_seen;
		b["audit_divergences"] = m.audit_divergences;
		b["publication_lag"] = histogram_json(m.publication_lag);
		b["carrier_to_failover"] =
			histogram_json(m.carrier_to_failover);
	};
	for (const View &view : v.valid) {
		const Snapshot &s = *view.s;
		json b;

		b["bond"] = utf8(s.name());
		b["source"] = utf8(view.m->source);
		b["valid"] = true;
		b["page"] = exabond::tools::bond_json(s);
		if (is_lacp(s)) {
			const Lacp l = lacp_of(s);

			b["lacp"] = {
				{"healthy", l.healthy},
				{"partner_mac_known", l.partner_known},
				{"aggregator_ports", l.aggregator_ports},
				{"members_in_active_aggregator", l.in_active},
			};
		}
		common(b, *view.m);
		list.push_back(std::move(b));
	}
	for (const View &view : v.invalid) {
		const char (&raw)[EXABOND_NAME_LEN] = view.m->page.bond.name;
		json b;

		// The copy failed validation: its name is only a hint,
		// bounded by its array whether or not it is terminated.
		b["bond"] = utf8(std::string_view(
			raw, strnlen(raw, sizeof(raw))));
		b["source"] = utf8(view.m->source);
		b["valid"] = false;
		b["error"] = view.why;
		common(b, *view.m);
		list.push_back(std::move(b));
	}
	j["bonds"] = std::move(list);
	return j;
}

} // namespace exabond::monitor
