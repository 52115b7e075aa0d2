// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor's command line: what it accepts and the one-line errors.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "options.hpp"

using namespace exabond::monitor;

namespace {

ParseResult parse(std::initializer_list<const char *> args)
{
	std::vector<std::string> s{ "exabond-monitor" };
	std::vector<char *> argv;

	s.insert(s.end(), args.begin(), args.end());
	for (auto &a : s)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	return parse_options(int(s.size()), argv.data());
}

} // namespace

TEST(Options, Defaults)
{
	ParseResult r = parse({});

	ASSERT_EQ(r.what, ParseResult::run);
	EXPECT_FALSE(r.options.publish);
	EXPECT_FALSE(r.options.audit);
	EXPECT_TRUE(r.options.http);
	EXPECT_EQ(r.options.listen_address, "127.0.0.1");
	EXPECT_EQ(r.options.listen_port, 9467);
	EXPECT_EQ(r.options.refresh_ms, 100u);
	EXPECT_NE(r.options.listen_port, 9100);	/* node_exporter's */
}

TEST(Options, Everything)
{
	ParseResult r = parse({ "--publish", "-a", "-b", "bond0", "--bond",
				"bond1", "--listen", "[::1]:9999", "--log",
				"stderr", "--log-level", "debug",
				"--refresh-ms", "50", "--audit-grace-ms",
				"0" });

	ASSERT_EQ(r.what, ParseResult::run) << r.error_text;
	EXPECT_TRUE(r.options.publish);
	EXPECT_TRUE(r.options.audit);
	EXPECT_EQ(r.options.bonds, (std::vector<std::string>{ "bond0", "bond1" }));
	EXPECT_EQ(r.options.listen_address, "::1");
	EXPECT_EQ(r.options.listen_port, 9999);
	EXPECT_EQ(r.options.log_target, LogTarget::stderr_);
	EXPECT_EQ(r.options.log_level, spdlog::level::debug);
	EXPECT_EQ(r.options.refresh_ms, 50u);
	EXPECT_EQ(r.options.audit_grace_ms, 0u);
}

TEST(Options, ListenNone)
{
	ParseResult r = parse({ "--listen", "none" });

	ASSERT_EQ(r.what, ParseResult::run);
	EXPECT_FALSE(r.options.http);
}

TEST(Options, HelpAndVersion)
{
	EXPECT_EQ(parse({ "-h" }).what, ParseResult::help);
	EXPECT_EQ(parse({ "--version" }).what, ParseResult::version);
	EXPECT_NE(usage_text().find("127.0.0.1:9467"), std::string::npos);
}

TEST(Options, ErrorsAreOneLine)
{
	const struct {
		std::initializer_list<const char *> args;
		const char *error;
	} cases[] = {
		{ { "--bogus" }, "unknown option '--bogus'" },
		{ { "-x" }, "unknown option '-x'" },
		{ { "--bond" }, "option '--bond' needs a value" },
		{ { "--bond", "bad name" },
		  "--bond 'bad name': not a valid interface name" },
		{ { "--bond", "0123456789abcdef" },
		  "--bond '0123456789abcdef': not a valid interface name" },
		{ { "--listen", "9467" },
		  "--listen '9467': want ADDRESS:PORT" },
		{ { "--listen", "127.0.0.1:0" },
		  "--listen '127.0.0.1:0': port must be 1..65535" },
		{ { "--listen", "127.0.0.1:65536" },
		  "--listen '127.0.0.1:65536': port must be 1..65535" },
		{ { "--listen", "::1:80" },
		  "--listen '::1:80': put an IPv6 address in brackets" },
		{ { "--listen", "[::1]80" },
		  "--listen '[::1]80': want [IPV6]:PORT" },
		{ { "--log", "syslog" },
		  "--log 'syslog': want auto, journal or stderr" },
		{ { "--log-level", "trace" },
		  "--log-level 'trace': want debug, info, warning or error" },
		{ { "--refresh-ms", "5" }, "--refresh-ms '5': want 10..10000" },
		{ { "--refresh-ms", "-100" },
		  "--refresh-ms '-100': want 10..10000" },
		{ { "--refresh-ms", "10x" },
		  "--refresh-ms '10x': want 10..10000" },
		{ { "extra" }, "unexpected argument 'extra'" },
	};

	for (const auto &c : cases) {
		ParseResult r = parse(c.args);

		EXPECT_EQ(r.what, ParseResult::error) << c.error;
		EXPECT_EQ(r.error_text, c.error);
		EXPECT_EQ(r.error_text.find('\n'), std::string::npos);
	}
}
