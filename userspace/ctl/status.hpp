// SPDX-License-Identifier: GPL-2.0
//
// `status`: a bond as /proc/net/bonding/<bond> shows it, read from its
// page, followed by what only exabond knows (policy, eligibility, the
// page's generation and latest event).
#ifndef EXABOND_CTL_STATUS_HPP
#define EXABOND_CTL_STATUS_HPP

#include <cstdint>
#include <string>

#include <exabond/snapshot.hpp>

namespace exabond::ctl {

// The human text for one bond. @now_ns is CLOCK_MONOTONIC "now", for the
// ages of the page's times (a parameter so that tests are exact).
std::string format_status(const Snapshot &s, std::uint64_t now_ns);

// /proc/net/bonding's "Bonding Mode:" text for a mode.
std::string mode_proc_text(unsigned mode);

// "1.234 s ago", "never": an age from two monotonic times.
std::string age_text(std::uint64_t then_ns, std::uint64_t now_ns);

// Names of the set bits of policy.violations: "mode", "driver", ...
std::string violation_list(std::uint32_t violations);

std::uint64_t monotonic_ns();

} // namespace exabond::ctl

#endif // EXABOND_CTL_STATUS_HPP
