// SPDX-License-Identifier: GPL-2.0
//
// exabondctl's front end: the subcommand table, argument parsing, usage
// and exit codes. Everything is reachable without a kernel through
// run(), which writes to the streams it is given, so the unit tests drive
// the whole CLI the way a shell does.
//
// Exit codes, for scripts (also in `exabondctl --help`):
//	0  success
//	1  check: a check failed (the bond is not compliant, LACP unhealthy)
//	2  usage: unknown subcommand, bad or missing arguments, a policy
//	   value the module does not accept
//	3  no such bond, not a bond, not managed, or exabond.ko not loaded
//	4  refused by the kernel: EOPNOTSUPP (policy), EPERM, EACCES
//	5  any other system error
#ifndef EXABOND_CTL_CLI_HPP
#define EXABOND_CTL_CLI_HPP

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace exabond::ctl {

enum Exit {
	EXIT_OK = 0,
	EXIT_CHECK_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_FOUND = 3,
	EXIT_REFUSED = 4,
	EXIT_SYSTEM = 5,
};

// The exit code for a failed system call's errno, outside the cases a
// subcommand maps itself: 3 for "not there", 4 for a refusal, 5 otherwise.
Exit exit_for_errno(int err) noexcept;

// Where a subcommand writes, and the global options.
struct Context {
	std::ostream &out;
	std::ostream &err;
	bool json = false;
};

// A usage error: run() prints "exabondctl: <what>" and the usage of the
// subcommand (or the global one) and returns EXIT_USAGE.
struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

// A failure with its exit code: run() prints "exabondctl: <what>".
struct Failure : std::runtime_error {
	Exit code;

	Failure(Exit c, const std::string &what)
		: std::runtime_error(what), code(c) {}
};

using Args = std::vector<std::string>;

struct Command {
	const char *name;
	const char *synopsis;	// after "exabondctl <name> "
	const char *summary;	// one line, for the global usage
	const char *help;	// the rest of `<name> --help`
	int (*run)(Context &ctx, const Args &args);
};

// The table, in the order the usage lists it.
const std::vector<Command> &commands();

// Splits @args into options and operands: "--json"/"-j" set ctx.json;
// every option named in @flags (e.g. "--roce-lag") is moved to @set;
// anything else starting with "-" is a usage error. "--" ends options.
Args take_options(Context &ctx, const Args &args,
		  const std::vector<std::string> &flags,
		  std::vector<std::string> *set = nullptr);

// A bond or interface name as the kernel accepts it; usage error if not.
void check_ifname(const std::string &name, const char *what);

// The whole program: argv[0] excluded. Returns the exit code.
int run(const Args &args, std::ostream &out, std::ostream &err);

void usage(std::ostream &os);
void command_usage(std::ostream &os, const Command &c);

} // namespace exabond::ctl

#endif // EXABOND_CTL_CLI_HPP
