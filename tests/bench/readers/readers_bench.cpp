// SPDX-License-Identifier: GPL-2.0
//
// exabond-bench-readers: N reader processes snapshot one bond's page while
// it fails over; each snapshot is timed on its own. Run by tests/bench/
// readers.sh, which drives the failovers and measures the writer's side
// (the publication lag) for every N in one boot.
//
//	exabond-bench-readers --bond BOND --readers N --seconds S
//
// A reader takes snapshots in bursts of 64, each between two
// CLOCK_MONOTONIC reads, then sleeps 1 ms, so that N readers on the
// guest's two vCPUs leave the bond's own work room to run. Prints
//	readers N snapshots COUNT failed F changed G min P50 P90 P99 P999 MAX
// with the latencies in ns over every reader's snapshots; "changed" counts
// the snapshots that saw a new generation (the readers did see the
// failovers). Measures; judges nothing.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exabond/bond.hpp>
#include <exabond/snapshot.hpp>

#include "../bench_util.hpp"

namespace {

using bench::now_ns;

[[noreturn]] void die(const std::string &what)
{
	bench::die("exabond-bench-readers", what);
}

// What one reader hands back: its counts, followed in the same shared
// anonymous mapping by its latencies (ns, saturated at UINT32_MAX), which
// the parent reads after the child exits.
struct Result {
	std::uint64_t snapshots;
	std::uint64_t failed;
	std::uint64_t changed;
	std::uint64_t n_lat;

	std::uint32_t *lat() noexcept { return reinterpret_cast<std::uint32_t *>(this + 1); }
};

constexpr std::size_t max_samples = 4u << 20;

void reader(const std::string &bond_name, double seconds, Result *r)
{
	exabond::Bond bond = exabond::Bond::open(bond_name);
	exabond::Snapshot s;
	std::uint64_t last_gen = 0;
	const std::uint64_t end = now_ns() + std::uint64_t(seconds * 1e9);
	const timespec pause{0, 1000000};
	while (now_ns() < end) {
		for (int i = 0; i < 64; i++) {
			const std::uint64_t t0 = now_ns();
			const bool ok = bool(bond.snapshot(s));
			const std::uint64_t dt = now_ns() - t0;
			r->snapshots++;
			if (!ok) {
				r->failed++;
				continue;
			}
			if (s.generation() != last_gen) {
				r->changed++;
				last_gen = s.generation();
			}
			if (r->n_lat < max_samples)
				r->lat()[r->n_lat++] = std::uint32_t(std::min<std::uint64_t>(dt, UINT32_MAX));
		}
		nanosleep(&pause, nullptr);
	}
}

} // namespace

int main(int argc, char **argv)
{
	std::string bond;
	int n = 0;
	double seconds = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		const std::string a = argv[i];
		if (a == "--bond")
			bond = argv[i + 1];
		else if (a == "--readers")
			n = std::atoi(argv[i + 1]);
		else if (a == "--seconds")
			seconds = std::atof(argv[i + 1]);
		else
			die("unknown argument " + a);
	}
	if (bond.empty() || n <= 0 || seconds <= 0 || argc % 2 == 0)
		die("usage: exabond-bench-readers --bond BOND --readers N --seconds S");
	exabond::Bond::open(bond);	// fail here, not in N children

	const std::size_t bytes = sizeof(Result) + max_samples * sizeof(std::uint32_t);
	std::vector<Result *> results;
	std::vector<pid_t> pids;
	for (int i = 0; i < n; i++) {
		void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die(std::string("mmap: ") + std::strerror(errno));
		results.push_back(static_cast<Result *>(p));
		const pid_t pid = fork();
		if (pid < 0)
			die(std::string("fork: ") + std::strerror(errno));
		if (pid == 0) {
			try {
				reader(bond, seconds, results.back());
			} catch (const std::exception &e) {
				std::fprintf(stderr, "reader %d: %s\n", i, e.what());
				_exit(1);
			}
			_exit(0);
		}
		pids.push_back(pid);
	}
	int bad = 0;
	for (pid_t pid : pids) {
		int st = 0;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	if (bad)
		die(std::to_string(bad) + " reader(s) failed");

	std::vector<std::uint32_t> all;
	std::uint64_t snapshots = 0, failed = 0, changed = 0;
	for (Result *r : results) {
		snapshots += r->snapshots;
		failed += r->failed;
		changed += r->changed;
		all.insert(all.end(), r->lat(), r->lat() + r->n_lat);
		munmap(r, bytes);
	}
	if (all.empty())
		die("no snapshot taken");
	std::sort(all.begin(), all.end());
	auto pct = [&](double p) {
		return all[std::min(all.size() - 1, std::size_t(p / 100.0 * double(all.size() - 1) + 0.5))];
	};
	std::printf("readers %d snapshots %llu failed %llu changed %llu min %u p50 %u "
		    "p90 %u p99 %u p999 %u max %u\n",
		    n, (unsigned long long)snapshots, (unsigned long long)failed,
		    (unsigned long long)changed, all.front(), pct(50), pct(90), pct(99),
		    pct(99.9), all.back());
	return 0;
}
