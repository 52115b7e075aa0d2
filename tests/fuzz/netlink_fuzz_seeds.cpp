// SPDX-License-Identifier: GPL-2.0
//
// Seed corpus for netlink_fuzz: the rtnetlink messages Linux 6.1 sent in
// the VM (tests/unit/rtnl/fixtures/*.hex, from `make fixtures`).
//
//	netlink_fuzz_seeds DIR	writes DIR/seed-<fixture>-<line>, one
//				message each, and DIR/seed-<fixture>-all,
//				every message of the fixture back to back
//				(a receive buffer of several messages)
//
// tests/fuzz/run.sh runs it into the build directory's corpus; nothing
// binary is committed.
#include <cstdio>
#include <string>
#include <vector>

#include "hex_fixture.hpp"

namespace {

bool write_file(const std::string &path, const std::vector<std::uint8_t> &b)
{
	std::FILE *f = std::fopen(path.c_str(), "wb");
	if (!f) {
		std::perror(path.c_str());
		return false;
	}
	const bool ok = std::fwrite(b.data(), 1, b.size(), f) == b.size();
	return std::fclose(f) == 0 && ok;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: netlink_fuzz_seeds DIR\n");
		return 2;
	}
	const std::string dir = argv[1];
	unsigned seeds = 0;

	for (const char *name : {"dump", "events"}) {
		std::string error;
		const std::string path = std::string(EXABOND_RTNL_FIXTURES) +
					  "/" + name + ".hex";
		auto msgs = exabond::rtnl::fixture::load(path, &error);
		if (msgs.empty()) {
			std::fprintf(stderr, "netlink_fuzz_seeds: %s\n",
				     error.empty() ? (path + ": empty").c_str()
						   : error.c_str());
			return 1;
		}
		std::vector<std::uint8_t> all;
		for (const auto &m : msgs) {
			const std::string seed = dir + "/seed-" + name + "-" +
						 std::to_string(m.line);
			if (!write_file(seed, m.bytes))
				return 1;
			seeds++;
			// Kernel messages are padded: back to back is a
			// datagram as recv() returns it.
			all.insert(all.end(), m.bytes.begin(), m.bytes.end());
		}
		if (!write_file(dir + "/seed-" + name + "-all", all))
			return 1;
		seeds++;
	}
	std::printf("netlink_fuzz_seeds: %u seeds in %s\n", seeds, dir.c_str());
	return 0;
}
