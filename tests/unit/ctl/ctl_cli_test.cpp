// SPDX-License-Identifier: GPL-2.0
//
// exabondctl's command line, through ctl::run() as main() calls it: every
// usage error exits 2 with one "exabondctl: ..." line first on stderr and
// the usage after it; help and version exit 0 on stdout. None of these
// reach the kernel: they fail before any system call that could.
#include <sstream>

#include <gtest/gtest.h>

#include "cli.hpp"
#include "netlink_admin.hpp"

namespace ctl = exabond::ctl;

namespace {

struct Outcome {
	int rc;
	std::string out, err;

	std::string first_err_line() const
	{
		return err.substr(0, err.find('\n'));
	}
};

Outcome run(std::initializer_list<std::string> args)
{
	std::ostringstream out, err;
	int rc = ctl::run(ctl::Args(args), out, err);

	return {rc, out.str(), err.str()};
}

void expect_usage(std::initializer_list<std::string> args,
		  const std::string &line)
{
	Outcome o = run(args);

	EXPECT_EQ(o.rc, 2) << o.err;
	EXPECT_EQ(o.first_err_line(), "exabondctl: " + line);
	EXPECT_NE(o.err.find("\nUsage: exabondctl"), std::string::npos)
		<< "the usage follows the message: " << o.err;
	EXPECT_EQ(o.out, "");
}

} // namespace

TEST(CtlCli, NoCommand)
{
	expect_usage({}, "no command given");
	expect_usage({"--json"}, "no command given");
}

TEST(CtlCli, UnknownCommandAndGlobalOption)
{
	expect_usage({"frobnicate"}, "unknown command frobnicate");
	expect_usage({"--frob", "status"}, "unknown option --frob");
}

TEST(CtlCli, UnknownSubcommandOption)
{
	expect_usage({"status", "--frob"}, "unknown option --frob");
	expect_usage({"check", "-x", "bond0"}, "unknown option -x");
	expect_usage({"manage", "--roce-lag", "bond0"},
		     "unknown option --roce-lag");
}

TEST(CtlCli, MissingAndExtraOperands)
{
	expect_usage({"check"}, "check which bond?");
	expect_usage({"check", "a", "b"}, "check takes one bond");
	expect_usage({"status", "a", "b"}, "status takes at most one bond");
	expect_usage({"watch", "a", "b"}, "watch takes at most one bond");
	expect_usage({"manage"}, "which bond?");
	expect_usage({"unmanage", "a", "b"}, "one bond at a time");
	expect_usage({"enslave", "bond0"}, "enslave <bond> <member>...");
	expect_usage({"release"}, "release <bond> <member>...");
	expect_usage({"create"}, "create which bond?");
}

TEST(CtlCli, BadNames)
{
	expect_usage({"manage", "a/b"}, "not a valid bond name: \"a/b\"");
	expect_usage({"check", "0123456789abcdef"},
		     "not a valid bond name: \"0123456789abcdef\"");
	expect_usage({"unmanage", "a b"}, "not a valid bond name: \"a b\"");
	expect_usage({"enslave", "bond0", "x:y"},
		     "not a valid interface name: \"x:y\"");
}

TEST(CtlCli, Policy)
{
	expect_usage({"policy"}, "policy: show or set?");
	expect_usage({"policy", "frob"},
		     "policy: unknown action frob (show or set)");
	expect_usage({"policy", "show", "x"}, "policy show takes no operands");
	expect_usage({"policy", "set", "max_members"},
		     "policy set <name> <value>");
	expect_usage({"policy", "set", "nope", "1"},
		     "no policy parameter nope (allowed_modes, "
		     "allowed_drivers, max_members, require_link_monitor)");
	expect_usage({"policy", "set", "hook_bonding", "Y"},
		     "hook_bonding is read-only");
}

TEST(CtlCli, CreateOptions)
{
	expect_usage({"create", "b0", "mode"}, "mode: missing value");
	expect_usage({"create", "b0", "mode", "nine"},
		     "mode: unknown value nine (balance-rr, active-backup, "
		     "balance-xor, broadcast, 802.3ad, balance-tlb, "
		     "balance-alb)");
	expect_usage({"create", "b0", "miimon", "10x"},
		     "miimon: not a number of milliseconds: 10x");
	expect_usage({"create", "b0", "updelay", "-1"},
		     "unknown option -1");
	expect_usage({"create", "b0", "speed", "1"},
		     "create: unknown option speed");
	expect_usage({"create", "b0", "lacp_rate", "medium"},
		     "lacp_rate: unknown value medium (slow, fast)");

	auto r = ctl::parse_create({"b0", "mode", "802.3ad", "miimon", "100",
				    "updelay", "200", "downdelay", "0",
				    "primary", "eth0", "xmit_hash_policy",
				    "layer3+4", "lacp_rate", "fast"});

	EXPECT_EQ(r.bond, "b0");
	EXPECT_EQ(r.mode, 4);
	EXPECT_EQ(r.miimon, 100u);
	EXPECT_EQ(r.updelay, 200u);
	EXPECT_EQ(r.downdelay, 0u);
	EXPECT_EQ(r.primary, "eth0");
	EXPECT_EQ(r.xmit_hash_policy, 1);
	EXPECT_EQ(r.lacp_rate, 1);

	auto n = ctl::parse_create({"b1", "mode", "1"});

	EXPECT_EQ(n.mode, 1);
	EXPECT_FALSE(n.miimon.has_value());
}

TEST(CtlCli, HelpAndVersion)
{
	Outcome o = run({"--help"});

	EXPECT_EQ(o.rc, 0);
	EXPECT_EQ(o.err, "");
	for (const auto &c : ctl::commands())
		EXPECT_NE(o.out.find(std::string("  ") + c.name), std::string::npos)
			<< c.name;
	EXPECT_NE(o.out.find("Exit status:"), std::string::npos);

	for (const auto &c : ctl::commands()) {
		Outcome h = run({c.name, "--help"});

		EXPECT_EQ(h.rc, 0) << c.name;
		EXPECT_EQ(h.out.rfind(std::string("Usage: exabondctl ") +
					      c.name + " ",
				      0),
			  0u)
			<< h.out;
	}

	Outcome v = run({"--version"});

	EXPECT_EQ(v.rc, 0);
	EXPECT_EQ(v.out.rfind("exabondctl ", 0), 0u);
}

TEST(CtlCli, ExitForErrno)
{
	EXPECT_EQ(ctl::exit_for_errno(ENODEV), ctl::EXIT_NOT_FOUND);
	EXPECT_EQ(ctl::exit_for_errno(ENOENT), ctl::EXIT_NOT_FOUND);
	EXPECT_EQ(ctl::exit_for_errno(EOPNOTSUPP), ctl::EXIT_REFUSED);
	EXPECT_EQ(ctl::exit_for_errno(EPERM), ctl::EXIT_REFUSED);
	EXPECT_EQ(ctl::exit_for_errno(EACCES), ctl::EXIT_REFUSED);
	EXPECT_EQ(ctl::exit_for_errno(EBUSY), ctl::EXIT_SYSTEM);
}
