// SPDX-License-Identifier: GPL-2.0
//
// exabond-bench-failover: how soon each way an application can learn of a
// failover does learn of it, all of them watching the same failovers in one
// process. The bond is an active-backup bond of the VM's virtio-net NICs;
// every cycle cuts the active member's cable from outside (QMP set_link
// off, asked of the VM harness over its control port), waits until every
// watcher has seen the new active member, restores the cable and lets the
// bond settle.
//
//	exabond-bench-failover --bond BOND --nic ID=IFNAME --nic ID=IFNAME
//			       --cycles N [--ctl-fd FD] [--busy-cpu CPU]
//
// The watchers, each on its own thread:
//	busy	exabond's hot word, spun on (Bond::active_ifindex(), one load),
//		pinned to --busy-cpu; on each new generation it also takes a
//		snapshot and notes when the cut member's raw carrier reads 0
//	wait	exabond, blocked in Bond::wait_for_change() (poll() on the node)
//	epoll	exabond's notify_fd() in the thread's own epoll loop
//	netlink	an rtnetlink listener (libmnl, RTNLGRP_LINK): the bond's
//		RTM_NEWLINK with IFLA_EVENT_BONDING_FAILOVER
//	sysfs	bonding/active_slave read every 1 ms
//	exasock	bonding/active_slave read every min(miimon, arp_interval) ms,
//		the interval the Exasock bonding extension polls at
//
// Each cycle prints one line of CLOCK_MONOTONIC nanoseconds (0: not seen
// within the cycle's 5 s): when the cut was asked for; the cut member's
// raw carrier change and the failover as the page records them (exabond's
// notifier saw them then); the failover publication's publish_ns as the
// busy and wait watchers saw it (0 when they first saw the new active member
// in a later publication); and when each watcher knew. Nothing here judges
// a time: tests/bench/tools/failover_report.py turns the lines into
// distributions and plots.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <exabond/bond.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>

#include "../bench_util.hpp"

namespace {

using bench::errno_text;
using bench::now_ns;

[[noreturn]] void die(const std::string &what)
{
	bench::die("exabond-bench-failover", what);
}

// The watchers, in output order.
enum Watcher { busy, busy_carrier, wait, epoll, netlink, sysfs, exasock, n_watchers };
constexpr const char *watcher_names[n_watchers] = {
	"busy", "busy_carrier", "wait", "epoll", "netlink", "sysfs", "exasock"};

// One cycle as the watchers see it. The driver arms it (the member about
// to be cut) before asking for the cut; a watcher records the first time
// it sees a different active member (busy_carrier: the cut member's
// carrier at 0) while the cycle is armed.
struct Cycle {
	std::atomic<int> old_ifindex{0};
	std::atomic<bool> armed{false};
	// The cut member's name: a key of Options::nic_of, which nobody
	// changes once the watchers run, so the pointer is all that moves.
	std::atomic<const std::string *> old_name{nullptr};
	std::atomic<std::uint64_t> seen[n_watchers] = {};
	std::atomic<std::uint64_t> busy_pub{0};	// failover's publish_ns
	std::atomic<std::uint64_t> wait_pub{0};

