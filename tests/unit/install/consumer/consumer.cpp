// SPDX-License-Identifier: GPL-2.0
//
// consumer_cpp FILE BOND: writes a page for BOND (active member ifindex 7)
// to FILE with exabond::PageWriter, reads it back through exabond::Bond
// and prints "<bond> <mode> <active ifindex> <active member>".
#include <cstdio>
#include <cstring>
#include <fstream>

#include <exabond/exabond.hpp>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	alignas(4096) static exabond_page pg;
	exabond::PageWriter w(&pg);
	exabond_page st;

	std::memset(&st, 0, sizeof(st));
	std::snprintf(st.bond.name, sizeof(st.bond.name), "%s", argv[2]);
	st.bond.mode = EXABOND_MODE_ACTIVE_BACKUP;
	st.bond.member_count = st.bond.members_total = 1;
	st.bond.active_ifindex = 7;
	st.members[0].ifindex = 7;
	std::snprintf(st.members[0].name, sizeof(st.members[0].name), "eth7");
	w.publish(st, EXABOND_EVENT_MANAGE, 7, exabond::PageWriter::now_ns(),
		  true);
	std::ofstream(argv[1], std::ios::binary)
		.write(reinterpret_cast<const char *>(&pg), sizeof(pg));

	try {
		auto bond = exabond::Bond::open_path(argv[1]);
		exabond::Snapshot s;

		if (!bond.snapshot(s))
			return 1;
		auto m = s.active_member();
		std::printf("%.*s %.*s %d %.*s\n", int(s.name().size()),
			    s.name().data(), int(s.mode_name().size()),
			    s.mode_name().data(), bond.active_ifindex(),
			    m ? int(m->name().size()) : 0,
			    m ? m->name().data() : "");
	} catch (const exabond::Error &e) {
		std::fprintf(stderr, "%s\n", e.what());
		return 1;
	}
	return 0;
}
