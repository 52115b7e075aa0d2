// SPDX-License-Identifier: GPL-2.0
//
// The fixture format: text, one netlink message a line as lowercase hex
// (nlmsghdr first), "#" lines are comments. Shared by the unit tests and
// the fuzz seed writer.
#ifndef EXABOND_TESTS_RTNL_HEX_FIXTURE_HPP
#define EXABOND_TESTS_RTNL_HEX_FIXTURE_HPP

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace exabond::rtnl::fixture {

struct Message {
	std::size_t line = 0;			// 1-based, for messages
	std::string step;			// the last comment before it
	std::vector<std::uint8_t> bytes;
};

// Two hex digits a byte; false on anything else (an odd count included).
inline bool unhex(const std::string &s, std::vector<std::uint8_t> *out)
{
	auto val = [](char c) -> int {
		if (c >= '0' && c <= '9')
			return c - '0';
		if (c >= 'a' && c <= 'f')
			return c - 'a' + 10;
		return -1;
	};
	if (s.size() % 2)
		return false;
	out->clear();
	for (std::size_t i = 0; i < s.size(); i += 2) {
		const int hi = val(s[i]), lo = val(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out->push_back(std::uint8_t(hi << 4 | lo));
	}
	return true;
}

// The messages of @path; @error set (and nothing returned) when the file
// cannot be read or a line is not hex.
inline std::vector<Message> load(const std::string &path, std::string *error)
{
	std::ifstream in(path);
	std::vector<Message> msgs;
	std::string line, step;

	if (!in) {
		*error = path + ": cannot open";
		return {};
	}
	for (std::size_t n = 1; std::getline(in, line); n++) {
		if (line.empty())
			continue;
		if (line[0] == '#') {
			step = line.substr(line.size() > 1 && line[1] == ' ' ?
						   2 : 1);
			continue;
		}
		Message m;
		m.line = n;
		m.step = step;
		if (!unhex(line, &m.bytes)) {
			*error = path + ":" + std::to_string(n) + ": not hex";
			return {};
		}
		msgs.push_back(std::move(m));
	}
	return msgs;
}

} // namespace exabond::rtnl::fixture

#endif
