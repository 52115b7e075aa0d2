// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor's metrics: what the daemon counts, and the two documents
// its HTTP endpoint serves from them, the Prometheus text exposition format
// 0.0.4 (/metrics) and a JSON status document (/status).
//
// Everything here is plain data owned by the event loop: nothing locks, and
// rendering reads the structures without changing them. The bond series
// are derived from a copy of each bond's page at render time, so the page
// stays the single source of truth and a scrape can never disagree with
// what `exabondctl status` reads.
//
// The series (all gauges unless a name ends in _total, which are counters;
// labels in braces; every bond label is the bond's name):
//
//  node_bonding_slaves{master}	members of the bond: members_total, what
//				node_exporter counts in
//				/sys/class/net/<bond>/bonding/slaves
//  node_bonding_active{master}	members whose bonding link state is "up",
//				node_exporter's count of lower_<m>/
//				bonding_slave/mii_status == "up". "going
//				down" and "going back" are not up, exactly
//				as there. On a page with more members than
//				it holds (member_overflow) only the members
//				held are counted
//  exabond_bond_info{bond,ifindex,mode,xmit_hash_policy,source} 1
//  exabond_bond_up{bond}		admin up and carrier (the hot word's UP)
//  exabond_active_member_info{bond,member,ifindex} 1, absent when the bond
//				has no active member (or its mode has none)
//  exabond_failovers_total{bond}	active member changes (failover_count)
//  exabond_last_failover_monotonic_seconds{bond}
//				CLOCK_MONOTONIC time of the last failover,
//				absent before the first. The page's clock is
//				CLOCK_MONOTONIC, which has no fixed relation
//				to the wall clock (it stops in suspend, NTP
//				steps the other), so a *_timestamp_seconds
//				converted at scrape time would move between
//				scrapes with nothing having happened. Age:
//				exabond_monitor_monotonic_seconds - this
//  exabond_member_info{bond,member,ifindex,driver,bus_info} 1
//  exabond_member_link_up{bond,member}	bonding's link state is up
//  exabond_member_carrier{bond,member}	the NIC driver's raw carrier
//  exabond_member_active{bond,member}	the bond's current active member
//  exabond_member_link_failures_total{bond,member}
//				bonding's link_failure_count
//  exabond_member_carrier_changes_total{bond,member}
//				raw carrier up and down transitions
//  exabond_lacp_partner_mac_known{bond}	802.3ad bonds only, as the next
//				three: the active aggregator has a partner
//				(its MAC is not 00:00:00:00:00:00)
//  exabond_lacp_aggregator_ports{bond}	ports in the active aggregator
//  exabond_lacp_members_in_active_aggregator{bond}
//				members whose aggregator is the active one
//  exabond_lacp_healthy{bond}	the LACP health rule of the seed documents:
//				partner MAC known AND every member in the
//				active aggregator AND a link monitor
//				(miimon or arp_interval) set. A member the
//				page does not hold is not known to be in it,
//				so an overflowing page is not healthy
//  exabond_policy_compliant{bond}	the bond meets the policy
//  exabond_policy_violation{bond,rule}	one per rule: mode, driver,
//				member_type, max_members, same_card,
//				link_monitor; 1 when the bond breaks it
//  exabond_roce_lag_eligible{bond}	mode 1/2/4, the two ports of one card
//  exabond_link_monitor_configured{bond}	miimon or arp_interval set
//  exabond_page_generation{bond}	the page's generation (+1 per
//				publication; restarts with a new page)
//  exabond_publication_lag_seconds{bond}	histogram: from the event to
//				its publication (page publish_ns - event_ns)
//  exabond_carrier_to_failover_seconds{bond}	histogram: from a member's
//				raw carrier change to the failover it caused
//  exabond_publications_seen_total{bond}	publications the monitor
//				observed (it may coalesce several)
//  exabond_audit_divergences_total{bond}	audit mode: the kernel's page
//				and the monitor's differed
//  exabond_monitor_info{mode,version,abi} 1
//  exabond_monitor_start_time_seconds	Unix time the daemon started
//  exabond_monitor_monotonic_seconds	CLOCK_MONOTONIC now, for ages
//  exabond_monitor_bonds		bonds the monitor follows
//  exabond_monitor_bonds_unreadable	of those, pages that failed validation
//				(they have no bond series)
//  exabond_monitor_netlink_messages_total
//  exabond_monitor_netlink_resyncs_total	netlink overruns (ENOBUFS) that
//				forced a full re-dump
//  exabond_monitor_audit_divergences_total	all bonds', including
//				bonds no longer followed: it never goes down
//  exabond_monitor_log_messages_dropped_total
//  exabond_monitor_http_requests_total
//  exabond_monitor_http_connections_rejected_total	over the cap (503)
//  exabond_monitor_http_timeouts_total	connections closed at their deadline
//
// Bonds come out sorted by name (then ifindex), members in the bond's
// order, so two scrapes of the same state are byte-for-byte equal.
#ifndef EXABOND_MONITOR_METRICS_HPP
#define EXABOND_MONITOR_METRICS_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <exabond/page.h>

