// SPDX-License-Identifier: MIT
//
// exabond-hotloop: the starting point for a low-latency program that must
// know, between two packets, which member of a bond is active. Built on
// libexabond's C++ API; hotloop.c is the same program on the C reader and
// prints the same lines.
//
//	exabond-hotloop [--block] [--failovers N] [--cpu CPU] BOND|PATH
//
// By default it spins on the page, as a trading thread would: one acquire
// load of the generation and a pause, per iteration. --block sleeps in
// wait_for_change() instead. --cpu pins the thread; --failovers N exits
// after the Nth failover. BOND is looked up as Bond::open() does (the
// kernel node, else exabond-monitor's page); an argument with a '/' is the
// path of a page. It exits 0 on SIGINT or SIGTERM, and once the page is
// final (the bond was deleted or released).
//
// Output, one line each, line-buffered. First:
//	watching BOND: PATH (kernel|monitor page), active NAME (ifindex N), generation G
// then for each change, from a consistent snapshot compared with the one
// before it, one line per thing that changed:
//	SEEN member NAME added|removed published_ns=P gen=G
//	SEEN carrier NAME down|up changed_ns=T published_ns=P gen=G
//	SEEN link NAME up|fail|down|back changed_ns=T published_ns=P gen=G
//	SEEN failover OLD -> NEW failover_ns=T published_ns=P gen=G
//	SEEN gone gen=G
// All times are CLOCK_MONOTONIC nanoseconds. SEEN: when this reader had
// the snapshot; P: when the page was published (publish_ns); G: its
// generation; T: when the thing happened, as the page says (the member's
// carrier_changed_ns or link_changed_ns, the bond's last_failover_ns).
// "carrier" is the NIC driver's raw carrier, "link" the bonding driver's
// verdict on the member (BOND_LINK_*). Members come in the page's order
// (removed ones last), then the failover, then gone. NAME is "none" for no
// member, "#IFINDEX" for an active member past the page's member array.
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <getopt.h>
#include <sched.h>

#include <exabond/bond.hpp>
#include <exabond/names.hpp>

namespace {

const char *const prog = "exabond-hotloop";

volatile std::sig_atomic_t stop_requested = 0;

void on_signal(int) { stop_requested = 1; }

// Spinning politely: PAUSE tells the core this is a wait loop, so it does
// not flood the pipeline with speculative loads (and pay a memory-order
// flush when the cache line finally changes), and leaves the hyperthread
// sibling its share of the core.
inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#endif
}

std::uint64_t now_ns()
{
	timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

// The bonding driver's link states (BOND_LINK_*), as its source names them.
const char *link_word(unsigned link)
{
	static const char *const words[] = {"up", "fail", "down", "back"};

	return link < 4 ? words[link] : "unknown";
}

std::string member_name(const exabond::Snapshot &s, int ifindex)
{
	if (!ifindex)
		return "none";
	if (auto m = s.member(ifindex))
		return std::string(m->name());
	return "#" + std::to_string(ifindex);
}

// Prints what changed from @prev to @cur; returns the number of failovers.
int report(const exabond::Snapshot &prev, const exabond::Snapshot &cur,
	   std::uint64_t seen)
{
	const std::uint64_t pub = cur.publish_ns(), gen = cur.generation();

	for (exabond::Member m : cur.members()) {
		const std::string name(m.name());
		auto old = prev.member(m.ifindex());

		if (!old) {
			std::printf("%" PRIu64 " member %s added published_ns=%" PRIu64
				    " gen=%" PRIu64 "\n", seen, name.c_str(), pub, gen);
			continue;
		}
		if (old->carrier() != m.carrier())
			std::printf("%" PRIu64 " carrier %s %s changed_ns=%" PRIu64
				    " published_ns=%" PRIu64 " gen=%" PRIu64 "\n",
				    seen, name.c_str(), m.carrier() ? "up" : "down",
				    m.carrier_changed_ns(), pub, gen);
		if (old->link() != m.link())
			std::printf("%" PRIu64 " link %s %s changed_ns=%" PRIu64
				    " published_ns=%" PRIu64 " gen=%" PRIu64 "\n",
				    seen, name.c_str(), link_word(m.link()),
				    m.link_changed_ns(), pub, gen);
	}
	for (exabond::Member old : prev.members())
		if (!cur.member(old.ifindex()))
			std::printf("%" PRIu64 " member %s removed published_ns=%" PRIu64
				    " gen=%" PRIu64 "\n", seen,
				    std::string(old.name()).c_str(), pub, gen);

	// The active epoch moves with every change of active member, so
	// A -> B -> A between two snapshots is a failover too.
	int failovers = 0;

	if (cur.active_epoch() != prev.active_epoch() ||
	    cur.active_ifindex() != prev.active_ifindex()) {
		std::printf("%" PRIu64 " failover %s -> %s failover_ns=%" PRIu64
			    " published_ns=%" PRIu64 " gen=%" PRIu64 "\n", seen,
			    member_name(prev, prev.active_ifindex()).c_str(),
			    member_name(cur, cur.active_ifindex()).c_str(),
			    cur.last_failover_ns(), pub, gen);
		failovers = 1;
	}
	if (cur.dead())
		std::printf("%" PRIu64 " gone gen=%" PRIu64 "\n", seen, gen);
	return failovers;
}

bool parse_number(const char *s, long min, long *out)
{
	char *end;

	errno = 0;
	*out = std::strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || *out < min) {
		std::fprintf(stderr, "%s: %s: not a number >= %ld\n", prog, s, min);
		return false;
	}
	return true;
}

