// SPDX-License-Identifier: GPL-2.0
//
// A bond's page as JSON, with iproute2's field names (`ip -d -j link show`,
// `info_data` and `info_slave_data`) wherever ip has the field, so scripts
// written against ip read exabond's output unchanged. Shared by
// `exabondctl status --json` and exabond-monitor's /status document.
#ifndef EXABOND_TOOLS_BOND_JSON_HPP
#define EXABOND_TOOLS_BOND_JSON_HPP

#include <nlohmann/json.hpp>

#include <exabond/snapshot.hpp>

namespace exabond::tools {

// Everything the snapshot holds: the bond, its members (in the bond's
// order), 802.3ad, policy and eligibility, and the page's generation,
// event and times. An invalid snapshot gives an empty object.
nlohmann::ordered_json bond_json(const exabond::Snapshot &s);

} // namespace exabond::tools

#endif // EXABOND_TOOLS_BOND_JSON_HPP
