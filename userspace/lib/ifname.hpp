// SPDX-License-Identifier: GPL-2.0
//
// What the kernel's dev_valid_name() accepts, plus no ':' (the namespace
// separator in node and shared-memory names) and no whitespace: a bond
// name that is checked with this cannot walk out of /dev or /dev/shm.
#ifndef EXABOND_LIB_IFNAME_HPP
#define EXABOND_LIB_IFNAME_HPP

#include <string_view>

#include <exabond/page.h>

namespace exabond::detail {

inline bool valid_ifname(std::string_view name) noexcept
{
	return !name.empty() && name.size() < EXABOND_NAME_LEN &&
	       name != "." && name != ".." &&
	       name.find_first_of(std::string_view("/:\0 \t\n", 6)) ==
		       std::string_view::npos;
}

} // namespace exabond::detail

#endif // EXABOND_LIB_IFNAME_HPP