	void record(Watcher w, std::uint64_t t) noexcept
	{
		std::uint64_t zero = 0;
		seen[w].compare_exchange_strong(zero, t);
	}
	bool all_seen() const noexcept
	{
		for (const auto &s : seen)
			if (!s.load())
				return false;
		return true;
	}
};

std::atomic<bool> stopping{false};

// Publication time of @s if it is the failover publication that made
// @old no longer active, else 0 (it came later and carries its own).
std::uint64_t failover_pub(const exabond::Snapshot &s, int old) noexcept
{
	return s.event() == EXABOND_EVENT_FAILOVER && s.active_ifindex() != old ?
		       s.publish_ns() :
		       0;
}

void watch_busy(const std::string &bond_name, Cycle &c, int cpu)
{
	if (cpu >= 0 && !bench::pin_to_cpu(cpu))
		die(errno_text("pinning the busy watcher to CPU " + std::to_string(cpu)));
	exabond::Bond bond = exabond::Bond::open(bond_name);
	exabond::Snapshot s;
	std::uint64_t gen = 0;
	while (!stopping.load(std::memory_order_relaxed)) {
		if (!c.armed.load(std::memory_order_acquire)) {
			__builtin_ia32_pause();
			continue;
		}
		const int old = c.old_ifindex.load(std::memory_order_relaxed);
		if (bond.active_ifindex() != old && !c.seen[busy].load()) {
			const std::uint64_t t = now_ns();
			c.record(busy, t);
			if (bond.snapshot(s))
				c.busy_pub = failover_pub(s, old);
		}
		const std::uint64_t g = bond.generation();
		if (g != gen && !c.seen[busy_carrier].load()) {
			gen = g;
			const std::uint64_t t = now_ns();
			if (bond.snapshot(s)) {
				auto m = s.member(old);
				if (m && !m->carrier())
					c.record(busy_carrier, t);
			}
		}
		__builtin_ia32_pause();
	}
}

void watch_wait(const std::string &bond_name, Cycle &c)
{
	exabond::Bond bond = exabond::Bond::open(bond_name);
	exabond::Snapshot s;
	std::uint64_t gen = bond.generation();
	while (!stopping.load()) {
		auto st = bond.wait_for_change(gen, std::chrono::milliseconds(100));
		if (st == exabond::WaitStatus::dead)
			die("the bond's page went dead");
		gen = bond.generation();
		if (!c.armed.load(std::memory_order_acquire))
			continue;
		const int old = c.old_ifindex.load();
		// The time after the load that showed the change, never before
		// the publication it saw.
		if (bond.active_ifindex() != old && !c.seen[wait].load()) {
			c.record(wait, now_ns());
			if (bond.snapshot(s))
				c.wait_pub = failover_pub(s, old);
		}
	}
}

void watch_epoll(const std::string &bond_name, Cycle &c)
{
	exabond::Bond bond = exabond::Bond::open(bond_name);
	const int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die(errno_text("epoll_create1"));
	epoll_event ev{};
	ev.events = EPOLLIN;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, bond.notify_fd(), &ev) < 0)
		die(errno_text("epoll_ctl"));
	bond.acknowledge();
	while (!stopping.load()) {
		epoll_event out;
		const int n = epoll_wait(ep, &out, 1, 100);
		if (n < 0 && errno != EINTR)
			die(errno_text("epoll_wait"));
		if (n <= 0)
			continue;
		// Known once epoll_wait() returns and a load shows it; then
		// acknowledge() (a read(2)) re-arms, and the load is repeated
		// for a change published meanwhile.
		auto look = [&] {
			if (c.armed.load(std::memory_order_acquire) &&
			    bond.active_ifindex() != c.old_ifindex.load())
				c.record(epoll, now_ns());
		};
		look();
		bond.acknowledge();
		look();
	}
	close(ep);
}

// The failover event of the bond, from an RTM_NEWLINK on RTNLGRP_LINK.
struct NlCtx {
	int bond_ifindex;
	bool failover;
};

int nl_attr_cb(const nlattr *a, void *data)
{
	auto *ctx = static_cast<NlCtx *>(data);
	if (mnl_attr_get_type(a) == IFLA_EVENT &&
	    mnl_attr_validate(a, MNL_TYPE_U32) >= 0 &&
	    mnl_attr_get_u32(a) == IFLA_EVENT_BONDING_FAILOVER)
		ctx->failover = true;
	return MNL_CB_OK;
}

int nl_msg_cb(const nlmsghdr *nlh, void *data)
{
	auto *ctx = static_cast<NlCtx *>(data);
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	const auto *ifi = static_cast<const ifinfomsg *>(mnl_nlmsg_get_payload(nlh));
	if (ifi->ifi_index != ctx->bond_ifindex)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), nl_attr_cb, ctx);
	return MNL_CB_OK;
}

