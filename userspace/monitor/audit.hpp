// SPDX-License-Identifier: GPL-2.0
//
// Audit mode: the kernel's page of a managed bond against the page the
// monitor builds from rtnetlink for the same bond.
//
// What is compared: every field both publishers derive from the bond's
// state (bond, 802.3ad, policy verdict, members). What is not: the header
// (generation, times, event, publisher), per-member timestamps (each
// publisher stamps its own clock reading of the same event), failover
// counts and times (the monitor counts from its own start), the policy's
// bookkeeping (refreshed, refresh interval, last refresh, managed since)
// and EXABOND_POLICY_F_NO_HOOK, which only the kernel can know.
//
// Bounds: a field may differ while one side has not yet seen an event the
// other has; the audit reports a field only once it has differed for
// longer than its bound, and reports its return to agreement. A field's
// bound is the grace (default 1 s: netlink delivery, the monitor's own
// event loop) plus the kernel's refresh interval when the kernel lists
// the field as refreshed (exabond_policy.refreshed) plus the monitor's
// refresh interval when the monitor does.
#ifndef EXABOND_MONITOR_AUDIT_HPP
#define EXABOND_MONITOR_AUDIT_HPP

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <exabond/page.h>

namespace exabond::monitor {

struct FieldDiff {
	std::string field;	// "bond.miimon", "members[eth0].speed"
	std::string kernel;
	std::string monitor;
	std::uint32_t refresh;	// EXABOND_REFRESH_* the field falls under, 0
};

// The comparable fields that differ, kernel first. Members are matched by
// ifindex and named by their name; the member order is compared too.
std::vector<FieldDiff> compare_pages(const exabond_page &kernel,
				     const exabond_page &monitor);

// Tracks one bond's divergences over time.
class Auditor {
public:
	struct Report {
		enum { diverged, converged } what;
		FieldDiff diff;
		std::uint64_t for_ns;	// how long it has differed
	};

	explicit Auditor(std::uint64_t grace_ns) : grace_ns_(grace_ns) {}

	// Compares at @now; returns what crossed its bound since the last
	// call (diverged) and what agrees again after being reported.
	std::vector<Report> check(const exabond_page &kernel,
				  const exabond_page &monitor,
				  std::uint64_t now);

	// The earliest time a pending difference would cross its bound, 0:
	// none pending (the daemon arms a timer for it).
	std::uint64_t next_deadline() const noexcept;

	std::size_t reported() const noexcept { return reported_total_; }

private:
	struct Pending {
		std::uint64_t since;
		std::uint64_t bound;
		bool reported;
	};

	std::uint64_t bound(const FieldDiff &d, const exabond_page &kernel,
			    const exabond_page &monitor) const noexcept;

	std::uint64_t grace_ns_;
	std::map<std::string, Pending> pending_;
	std::size_t reported_total_ = 0;
};

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_AUDIT_HPP
