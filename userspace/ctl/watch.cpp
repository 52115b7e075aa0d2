// SPDX-License-Identifier: GPL-2.0
//
// `watch`. One epoll set holds every watched bond's notify_fd() and a
// signalfd for SIGINT and SIGTERM, so the loop sleeps until a page moves
// or the operator stops it, and a signal never lands between a check and
// a sleep. Each wake-up acknowledges the descriptor, takes a snapshot and
// compares it with the previous one; several publications between two
// wake-ups fold into one comparison, which is what an operator wants (the
// state as it is now, and each change in it).
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <set>

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <exabond/bond.hpp>
#include <exabond/names.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "control_file.hpp"
#include "status.hpp"
#include "watch.hpp"
#include "unique_fd.hpp"

namespace exabond::ctl {

using exabond::detail::UniqueFd;

namespace {

using json = nlohmann::ordered_json;

std::string name_of(const Snapshot &s, int ifindex)
{
	if (!ifindex)
		return "none";
	if (auto m = s.member(ifindex))
		return std::string(m->name());
	return "ifindex " + std::to_string(ifindex);
}

std::string active_name(const Snapshot &s)
{
	return name_of(s, s.active_ifindex());
}

} // namespace

std::vector<Transition> transitions(const Snapshot &a, const Snapshot &b)
{
	std::vector<Transition> v;

	if (b.dead() && !a.dead()) {
		v.push_back({"dead",
			     "bond gone (" + std::string(b.event_name()) + ")",
			     {{"reason", b.event_name()}}});
		return v;
	}
	if (a.active_ifindex() != b.active_ifindex() ||
	    a.active_epoch() != b.active_epoch()) {
		std::string from = active_name(a), to = active_name(b);

		v.push_back({"failover", "failover " + from + " -> " + to,
			     {{"from", from}, {"to", to},
			      {"failover_count", b.failover_count()}}});
	}
	for (Member m : a.members())
		if (!b.member(m.ifindex()))
			v.push_back({"member-del",
				     "member " + std::string(m.name()) +
					     " removed",
				     {{"member", m.name()}}});
	for (Member m : b.members()) {
		auto old = a.member(m.ifindex());
		std::string n(m.name());

		if (!old) {
			v.push_back({"member-add",
				     "member " + n + " added (link " +
					     std::string(m.link_name()) + ")",
				     {{"member", n},
				      {"mii_status", m.link_name()}}});
			continue;
		}
		if (old->link() != m.link())
			v.push_back({"member-link",
				     "member " + n + " link " +
					     std::string(old->link_name()) +
					     " -> " +
					     std::string(m.link_name()),
				     {{"member", n},
				      {"from", old->link_name()},
				      {"to", m.link_name()}}});
		if (old->carrier() != m.carrier())
			v.push_back({"member-carrier",
				     "member " + n + " carrier " +
					     (m.carrier() ? "on" : "off"),
				     {{"member", n},
				      {"carrier", m.carrier()},
				      {"carrier_changed_ns",
				       m.carrier_changed_ns()}}});
	}
	if (a.carrier() != b.carrier())
		v.push_back({"bond-carrier",
			     std::string("bond carrier ") +
				     (b.carrier() ? "up" : "down"),
			     {{"carrier", b.carrier()}}});
	if (a.compliant() != b.compliant() ||
	    a.violations() != b.violations()) {
		std::string vl = violation_list(b.violations());

		v.push_back({"compliance",
			     b.compliant() ? std::string("compliant")
					   : "NOT compliant (" + vl + ")",
			     {{"compliant", b.compliant()},
			      {"violations", vl}}});
	}
	return v;
}

std::string wall_clock_now()
{
	struct timespec ts;
	struct tm tm;
	char buf[64], out[96];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	std::snprintf(out, sizeof(out), "%s.%06dZ", buf, int(ts.tv_nsec / 1000));
	return out;
}

std::string format_transition(const Snapshot &s, const Transition &t,
			      const std::string &wall, bool as_json)
{
	std::int64_t lag = s.event_ns() && s.publish_ns() >= s.event_ns()
				   ? std::int64_t(s.publish_ns() - s.event_ns())
				   : -1;

	if (as_json) {
		json j;

		j["time"] = wall;
		j["bond"] = s.name();
		j["transition"] = t.kind;
		for (auto &[k, val] : t.detail.items())
			j[k] = val;
		j["generation"] = s.generation();
		j["event"] = s.event_name();
		j["event_ns"] = s.event_ns();
		j["publish_ns"] = s.publish_ns();
		if (lag >= 0)
			j["lag_ns"] = lag;
		else
			j["lag_ns"] = nullptr;
		return j.dump();
	}

	char mono[160];

	std::snprintf(mono, sizeof(mono),
		      "(gen %llu, %s at %llu.%09llu, published +%lld us)",
		      (unsigned long long)s.generation(),
		      std::string(s.event_name()).c_str(),
		      (unsigned long long)(s.event_ns() / 1000000000ULL),
		      (unsigned long long)(s.event_ns() % 1000000000ULL),
		      (long long)(lag >= 0 ? lag / 1000 : -1));
	return wall + " " + std::string(s.name()) + ": " + t.text + " " + mono;
}

namespace {

struct Watched {
	std::string name;
	Bond bond;
	std::unique_ptr<Snapshot> last;	// 4 KiB: not on the stack
	bool dead = false;
};

// SIGINT and SIGTERM as a descriptor; restores the mask on the way out.
struct SignalFd {
	sigset_t old;
	UniqueFd fd;

