// SPDX-License-Identifier: GPL-2.0
//
// `policy show` and `policy set`: exabond.ko's module parameters under
// /sys/module/exabond/parameters. The module validates every write and
// refuses a bad value with EINVAL without changing anything; what it
// accepts is described here, next to each parameter, so the refusal can
// say it (kmod/policy.c's setters are the truth this text follows).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "control_file.hpp"

namespace exabond::ctl {

namespace {

struct Param {
	const char *name;
	bool writable;
	const char *accepts;
};

const Param params[] = {
	{"allowed_modes", true,
	 "bonding mode names or numbers 0-6, comma- or space-separated "
	 "(balance-rr, active-backup, balance-xor, broadcast, 802.3ad, "
	 "balance-tlb, balance-alb), or the profile roce-lag alone"},
	{"allowed_drivers", true,
	 "driver names as `ethtool -i` prints them (letters, digits, _ . -, "
	 "at most 31 characters each, at most 16), comma- or "
	 "space-separated; empty for any Ethernet device"},
	{"max_members", true, "a number, 0 for no limit"},
	{"require_link_monitor", true, "a boolean: Y/N, 1/0, y/n, on/off"},
	{"hook_bonding", false, "read-only"},
};

std::string param_path(const char *name)
{
	return std::string(module_sysfs_path) + "/parameters/" + name;
}

// The parameter's value without its newline; nullopt if unreadable.
bool read_param(const char *name, std::string *value)
{
	std::ifstream f(param_path(name));

	if (!f)
		return false;
	std::getline(f, *value);
	return true;
}

std::vector<std::string> split_list(const std::string &s)
{
	std::vector<std::string> v;
	std::string cur;

	for (char c : s) {
		if (c == ',' || c == ' ' || c == '\t') {
			if (!cur.empty())
				v.push_back(cur);
			cur.clear();
		} else {
			cur += c;
		}
	}
	if (!cur.empty())
		v.push_back(cur);
	return v;
}

nlohmann::ordered_json typed(const std::string &name, const std::string &v)
{
	if (name == "allowed_modes" || name == "allowed_drivers")
		return split_list(v);
	if (name == "max_members") {
		try {
			return std::stoul(v);
		} catch (const std::exception &) {
			return v;
		}
	}
	if (v == "Y" || v == "N")
		return v == "Y";
	return v;
}

const char *remark(const std::string &name, const std::string &v)
{
	if (name == "allowed_drivers" && v.empty())
		return "(any Ethernet device)";
	if (name == "max_members" && v == "0")
		return "(no limit)";
	if (name == "allowed_modes" && v == "roce-lag")
		return "(active-backup, balance-xor, 802.3ad; two ports of "
		       "one card)";
	if (name == "hook_bonding")
		return v == "Y" ? "(read-only: bonding's setters are hooked)"
				: "(read-only: not hooked; refusals happen "
				  "at enslave and bring-up only)";
	return "";
}

int policy_show(Context &ctx)
{
	nlohmann::ordered_json j = nlohmann::ordered_json::object();

	if (!module_loaded())
		throw Failure(EXIT_NOT_FOUND, "exabond.ko is not loaded "
					      "(modprobe exabond)");
	for (const Param &p : params) {
		std::string v;

		if (!read_param(p.name, &v)) {
			if (ctx.json)
				j[p.name] = nullptr;
			else
				ctx.out << p.name << ": unreadable ("
					<< std::strerror(errno) << ")\n";
			continue;
		}
		if (ctx.json) {
			j[p.name] = typed(p.name, v);
			continue;
		}
		char line[128];

		std::snprintf(line, sizeof(line), "%-21s ", p.name);
		ctx.out << line << (v.empty() ? "\"\"" : v);
		if (*remark(p.name, v))
			ctx.out << ' ' << remark(p.name, v);
		ctx.out << '\n';
	}
	if (ctx.json)
		ctx.out << j.dump() << '\n';
	return EXIT_OK;
}

int policy_set(Context &ctx, const std::string &name, const std::string &value)
{
	const Param *p = nullptr;

	for (const Param &q : params)
		if (name == q.name)
			p = &q;
	if (!p)
		throw UsageError("no policy parameter " + name +
				 " (allowed_modes, allowed_drivers, "
				 "max_members, require_link_monitor)");
	if (!p->writable)
		throw UsageError(name + " is read-only");
	if (value.find('\n') != std::string::npos)
		throw UsageError("a value is one line");
	if (!module_loaded())
		throw Failure(EXIT_NOT_FOUND, "exabond.ko is not loaded "
					      "(modprobe exabond)");

	std::string path = param_path(p->name), req = value + "\n";
	int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0) {
		err = errno;
	} else {
		// One write: the module parses each write as the whole value.
		if (write(fd, req.data(), req.size()) < 0)
			err = errno;
		close(fd);
	}
	if (err == EINVAL)
		throw UsageError(name + ": the module refuses \"" + value +
				 "\"; it accepts " + p->accepts);
	if (err)
		throw Failure(exit_for_errno(err),
			      path + ": " + std::strerror(err));

	std::string now;

	read_param(p->name, &now);
	if (ctx.json) {
		nlohmann::ordered_json j;

		j[p->name] = typed(p->name, now);
		ctx.out << j.dump() << '\n';
	} else {
		ctx.out << p->name << " = " << (now.empty() ? "\"\"" : now)
			<< '\n';
	}
	return EXIT_OK;
}

} // namespace

int cmd_policy(Context &ctx, const Args &args)
{
	Args ops = take_options(ctx, args, {});

	if (ops.empty())
		throw UsageError("policy: show or set?");
	if (ops[0] == "show") {
		if (ops.size() != 1)
			throw UsageError("policy show takes no operands");
		return policy_show(ctx);
	}
	if (ops[0] == "set") {
		if (ops.size() != 3)
			throw UsageError("policy set <name> <value>");
		return policy_set(ctx, ops[1], ops[2]);
	}
	throw UsageError("policy: unknown action " + ops[0] +
			 " (show or set)");
}

} // namespace exabond::ctl
