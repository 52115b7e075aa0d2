// SPDX-License-Identifier: GPL-2.0
#include "options.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>

#include <getopt.h>

#include "ifname.hpp"

namespace exabond::monitor {

namespace {

bool parse_u32(const char *s, std::uint32_t lo, std::uint32_t hi,
	       std::uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = std::strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = static_cast<std::uint32_t>(v);
	return true;
}

} // namespace

std::string usage_text()
{
	return "usage: exabond-monitor [OPTION]...\n"
	       "Follows every bond in this network namespace through rtnetlink and, for\n"
	       "bonds exabond.ko manages, through their /dev/exabond-* page: logs each\n"
	       "transition once and serves Prometheus metrics and a JSON status.\n"
	       "\n"
	       "  -p, --publish          publish each bond's page into shared memory\n"
	       "                         (/dev/shm/exabond-<bond>) for hosts without the\n"
	       "                         module; libexabond readers open it unchanged\n"
	       "  -a, --audit            compare each managed bond's kernel page with the\n"
	       "                         rtnetlink view; report fields that differ for\n"
	       "                         longer than their bound\n"
	       "  -b, --bond NAME        only this bond (repeatable); default: every bond\n"
	       "  -l, --listen ADDR:PORT HTTP endpoint (default 127.0.0.1:9467; [::1]:PORT\n"
	       "                         for IPv6; \"none\" for no endpoint): /metrics\n"
	       "                         (Prometheus text 0.0.4) and /status (JSON)\n"
	       "      --log TARGET       auto (default: the journal under systemd, else\n"
	       "                         stderr), journal or stderr\n"
	       "      --log-level LEVEL  debug, info (default), warning or error\n"
	       "      --refresh-ms N     re-read of fields the kernel changes without an\n"
	       "                         event (802.3ad, speed, TLB/ALB active), 10..10000\n"
	       "                         (default 100)\n"
	       "      --audit-grace-ms N how long a field may differ before the audit\n"
	       "                         reports it, beyond its refresh bound (default 1000)\n"
	       "      --rcvbuf BYTES     rtnetlink receive buffer, 4096..1073741824\n"
	       "                         (default 4 MiB); events lost to an overrun are\n"
	       "                         recovered with a dump\n"
	       "  -h, --help             this text\n"
	       "  -V, --version          the version\n"
	       "\n"
	       "Signals: SIGTERM and SIGINT stop it cleanly (published pages are marked\n"
	       "final); SIGHUP re-reads every link (a resync).\n"
	       "Exit status: 0 stopped by a signal, 1 a runtime error, 2 bad arguments.\n";
}

bool parse_listen(const std::string &s, Options &o, std::string *why)
{
	std::string addr, port;
	std::uint32_t p;
	std::size_t colon;

	if (s == "none") {
		o.http = false;
		return true;
	}
	if (!s.empty() && s[0] == '[') {
		std::size_t close = s.find(']');

		if (close == std::string::npos || close + 1 >= s.size() ||
		    s[close + 1] != ':') {
			*why = "--listen '" + s + "': want [IPV6]:PORT";
			return false;
		}
		addr = s.substr(1, close - 1);
		port = s.substr(close + 2);
	} else {
		colon = s.rfind(':');
		if (colon == std::string::npos || colon == 0) {
			*why = "--listen '" + s + "': want ADDRESS:PORT";
			return false;
		}
		addr = s.substr(0, colon);
		port = s.substr(colon + 1);
		if (addr.find(':') != std::string::npos) {
			*why = "--listen '" + s + "': put an IPv6 address in brackets";
			return false;
		}
	}
	if (!parse_u32(port.c_str(), 1, 65535, &p)) {
		*why = "--listen '" + s + "': port must be 1..65535";
		return false;
	}
	o.http = true;
	o.listen_address = addr;
	o.listen_port = static_cast<std::uint16_t>(p);
	return true;
}

ParseResult parse_options(int argc, char *const argv[])
{
	enum { OPT_LOG = 256, OPT_LOG_LEVEL, OPT_REFRESH, OPT_GRACE, OPT_RCVBUF };
	static const struct option longopts[] = {
		{ "publish", no_argument, nullptr, 'p' },
		{ "audit", no_argument, nullptr, 'a' },
		{ "bond", required_argument, nullptr, 'b' },
		{ "listen", required_argument, nullptr, 'l' },
		{ "log", required_argument, nullptr, OPT_LOG },
		{ "log-level", required_argument, nullptr, OPT_LOG_LEVEL },
		{ "refresh-ms", required_argument, nullptr, OPT_REFRESH },
		{ "audit-grace-ms", required_argument, nullptr, OPT_GRACE },
		{ "rcvbuf", required_argument, nullptr, OPT_RCVBUF },
		{ "help", no_argument, nullptr, 'h' },
		{ "version", no_argument, nullptr, 'V' },
		{ nullptr, 0, nullptr, 0 },
	};
	ParseResult r;
	Options &o = r.options;
	int c;

	auto error = [&r](std::string text) {
		r.what = ParseResult::error;
		r.error_text = std::move(text);
		return r;
	};

	optind = 0;	/* re-entrant for the tests: a full re-scan */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":pab:l:hV", longopts,
				nullptr)) != -1) {
		std::string arg = optarg ? optarg : "";
		std::string why;

		switch (c) {
		case 'p':
			o.publish = true;
			break;
		case 'a':
			o.audit = true;
			break;
		case 'b':
			if (!detail::valid_ifname(arg))
				return error("--bond '" + arg +
					     "': not a valid interface name");
			o.bonds.push_back(arg);
			break;
		case 'l':
			if (!parse_listen(arg, o, &why))
				return error(why);
			break;
		case OPT_LOG:
			if (arg == "auto")
				o.log_target = LogTarget::automatic;
			else if (arg == "journal")
				o.log_target = LogTarget::journal;
			else if (arg == "stderr")
				o.log_target = LogTarget::stderr_;
			else
				return error("--log '" + arg +
					     "': want auto, journal or stderr");
			break;
		case OPT_LOG_LEVEL:
			if (arg == "debug")
				o.log_level = spdlog::level::debug;
			else if (arg == "info")
				o.log_level = spdlog::level::info;
			else if (arg == "warning")
				o.log_level = spdlog::level::warn;
			else if (arg == "error")
				o.log_level = spdlog::level::err;
			else
				return error("--log-level '" + arg +
					     "': want debug, info, warning or error");
			break;
		case OPT_REFRESH:
			if (!parse_u32(arg.c_str(), 10, 10000, &o.refresh_ms))
				return error("--refresh-ms '" + arg +
					     "': want 10..10000");
			break;
		case OPT_GRACE:
			if (!parse_u32(arg.c_str(), 0, 600000,
				       &o.audit_grace_ms))
				return error("--audit-grace-ms '" + arg +
					     "': want 0..600000");
			break;
		case OPT_RCVBUF: {
			std::uint32_t v;

			if (!parse_u32(arg.c_str(), 4096, 1U << 30, &v))
				return error("--rcvbuf '" + arg +
					     "': want 4096..1073741824");
			o.rcvbuf = int(v);
			break;
		}
		case 'h':
			r.what = ParseResult::help;
			return r;
		case 'V':
			r.what = ParseResult::version;
			return r;
		case ':':
			return error(std::string("option '") +
				     argv[optind - 1] + "' needs a value");
		default:
			return error(std::string("unknown option '") +
				     argv[optind - 1] + "'");
		}
	}
	if (optind < argc)
		return error(std::string("unexpected argument '") +
			     argv[optind] + "'");
	return r;
}

} // namespace exabond::monitor
