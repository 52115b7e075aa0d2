// SPDX-License-Identifier: GPL-2.0
//
// exabond-libcheck: the VM tests' window on a bond through libexabond's
// public API only (exabond::Bond, exabond::Snapshot, the names), so that
// what it prints is what a user of the library would see. It never maps or
// reads a page itself: exabond-probe does that, from the ABI header alone.
//
//	exabond-libcheck dump BOND	a Snapshot as JSON, in exactly the shape
//					of `exabond-probe dump NODE` (same keys,
//					same numbers), for compare_page.py
//	exabond-libcheck names BOND	the library's decoded names as JSON,
//					keyed and spelt as `ip -d -j link` does:
//					the bond's mode, operstate, active_slave
//					..., each member's mii_status, state,
//					operstate ...; mii_status_proc is
//					/proc/net/bonding's spelling
//	exabond-libcheck open BOND	"SOURCE PATH" of the page Bond::open()
//					found; or "ERRNAME ERRNO WHAT" from the
//					exabond::Error, exit status 2
//	exabond-libcheck wait BOND GEN MS [UNTIL]
//					wait_for_change(GEN, MS) (GEN "now": the
//					page's generation; MS < 0: no limit);
//					prints "waiting GEN" before it first
//					sleeps, then "STATUS GENERATION
//					ACTIVE_IFINDEX" after each wait
//	exabond-libcheck epoll BOND MS [UNTIL]
//					the same with notify_fd() in an epoll
//					loop and acknowledge() after each
//					wake-up, from the generation the first
//					acknowledge() returns
//
// Without UNTIL there is one wait. With it, the waits go on, each from the
// generation the previous line printed and with MS of its own, until one
// ends in anything but "changed", or, with UNTIL "active", until a line's
// ACTIVE_IFINDEX differs from the one at the start (UNTIL "end": only the
// former).
//
// BOND is a bond name (Bond::open) or, if it holds a '/', a page's path
// (Bond::open_path). GENERATION and ACTIVE_IFINDEX come from one Snapshot
// taken after the wait, so they are consistent with each other.
//
// Exit status: 0 when the command ran (whatever it printed), 1 on a usage
// or unexpected error, 2 when the library refused the bond (an
// exabond::Error) or a snapshot failed.
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include <sys/epoll.h>
#include <unistd.h>

#include <exabond/bond.hpp>
#include <exabond/error.hpp>
#include <exabond/names.hpp>
#include <exabond/snapshot.hpp>

