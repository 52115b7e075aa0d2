// SPDX-License-Identifier: GPL-2.0
//
// exabond-bench-wakeup: how long a reader takes to notice a publication of
// exabond's page, blocked in poll(), in an epoll loop, and busy-polling on
// another CPU, next to the same readers woken by the most direct means the
// platform has: an eventfd written by another thread (poll(), epoll) and a
// memory word stored by it (busy-polling). The second set is the floor: no
// reader of its kind notices anything sooner on this kernel and CPU.
//
//	exabond-bench-wakeup --rounds N [--bond BOND] [--busy-cpu CPU | --no-busy]
//			     [--blocked poll|epoll|both] [--reader-cpu CPU]
//			     [--driver-cpu CPU]
//
// --blocked picks the blocked readers (default both kinds). Two blocked
// readers woken at once take turns on a shared CPU, so each kind's time
// depends on which ran first: time one kind per run to compare it with its
// floor. Where the threads run is the layout: the busy readers on
// --busy-cpu (default 1) or none (--no-busy); the blocked readers pinned to
// --reader-cpu and the driver to --driver-cpu, or wherever the scheduler
// puts them (-1, the default). tests/bench/wakeup.sh uses two layouts:
// the blocked readers on the driver's CPU, the busy readers on the other;
// and the blocked readers on a CPU of their own, no busy reader.
//
// With --bond, each round has two halves. First the driver writes the
// bond's bonding/updelay (0 and miimon in turn; exabond.ko publishes the
// change before the write returns) and waits until the exabond readers
// have seen the new generation. Then it stores the word and writes the
// eventfds, and waits until the floor's readers have seen them. Without
// --bond only the floor runs (on a host without the module).
//
// The origins differ by a system call's entry: exabond's is the
// publication's publish_ns, taken in the kernel just before the page's
// stores; the floor's is taken in user space just before the store or
// write(2). The run's first line gives the median of a whole write(2) to
// an eventfd no one waits on ("write_ns"), an upper bound of that entry.
//
// Output, one line per round, CLOCK_MONOTONIC ns (0: not seen within 1 s,
// or that reader does not run):
//	round pub busy wait epoll kick_word word kick_poll poll kick_epoll epoll_fd
// pub is 0 when the page showed another publication than the round's
// right after the write (its time is then not the round's). The exabond
// times are those of the first load that showed the change, as an
// application would take them. Nothing here judges a time:
// tests/bench/tools/wakeup_report.py makes the tables.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <exabond/bond.hpp>
#include <exabond/snapshot.hpp>

#include "../bench_util.hpp"
#include "unique_fd.hpp"

namespace {

using bench::errno_text;
using bench::now_ns;

[[noreturn]] void die(const std::string &what)
{
	bench::die("exabond-bench-wakeup", what);
}

// The one RAII descriptor of the in-tree programs (userspace/lib).
using Fd = exabond::detail::UniqueFd;

// The readers, in output order after pub.
enum Reader { busy, wait, epoll, word, poll_fd, epoll_fd, n_readers };

enum Phase : std::uint64_t { idle, exabond_half, floor_half };

// The round in progress. tag is the round's number and phase, (round << 2)
// | phase: the driver resets seen[], then publishes a new tag, then acts.
// A reader takes the tag, notices the action of the tag's half, and
// records under that tag: a reader late from an earlier round or half
// (its tag gone) records nothing.
struct Round {
	std::atomic<std::uint64_t> tag{idle};
	std::atomic<std::uint64_t> base_gen{0};
	std::atomic<std::uint64_t> seen[n_readers] = {};

