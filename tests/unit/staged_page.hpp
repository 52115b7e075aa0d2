// SPDX-License-Identifier: GPL-2.0
//
// A page for the unit tests to publish with PageWriter.
#ifndef EXABOND_TESTS_STAGED_PAGE_HPP
#define EXABOND_TESTS_STAGED_PAGE_HPP

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <exabond/page.h>
#include <exabond/reader.h>

// A staged page of bond @name (ifindex 10) in this network namespace: two
// members eth0 (11) and eth1 (12), @active active (0: none), admin up,
// carrier, compliant.
inline exabond_page staged_page(std::string_view name, int active = 11)
{
	exabond_page st;

	std::memset(&st, 0, sizeof(st));
	st.bond.ifindex = 10;
	st.bond.netns_ino = std::uint32_t(exabond_netns_ino());
	std::memcpy(st.bond.name, name.data(),
		    std::min(name.size(), sizeof(st.bond.name) - 1));
	st.bond.mode = EXABOND_MODE_ACTIVE_BACKUP;
	st.bond.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
	st.bond.miimon = 100;
	st.bond.member_count = st.bond.members_total = 2;
	st.bond.active_ifindex = active;
	st.policy.flags = EXABOND_POLICY_F_COMPLIANT;
	for (int i = 0; i < 2; i++) {
		exabond_member &m = st.members[i];

		m.ifindex = 11 + i;
		std::snprintf(m.name, sizeof(m.name), "eth%d", i);
		m.link = EXABOND_LINK_UP;
		m.role = m.ifindex == active ? EXABOND_ROLE_ACTIVE
					     : EXABOND_ROLE_BACKUP;
		m.carrier = 1;
		m.duplex = EXABOND_DUPLEX_FULL;
		m.speed = 10000;
	}
	return st;
}

#endif // EXABOND_TESTS_STAGED_PAGE_HPP