void watch_netlink(int bond_ifindex, Cycle &c, std::atomic<bool> &ready)
{
	mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		die(errno_text("mnl_socket_open2"));
	if (mnl_socket_bind(nl, 1u << (RTNLGRP_LINK - 1), MNL_SOCKET_AUTOPID) < 0)
		die(errno_text("binding to RTNLGRP_LINK"));
	const int fd = mnl_socket_get_fd(nl);
	std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
	ready = true;
	while (!stopping.load()) {
		pollfd p{fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		const ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
		const std::uint64_t t = now_ns();
		if (n < 0) {
			if (errno == ENOBUFS)
				die("rtnetlink listener overrun (ENOBUFS)");
			continue;
		}
		NlCtx ctx{bond_ifindex, false};
		mnl_cb_run(buf.data(), size_t(n), 0, 0, nl_msg_cb, &ctx);
		if (ctx.failover && c.armed.load(std::memory_order_acquire))
			c.record(netlink, t);
	}
	mnl_socket_close(nl);
}

// bonding/active_slave read with pread() on a kept descriptor every
// @period, on an absolute schedule.
void watch_sysfs(const std::string &bond_name, Cycle &c, Watcher w,
		 std::chrono::nanoseconds period)
{
	const std::string path = "/sys/class/net/" + bond_name + "/bonding/active_slave";
	const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(errno_text(path));
	timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	char buf[IFNAMSIZ + 2];
	while (!stopping.load()) {
		next.tv_nsec += long(period.count());
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
		const ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		const std::uint64_t t = now_ns();
		if (n < 0)
			die(errno_text("reading " + path));
		buf[n] = 0;
		if (n && buf[n - 1] == '\n')
			buf[n - 1] = 0;
		const std::string *old = c.old_name.load(std::memory_order_acquire);
		if (c.armed.load(std::memory_order_acquire) && old && *old != buf)
			c.record(w, t);
	}
	close(fd);
}

// The VM harness's control port: "TAG request" out, "TAG reply" back
// (tests/vm/guest/ctl.sh). Replies to other tags are skipped.
class HostPort {
public:
	explicit HostPort(int fd) : fd_(fd) {}
	std::string request(const std::string &words)
	{
		const std::string tag = "failover-bench." + std::to_string(getpid()) +
					"." + std::to_string(++n_);
		const std::string line = tag + " " + words + "\n";
		if (write(fd_, line.data(), line.size()) != ssize_t(line.size()))
			die(errno_text("writing to the control port"));
		for (;;) {
			std::string got = read_line();
			if (got.compare(0, tag.size() + 1, tag + " ") == 0)
				return got.substr(tag.size() + 1);
		}
	}

private:
	std::string read_line()
	{
		std::string s;
		char ch;
		for (;;) {
			pollfd p{fd_, POLLIN, 0};
			if (poll(&p, 1, 20000) <= 0)
				die("the host did not answer within 20 s");
			const ssize_t n = read(fd_, &ch, 1);
			if (n <= 0)
				die(errno_text("reading the control port"));
			if (ch == '\n')
				return s;
			s += ch;
		}
	}
	int fd_;
	unsigned n_ = 0;
};

struct Options {
	std::string bond;
	std::map<std::string, std::string> nic_of;	// ifname -> NIC ID
	int cycles = 0;
	int ctl_fd = 9;
	int busy_cpu = 1;
};

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
		} else if (a == "--nic") {
			const std::string v = value();
			const auto eq = v.find('=');
			if (eq == std::string::npos)
				die("--nic takes ID=IFNAME, not " + v);
			o.nic_of[v.substr(eq + 1)] = v.substr(0, eq);
		} else if (a == "--cycles") {
			o.cycles = std::atoi(value().c_str());
		} else if (a == "--ctl-fd") {
			o.ctl_fd = std::atoi(value().c_str());
		} else if (a == "--busy-cpu") {
			o.busy_cpu = std::atoi(value().c_str());
		} else {
			die("unknown argument " + a);
		}
	}
	if (o.bond.empty() || o.nic_of.size() != 2 || o.cycles <= 0)
		die("usage: exabond-bench-failover --bond BOND --nic ID=IFNAME "
		    "--nic ID=IFNAME --cycles N [--ctl-fd FD] [--busy-cpu CPU]");
	return o;
}

// Waits (sleeping on the page) until @pred holds for a snapshot, or @limit.
bool wait_page(exabond::Bond &bond, std::chrono::milliseconds limit,
	       const std::function<bool(const exabond::Snapshot &)> &pred)
{
	const auto end = std::chrono::steady_clock::now() + limit;
	exabond::Snapshot s;
	for (;;) {
		const std::uint64_t g = bond.generation();
		if (bond.snapshot(s) && pred(s))
			return true;
		const auto left = end - std::chrono::steady_clock::now();
		if (left <= left.zero())
			return false;
		bond.wait_for_change(g, std::min<std::chrono::nanoseconds>(
						left, std::chrono::milliseconds(50)));
	}
}

unsigned read_uint(const std::string &path)
{
	FILE *f = std::fopen(path.c_str(), "r");
	unsigned v = 0;
	if (!f || std::fscanf(f, "%u", &v) != 1)
		die("cannot read " + path);
	std::fclose(f);
	return v;
}

} // namespace

