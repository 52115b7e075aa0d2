// SPDX-License-Identifier: GPL-2.0
//
// The subcommand table, the usage text and the dispatch. A subcommand is
// one row: its name, synopsis, one-line summary, help and function; the
// usage, `<cmd> --help` and the dispatch all read the same table, so they
// cannot drift apart.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli.hpp"
#include "commands.hpp"

#ifndef EXABOND_VERSION
#define EXABOND_VERSION "unknown"
#endif

namespace exabond::ctl {

namespace {

const char exit_codes_text[] =
	"Exit status:\n"
	"  0  success\n"
	"  1  check: a check failed\n"
	"  2  usage error (unknown subcommand, bad argument, a policy value\n"
	"     the module does not accept)\n"
	"  3  no such bond, not a bond, not managed, or exabond.ko not loaded\n"
	"  4  refused by the kernel (EOPNOTSUPP: exabond's policy; EPERM,\n"
	"     EACCES)\n"
	"  5  other system error\n";

const std::vector<Command> table = {
	{"status", "[--json] [bond]",
	 "show a managed bond (or every one) from its page",
	 "What /proc/net/bonding/<bond> shows (mode, hash policy, MII status\n"
	 "and timers, primary and active member, 802.3ad aggregator, per\n"
	 "member MII status, speed, duplex, link failures, permanent address,\n"
	 "aggregator), read from exabond's page, then the policy verdict,\n"
	 "RoCE-LAG eligibility, failovers and the page's generation and last\n"
	 "event. Without a bond: every bond in /sys/class/net/exabond_masters.\n"
	 "--json: the bond as `ip -d -j link show` names its fields (an array\n"
	 "of them without a bond).\n",
	 cmd_status},
	{"watch", "[--json] [-v|--verbose] [bond]",
	 "print a managed bond's transitions as they happen",
	 "One line per transition, until SIGINT or SIGTERM or until every\n"
	 "watched bond is gone: failover (old -> new), a member's link and\n"
	 "carrier, members added and removed, the bond's carrier, compliance\n"
	 "changes, the bond gone. Each line has the wall-clock time, the page's\n"
	 "generation, its event time (CLOCK_MONOTONIC) and the publication lag\n"
	 "(publish time - event time). The first line per bond is \"watching\".\n"
	 "--json: one object per line. -v: also publications that are none of\n"
	 "these. Without a bond: every managed bond. Output is flushed per line.\n",
	 cmd_watch},
	{"check", "[--json] [--roce-lag] <bond>",
	 "check a bond against the policy, RoCE LAG and LACP health",
	 "One line per check, OK or FAIL and the reason (INFO: a fact that\n"
	 "does not count): the mode against allowed_modes, each member's\n"
	 "driver and type, max_members, the same-card rule, the link monitor,\n"
	 "the page's compliance verdict; RoCE-LAG eligibility (mode 1, 2 or 4\n"
	 "and exactly the two ports of one card; counted with --roce-lag or\n"
	 "when the roce-lag profile is in force); for 802.3ad, LACP health:\n"
	 "an active aggregator, a partner MAC that is not all zero, every port\n"
	 "in that one aggregator, a link monitor. Exit 0 when nothing fails,\n"
	 "1 otherwise.\n",
	 cmd_check},
	{"manage", "<bond>", "place a bond under exabond's management",
	 "Writes +<bond> to /sys/class/net/exabond_masters. Refusals: no such\n"
	 "interface, not a bond (3), already managed (5), the bond breaks the\n"
	 "policy (4: EOPNOTSUPP; dmesg says which rule).\n",
	 cmd_manage},
	{"unmanage", "<bond>", "release a bond from exabond's management",
	 "Writes -<bond> to /sys/class/net/exabond_masters; its page becomes\n"
	 "final (dead). Not managed: 3.\n",
	 cmd_unmanage},
	{"policy", "show [--json] | set <name> <value>",
	 "show or change the policy (module parameters)",
	 "show: allowed_modes, allowed_drivers, max_members,\n"
	 "require_link_monitor and the read-only hook_bonding.\n"
	 "set: writes one parameter; a value the module refuses (EINVAL) is a\n"
	 "usage error (2) that says what it accepts. Managed bonds that no\n"
	 "longer comply are flagged in their pages, not released.\n",
	 cmd_policy},
	{"create",
	 "<bond> [mode M] [miimon N] [updelay N] [downdelay N] [primary IF]\n"
	 "                         [xmit_hash_policy P] [lacp_rate R]",
	 "create a bond (rtnetlink)",
	 "Creates the bond with its options in one RTM_NEWLINK, down and\n"
	 "unmanaged, as `ip link add <bond> type bond ...` does. Modes and\n"
	 "policies by name or number, times in ms.\n",
	 cmd_create},
	{"enslave", "<bond> <member>...", "add members to a bond (rtnetlink)",
	 "As `ip link set <member> master <bond>`. A refusal prints the\n"
	 "kernel's reason (exabond's or bonding's extended ack). Bonding takes\n"
	 "only a member that is down (EPERM otherwise, as with ip).\n",
	 cmd_enslave},
	{"release", "<bond> <member>...",
	 "remove members from a bond (rtnetlink)",
	 "As `ip link set <member> nomaster`.\n", cmd_release},
};

bool valid_ifname_char(char c)
{
	return c > ' ' && c != '/' && c != ':' && c != 0x7f;
}

} // namespace

Exit exit_for_errno(int err) noexcept
{
	switch (err) {
	case ENODEV:
	case ENOENT:
	case ENXIO:
		return EXIT_NOT_FOUND;
	case EOPNOTSUPP:
	case EPERM:
	case EACCES:
		return EXIT_REFUSED;
	default:
		return EXIT_SYSTEM;
	}
}

const std::vector<Command> &commands()
{
	return table;
}

void check_ifname(const std::string &name, const char *what)
{
	bool ok = !name.empty() && name.size() < 16 && name != "." &&
		  name != "..";

	for (char c : name)
		ok = ok && valid_ifname_char(c);
	if (!ok)
		throw UsageError(std::string("not a valid ") + what +
				 " name: \"" + name + "\"");
}

Args take_options(Context &ctx, const Args &args,
		  const std::vector<std::string> &flags,
		  std::vector<std::string> *set)
{
	Args ops;
	bool options = true;

	for (const std::string &a : args) {
		if (!options || a.size() < 2 || a[0] != '-') {
			ops.push_back(a);
			continue;
		}
		if (a == "--") {
			options = false;
		} else if (a == "-j" || a == "--json") {
			ctx.json = true;
		} else if (std::find(flags.begin(), flags.end(), a) !=
			   flags.end()) {
			if (set)
				set->push_back(a);
		} else {
			throw UsageError("unknown option " + a);
		}
	}
	return ops;
}

void usage(std::ostream &os)
{
	os << "Usage: exabondctl [-j|--json] <command> [arguments]\n"
	      "       exabondctl <command> --help\n"
	      "       exabondctl --version\n\n"
	      "Commands:\n";
	for (const Command &c : table) {
		char line[128];

		std::snprintf(line, sizeof(line), "  %-10s %s\n", c.name,
			      c.summary);
		os << line;
	}
	os << "\n" << exit_codes_text;
}

void command_usage(std::ostream &os, const Command &c)
{
	os << "Usage: exabondctl " << c.name << ' ' << c.synopsis << "\n\n"
	   << c.help << '\n'
	   << exit_codes_text;
}

int run(const Args &args, std::ostream &out, std::ostream &err)
{
	Context ctx{out, err};
	std::size_t i = 0;
	const Command *cmd = nullptr;

	// Global options come before the subcommand.
	for (; i < args.size(); i++) {
		const std::string &a = args[i];

		if (a == "-j" || a == "--json") {
			ctx.json = true;
		} else if (a == "-h" || a == "--help") {
			usage(out);
			return EXIT_OK;
		} else if (a == "--version") {
			out << "exabondctl " << EXABOND_VERSION << '\n';
			return EXIT_OK;
		} else if (!a.empty() && a[0] == '-') {
			err << "exabondctl: unknown option " << a << '\n';
			usage(err);
			return EXIT_USAGE;
		} else {
			break;
		}
	}
	if (i == args.size()) {
		err << "exabondctl: no command given\n";
		usage(err);
		return EXIT_USAGE;
	}
	for (const Command &c : table)
		if (args[i] == c.name)
			cmd = &c;
	if (!cmd) {
		err << "exabondctl: unknown command " << args[i] << '\n';
		usage(err);
		return EXIT_USAGE;
	}

	Args rest(args.begin() + i + 1, args.end());

	for (const std::string &a : rest) {
		if (a == "--")
			break;
		if (a == "-h" || a == "--help") {
			command_usage(out, *cmd);
			return EXIT_OK;
		}
	}
	try {
		return cmd->run(ctx, rest);
	} catch (const UsageError &e) {
		out.flush();
		err << "exabondctl: " << e.what() << '\n';
		command_usage(err, *cmd);
		return EXIT_USAGE;
	} catch (const Failure &e) {
		out.flush();
		err << "exabondctl: " << e.what() << '\n';
		return e.code;
	} catch (const std::exception &e) {
		out.flush();
		err << "exabondctl: " << e.what() << '\n';
		return EXIT_SYSTEM;
	}
}

} // namespace exabond::ctl