int usage(int status)
{
	std::fprintf(status ? stderr : stdout,
		     "usage: %s [--block] [--failovers N] [--cpu CPU] BOND|PATH\n",
		     prog);
	return status;
}

} // namespace

int main(int argc, char **argv)
{
	static const option options[] = {
		{"block", no_argument, nullptr, 'b'},
		{"failovers", required_argument, nullptr, 'f'},
		{"cpu", required_argument, nullptr, 'c'},
		{"help", no_argument, nullptr, 'h'},
		{nullptr, 0, nullptr, 0},
	};
	bool block = false;
	long max_failovers = 0, cpu = -1;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, nullptr)) != -1) {
		switch (opt) {
		case 'b':
			block = true;
			break;
		case 'f':
			if (!parse_number(optarg, 1, &max_failovers))
				return usage(2);
			break;
		case 'c':
			if (!parse_number(optarg, 0, &cpu))
				return usage(2);
			break;
		case 'h':
			return usage(0);
		default:
			return usage(2);
		}
	}
	if (optind != argc - 1)
		return usage(2);
	const std::string arg = argv[optind];

	// Line-buffered even into a pipe: whoever reads us sees each line as
	// it happens.
	std::setvbuf(stdout, nullptr, _IOLBF, 0);

	// No SA_RESTART: a signal interrupts a blocking wait, and the loops
	// below check the flag.
	struct sigaction sa = {};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(int(cpu), &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			std::fprintf(stderr, "%s: pin to CPU %ld: %s\n", prog, cpu,
				     std::strerror(errno));
			return 1;
		}
	}

	try {
		exabond::Bond bond = arg.find('/') != std::string::npos ?
					     exabond::Bond::open_path(arg) :
					     exabond::Bond::open(arg);
		exabond::Snapshot prev, cur;
		exabond::Status st = bond.snapshot(prev);

		if (!st) {
			std::fprintf(stderr, "%s: %s: %s\n", prog,
				     bond.path().c_str(), st.why);
			return 1;
		}
		std::printf("watching %s: %s (%s page), active %s (ifindex %d), "
			    "generation %" PRIu64 "\n",
			    std::string(prev.name()).c_str(), bond.path().c_str(),
			    std::string(exabond::publisher_name(prev.publisher())).c_str(),
			    member_name(prev, prev.active_ifindex()).c_str(),
			    prev.active_ifindex(), prev.generation());
		if (prev.dead()) {
			std::printf("%" PRIu64 " gone gen=%" PRIu64 "\n", now_ns(),
				    prev.generation());
			return 0;
		}

		std::uint64_t gen = prev.generation();
		long failovers = 0;

		while (!stop_requested) {
			if (!block) {
				// The hot path: one acquire load of the
				// generation and one compare per turn. No
				// system call, no lock, no store: the page's
				// cache line stays shared in this core's cache
				// until the writer changes it. A real program
				// does its work here, between the checks, and
				// reads bond.active_ifindex() (one load) when
				// it needs to know where to send.
				while (!bond.changed_since(gen) && !stop_requested)
					cpu_relax();
			} else {
				// Sleeps in poll() (kernel node) or on a futex
				// (monitor page). One second at most, so that a
				// signal arriving just before the wait is seen.
				auto w = bond.wait_for_change(gen, std::chrono::seconds(1));

				if (w == exabond::WaitStatus::error) {
					std::fprintf(stderr, "%s: waiting on %s: %s\n", prog,
						     bond.path().c_str(), std::strerror(errno));
					return 1;
				}
				if (w != exabond::WaitStatus::changed &&
				    w != exabond::WaitStatus::dead)
					continue;	// timeout or signal: check the flag
			}
			if (stop_requested)
				break;

			// Off the hot path from here on. The snapshot is a
			// seqlock read: copy the page, retry if a publication
			// overlapped the copy. It may be newer than the
			// generation that woke us; it is never torn.
			st = bond.snapshot(cur);
			if (!st) {
				std::fprintf(stderr, "%s: %s: %s\n", prog,
					     bond.path().c_str(), st.why);
				return 1;
			}
			failovers += report(prev, cur, now_ns());
			if (cur.dead())
				return 0;
			if (max_failovers && failovers >= max_failovers)
				return 0;
			prev = cur;
			gen = cur.generation();
		}
		return 0;
	} catch (const exabond::Error &e) {
		std::fprintf(stderr, "%s: %s\n", prog, e.what());
		return 1;
	}
}