	std::uint64_t now_in(Phase p) const noexcept
	{
		const std::uint64_t t = tag.load(std::memory_order_acquire);
		return (t & 3) == p ? t : 0;
	}
	void record(Reader r, std::uint64_t t, std::uint64_t under) noexcept
	{
		if (tag.load(std::memory_order_acquire) != under)
			return;
		std::uint64_t zero = 0;
		seen[r].compare_exchange_strong(zero, t);
	}
};

std::atomic<bool> stopping{false};
// Readers armed and about to wait: the driver starts once all are.
std::atomic<int> ready{0};
// The floor's memory word, stored by the driver, spun on by the busy reader.
std::atomic<std::uint64_t> floor_word{0};

void pin(const char *who, int cpu)
{
	if (cpu >= 0 && !bench::pin_to_cpu(cpu))
		die(errno_text(std::string("pinning the ") + who + " to CPU " +
			       std::to_string(cpu)));
}

// An epoll set watching @fd for EPOLLIN (@what names it in errors).
Fd epoll_on(int fd, const char *what)
{
	Fd ep(epoll_create1(EPOLL_CLOEXEC));
	if (!ep.valid())
		die(errno_text("epoll_create1"));
	epoll_event ev{};
	ev.events = EPOLLIN;
	if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
		die(errno_text(std::string("epoll_ctl on ") + what));
	return ep;
}

// One epoll_wait() of up to 1 s: true if @ep's fd is readable.
bool epoll_ready(const Fd &ep)
{
	epoll_event out;
	const int n = epoll_wait(ep.get(), &out, 1, 1000);
	if (n < 0 && errno != EINTR)
		die(errno_text("epoll_wait"));
	return n > 0;
}

// Spins on the page's generation (if there is a bond) and on the floor's
// word, pinned to @cpu.
void read_busy(exabond::Bond *bond, Round &r, int cpu)
{
	pin("busy reader", cpu);
	std::uint64_t word_seen = floor_word.load();
	ready++;
	while (!stopping.load(std::memory_order_relaxed)) {
		std::uint64_t tag = r.now_in(exabond_half);
		if (bond && tag &&
		    bond->generation() != r.base_gen.load(std::memory_order_relaxed))
			r.record(busy, now_ns(), tag);
		const std::uint64_t w = floor_word.load(std::memory_order_acquire);
		if (w != word_seen) {
			const std::uint64_t t = now_ns();
			word_seen = w;
			if ((tag = r.now_in(floor_half)))
				r.record(word, t, tag);
		}
		__builtin_ia32_pause();
	}
}

void read_wait(exabond::Bond &bond, Round &r, int cpu)
{
	pin("poll() reader", cpu);
	std::uint64_t gen = bond.generation();
	ready++;
	while (!stopping.load()) {
		const auto st = bond.wait_for_change(gen, std::chrono::seconds(1));
		if (st == exabond::WaitStatus::dead)
			die("the bond's page went dead");
		if (st == exabond::WaitStatus::error)
			die(errno_text("wait_for_change"));
		gen = bond.generation();
		const std::uint64_t t = now_ns();
		if (const std::uint64_t tag = r.now_in(exabond_half);
		    tag && gen != r.base_gen.load())
			r.record(wait, t, tag);
	}
}

void read_epoll(exabond::Bond &bond, Round &r, int cpu)
{
	pin("epoll reader", cpu);
	const Fd ep = epoll_on(bond.notify_fd(), "the page's notify_fd()");
	bond.acknowledge();
	ready++;
	while (!stopping.load()) {
		if (!epoll_ready(ep))
			continue;
		// Known once epoll_wait() returns and a load shows the change,
		// as with the eventfd below; acknowledge() (a read(2)) re-arms
		// after, and a change published meanwhile counts too.
		auto look = [&](std::uint64_t g) {
			const std::uint64_t t = now_ns();
			if (const std::uint64_t tag = r.now_in(exabond_half);
			    tag && g != r.base_gen.load())
				r.record(epoll, t, tag);
		};
		look(bond.generation());
		look(bond.acknowledge());
	}
}

// The floor's blocked readers: @efd readable wakes them; they note the
// time, then consume it.
void consume(int efd)
{
	std::uint64_t v;
	if (read(efd, &v, sizeof(v)) != ssize_t(sizeof(v)))
		die(errno_text("reading an eventfd"));
}

void read_eventfd_poll(int efd, Round &r, int cpu)
{
	pin("eventfd poll() reader", cpu);
	ready++;
	while (!stopping.load()) {
		pollfd p{efd, POLLIN, 0};
		const int n = poll(&p, 1, 1000);
		if (n < 0 && errno != EINTR)
			die(errno_text("poll on an eventfd"));
		if (n <= 0)
			continue;
		const std::uint64_t t = now_ns();
		if (const std::uint64_t tag = r.now_in(floor_half))
			r.record(poll_fd, t, tag);
		consume(efd);
	}
}

void read_eventfd_epoll(int efd, Round &r, int cpu)
{
	pin("eventfd epoll reader", cpu);
	const Fd ep = epoll_on(efd, "an eventfd");
	ready++;
	while (!stopping.load()) {
		if (!epoll_ready(ep))
			continue;
		const std::uint64_t t = now_ns();
		if (const std::uint64_t tag = r.now_in(floor_half))
			r.record(epoll_fd, t, tag);
		consume(efd);
	}
}

struct Options {
	std::string bond;
	int rounds = 0;
	int busy_cpu = 1;	// -1: no busy readers
	int reader_cpu = -1;	// -1: not pinned
	int driver_cpu = -1;
	bool poll = true;	// the blocked readers that run
	bool epoll = true;
};

// A whole decimal number from -1 up, or die.
int number(const std::string &opt, const std::string &v)
{
	char *end = nullptr;
	errno = 0;
	const long n = std::strtol(v.c_str(), &end, 10);
	if (v.empty() || *end || errno || n < -1 || n > 1000000000)
		die(opt + " takes a number, not \"" + v + "\"");
	return int(n);
}

Options parse(int argc, char **argv)
{
	Options o;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		auto value = [&]() -> std::string {
			if (i + 1 >= argc)
				die("missing value after " + a);
			return argv[++i];
		};
		if (a == "--bond") {
			o.bond = value();
		} else if (a == "--rounds") {
			o.rounds = number(a, value());
		} else if (a == "--busy-cpu") {
			o.busy_cpu = number(a, value());
		} else if (a == "--no-busy") {
			o.busy_cpu = -1;
		} else if (a == "--blocked") {
			const std::string v = value();
			if (v != "poll" && v != "epoll" && v != "both")
				die("--blocked takes poll, epoll or both, not " + v);
			o.poll = v != "epoll";
			o.epoll = v != "poll";
		} else if (a == "--reader-cpu") {
			o.reader_cpu = number(a, value());
		} else if (a == "--driver-cpu") {
			o.driver_cpu = number(a, value());
		} else {
			die("unknown argument " + a);
		}
	}
	if (o.rounds <= 0)
		die("usage: exabond-bench-wakeup --rounds N [--bond BOND] "
		    "[--busy-cpu CPU | --no-busy] [--blocked poll|epoll|both] "
		    "[--reader-cpu CPU] [--driver-cpu CPU]");
	return o;
}

