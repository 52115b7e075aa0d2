// SPDX-License-Identifier: GPL-2.0
//
// manage and unmanage, and what every other subcommand needs of the
// control file. A request is one write(2) of "+bond" or "-bond": the
// module parses each write as one request, so a buffered stream that
// might split or join writes is not used.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "control_file.hpp"
#include "unique_fd.hpp"

namespace exabond::ctl {

using exabond::detail::UniqueFd;

const char *const control_file_path = "/sys/class/net/exabond_masters";
const char *const module_sysfs_path = "/sys/module/exabond";

namespace {

const char not_loaded[] =
	"exabond.ko is not loaded (modprobe exabond, or insmod exabond.ko)";

bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

} // namespace

bool module_loaded()
{
	// The control file is per network namespace; the module directory
	// tells "not loaded" from "loaded but no control file here".
	return exists(module_sysfs_path) || exists(control_file_path);
}

std::vector<std::string> managed_bonds()
{
	std::ifstream f(control_file_path);
	std::vector<std::string> v;
	std::string name;

	if (!f) {
		int err = errno;

		if (!module_loaded())
			throw Failure(EXIT_NOT_FOUND, not_loaded);
		throw Failure(exit_for_errno(err),
			      std::string("cannot read ") + control_file_path +
				      ": " + std::strerror(err));
	}
	while (f >> name)
		v.push_back(name);
	return v;
}

Bond open_managed(const std::string &name)
{
	check_ifname(name, "bond");
	try {
		return Bond::open(name);
	} catch (const Error &e) {
		int err = e.errno_value();
		std::string nic = "/sys/class/net/" + name;

		if (!module_loaded() && err == ENOENT)
			throw Failure(EXIT_NOT_FOUND, not_loaded);
		if (err == ENOENT && !exists(nic.c_str()))
			throw Failure(EXIT_NOT_FOUND,
				      name + ": no such interface");
		if (err == ENOENT && !exists((nic + "/bonding").c_str()))
			throw Failure(EXIT_NOT_FOUND, name + ": not a bond");
		if (err == ENOENT)
			throw Failure(EXIT_NOT_FOUND,
				      name + ": not managed by exabond "
					     "(exabondctl manage " + name + ")");
		throw Failure(exit_for_errno(err), e.what());
	}
}

int control_write(char op, const std::string &name)
{
	std::string req = op + name + "\n";
	UniqueFd fd(open(control_file_path, O_WRONLY | O_CLOEXEC));

	if (!fd.valid())
		return errno;
	ssize_t n = write(fd.get(), req.data(), req.size());

	if (n < 0)
		return errno;
	if (size_t(n) != req.size())
		return EIO;	// the module takes a request whole or not at all
	return 0;
}

std::string control_error_text(char op, const std::string &name, int err)
{
	switch (err) {
	case ENODEV:
		return name + ": no such interface in this network namespace";
	case EINVAL:
		return name + ": not a bond (or a name the module cannot parse)";
	case EEXIST:
		return name + ": already managed";
	case ENOENT:
		if (!module_loaded())
			return not_loaded;
		return op == '-' ? name + ": not managed"
				 : std::string(control_file_path) +
					   ": no such file";
	case EOPNOTSUPP:
		return name + ": refused by exabond's policy (see dmesg for "
			      "the rule it breaks; exabondctl policy show)";
	case EACCES:
	case EPERM:
		return std::string(control_file_path) + ": " +
		       std::strerror(err) + " (run as root, CAP_NET_ADMIN)";
	default:
		return name + ": " + std::strerror(err);
	}
}

namespace {

Exit control_exit(char op, int err)
{
	switch (err) {
	case ENODEV:
	case EINVAL:	// not a bond: the name is valid, we checked it
		return EXIT_NOT_FOUND;
	case ENOENT:
		return op == '-' || !module_loaded() ? EXIT_NOT_FOUND
						     : EXIT_SYSTEM;
	case EEXIST:
		return EXIT_SYSTEM;
	default:
		return exit_for_errno(err);
	}
}

int manage_or_unmanage(Context &ctx, const Args &args, char op)
{
	Args ops = take_options(ctx, args, {});

	if (ops.size() != 1)
		throw UsageError(ops.empty() ? "which bond?"
					     : "one bond at a time");
	const std::string &name = ops[0];

	check_ifname(name, "bond");
	if (!module_loaded())
		throw Failure(EXIT_NOT_FOUND, not_loaded);

	int err = control_write(op, name);

	if (ctx.json) {
		nlohmann::ordered_json j;

		j["bond"] = name;
		j["action"] = op == '+' ? "manage" : "unmanage";
		j["ok"] = err == 0;
		if (err) {
			j["errno"] = err;
			j["error"] = control_error_text(op, name, err);
		}
		ctx.out << j.dump() << '\n';
	}
	if (err)
		throw Failure(control_exit(op, err),
			      (op == '+' ? "manage " : "unmanage ") +
				      control_error_text(op, name, err));
	if (!ctx.json)
		ctx.out << name << (op == '+' ? ": managed, page /dev/exabond-"
						+ name
					      : ": released")
			<< '\n';
	return EXIT_OK;
}

} // namespace

int cmd_manage(Context &ctx, const Args &args)
{
	return manage_or_unmanage(ctx, args, '+');
}

int cmd_unmanage(Context &ctx, const Args &args)
{
	return manage_or_unmanage(ctx, args, '-');
}

} // namespace exabond::ctl
