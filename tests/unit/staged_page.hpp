// SPDX-License-Identifier: GPL-2.0
//
// A page for the unit tests to publish with PageWriter.
#ifndef EXABOND_TESTS_STAGED_PAGE_HPP
#define EXABOND_TESTS_STAGED_PAGE_HPP

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string_view>

#include <exabond/page.h>
#include <exabond/reader.h>

// One member of a staged page.
struct MemberSpec {
	const char *name;
	int ifindex;
	unsigned link;
	unsigned role;
};

// A staged page of bond @name (ifindex 10) in this network namespace: admin
// up, carrier, compliant, miimon 100, the given members (10 Gb/s, full
// duplex, carrier), @active as the active member (0: none).
inline exabond_page staged_page(std::string_view name, unsigned mode,
				std::initializer_list<MemberSpec> members,
				int active)
{
	exabond_page st;

	std::memset(&st, 0, sizeof(st));
	st.bond.ifindex = 10;
	st.bond.netns_ino = std::uint32_t(exabond_netns_ino());
	std::memcpy(st.bond.name, name.data(),
		    std::min(name.size(), sizeof(st.bond.name) - 1));
	st.bond.mode = std::uint8_t(mode);
	st.bond.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
	st.bond.miimon = 100;
	st.bond.active_ifindex = active;
	st.policy.flags = EXABOND_POLICY_F_COMPLIANT;
	for (const MemberSpec &m : members) {
		exabond_member &e = st.members[st.bond.member_count++];

		e.ifindex = m.ifindex;
		std::snprintf(e.name, sizeof(e.name), "%s", m.name);
		e.link = std::uint8_t(m.link);
		e.role = std::uint8_t(m.role);
		e.carrier = 1;
		e.duplex = EXABOND_DUPLEX_FULL;
		e.speed = 10000;
		if (m.ifindex == active)
			e.flags |= EXABOND_MEMBER_F_ACTIVE;
	}
	st.bond.members_total = st.bond.member_count;
	return st;
}

// An active-backup bond @name with members eth0 (11) and eth1 (12), @active
// active (0: none) and the other one backup.
inline exabond_page staged_page(std::string_view name, int active = 11)
{
	auto role = [active](int ifindex) -> unsigned {
		return ifindex == active ? EXABOND_ROLE_ACTIVE
					 : EXABOND_ROLE_BACKUP;
	};

	return staged_page(name, EXABOND_MODE_ACTIVE_BACKUP,
			   {{"eth0", 11, EXABOND_LINK_UP, role(11)},
			    {"eth1", 12, EXABOND_LINK_UP, role(12)}},
			   active);
}

#endif // EXABOND_TESTS_STAGED_PAGE_HPP
