// SPDX-License-Identifier: GPL-2.0
//
// `check`: every rule a managed bond is held to, one verdict each, with
// the reason in words. The verdicts come from the page alone (its policy
// bits, flags, allowed_modes and max_members, and the members' drivers and
// bus ids), so check needs no second source that could disagree with what
// the kernel enforces; the words are ours.
#ifndef EXABOND_CTL_CHECK_HPP
#define EXABOND_CTL_CHECK_HPP

#include <optional>
#include <string>
#include <vector>

#include <exabond/snapshot.hpp>

namespace exabond::ctl {

enum class Result {
	ok,
	fail,
	info,	// a fact that does not fail the check
};

struct Verdict {
	std::string check;	// "policy.mode", "lacp.partner_mac", ...
	Result result;
	std::string why;
};

struct CheckOptions {
	// allowed_drivers as the module reads it now, when known: lets a
	// driver violation be pinned on the member that breaks it.
	std::optional<std::vector<std::string>> allowed_drivers;
	// Count RoCE-LAG eligibility as a check (it is, anyway, when the
	// roce-lag profile is in force).
	bool roce_lag = false;
};

std::vector<Verdict> check_bond(const Snapshot &s, const CheckOptions &o);

// True when no verdict is Result::fail.
bool passed(const std::vector<Verdict> &v);

// "OK  ", "FAIL", "INFO" lines, aligned.
std::string format_verdicts(const std::vector<Verdict> &v);

const char *result_name(Result r);

// "dddd:bb:dd" of a PCI function's bus id "dddd:bb:dd.f", else "".
std::string pci_slot(std::string_view bus_info);

} // namespace exabond::ctl

#endif // EXABOND_CTL_CHECK_HPP