unsigned read_uint(const std::string &path)
{
	FILE *f = std::fopen(path.c_str(), "r");
	unsigned v = 0;
	if (!f)
		die(errno_text(path));
	const bool ok = std::fscanf(f, "%u", &v) == 1;
	std::fclose(f);
	if (!ok)
		die("no number in " + path);
	return v;
}

void write_uint(int fd, const std::string &path, unsigned v)
{
	const std::string s = std::to_string(v) + "\n";
	if (pwrite(fd, s.data(), s.size(), 0) != ssize_t(s.size()))
		die(errno_text("writing " + s.substr(0, s.size() - 1) + " to " + path));
}

// Waits (1 ms sleeps) until every reader in @which has recorded, or 1 s.
bool wait_seen(const Round &r, const std::vector<Reader> &which)
{
	const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
	for (;;) {
		bool all = true;
		for (Reader w : which)
			all = all && r.seen[w].load();
		if (all)
			return true;
		if (std::chrono::steady_clock::now() >= end)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
}

Fd new_eventfd()
{
	Fd efd(eventfd(0, EFD_CLOEXEC));
	if (!efd.valid())
		die(errno_text("eventfd"));
	return efd;
}

void eventfd_kick(int efd)
{
	const std::uint64_t one = 1;
	if (write(efd, &one, sizeof(one)) != ssize_t(sizeof(one)))
		die(errno_text("writing an eventfd"));
}

// The median time of a whole write(2) to an eventfd no one waits on.
std::uint64_t write_ns()
{
	const Fd efd = new_eventfd();
	std::vector<std::uint64_t> v;
	for (int i = 0; i < 201; i++) {
		const std::uint64_t t0 = now_ns();
		eventfd_kick(efd.get());
		v.push_back(now_ns() - t0);
	}
	std::nth_element(v.begin(), v.begin() + 100, v.end());
	return v[100];
}

// The reader threads: stopped and joined however run() leaves.
class Readers {
public:
	Readers() = default;
	Readers(const Readers &) = delete;
	Readers &operator=(const Readers &) = delete;
	~Readers()
	{
		stopping = true;
		for (auto &t : threads_)
			t.join();
	}
	template <typename... Args> void start(Args &&...args)
	{
		threads_.emplace_back(std::forward<Args>(args)...);
	}
	std::size_t size() const noexcept { return threads_.size(); }

private:
	std::vector<std::thread> threads_;
};

int run(const Options &o)
{
	// The Bonds (one per reader, as separate applications would have;
	// the driver's for its own snapshots) outlive the readers.
	std::optional<exabond::Bond> bond, b_busy, b_wait, b_epoll;
	std::string updelay_path;
	unsigned miimon = 0, updelay0 = 0;
	if (!o.bond.empty()) {
		bond.emplace(exabond::Bond::open(o.bond));
		b_busy.emplace(exabond::Bond::open(o.bond));
		b_wait.emplace(exabond::Bond::open(o.bond));
		b_epoll.emplace(exabond::Bond::open(o.bond));
		const std::string opts = "/sys/class/net/" + o.bond + "/bonding/";
		miimon = read_uint(opts + "miimon");
		if (!miimon)
			die(o.bond + ": miimon is 0 (updelay needs the MII monitor)");
		updelay_path = opts + "updelay";
		updelay0 = read_uint(updelay_path);
	}
	Fd updelay(bond ? open(updelay_path.c_str(), O_WRONLY | O_CLOEXEC) : -1);
	if (bond && !updelay.valid())
		die(errno_text(updelay_path));
	const Fd efd_poll = new_eventfd();
	const Fd efd_epoll = new_eventfd();
	pin("driver", o.driver_cpu);
	const std::uint64_t syscall_ns = write_ns();

	Round r;
	Readers readers;
	if (bond && o.poll)
		readers.start(read_wait, std::ref(*b_wait), std::ref(r), o.reader_cpu);
	if (bond && o.epoll)
		readers.start(read_epoll, std::ref(*b_epoll), std::ref(r), o.reader_cpu);
	if (o.busy_cpu >= 0)
		readers.start(read_busy, b_busy ? &*b_busy : nullptr, std::ref(r),
			      o.busy_cpu);
	if (o.poll)
		readers.start(read_eventfd_poll, efd_poll.get(), std::ref(r),
			      o.reader_cpu);
	if (o.epoll)
		readers.start(read_eventfd_epoll, efd_epoll.get(), std::ref(r),
			      o.reader_cpu);
	const auto armed_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	while (ready.load() < int(readers.size())) {
		if (std::chrono::steady_clock::now() > armed_by)
			die("the readers did not start within 10 s");
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	// Let the last of them reach its wait.
	std::this_thread::sleep_for(std::chrono::milliseconds(100));

	std::printf("# rounds %d bond %s miimon %u cpus %u busy_cpu %d "
		    "reader_cpu %d driver_cpu %d blocked %s write_ns %llu\n",
		    o.rounds, bond ? o.bond.c_str() : "-", miimon,
		    std::thread::hardware_concurrency(), o.busy_cpu, o.reader_cpu,
		    o.driver_cpu, o.poll && o.epoll ? "both" : o.poll ? "poll" : "epoll",
		    (unsigned long long)syscall_ns);
	std::printf("round pub busy wait epoll kick_word word kick_poll poll "
		    "kick_epoll epoll_fd\n");
	std::vector<Reader> exabond_readers, floor_readers;
	if (o.poll) {
		exabond_readers.push_back(wait);
		floor_readers.push_back(poll_fd);
	}
	if (o.epoll) {
		exabond_readers.push_back(epoll);
		floor_readers.push_back(epoll_fd);
	}
	if (o.busy_cpu >= 0) {
		exabond_readers.push_back(busy);
		floor_readers.push_back(word);
	}
	int missed = 0, other = 0;
	unsigned updelay_v = updelay0;
	for (int i = 0; i < o.rounds; i++) {
		const std::uint64_t round = std::uint64_t(i) << 2;
		for (auto &t : r.seen)
			t = 0;
		std::uint64_t pub = 0;
		if (bond) {
			const std::uint64_t g0 = bond->generation();
			r.base_gen = g0;
			r.tag.store(round | exabond_half, std::memory_order_release);
			updelay_v = updelay_v ? 0 : miimon;
			write_uint(updelay.get(), updelay_path, updelay_v);
			exabond::Snapshot s;
			if (bond->snapshot(s) && s.generation() == g0 + 1)
				pub = s.publish_ns();
			else
				other++;
			if (!wait_seen(r, exabond_readers))
				missed++;
			r.tag.store(round | idle, std::memory_order_release);
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		}

		r.tag.store(round | floor_half, std::memory_order_release);
		const std::uint64_t kick_word = now_ns();
		floor_word.fetch_add(1, std::memory_order_release);
		const std::uint64_t kick_poll = o.poll ? now_ns() : 0;
		if (o.poll)
			eventfd_kick(efd_poll.get());
		const std::uint64_t kick_epoll = o.epoll ? now_ns() : 0;
		if (o.epoll)
			eventfd_kick(efd_epoll.get());
		if (!wait_seen(r, floor_readers))
			missed++;
		r.tag.store(round | idle, std::memory_order_release);

		auto t = [&](Reader w) { return (unsigned long long)r.seen[w].load(); };
		std::printf("%d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", i,
			    (unsigned long long)pub, t(busy), t(wait), t(epoll),
			    (unsigned long long)kick_word, t(word),
			    (unsigned long long)kick_poll, t(poll_fd),
			    (unsigned long long)kick_epoll, t(epoll_fd));
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	if (bond && updelay_v != updelay0)
		write_uint(updelay.get(), updelay_path, updelay0);
	std::printf("# missed %d other %d\n", missed, other);
	std::fflush(stdout);
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	try {
		return run(parse(argc, argv));
	} catch (const std::exception &e) {
		die(e.what());
	}
}