int main(int argc, char **argv)
{
	const Options o = parse(argc, argv);
	exabond::Bond bond = exabond::Bond::open(o.bond);
	const std::string opts = "/sys/class/net/" + o.bond + "/bonding/";
	const unsigned miimon = read_uint(opts + "miimon");
	const unsigned arp = read_uint(opts + "arp_interval");
	const unsigned exasock_ms = miimon && arp ? std::min(miimon, arp) : std::max(miimon, arp);
	if (!exasock_ms)
		die(o.bond + " has neither miimon nor arp_interval");
	const int bond_ifindex = int(if_nametoindex(o.bond.c_str()));

	Cycle c;
	std::atomic<bool> nl_ready{false};
	std::vector<std::thread> threads;
	threads.emplace_back(watch_busy, o.bond, std::ref(c), o.busy_cpu);
	threads.emplace_back(watch_wait, o.bond, std::ref(c));
	threads.emplace_back(watch_epoll, o.bond, std::ref(c));
	threads.emplace_back(watch_netlink, bond_ifindex, std::ref(c), std::ref(nl_ready));
	threads.emplace_back(watch_sysfs, o.bond, std::ref(c), sysfs,
			     std::chrono::milliseconds(1));
	threads.emplace_back(watch_sysfs, o.bond, std::ref(c), exasock,
			     std::chrono::milliseconds(exasock_ms));
	while (!nl_ready)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));

	HostPort host(o.ctl_fd);
	std::printf("# miimon %u arp_interval %u exasock_interval_ms %u\n", miimon,
		    arp, exasock_ms);
	std::printf("cycle nic t_req carrier_ns failover_ns busy_pub wait_pub");
	for (const char *n : watcher_names)
		std::printf(" %s", n);
	std::printf("\n");
	std::fflush(stdout);

	int missed = 0;
	for (int i = 0; i < o.cycles; i++) {
		exabond::Snapshot s;
		if (!bond.snapshot(s) || !s.active_member())
			die("no active member before cycle " + std::to_string(i));
		const exabond::Member m = *s.active_member();
		const std::string name(m.name());
		const auto nic = o.nic_of.find(name);
		if (nic == o.nic_of.end())
			die("the active member " + name + " is none of the --nic interfaces");

		for (auto &t : c.seen)
			t = 0;
		c.busy_pub = 0;
		c.wait_pub = 0;
		c.old_ifindex = m.ifindex();
		c.old_name.store(&nic->first, std::memory_order_release);
		c.armed.store(true, std::memory_order_release);

		const std::uint64_t t_req = now_ns();
		std::string r = host.request("set_link " + nic->second + " down");
		if (r.compare(0, 2, "ok") != 0)
			die("set_link " + nic->second + " down: " + r);
		const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
		while (!c.all_seen() && std::chrono::steady_clock::now() < deadline)
			std::this_thread::sleep_for(std::chrono::milliseconds(1));
		c.armed.store(false, std::memory_order_release);
		// A watcher that read the previous cycle's state just before
		// this one was armed could have recorded a time before the cut
		// was asked for: not a sighting of this failover.
		for (auto &t : c.seen)
			if (t.load() && t.load() < t_req)
				t = 0;
		if (!c.all_seen())
			missed++;

		exabond::Snapshot after;
		std::uint64_t carrier_ns = 0, failover_ns = 0;
		if (bond.snapshot(after)) {
			if (auto was = after.member(m.ifindex()); was && !was->carrier())
				carrier_ns = was->carrier_changed_ns();
			if (after.active_ifindex() != m.ifindex())
				failover_ns = after.last_failover_ns();
		}
		std::printf("%d %s %llu %llu %llu %llu %llu", i, nic->second.c_str(),
			    (unsigned long long)t_req, (unsigned long long)carrier_ns,
			    (unsigned long long)failover_ns,
			    (unsigned long long)c.busy_pub.load(),
			    (unsigned long long)c.wait_pub.load());
		for (const auto &t : c.seen)
			std::printf(" %llu", (unsigned long long)t.load());
		std::printf("\n");
		std::fflush(stdout);

		r = host.request("set_link " + nic->second + " up");
		if (r.compare(0, 2, "ok") != 0)
			die("set_link " + nic->second + " up: " + r);
		// The member is back when bonding counts its link up again; then
		// a few intervals more, so that nothing of this cycle is pending.
		const int back = m.ifindex();
		if (!wait_page(bond, std::chrono::seconds(10), [back](const exabond::Snapshot &p) {
			    auto mm = p.member(back);
			    return mm && mm->carrier() && mm->link() == EXABOND_LINK_UP;
		    }))
			die("member " + name + " did not come back within 10 s");
		std::this_thread::sleep_for(std::chrono::milliseconds(3 * exasock_ms + 50));
	}
	stopping = true;
	for (auto &t : threads)
		t.join();
	std::printf("# cycles %d missed %d\n", o.cycles, missed);
	return 0;
}