	SignalFd()
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, &old);
		fd.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
		if (!fd.valid())
			throw Failure(EXIT_SYSTEM,
				      std::string("signalfd: ") +
					      std::strerror(errno));
	}
	~SignalFd() { sigprocmask(SIG_SETMASK, &old, nullptr); }
};

void emit(Context &ctx, const Snapshot &s, const Transition &t)
{
	ctx.out << format_transition(s, t, wall_clock_now(), ctx.json) << '\n';
	ctx.out.flush();	// one line at a time: scripts read a pipe
}

} // namespace

int cmd_watch(Context &ctx, const Args &args)
{
	std::vector<std::string> flags;
	Args ops = take_options(ctx, args, {"--verbose", "-v"}, &flags);
	const bool verbose = !flags.empty();

	if (ops.size() > 1)
		throw UsageError("watch takes at most one bond");

	std::vector<std::string> names = ops.empty() ? managed_bonds() : ops;

	if (names.empty())
		throw Failure(EXIT_NOT_FOUND,
			      "no managed bonds to watch (exabondctl manage "
			      "<bond>)");

	std::vector<std::unique_ptr<Watched>> bonds;

	for (const std::string &n : names) {
		auto w = std::make_unique<Watched>(
			Watched{n, open_managed(n), std::make_unique<Snapshot>()});

		bonds.push_back(std::move(w));
	}

	SignalFd sig;
	UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));

	if (!ep.valid())
		throw Failure(EXIT_SYSTEM, std::string("epoll_create1: ") +
						   std::strerror(errno));
	struct epoll_event ev = {};

	ev.events = EPOLLIN;
	ev.data.u64 = ~0ULL;
	if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, sig.fd.get(), &ev))
		throw Failure(EXIT_SYSTEM, std::string("epoll_ctl: ") +
						   std::strerror(errno));
	for (std::size_t i = 0; i < bonds.size(); i++) {
		Watched &w = *bonds[i];

		ev.events = EPOLLIN;
		ev.data.u64 = i;
		if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, w.bond.notify_fd(), &ev))
			throw Failure(EXIT_SYSTEM,
				      w.name + ": epoll_ctl: " +
					      std::strerror(errno));
		// Arm first, then read: a change after this read wakes us.
		w.bond.acknowledge();
		if (Status st = w.bond.snapshot(*w.last); !st)
			throw Failure(EXIT_SYSTEM, w.name +
							   ": unreadable page: " +
							   st.why);
		std::string a = active_name(*w.last);

		emit(ctx, *w.last,
		     {"watching",
		      "watching (active " + a + ", " +
			      (w.last->compliant() ? "compliant"
						   : "NOT compliant") +
			      ")",
		      {{"active", a}, {"compliant", w.last->compliant()}}});
		w.dead = w.last->dead();
		// Final already (released between open and snapshot): a
		// final node stays readable, so it leaves the epoll set.
		if (w.dead)
			epoll_ctl(ep.get(), EPOLL_CTL_DEL, w.bond.notify_fd(),
				  nullptr);
	}

	std::size_t alive = 0;

	for (const auto &w : bonds)
		alive += !w->dead;
	if (!alive)
		return EXIT_OK;
	Snapshot now;

	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep.get(), evs, 16, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			throw Failure(EXIT_SYSTEM, std::string("epoll_wait: ") +
							   std::strerror(errno));
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == ~0ULL) {
				struct signalfd_siginfo si;

				// Consume it: the mask is restored on the way
				// out, and a signal still pending would then
				// kill us with its default action.
				if (read(sig.fd.get(), &si, sizeof(si)) ==
				    sizeof(si))
					return EXIT_OK;	// SIGINT or SIGTERM
				continue;
			}
			Watched &w = *bonds[evs[i].data.u64];

			if (w.dead)
				continue;
			w.bond.acknowledge();
			if (!w.bond.snapshot(now))
				continue;	// stuck writer: next wake-up
			if (now.generation() == w.last->generation() &&
			    now.dead() == w.last->dead())
				continue;
			auto ts = transitions(*w.last, now);

			if (ts.empty() && verbose)
				ts.push_back({"change",
					      std::string(now.event_name()),
					      json::object()});
			for (const Transition &t : ts)
				emit(ctx, now, t);
			*w.last = now;
			if (now.dead()) {
				// A dead page stays readable: stop polling it.
				epoll_ctl(ep.get(), EPOLL_CTL_DEL,
					  w.bond.notify_fd(), nullptr);
				w.dead = true;
				if (--alive == 0)
					return EXIT_OK;
			}
		}
	}
}

} // namespace exabond::ctl