namespace exabond::monitor {

// A Prometheus histogram with fixed upper bounds, in seconds. Not
// thread-safe: the event loop observes and renders.
class Histogram {
public:
	// 1 us .. 100 ms: a publication is a few microseconds in the kernel
	// and tens of microseconds through rtnetlink; past 100 ms something
	// is wrong and +Inf says so.
	static std::vector<double> publication_lag_buckets();
	// 100 us .. 10 s: miimon/updelay/downdelay are tens to thousands of
	// milliseconds, so a failover is normally 1 ms .. 1 s after the
	// carrier drops.
	static std::vector<double> carrier_to_failover_buckets();

	// @bounds: finite and strictly increasing (+Inf is implied). Throws
	// std::invalid_argument otherwise.
	explicit Histogram(std::vector<double> bounds);

	// Adds one observation. NaN is ignored: it would poison _sum for
	// the life of the process.
	void observe(double seconds) noexcept;

	const std::vector<double> &bounds() const noexcept { return bounds_; }
	// Observations <= bounds()[i] (cumulative); i == bounds().size() is
	// +Inf, which equals count().
	std::uint64_t cumulative(std::size_t i) const noexcept;
	std::uint64_t count() const noexcept { return count_; }
	double sum() const noexcept { return sum_; }

	// The q-quantile (0 <= q <= 1) estimated as Prometheus's
	// histogram_quantile() does: linear within the bucket it falls in,
	// the highest finite bound when it falls in +Inf. std::nullopt
	// without observations.
	std::optional<double> quantile(double q) const noexcept;

	// The family's samples, without # HELP and # TYPE: name_bucket{...,
	// le="..."} for each bound and +Inf, name_sum, name_count. @labels
	// is the label list without braces ("" or `bond="bond0"`), already
	// escaped.
	void render(std::string &out, const std::string &name,
		    const std::string &labels) const;

private:
	std::vector<double> bounds_;
	std::vector<std::uint64_t> counts_;	// per bucket, +Inf last
	std::uint64_t count_ = 0;
	double sum_ = 0;
};

struct BondMetrics {
	// The latest copy of the bond's page: the kernel's or the monitor's
	// own. Series are derived from it at render time; a copy that does
	// not validate gives no bond series.
	exabond_page page{};
	std::string source;	// "kernel" or "monitor"
	Histogram publication_lag{Histogram::publication_lag_buckets()};
	Histogram carrier_to_failover{
		Histogram::carrier_to_failover_buckets()};
	std::uint64_t publications_seen = 0;
	std::uint64_t audit_divergences = 0;
};

struct DaemonMetrics {
	std::string mode;		// "observe", "publish", "audit"
	std::string version;		// the daemon's version
	std::uint64_t start_unix_s = 0;
	// CLOCK_MONOTONIC now, in ns; 0: read the clock when rendering.
	// Set it only to make a rendering reproducible (tests).
	std::uint64_t now_monotonic_ns = 0;
	std::uint64_t netlink_messages = 0;
	std::uint64_t netlink_resyncs = 0;
	std::uint64_t log_messages_dropped = 0;
	// Every bond's, kept when a bond goes away so the total never
	// decreases (BondMetrics::audit_divergences has the bond's own).
	std::uint64_t audit_divergences = 0;
	// From HttpServer::stats().
	std::uint64_t http_requests = 0;
	std::uint64_t http_connections_rejected = 0;
	std::uint64_t http_timeouts = 0;
};

// The Content-Type of render_prometheus()'s output.
inline constexpr const char *prometheus_content_type =
	"text/plain; version=0.0.4; charset=utf-8";

// Prometheus text format 0.0.4: every family once, with # HELP and # TYPE,
// its samples contiguous. Null entries in @bonds are skipped.
std::string render_prometheus(const DaemonMetrics &d,
			      const std::vector<const BondMetrics *> &bonds);

// The status document: "daemon" (what DaemonMetrics holds) and "bonds", an
// array in render_prometheus()'s order of {"bond", "source", "valid",
// "page": exabond::tools::bond_json(), "lacp" (802.3ad), counters and the
// two histograms' count, sum and p50/p90/p99}. A page that does not
// validate has "valid": false and "error" instead of "page". Strings that
// are not UTF-8 (interface names may be any bytes) carry U+FFFD instead.
nlohmann::ordered_json status_json(
	const DaemonMetrics &d, const std::vector<const BondMetrics *> &bonds);

// The Prometheus label value escaping (\\, \", \n), with bytes that are not
// UTF-8 replaced by U+FFFD: the exposition format requires UTF-8 and an
// interface name need not be. Exposed for the tests.
std::string escape_label_value(std::string_view v);

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_METRICS_HPP
