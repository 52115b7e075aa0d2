// SPDX-License-Identifier: GPL-2.0
//
// A valid two-member active-backup page for the monitor's tests, built
// through PageWriter so the header is what a reader accepts.
#ifndef EXABOND_TEST_PAGE_HPP
#define EXABOND_TEST_PAGE_HPP

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include <exabond/page.h>

namespace exabond::test {

inline void set_name(char *dst, std::size_t n, const std::string &s)
{
	std::memset(dst, 0, n);
	std::memcpy(dst, s.data(), std::min(s.size(), n - 1));
}

inline exabond_member &add_member(exabond_page &pg, int ifindex,
				  const std::string &name)
{
	exabond_member &m = pg.members[pg.bond.member_count++];

	std::memset(&m, 0, sizeof(m));
	m.ifindex = ifindex;
	set_name(m.name, sizeof(m.name), name);
	m.link = EXABOND_LINK_UP;
	m.role = EXABOND_ROLE_BACKUP;
	m.carrier = 1;
	m.speed = 10000;
	m.duplex = EXABOND_DUPLEX_FULL;
	pg.bond.members_total = pg.bond.member_count;
	return m;
}

// bond0 (ifindex 10), members eth0 (11, active) and eth1 (12).
inline exabond_page two_member_page()
{
	exabond_page pg;

	std::memset(&pg, 0, sizeof(pg));
	pg.magic = EXABOND_PAGE_MAGIC;
	pg.abi_major = EXABOND_ABI_MAJOR;
	pg.abi_minor = EXABOND_ABI_MINOR;
	pg.size = EXABOND_PAGE_SIZE_V1_0;
	pg.publisher = EXABOND_PUBLISHER_MONITOR;
	pg.member_max = EXABOND_MAX_MEMBERS;
	pg.generation = 1;
	pg.bond.ifindex = 10;
	set_name(pg.bond.name, sizeof(pg.bond.name), "bond0");
	pg.bond.mode = EXABOND_MODE_ACTIVE_BACKUP;
	pg.bond.miimon = 100;
	pg.bond.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
	pg.policy.flags = EXABOND_POLICY_F_COMPLIANT;
	add_member(pg, 11, "eth0").role = EXABOND_ROLE_ACTIVE;
	add_member(pg, 12, "eth1");
	pg.bond.active_ifindex = 11;
	return pg;
}

} // namespace exabond::test

#endif