namespace {

using exabond::Bond;
using exabond::Member;
using exabond::Snapshot;

[[noreturn]] void usage()
{
	std::fputs("usage: exabond-libcheck dump|names|open BOND\n"
		   "       exabond-libcheck wait BOND GEN|now TIMEOUT_MS [active|end]\n"
		   "       exabond-libcheck epoll BOND TIMEOUT_MS [active|end]\n",
		   stderr);
	std::exit(1);
}

[[noreturn]] void die(const char *what, int err)
{
	std::fprintf(stderr, "exabond-libcheck: %s: %s\n", what,
		     std::strerror(err));
	std::exit(1);
}

long long number(const char *s)
{
	char *end = nullptr;

	errno = 0;
	long long v = std::strtoll(s, &end, 10);

	if (errno || end == s || *end) {
		std::fprintf(stderr, "exabond-libcheck: not a number: %s\n", s);
		std::exit(1);
	}
	return v;
}

Bond open_bond(const std::string &arg)
{
	if (arg.find('/') != std::string::npos)
		return Bond::open_path(arg);
	return Bond::open(arg);
}

// A consistent copy, or exit 2 with the library's reason.
void take(const Bond &bond, Snapshot &s)
{
	if (auto st = bond.snapshot(s); !st) {
		std::fprintf(stderr, "exabond-libcheck: snapshot %s: %s (%d)\n",
			     bond.path().c_str(), st.why ? st.why : "?",
			     st.code);
		std::exit(2);
	}
}

// --- JSON, as exabond-probe prints it ----------------------------------------

void str_value(std::string_view s)
{
	std::putchar('"');
	for (unsigned char c : s) {
		if (c == '"' || c == '\\')
			std::printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			std::printf("\\u%04x", c);
		else
			std::putchar(c);
	}
	std::putchar('"');
}

void str(const char *key, std::string_view s, bool last = false)
{
	std::printf("\"%s\":", key);
	str_value(s);
	if (!last)
		std::putchar(',');
}

void mac(const char *key, const std::uint8_t *a)
{
	std::printf("\"%s\":\"%02x:%02x:%02x:%02x:%02x:%02x\",", key, a[0], a[1],
		    a[2], a[3], a[4], a[5]);
}

void u(const char *key, std::uint64_t v)
{
	std::printf("\"%s\":%" PRIu64 ",", key, v);
}

void s64(const char *key, std::int64_t v)
{
	std::printf("\"%s\":%" PRId64 ",", key, v);
}

void dump_member(const Member &m)
{
	const exabond_member &r = m.raw();

	std::putchar('{');
	s64("ifindex", m.ifindex());
	u("link", m.link());
	u("role", m.role());
	u("carrier", m.carrier());
	u("duplex", r.duplex);	// the number; duplex_name() is in `names`
	str("name", m.name());
	mac("perm_addr", m.perm_addr().data());
	mac("addr", m.addr().data());
	u("operstate", m.operstate());
	u("flags", (m.primary() ? EXABOND_MEMBER_F_PRIMARY : 0) |
			   (m.active() ? EXABOND_MEMBER_F_ACTIVE : 0));
	u("ad_aggregator_id", m.ad_aggregator_id());
	u("ad_actor_oper_port_state", m.ad_actor_oper_port_state());
	u("ad_partner_oper_port_state", m.ad_partner_oper_port_state());
	u("queue_id", m.queue_id());
	u("speed", m.speed().value_or(EXABOND_SPEED_UNKNOWN));
	u("link_failure_count", m.link_failure_count());
	u("mtu", m.mtu());
	u("carrier_changed_ns", m.carrier_changed_ns());
	u("link_changed_ns", m.link_changed_ns());
	u("carrier_changes", m.carrier_changes());
	str("driver", m.driver());
	str("bus_info", m.bus_info(), true);
	std::putchar('}');
}

// The accessors where Snapshot has one; raw() (the snapshot's own copy,
// public API) for the fields it has none for.
int cmd_dump(const Bond &bond)
{
	Snapshot s;

	take(bond, s);
	const exabond_page &r = s.raw();
	const exabond_bond &b = r.bond;
	const exabond_ad &ad = s.ad();
	const exabond_policy &pol = s.policy();
	const std::uint64_t hot = s.hot();

	std::putchar('{');
	u("magic", r.magic);
	u("abi_major", r.abi_major);
	u("abi_minor", s.abi_minor());
	u("size", r.size);
	u("publisher", s.publisher());
	u("member_max", r.member_max);
	u("seq", r.seq);
	u("generation", s.generation());
	u("hot", hot);
	u("hot_ifindex", EXABOND_HOT_IFINDEX(hot));
	u("hot_epoch", s.active_epoch());
	u("hot_has_active", !!(hot & EXABOND_HOT_F_HAS_ACTIVE));
	u("hot_up", s.up());
	u("hot_dead", s.dead());
	u("hot_noncompliant", !!(hot & EXABOND_HOT_F_NONCOMPLIANT));
	u("event_ns", s.event_ns());
	u("publish_ns", s.publish_ns());
	u("event", s.event());
	s64("event_ifindex", s.event_ifindex());

	std::printf("\"bond\":{");
	s64("ifindex", s.ifindex());
	u("netns_ino", s.netns_ino());
	u("netns_cookie", b.netns_cookie);
	str("name", s.name());
	u("mode", s.mode());
	u("xmit_hash_policy", b.xmit_hash_policy);
	u("operstate", s.operstate());
	u("primary_reselect", b.primary_reselect);
	u("flags", b.flags);
	u("miimon", s.miimon());
	u("arp_interval", s.arp_interval());
	u("updelay", s.updelay());
	u("downdelay", s.downdelay());
	u("peer_notif_delay", b.peer_notif_delay);
	s64("primary_ifindex", b.primary_ifindex);
	str("primary", s.primary());
	mac("addr", s.addr().data());
	u("fail_over_mac", b.fail_over_mac);
	u("arp_validate", b.arp_validate);
	u("mtu", s.mtu());
	u("member_count", s.members().size());
	u("members_total", s.members_total());
	s64("active_ifindex", s.active_ifindex());
	u("failover_count", s.failover_count());
	u("last_failover_ns", s.last_failover_ns());
	u("arp_all_targets", b.arp_all_targets);
	std::printf("\"arp_ip_target\":[");
	for (std::uint32_t i = 0; i < b.arp_ip_target_count &&
				  i < EXABOND_MAX_ARP_TARGETS; i++) {
		const auto *a = reinterpret_cast<const std::uint8_t *>(
			&b.arp_ip_target[i]);

		std::printf("%s\"%u.%u.%u.%u\"", i ? "," : "", a[0], a[1], a[2],
			    a[3]);
	}
	std::printf("]},");

	std::printf("\"ad\":{");
	u("aggregator_id", ad.aggregator_id);
	u("num_ports", ad.num_ports);
	u("actor_key", ad.actor_key);
	u("partner_key", ad.partner_key);
	mac("partner_mac", ad.partner_mac);
	u("lacp_rate", ad.lacp_rate);
	u("ad_select", ad.ad_select);
	u("actor_sys_prio", ad.actor_sys_prio);
	u("user_port_key", ad.user_port_key);
	mac("actor_system", ad.actor_system);
	std::printf("\"lacp_active\":%u},", unsigned(ad.lacp_active));

	std::printf("\"policy\":{");
	u("flags", pol.flags);
	u("violations", s.violations());
	u("refreshed", pol.refreshed);
	u("refresh_interval_ms", pol.refresh_interval_ms);
	u("last_refresh_ns", pol.last_refresh_ns);
	u("managed_since_ns", pol.managed_since_ns);
	u("allowed_modes", pol.allowed_modes);
	std::printf("\"max_members\":%" PRIu64 "},",
		    std::uint64_t(pol.max_members));

	std::printf("\"members\":[");
	bool first = true;

	for (Member m : s.members()) {
		if (!first)
			std::putchar(',');
		first = false;
		dump_member(m);
	}
	std::printf("]}\n");
	return 0;
}

// --- names ---------------------------------------------------------------

int cmd_names(const Bond &bond)
{
	Snapshot s;

	take(bond, s);
	const exabond_page &r = s.raw();
	auto active = s.active_member();

	std::printf("{\"bond\":{");
	str("name", s.name());
	str("mode", s.mode_name());
	str("xmit_hash_policy", s.xmit_hash_policy_name());
	str("operstate", exabond::operstate_name(s.operstate()));
	str("primary_reselect",
	    exabond::primary_reselect_name(r.bond.primary_reselect));
	str("fail_over_mac", exabond::fail_over_mac_name(r.bond.fail_over_mac));
	str("arp_validate", exabond::arp_validate_name(r.bond.arp_validate));
	str("arp_all_targets",
	    exabond::arp_all_targets_name(r.bond.arp_all_targets));
	str("ad_lacp_rate", exabond::lacp_rate_name(s.ad().lacp_rate));
	str("ad_select", exabond::ad_select_name(s.ad().ad_select));
	str("event", s.event_name());
	str("publisher", exabond::publisher_name(s.publisher()));
	u("generation", s.generation());
	s64("active_ifindex", s.active_ifindex());
	std::printf("\"active_slave\":");
	if (active)
		str_value(active->name());
	else
		std::printf("null");
	std::printf("},\"members\":[");
	bool first = true;

	for (Member m : s.members()) {
		if (!first)
			std::putchar(',');
		first = false;
		std::putchar('{');
		str("ifname", m.name());
		s64("ifindex", m.ifindex());
		str("mii_status", m.link_name());
		str("mii_status_proc", exabond::link_proc_name(m.link()));
		str("state", m.role_name());
		str("operstate", exabond::operstate_name(m.operstate()));
		str("duplex", m.duplex_name());
		if (auto sp = m.speed())
			u("speed", *sp);
		else
			std::printf("\"speed\":null,");
		std::printf("\"active\":%s,\"primary\":%s,",
			    m.active() ? "true" : "false",
			    m.primary() ? "true" : "false");
		str("driver", m.driver());
		str("bus_info", m.bus_info(), true);
		std::putchar('}');
	}
	std::printf("]}\n");
	return 0;
}

// --- waits ---------------------------------------------------------------

std::chrono::nanoseconds millis(long long ms)
{
	return ms < 0 ? std::chrono::nanoseconds(-1)
		      : std::chrono::nanoseconds(std::chrono::milliseconds(ms));
}

void waiting(std::uint64_t gen)
{
	std::printf("waiting %" PRIu64 "\n", gen);
	std::fflush(stdout);
}

enum class Until {
	once,	// one wait
	active,	// until the active member differs from the start's
	end,	// until a wait ends in anything but "changed"
};

// Prints one line from a snapshot taken now; true if the waits go on.
// @gen, @active: the generation to wait from next, the start's active.
bool report(const Bond &bond, std::string_view status, Until until,
	    std::uint64_t &gen, int active)
{
	Snapshot s;

	take(bond, s);
	std::printf("%.*s %" PRIu64 " %d\n", int(status.size()), status.data(),
		    s.generation(), s.active_ifindex());
	std::fflush(stdout);
	gen = s.generation();
	return until != Until::once && status == "changed" &&
	       !(until == Until::active && s.active_ifindex() != active);
}

int cmd_wait(Bond &bond, const char *gen_arg, long long ms, Until until)
{
	std::uint64_t gen = std::strcmp(gen_arg, "now") ?
		std::uint64_t(number(gen_arg)) : bond.generation();
	const int active = bond.active_ifindex();
	std::string_view status;

	waiting(gen);
	do
		status = exabond::wait_status_name(
			bond.wait_for_change(gen, millis(ms)));
	while (report(bond, status, until, gen, active));
	return 0;
}

// One wake-up that moved the generation past @gen, or why there was none.
std::string_view epoll_once(Bond &bond, int ep, std::uint64_t gen,
			    long long ms)
{
	using Clock = std::chrono::steady_clock;
	const auto deadline = Clock::now() + std::chrono::milliseconds(ms);

	for (;;) {
		struct epoll_event ev = {};
		int left = -1;

		if (ms >= 0) {
			auto d = std::chrono::duration_cast<
				std::chrono::milliseconds>(deadline -
							   Clock::now());
			left = d.count() > 0 ? int(d.count()) : 0;
		}
		int n = epoll_wait(ep, &ev, 1, left);

		if (n < 0)
			return errno == EINTR ? "interrupted" : "error";
		if (n == 0)
			return "timeout";
		if (bond.acknowledge() != gen)
			return "changed";
		if ((ev.events & EPOLLHUP) || bond.dead())
			return "dead";
		// Woken with the generation unchanged: sleep again.
	}
}

int cmd_epoll(Bond &bond, long long ms, Until until)
{
	const int fd = bond.notify_fd();
	const int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {};

	if (ep < 0)
		die("epoll_create1", errno);
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl", errno);

	// A new descriptor has observed nothing: acknowledge() first arms it.
	std::uint64_t gen = bond.acknowledge();
	const int active = bond.active_ifindex();

	waiting(gen);
	while (report(bond, epoll_once(bond, ep, gen, ms), until, gen, active))
		;
	close(ep);
	return 0;
}

int cmd_open(const std::string &arg)
{
	try {
		Bond bond = open_bond(arg);

		std::printf("%s %s\n",
			    bond.source() == exabond::Source::device ?
				    "device" : "shared_memory",
			    bond.path().c_str());
		return 0;
	} catch (const exabond::Error &e) {
		const char *name = strerrorname_np(e.errno_value());

		std::printf("%s %d %s\n", name ? name : "unknown-errno",
			    e.errno_value(), e.what());
		return 2;
	}
}

int run(int argc, char **argv)
{
	if (argc < 3)
		usage();
	const std::string cmd = argv[1];

	if (cmd == "open" && argc == 3)
		return cmd_open(argv[2]);

	const bool is_wait = cmd == "wait", is_epoll = cmd == "epoll";
	const int args = is_wait ? 5 : is_epoll ? 4 : 3;

	if (cmd != "dump" && cmd != "names" && !is_wait && !is_epoll)
		usage();
	if (argc != args && !((is_wait || is_epoll) && argc == args + 1))
		usage();
	// Usage errors before the library is asked anything.
	Until until = Until::once;
	long long ms = 0;

	if (is_wait || is_epoll) {
		if (argc == args + 1) {
			const std::string u = argv[args];

			if (u == "active")
				until = Until::active;
			else if (u == "end")
				until = Until::end;
			else
				usage();
		}
		ms = number(argv[args - 1]);
	}
	if (is_wait && std::strcmp(argv[3], "now"))
		number(argv[3]);

	Bond bond = [&] {
		try {
			return open_bond(argv[2]);
		} catch (const exabond::Error &e) {
			std::fprintf(stderr, "exabond-libcheck: %s\n", e.what());
			std::exit(2);
		}
	}();

	if (cmd == "dump")
		return cmd_dump(bond);
	if (cmd == "names")
		return cmd_names(bond);
	if (is_wait)
		return cmd_wait(bond, argv[3], ms, until);
	return cmd_epoll(bond, ms, until);
}

} // namespace

int main(int argc, char **argv)
{
	try {
		return run(argc, argv);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "exabond-libcheck: %s\n", e.what());
		return 1;
	}
}
