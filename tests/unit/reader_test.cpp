// SPDX-License-Identifier: GPL-2.0
//
// libexabond's reader side on the host: Bond::open() and friends on
// shared-memory pages and regular files, the hot path, Snapshot and its
// accessors, names.hpp, the waits (futex) and notify_fd() (eventfd). Pages
// are written with exabond::PageWriter, the same code exabond-monitor uses.
// Hostile and corrupt pages are page_check_test.cpp's.

#include <exabond/bond.hpp>
#include <exabond/error.hpp>
#include <exabond/names.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>
#include <exabond/writer.hpp>

#include <gtest/gtest.h>

#include "staged_page.hpp"
#include "unique_name.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using exabond::Bond;
using exabond::PageWriter;
using exabond::Snapshot;
using exabond::WaitStatus;

constexpr auto kGenerous = 10s;	// a limit that only a hang reaches

// A shared-memory page that is unlinked however the test ends.
struct ShmPage {
	std::string name;
	PageWriter w;

	explicit ShmPage(std::string n, bool initial_netns = true)
		: name(std::move(n)),
		  w(PageWriter::create_shared_memory(
			  name, std::uint32_t(exabond_netns_ino()),
			  initial_netns))
	{
	}
	~ShmPage() { w.unlink(); }
	ShmPage(const ShmPage &) = delete;
	ShmPage &operator=(const ShmPage &) = delete;
};

// A file removed however the test ends.
struct TempFile {
	std::string path;

	TempFile()
	{
		char tmpl[] = "/tmp/exabond-reader-test-XXXXXX";
		int fd = mkstemp(tmpl);

		if (fd >= 0)
			close(fd);
		path = tmpl;
	}
	~TempFile() { ::unlink(path.c_str()); }
	TempFile(const TempFile &) = delete;
	TempFile &operator=(const TempFile &) = delete;

	void write(const void *p, std::size_t n) const
	{
		std::ofstream f(path, std::ios::binary | std::ios::trunc);

		f.write(static_cast<const char *>(p), std::streamsize(n));
	}
};

struct alignas(4096) AlignedPage {
	exabond_page pg;
};

pid_t gettid_()
{
	return pid_t(syscall(SYS_gettid));
}

// Is task @tid of process @pid asleep in FUTEX_WAIT on @word? Reads
// /proc/<pid>/task/<tid>/syscall: "<nr> <arg0> ...", or "running".
bool in_futex_wait(pid_t pid, pid_t tid, const void *word)
{
	const std::string path = "/proc/" + std::to_string(pid) + "/task/" +
				 std::to_string(tid) + "/syscall";
	std::ifstream f(path);
	long nr = -1;
	std::string arg0;

	if (!(f >> nr >> arg0))
		return false;
	return nr == SYS_futex &&
	       std::strtoull(arg0.c_str(), nullptr, 16) ==
		       reinterpret_cast<std::uintptr_t>(word);
}

// Waits (polling /proc, bounded) until the task sleeps on @word: the
// evidence that a wait really went to sleep before the test wakes it.
bool await_futex_sleeper(pid_t pid, pid_t tid, const void *word)
{
	const auto deadline = std::chrono::steady_clock::now() + kGenerous;

	while (std::chrono::steady_clock::now() < deadline) {
		if (in_futex_wait(pid, tid, word))
			return true;
		std::this_thread::sleep_for(1ms);
	}
	return false;
}

// The thread of this process, other than the caller, that sleeps on
// @word (the notify_fd() feeder); 0 if none shows up in time.
pid_t await_other_sleeper(const void *word)
{
	const auto deadline = std::chrono::steady_clock::now() + kGenerous;
	const pid_t self = gettid_();

	while (std::chrono::steady_clock::now() < deadline) {
		DIR *d = opendir("/proc/self/task");

		if (!d)
			return 0;
		pid_t found = 0;

		while (dirent *e = readdir(d)) {
			pid_t tid = pid_t(std::atoi(e->d_name));

			if (tid > 0 && tid != self &&
			    in_futex_wait(getpid(), tid, word)) {
				found = tid;
				break;
			}
		}
		closedir(d);
		if (found)
			return found;
		std::this_thread::sleep_for(1ms);
	}
	return 0;
}

const void *generation_word(const exabond_page *pg)
{
	return &pg->generation;	// little-endian: the low half comes first
}

void on_signal(int) {}

// For a wait without limit that only a wake-up may end: if the wait is
// still asleep after kGenerous, signals @target (SIGUSR2, a handler
// without SA_RESTART) until disarmed, so a lost wake-up returns
// interrupted and fails the test instead of hanging it. A wait with a
// timeout would not do: it re-reads the generation when it times out,
// so it returns changed even when the wake-up was lost.
class Watchdog {
public:
	explicit Watchdog(pthread_t target) : target_(target)
	{
		struct sigaction sa;

		std::memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR2, &sa, &old_);
		thread_ = std::thread([this] {
			std::unique_lock<std::mutex> l(m_);
			auto disarmed = [this] { return disarmed_; };

			if (cv_.wait_for(l, kGenerous, disarmed))
				return;
			fired_ = true;
			do
				pthread_kill(target_, SIGUSR2);
			while (!cv_.wait_for(l, 10ms, disarmed));
		});
	}
	~Watchdog()
	{
		disarm();
		thread_.join();
		sigaction(SIGUSR2, &old_, nullptr);
	}
	Watchdog(const Watchdog &) = delete;
	Watchdog &operator=(const Watchdog &) = delete;

	// Stops it; true if it had to fire.
	bool disarm()
	{
		std::lock_guard<std::mutex> l(m_);

		disarmed_ = true;
		cv_.notify_all();
		return fired_;
	}

private:
	pthread_t target_;
	struct sigaction old_;
	std::thread thread_;
	std::mutex m_;
	std::condition_variable cv_;
	bool disarmed_ = false;
	bool fired_ = false;
};

// -------------------------------------------------------------------------
// Opening

// open() finds exabond-monitor's page when there is no kernel node.
TEST(BondOpen, FindsSharedMemoryPage)
{
	ShmPage p(unique_name("ro"));

	ASSERT_TRUE(p.w.publish(staged_page(p.name), EXABOND_EVENT_MANAGE, 10,
				PageWriter::now_ns()));
	Bond b = Bond::open(p.name);

	EXPECT_EQ(b.source(), exabond::Source::shared_memory);
	EXPECT_EQ(b.path(), "/dev/shm/exabond-" + p.name);
	EXPECT_EQ(b.path(), p.w.path());
	EXPECT_EQ(b.generation(), 1u);
	EXPECT_EQ(b.active_ifindex(), 11);

	Bond s = Bond::open_shared_memory(p.name);

	EXPECT_EQ(s.path(), b.path());
	EXPECT_EQ(s.generation(), 1u);
}

// A page whose bond lives in another network namespace is not ours.
TEST(BondOpen, IgnoresPageOfAnotherNetns)
{
	ShmPage p(unique_name("rn"));
	exabond_page st = staged_page(p.name);

	st.bond.netns_ino += 1;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	try {
		Bond::open(p.name);
		FAIL() << "a foreign namespace's page was accepted";
	} catch (const exabond::Error &e) {
		EXPECT_EQ(e.errno_value(), ENOENT) << e.what();
	}
	EXPECT_THROW(Bond::open_shared_memory(p.name), exabond::Error);
}

// With both "<bond>:<netns>" and "<bond>", open() takes the suffixed one.
TEST(BondOpen, PrefersSuffixedName)
{
	const std::string name = unique_name("rs");
	const std::string ino = std::to_string(exabond_netns_ino());
	ShmPage plain(name, true);
	ShmPage suffixed(name, false);
	exabond_page st = staged_page(name);

	ASSERT_EQ(suffixed.w.path(), "/dev/shm/exabond-" + name + ":" + ino);
	st.bond.miimon = 1;
	ASSERT_TRUE(plain.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	st.bond.miimon = 2;
	ASSERT_TRUE(suffixed.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));

	Bond b = Bond::open(name);
	Snapshot s;

	EXPECT_EQ(b.path(), "/dev/shm/exabond-" + name + ":" + ino);
	ASSERT_TRUE(b.snapshot(s));
	EXPECT_EQ(s.miimon(), 2u);

	// Without the suffixed page, the plain one is found.
	suffixed.w.unlink();
	Bond c = Bond::open(name);

	EXPECT_EQ(c.path(), "/dev/shm/exabond-" + name);
	ASSERT_TRUE(c.snapshot(s));
	EXPECT_EQ(s.miimon(), 1u);
}

// open_path() maps a regular file that holds a page.
TEST(BondOpen, OpenPathReadsRegularFile)
{
	auto mem = std::make_unique<AlignedPage>();
	PageWriter w(&mem->pg);
	TempFile f;

	ASSERT_TRUE(w.publish(staged_page("file0"), EXABOND_EVENT_MANAGE, 10, 1));
	ASSERT_TRUE(w.publish(staged_page("file0"), EXABOND_EVENT_RESYNC, 10, 2,
			      true));
	f.write(&mem->pg, sizeof(mem->pg));

	Bond b = Bond::open_path(f.path);
	Snapshot s;

	EXPECT_EQ(b.source(), exabond::Source::shared_memory);
	EXPECT_EQ(b.path(), f.path);
	EXPECT_EQ(b.generation(), 2u);
	ASSERT_TRUE(b.snapshot(s));
	EXPECT_EQ(s.name(), "file0");
	EXPECT_EQ(s.members().size(), 2u);
}

// A file shorter than a page is refused (EPROTO, "validate"), not mapped.
TEST(BondOpen, OpenPathShortFileIsEproto)
{
	auto mem = std::make_unique<AlignedPage>();
	PageWriter w(&mem->pg);
	TempFile f;

	ASSERT_TRUE(w.publish(staged_page("short0"), EXABOND_EVENT_MANAGE, 10, 1));
	f.write(&mem->pg, 100);	// a valid header, then nothing
	try {
		Bond::open_path(f.path);
		FAIL() << "a 100-byte file was accepted";
	} catch (const exabond::Error &e) {
		EXPECT_EQ(e.errno_value(), EPROTO);
		EXPECT_EQ(e.op(), "validate");
		EXPECT_EQ(e.path(), f.path);
		EXPECT_NE(std::string(e.what()).find(f.path), std::string::npos)
			<< e.what();
	}
}

// Names that are not interface names are refused before any file access.
TEST(BondOpen, InvalidNamesAreEinval)
{
	const std::string names[] = {
		"", "a/b", "..", ".", "x:y", "sixteen-chars-xx", "a b",
		std::string("a\0b", 3), "much-longer-than-ifnamsiz",
	};

	for (const std::string &n : names) {
		try {
			Bond::open(n);
			ADD_FAILURE() << "accepted \"" << n << "\"";
		} catch (const exabond::Error &e) {
			EXPECT_EQ(e.errno_value(), EINVAL) << n << ": " << e.what();
			EXPECT_EQ(e.op(), "open");
		}
		EXPECT_THROW(Bond::open_shared_memory(n), exabond::Error) << n;
	}
	// Fifteen characters is the longest valid name: not EINVAL.
	try {
		Bond::open("fifteen-chars-x");
		FAIL() << "a bond that does not exist was found";
	} catch (const exabond::Error &e) {
		EXPECT_EQ(e.errno_value(), ENOENT) << e.what();
	}
}

// A missing bond is ENOENT, and the message tells how to manage it.
TEST(BondOpen, MissingBondIsEnoentWithHint)
{
	const std::string name = unique_name("rm");

	try {
		Bond::open(name);
		FAIL() << "found a bond nobody published";
	} catch (const exabond::Error &e) {
		const std::string what = e.what();

		EXPECT_EQ(e.errno_value(), ENOENT);
		EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
		EXPECT_EQ(e.op(), "open");
		EXPECT_EQ(e.path(), "/dev/exabond-" + name);
		EXPECT_NE(what.find(name), std::string::npos) << what;
		EXPECT_NE(what.find("echo +" + name +
				    " > /sys/class/net/exabond_masters"),
			  std::string::npos)
			<< what;
	}
}

// Error carries op, path, errno and detail, and reads as one line.
TEST(BondOpen, ErrorAccessors)
{
	const exabond::Error e("mmap", "/x", ENOMEM, "why");

	EXPECT_EQ(e.op(), "mmap");
	EXPECT_EQ(e.path(), "/x");
	EXPECT_EQ(e.errno_value(), ENOMEM);
	EXPECT_EQ(e.detail(), "why");
	EXPECT_EQ(std::string(e.what()),
		  std::string("exabond: mmap /x: ") + std::strerror(ENOMEM) +
			  " (why)");

	const exabond::Error bare("stat", "", EACCES);

	EXPECT_EQ(std::string(bare.what()),
		  std::string("exabond: stat: ") + std::strerror(EACCES));
}

// -------------------------------------------------------------------------
// Hot path

// active_ifindex(), hot(), generation(), changed_since() and dead() follow
// each publication.
TEST(BondHotPath, FollowsPublications)
{
	ShmPage p(unique_name("rh"));
	exabond_page st = staged_page(p.name);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(p.name);

	EXPECT_EQ(b.active_ifindex(), 11);
	EXPECT_EQ(b.hot(), exabond_hot(p.w.page()));
	EXPECT_TRUE(b.hot() & EXABOND_HOT_F_HAS_ACTIVE);
	EXPECT_TRUE(b.hot() & EXABOND_HOT_F_UP);
	EXPECT_FALSE(b.hot() & EXABOND_HOT_F_NONCOMPLIANT);
	EXPECT_EQ(EXABOND_HOT_EPOCH(b.hot()), 1u);
	EXPECT_EQ(b.generation(), 1u);
	EXPECT_TRUE(b.changed_since(0));
	EXPECT_FALSE(b.changed_since(1));
	EXPECT_FALSE(b.dead());

	// Failover to eth1.
	st.bond.active_ifindex = 12;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MEMBER_LINK, 11, 2));
	EXPECT_EQ(b.active_ifindex(), 12);
	EXPECT_EQ(EXABOND_HOT_EPOCH(b.hot()), 2u);
	EXPECT_EQ(b.generation(), 2u);
	EXPECT_TRUE(b.changed_since(1));
	EXPECT_FALSE(b.changed_since(2));

	// Carrier lost: not up, same active member and epoch.
	st.bond.flags &= ~EXABOND_BOND_F_CARRIER;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_CARRIER, 10, 3));
	EXPECT_FALSE(b.hot() & EXABOND_HOT_F_UP);
	EXPECT_EQ(b.active_ifindex(), 12);
	EXPECT_EQ(EXABOND_HOT_EPOCH(b.hot()), 2u);

	// No active member.
	st.bond.active_ifindex = 0;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 12, 4));
	EXPECT_EQ(b.active_ifindex(), 0);
	EXPECT_FALSE(b.hot() & EXABOND_HOT_F_HAS_ACTIVE);

	p.w.publish_final(st, EXABOND_EVENT_BOND_DELETE, 5);
	EXPECT_TRUE(b.dead());
	EXPECT_EQ(b.generation(), 5u);
}

// -------------------------------------------------------------------------
// Snapshot

// Every accessor returns what was published.
TEST(SnapshotRead, AccessorsReturnPublishedValues)
{
	ShmPage p(unique_name("ra"));
	exabond_page st = staged_page(
		p.name, EXABOND_MODE_8023AD,
		{{"eth0", 21, EXABOND_LINK_UP, EXABOND_ROLE_ACTIVE},
		 {"eth1", 22, EXABOND_LINK_FAIL, EXABOND_ROLE_BACKUP}},
		21);
	exabond_member &m0 = st.members[0];
	const std::uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x21};
	const std::uint8_t bond_mac[6] = {0x02, 0xb0, 0x0d, 1, 2, 3};

	st.bond.xmit_hash_policy = EXABOND_XMIT_LAYER34;
	st.bond.operstate = 6;	// IF_OPER_UP
	st.bond.flags |= EXABOND_BOND_F_AD_INFO_VALID |
			 EXABOND_BOND_F_MEMBER_OVERFLOW;
	st.bond.members_total = 3;
	st.bond.arp_interval = 250;
	st.bond.updelay = 200;
	st.bond.downdelay = 300;
	std::memcpy(st.bond.primary, "eth0", 4);
	std::memcpy(st.bond.addr, bond_mac, 6);
	st.bond.mtu = 9000;
	st.ad.aggregator_id = 7;
	st.ad.num_ports = 2;
	st.ad.partner_mac[5] = 9;
	st.policy.flags |= EXABOND_POLICY_F_ROCE_LAG;
	st.policy.violations = 0;
	m0.flags |= EXABOND_MEMBER_F_PRIMARY;
	m0.carrier_changed_ns = 1111;
	m0.carrier_changes = 3;
	m0.link_changed_ns = 2222;
	m0.link_failure_count = 4;
	m0.operstate = 6;
	m0.speed = 25000;
	m0.duplex = EXABOND_DUPLEX_HALF;
	m0.mtu = 9000;
	std::memcpy(m0.perm_addr, mac, 6);
	std::memcpy(m0.addr, bond_mac, 6);
	std::snprintf(m0.driver, sizeof(m0.driver), "mlx5_core");
	std::snprintf(m0.bus_info, sizeof(m0.bus_info), "0000:3b:00.0");
	m0.queue_id = 5;
	m0.ad_aggregator_id = 7;
	m0.ad_actor_oper_port_state = 0x3d;
	m0.ad_partner_oper_port_state = 0x3f;
	st.members[1].carrier = 0;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MEMBER_ADD, 22, 777));

	Bond b = Bond::open(p.name);
	Snapshot s;
	exabond::Status r = b.snapshot(s);

	ASSERT_TRUE(r) << r.why;
	EXPECT_EQ(r.code, 0);
	EXPECT_TRUE(s.valid());
	EXPECT_EQ(s.generation(), 1u);
	EXPECT_EQ(s.hot(), b.hot());
	EXPECT_EQ(s.active_epoch(), 1u);
	EXPECT_FALSE(s.dead());
	EXPECT_TRUE(s.up());
	EXPECT_EQ(s.event_ns(), 777u);
	EXPECT_GE(s.publish_ns(), 777u);
	EXPECT_EQ(s.event(), unsigned(EXABOND_EVENT_MEMBER_ADD));
	EXPECT_EQ(s.event_name(), "member-add");
	EXPECT_EQ(s.event_ifindex(), 22);
	EXPECT_EQ(s.publisher(), unsigned(EXABOND_PUBLISHER_MONITOR));
	EXPECT_EQ(s.abi_minor(), unsigned(EXABOND_ABI_MINOR));

	EXPECT_EQ(s.ifindex(), 10);
	EXPECT_EQ(s.name(), p.name);
	EXPECT_EQ(s.netns_ino(), std::uint32_t(exabond_netns_ino()));
	EXPECT_EQ(s.mode(), unsigned(EXABOND_MODE_8023AD));
	EXPECT_EQ(s.mode_name(), "802.3ad");
	EXPECT_EQ(s.xmit_hash_policy_name(), "layer3+4");
	EXPECT_EQ(s.operstate(), 6u);
	EXPECT_TRUE(s.admin_up());
	EXPECT_TRUE(s.carrier());
	EXPECT_EQ(s.miimon(), 100u);
	EXPECT_EQ(s.arp_interval(), 250u);
	EXPECT_EQ(s.updelay(), 200u);
	EXPECT_EQ(s.downdelay(), 300u);
	EXPECT_EQ(s.primary(), "eth0");
	EXPECT_EQ(s.addr(), (exabond::MacAddress{0x02, 0xb0, 0x0d, 1, 2, 3}));
	EXPECT_EQ(s.mtu(), 9000u);
	EXPECT_EQ(s.active_ifindex(), 21);
	EXPECT_EQ(s.failover_count(), 0u);
	EXPECT_EQ(s.last_failover_ns(), 0u);
	EXPECT_EQ(s.members_total(), 3u);
	EXPECT_TRUE(s.member_overflow());
	EXPECT_TRUE(s.ad_info_valid());
	EXPECT_EQ(s.ad().aggregator_id, 7u);
	EXPECT_EQ(s.ad().num_ports, 2u);
	EXPECT_TRUE(s.ad_partner_known());
	EXPECT_TRUE(s.compliant());
	EXPECT_TRUE(s.roce_lag_eligible());
	EXPECT_TRUE(s.has_link_monitor());
	EXPECT_EQ(s.violations(), 0u);
	EXPECT_EQ(s.policy().flags, st.policy.flags);
	EXPECT_EQ(std::memcmp(&s.raw().bond, &b.page()->bond,
			      sizeof(exabond_bond)),
		  0);

	ASSERT_EQ(s.members().size(), 2u);
	exabond::Member m = s.members()[0];

	EXPECT_EQ(m.ifindex(), 21);
	EXPECT_EQ(m.name(), "eth0");
	EXPECT_EQ(m.link(), unsigned(EXABOND_LINK_UP));
	EXPECT_EQ(m.link_name(), "UP");
	EXPECT_EQ(m.role(), unsigned(EXABOND_ROLE_ACTIVE));
	EXPECT_EQ(m.role_name(), "ACTIVE");
	EXPECT_TRUE(m.active());
	EXPECT_TRUE(m.primary());
	EXPECT_TRUE(m.carrier());
	EXPECT_EQ(m.carrier_changed_ns(), 1111u);
	EXPECT_EQ(m.carrier_changes(), 3u);
	EXPECT_EQ(m.link_changed_ns(), 2222u);
	EXPECT_EQ(m.link_failure_count(), 4u);
	EXPECT_EQ(m.operstate(), 6u);
	EXPECT_EQ(m.speed(), std::optional<std::uint32_t>(25000));
	EXPECT_EQ(m.duplex_name(), "half");
	EXPECT_EQ(m.mtu(), 9000u);
	EXPECT_EQ(m.perm_addr(), (exabond::MacAddress{0x02, 0, 0, 0, 0, 0x21}));
	EXPECT_EQ(m.addr(), s.addr());
	EXPECT_EQ(m.driver(), "mlx5_core");
	EXPECT_EQ(m.bus_info(), "0000:3b:00.0");
	EXPECT_EQ(m.queue_id(), 5u);
	EXPECT_EQ(m.ad_aggregator_id(), 7u);
	EXPECT_EQ(m.ad_actor_oper_port_state(), 0x3du);
	EXPECT_EQ(m.ad_partner_oper_port_state(), 0x3fu);
	EXPECT_EQ(&m.raw(), &s.raw().members[0]);

	exabond::Member m1 = s.members()[1];

	EXPECT_EQ(m1.link_name(), "GOING_DOWN");
	EXPECT_EQ(m1.role_name(), "BACKUP");
	EXPECT_FALSE(m1.active());
	EXPECT_FALSE(m1.primary());
	EXPECT_FALSE(m1.carrier());
	EXPECT_EQ(m1.duplex_name(), "full");
}

// The opposite flags read back as such.
TEST(SnapshotRead, ClearedFlagsReadBack)
{
	auto mem = std::make_unique<AlignedPage>();
	PageWriter w(&mem->pg);
	exabond_page st = staged_page("flags0");
	Snapshot s;

	st.policy.flags = EXABOND_POLICY_F_NO_LINK_MON;
	st.policy.violations = EXABOND_VIOLATION_LINK_MONITOR;
	st.bond.flags = EXABOND_BOND_F_ADMIN_UP;
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_POLICY, 10, 1));
	ASSERT_TRUE(s.read(&mem->pg));
	EXPECT_TRUE(s.admin_up());
	EXPECT_FALSE(s.carrier());
	EXPECT_FALSE(s.up());
	EXPECT_FALSE(s.compliant());
	EXPECT_FALSE(s.has_link_monitor());
	EXPECT_FALSE(s.roce_lag_eligible());
	EXPECT_FALSE(s.ad_info_valid());
	EXPECT_FALSE(s.ad_partner_known());
	EXPECT_FALSE(s.member_overflow());
	EXPECT_EQ(s.violations(), unsigned(EXABOND_VIOLATION_LINK_MONITOR));
	EXPECT_TRUE(s.hot() & EXABOND_HOT_F_NONCOMPLIANT);
}

// members() iterates in page order; member() finds by name and ifindex.
TEST(SnapshotRead, MemberLookup)
{
	auto mem = std::make_unique<AlignedPage>();
	PageWriter w(&mem->pg);
	exabond_page st = staged_page(
		"look0", EXABOND_MODE_ACTIVE_BACKUP,
		{{"ens1f0", 31, EXABOND_LINK_UP, EXABOND_ROLE_BACKUP},
		 {"ens1f1", 32, EXABOND_LINK_UP, EXABOND_ROLE_ACTIVE},
		 {"eth-fifteen-chr", 33, EXABOND_LINK_DOWN, EXABOND_ROLE_BACKUP}},
		32);
	Snapshot s;

	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	ASSERT_TRUE(s.read(&mem->pg));

	std::vector<std::string> names;
	std::vector<int> ifindexes;

	for (exabond::Member m : s.members()) {
		names.emplace_back(m.name());
		ifindexes.push_back(m.ifindex());
	}
	EXPECT_EQ(names, (std::vector<std::string>{"ens1f0", "ens1f1",
						    "eth-fifteen-chr"}));
	EXPECT_EQ(ifindexes, (std::vector<int>{31, 32, 33}));
	EXPECT_EQ(s.members().size(), 3u);
	EXPECT_FALSE(s.members().empty());

	ASSERT_TRUE(s.member("ens1f1"));
	EXPECT_EQ(s.member("ens1f1")->ifindex(), 32);
	ASSERT_TRUE(s.member("eth-fifteen-chr"));
	EXPECT_EQ(s.member("eth-fifteen-chr")->link_name(), "DOWN");
	ASSERT_TRUE(s.member(31));
	EXPECT_EQ(s.member(31)->name(), "ens1f0");
	ASSERT_TRUE(s.active_member());
	EXPECT_EQ(s.active_member()->name(), "ens1f1");
	EXPECT_TRUE(s.active_member()->active());

	EXPECT_FALSE(s.member("ens1f"));
	EXPECT_FALSE(s.member("ens1f00"));
	EXPECT_FALSE(s.member(""));
	EXPECT_FALSE(s.member(34));
	EXPECT_FALSE(s.member(0));

	// No active member; an active ifindex that is not a member.
	st.bond.active_ifindex = 0;
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_FAILOVER, 32, 2));
	ASSERT_TRUE(s.read(&mem->pg));
	EXPECT_FALSE(s.active_member());
	st.bond.active_ifindex = 99;
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_FAILOVER, 99, 3));
	ASSERT_TRUE(s.read(&mem->pg));
	EXPECT_EQ(s.active_ifindex(), 99);
	EXPECT_FALSE(s.active_member());
}

// A speed of EXABOND_SPEED_UNKNOWN reads as nullopt, 0 as 0.
TEST(SnapshotRead, SpeedUnknownIsNullopt)
{
	auto mem = std::make_unique<AlignedPage>();
	PageWriter w(&mem->pg);
	exabond_page st = staged_page("speed0");
	Snapshot s;

	st.members[0].speed = EXABOND_SPEED_UNKNOWN;
	st.members[1].speed = 0;
	st.members[1].duplex = EXABOND_DUPLEX_UNKNOWN;
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	ASSERT_TRUE(s.read(&mem->pg));
	EXPECT_EQ(s.members()[0].speed(), std::nullopt);
	EXPECT_EQ(s.members()[1].speed(), std::optional<std::uint32_t>(0));
	EXPECT_EQ(s.members()[1].duplex_name(), "unknown");
}

// After a failed read the snapshot is empty, whatever it held before.
TEST(SnapshotRead, FailedReadIsEmpty)
{
	auto good = std::make_unique<AlignedPage>();
	auto bad = std::make_unique<AlignedPage>();
	PageWriter w(&good->pg);
	Snapshot s;

	EXPECT_FALSE(s.valid());
	EXPECT_TRUE(s.members().empty());
	ASSERT_TRUE(w.publish(staged_page("empty0"), EXABOND_EVENT_MANAGE, 10, 1));
	ASSERT_TRUE(s.read(&good->pg));
	ASSERT_TRUE(s.valid());
	ASSERT_EQ(s.members().size(), 2u);

	std::memcpy(&bad->pg, &good->pg, sizeof(bad->pg));
	bad->pg.abi_major = EXABOND_ABI_MAJOR + 1;
	exabond::Status r = s.read(&bad->pg);

	EXPECT_FALSE(r);
	EXPECT_EQ(r.code, -EPROTO);
	EXPECT_NE(r.why, nullptr);
	EXPECT_FALSE(s.valid());
	EXPECT_TRUE(s.members().empty());
	EXPECT_EQ(s.members().size(), 0u);
	EXPECT_FALSE(s.member("eth0"));
	EXPECT_FALSE(s.active_member());
}

// -------------------------------------------------------------------------
// Names

// Modes, both ways, as iproute2 and the bonding driver spell them.
TEST(Names, Modes)
{
	const char *expect[] = {"balance-rr", "active-backup", "balance-xor",
				"broadcast", "802.3ad", "balance-tlb",
				"balance-alb"};

	for (unsigned i = 0; i < 7; i++) {
		EXPECT_EQ(exabond::mode_name(i), expect[i]);
		EXPECT_EQ(exabond::mode_from_name(expect[i]),
			  std::optional<unsigned>(i));
		EXPECT_EQ(exabond::mode_from_name(std::to_string(i)),
			  std::optional<unsigned>(i));
	}
	EXPECT_EQ(exabond::mode_name(EXABOND_MODE_ACTIVE_BACKUP), "active-backup");
	EXPECT_EQ(exabond::mode_from_name("802.3ad"),
		  std::optional<unsigned>(EXABOND_MODE_8023AD));
	EXPECT_EQ(exabond::mode_from_name("4"),
		  std::optional<unsigned>(EXABOND_MODE_8023AD));
	EXPECT_EQ(exabond::mode_name(7), "unknown");
	EXPECT_EQ(exabond::mode_name(255), "unknown");
	for (const char *bad : {"bad", "", "7", "-1", "44", "Active-Backup",
				"802.3ad ", "unknown"})
		EXPECT_EQ(exabond::mode_from_name(bad), std::nullopt) << bad;
}

// Member link state, ip's "mii_status" and /proc's "MII Status".
TEST(Names, LinkStates)
{
	EXPECT_EQ(exabond::link_name(EXABOND_LINK_UP), "UP");
	EXPECT_EQ(exabond::link_name(EXABOND_LINK_FAIL), "GOING_DOWN");
	EXPECT_EQ(exabond::link_name(EXABOND_LINK_DOWN), "DOWN");
	EXPECT_EQ(exabond::link_name(EXABOND_LINK_BACK), "GOING_BACK");
	EXPECT_EQ(exabond::link_name(4), "unknown");
	EXPECT_EQ(exabond::link_proc_name(EXABOND_LINK_UP), "up");
	EXPECT_EQ(exabond::link_proc_name(EXABOND_LINK_FAIL), "going down");
	EXPECT_EQ(exabond::link_proc_name(EXABOND_LINK_DOWN), "down");
	EXPECT_EQ(exabond::link_proc_name(EXABOND_LINK_BACK), "going back");
	EXPECT_EQ(exabond::link_proc_name(4), "unknown");
}

// Roles, operstates, transmit hash policies and duplex.
TEST(Names, RolesOperstatesPoliciesDuplex)
{
	EXPECT_EQ(exabond::role_name(EXABOND_ROLE_ACTIVE), "ACTIVE");
	EXPECT_EQ(exabond::role_name(EXABOND_ROLE_BACKUP), "BACKUP");
	EXPECT_EQ(exabond::role_name(2), "unknown");

	const char *oper[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
			      "TESTING", "DORMANT", "UP"};

	for (unsigned i = 0; i < 7; i++)
		EXPECT_EQ(exabond::operstate_name(i), oper[i]);
	EXPECT_EQ(exabond::operstate_name(7), "unknown");

	EXPECT_EQ(exabond::xmit_hash_policy_name(EXABOND_XMIT_LAYER2), "layer2");
	EXPECT_EQ(exabond::xmit_hash_policy_name(EXABOND_XMIT_LAYER34),
		  "layer3+4");
	EXPECT_EQ(exabond::xmit_hash_policy_name(EXABOND_XMIT_LAYER23),
		  "layer2+3");
	EXPECT_EQ(exabond::xmit_hash_policy_name(EXABOND_XMIT_ENCAP23),
		  "encap2+3");
	EXPECT_EQ(exabond::xmit_hash_policy_name(EXABOND_XMIT_ENCAP34),
		  "encap3+4");
	EXPECT_EQ(exabond::xmit_hash_policy_name(EXABOND_XMIT_VLAN_SRCMAC),
		  "vlan+srcmac");
	EXPECT_EQ(exabond::xmit_hash_policy_name(6), "unknown");

	EXPECT_EQ(exabond::duplex_name(EXABOND_DUPLEX_HALF), "half");
	EXPECT_EQ(exabond::duplex_name(EXABOND_DUPLEX_FULL), "full");
	EXPECT_EQ(exabond::duplex_name(EXABOND_DUPLEX_UNKNOWN), "unknown");
	EXPECT_EQ(exabond::duplex_name(2), "unknown");
}

// Bonding options that have names in iproute2.
TEST(Names, BondOptions)
{
	EXPECT_EQ(exabond::primary_reselect_name(0), "always");
	EXPECT_EQ(exabond::primary_reselect_name(1), "better");
	EXPECT_EQ(exabond::primary_reselect_name(2), "failure");
	EXPECT_EQ(exabond::primary_reselect_name(3), "unknown");
	EXPECT_EQ(exabond::fail_over_mac_name(0), "none");
	EXPECT_EQ(exabond::fail_over_mac_name(1), "active");
	EXPECT_EQ(exabond::fail_over_mac_name(2), "follow");
	EXPECT_EQ(exabond::fail_over_mac_name(3), "unknown");

	const char *validate[] = {"none", "active", "backup", "all", "filter",
				  "filter_active", "filter_backup"};

	for (unsigned i = 0; i < 7; i++)
		EXPECT_EQ(exabond::arp_validate_name(i), validate[i]);
	EXPECT_EQ(exabond::arp_validate_name(7), "unknown");
	EXPECT_EQ(exabond::arp_all_targets_name(0), "any");
	EXPECT_EQ(exabond::arp_all_targets_name(1), "all");
	EXPECT_EQ(exabond::arp_all_targets_name(2), "unknown");
	EXPECT_EQ(exabond::lacp_rate_name(0), "slow");
	EXPECT_EQ(exabond::lacp_rate_name(1), "fast");
	EXPECT_EQ(exabond::lacp_rate_name(2), "unknown");
	EXPECT_EQ(exabond::ad_select_name(0), "stable");
	EXPECT_EQ(exabond::ad_select_name(1), "bandwidth");
	EXPECT_EQ(exabond::ad_select_name(2), "count");
	EXPECT_EQ(exabond::ad_select_name(3), "unknown");
}

// Events, publishers and wait statuses.
TEST(Names, EventsPublishersWaitStatus)
{
	const char *events[] = {
		"none", "manage", "unmanage", "bond-delete", "bond-change",
		"failover", "member-add", "member-del", "member-link",
		"carrier", "rename", "policy", "refresh", "resync",
	};

	for (unsigned i = 0; i < 14; i++)
		EXPECT_EQ(exabond::event_name(i), events[i]);
	EXPECT_EQ(exabond::event_name(EXABOND_EVENT_FAILOVER), "failover");
	EXPECT_EQ(exabond::event_name(EXABOND_EVENT_RESYNC), "resync");
	EXPECT_EQ(exabond::event_name(14), "unknown");

	EXPECT_EQ(exabond::publisher_name(EXABOND_PUBLISHER_KERNEL), "kernel");
	EXPECT_EQ(exabond::publisher_name(EXABOND_PUBLISHER_MONITOR), "monitor");
	EXPECT_EQ(exabond::publisher_name(0), "unknown");
	EXPECT_EQ(exabond::publisher_name(3), "unknown");

	EXPECT_EQ(exabond::wait_status_name(WaitStatus::changed), "changed");
	EXPECT_EQ(exabond::wait_status_name(WaitStatus::timeout), "timeout");
	EXPECT_EQ(exabond::wait_status_name(WaitStatus::dead), "dead");
	EXPECT_EQ(exabond::wait_status_name(WaitStatus::interrupted),
		  "interrupted");
	EXPECT_EQ(exabond::wait_status_name(WaitStatus::error), "error");
}

// -------------------------------------------------------------------------
// Waiting on a shared-memory page (futex)

// A generation that already differs returns changed without sleeping.
TEST(BondWait, ChangedAtOnceWhenGenerationDiffers)
{
	ShmPage p(unique_name("rw"));

	ASSERT_TRUE(p.w.publish(staged_page(p.name), EXABOND_EVENT_MANAGE, 10, 1));
	ASSERT_TRUE(p.w.publish(staged_page(p.name), EXABOND_EVENT_RESYNC, 10, 2,
				true));
	Bond b = Bond::open(p.name);

	// A timeout of 0 proves no sleep was needed to see it.
	EXPECT_EQ(b.wait_for_change(1, 0ns), WaitStatus::changed);
	EXPECT_EQ(b.wait_for_change(0, 0ns), WaitStatus::changed);
	EXPECT_EQ(b.wait_for_change(2, 0ns), WaitStatus::timeout);
}

// A publication from another thread wakes a sleeping waiter.
TEST(BondWait, ChangedWhenWriterThreadPublishes)
{
	ShmPage p(unique_name("rw"));
	exabond_page st = staged_page(p.name);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(p.name);
	const pid_t me = gettid_();
	std::atomic<bool> saw_sleep{false};
	Watchdog dog(pthread_self());
	std::thread writer([&] {
		saw_sleep = await_futex_sleeper(getpid(), me,
						generation_word(b.page()));
		st.bond.active_ifindex = 12;
		p.w.publish(st, EXABOND_EVENT_FAILOVER, 12, 2);
	});
	const WaitStatus r = b.wait_for_change(1);	// no limit
	const bool fired = dog.disarm();

	writer.join();
	EXPECT_FALSE(fired) << "lost wake-up: the watchdog ended the wait";
	EXPECT_EQ(r, WaitStatus::changed) << exabond::wait_status_name(r);
	EXPECT_TRUE(saw_sleep) << "the waiter never slept on the futex";
	EXPECT_EQ(b.generation(), 2u);
	EXPECT_EQ(b.active_ifindex(), 12);
}

// Nothing published: the wait times out.
TEST(BondWait, TimeoutWhenNothingPublished)
{
	ShmPage p(unique_name("rw"));

	ASSERT_TRUE(p.w.publish(staged_page(p.name), EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(p.name);

	EXPECT_EQ(b.wait_for_change(1, 20ms), WaitStatus::timeout);
	EXPECT_EQ(b.generation(), 1u);
}

// After publish_final: changed from the old generation, dead from the new.
TEST(BondWait, DeadAfterPublishFinal)
{
	ShmPage p(unique_name("rw"));
	exabond_page st = staged_page(p.name);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(p.name);

	p.w.publish_final(st, EXABOND_EVENT_UNMANAGE, 2);
	EXPECT_EQ(b.wait_for_change(1, kGenerous), WaitStatus::changed);
	EXPECT_EQ(b.generation(), 2u);
	EXPECT_EQ(b.wait_for_change(2, kGenerous), WaitStatus::dead);
	EXPECT_EQ(b.wait_for_change(2), WaitStatus::dead);	// no limit
}

// A signal interrupts a wait without limit, with and without SA_RESTART
// on its handler (glibc's signal() sets it; an untimed FUTEX_WAIT would be
// restarted by the kernel and never report it).
void interrupted_by_signal(int sa_flags)
{
	ShmPage p(unique_name("rw"));
	exabond_page st = staged_page(p.name);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(p.name);

	struct sigaction sa, old;

	std::memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = sa_flags;
	ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);

	std::atomic<pid_t> tid{0};
	std::atomic<bool> done{false};
	WaitStatus r = WaitStatus::error;
	std::thread waiter([&] {
		tid = gettid_();
		r = b.wait_for_change(1);
		done = true;
	});

	while (!tid)
		std::this_thread::yield();
	const bool slept = await_futex_sleeper(getpid(), tid,
					       generation_word(b.page()));
	// Signal until it returns: a signal sent before it sleeps is lost.
	const auto deadline = std::chrono::steady_clock::now() + kGenerous;

	while (!done && std::chrono::steady_clock::now() < deadline) {
		pthread_kill(waiter.native_handle(), SIGUSR1);
		std::this_thread::sleep_for(2ms);
	}
	if (!done)	// release it so the test fails instead of hanging
		p.w.publish(st, EXABOND_EVENT_RESYNC, 10, 2, true);
	waiter.join();
	sigaction(SIGUSR1, &old, nullptr);
	EXPECT_TRUE(slept);
	EXPECT_EQ(r, WaitStatus::interrupted)
		<< exabond::wait_status_name(r);
	EXPECT_EQ(b.generation(), 1u);
}

TEST(BondWait, InterruptedBySignal)
{
	interrupted_by_signal(0);
}

TEST(BondWait, InterruptedBySignalWithSaRestart)
{
	interrupted_by_signal(SA_RESTART);
}

// A publication in another process wakes the waiter (a shared futex).
TEST(BondWait, ChangedAcrossProcesses)
{
	ShmPage p(unique_name("rw"));
	exabond_page st = staged_page(p.name);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(p.name);
	const pid_t parent = getpid();
	const pid_t parent_tid = gettid_();
	const void *word = generation_word(b.page());
	const pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		// Publish once the parent sleeps (bounded: publish anyway).
		const bool slept = await_futex_sleeper(parent, parent_tid, word);

		st.bond.active_ifindex = 12;
		const bool ok = p.w.publish(st, EXABOND_EVENT_FAILOVER, 12, 2);

		_exit(!ok ? 1 : !slept ? 2 : 0);
	}
	Watchdog dog(pthread_self());
	const WaitStatus r = b.wait_for_change(1);	// no limit
	const bool fired = dog.disarm();
	int status = 0;

	ASSERT_EQ(waitpid(child, &status, 0), child);
	EXPECT_FALSE(fired) << "lost wake-up: the watchdog ended the wait";
	// 1: publish() refused; 2: the parent was never seen asleep.
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
	EXPECT_EQ(r, WaitStatus::changed) << exabond::wait_status_name(r);
	EXPECT_EQ(b.generation(), 2u);
	EXPECT_EQ(b.active_ifindex(), 12);
}

// -------------------------------------------------------------------------
// notify_fd() on a shared-memory page (eventfd fed by a thread)

int epoll_for(int fd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	epoll_event ev{};

	ev.events = EPOLLIN;
	ev.data.fd = fd;
	if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		close(ep);
		return -1;
	}
	return ep;
}

// Once the page is final the fd stays readable, acknowledged or not (the
// shared-memory stand-in for POLLHUP), whether it was final before
// notify_fd() or became final after.
TEST(BondNotify, StaysReadableOnceDead)
{
	for (bool dead_first : {false, true}) {
		ShmPage p(unique_name("rz"));
		exabond_page st = staged_page(p.name);

		ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
		Bond b = Bond::open(p.name);

		if (dead_first)
			p.w.publish_final(st, EXABOND_EVENT_BOND_DELETE, 2);
		const int ep = epoll_for(b.notify_fd());

		ASSERT_GE(ep, 0);
		if (!dead_first) {
			ASSERT_NE(await_other_sleeper(generation_word(b.page())),
				  0);
			p.w.publish_final(st, EXABOND_EVENT_BOND_DELETE, 2);
		}
		epoll_event ev{};

		for (int i = 0; i < 3; i++) {
			ASSERT_EQ(epoll_wait(ep, &ev, 1, 10000), 1)
				<< "dead_first " << dead_first << " round " << i;
			EXPECT_EQ(b.acknowledge(), 2u);
			EXPECT_TRUE(b.dead());
		}
		close(ep);
	}
}

// Each publication makes the descriptor readable until acknowledge().
TEST(BondNotify, EpollSeesPublications)
{
	ShmPage p(unique_name("re"));
	exabond_page st = staged_page(p.name);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(p.name);
	const int fd = b.notify_fd();

	ASSERT_GE(fd, 0);
	EXPECT_EQ(b.notify_fd(), fd);
	const int ep = epoll_for(fd);

	ASSERT_GE(ep, 0);
	// Let the feeder fall asleep on the futex, so the publication below
	// goes through its wake-up.
	ASSERT_NE(await_other_sleeper(generation_word(b.page())), 0);

	epoll_event ev{};

	EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
	st.bond.active_ifindex = 12;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 12, 2));
	ASSERT_EQ(epoll_wait(ep, &ev, 1, 10000), 1);
	EXPECT_TRUE(ev.events & EPOLLIN);
	EXPECT_EQ(b.acknowledge(), 2u);
	EXPECT_EQ(b.acknowledge(), exabond_generation(p.w.page()));

	// Acknowledged, nothing new: quiet.
	EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);

	// A second publication fires again.
	st.bond.active_ifindex = 11;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 11, 3));
	ASSERT_EQ(epoll_wait(ep, &ev, 1, 10000), 1);
	EXPECT_TRUE(ev.events & EPOLLIN);
	EXPECT_EQ(b.acknowledge(), 3u);
	EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
	close(ep);
}

// A publication made right after notify_fd() returns is reported (the
// feeder must not take its first generation when it starts running, after
// notify_fd() has returned).
TEST(BondNotify, PublicationRightAfterNotifyFdIsSeen)
{
	ShmPage p(unique_name("re"));
	exabond_page st = staged_page(p.name);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(p.name);
	const int ep = epoll_for(b.notify_fd());
	epoll_event ev{};

	ASSERT_GE(ep, 0);
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_RESYNC, 10, 2, true));
	EXPECT_EQ(epoll_wait(ep, &ev, 1, 10000), 1)
		<< "publication 2 was never signalled";
	EXPECT_EQ(b.acknowledge(), 2u);
	close(ep);
}

// Destroying a Bond whose feeder is asleep returns and ends the feeder.
TEST(BondNotify, DestructionStopsFeeder)
{
	ShmPage p(unique_name("re"));

	ASSERT_TRUE(p.w.publish(staged_page(p.name), EXABOND_EVENT_MANAGE, 10, 1));
	auto b = std::make_unique<Bond>(Bond::open(p.name));

	ASSERT_GE(b->notify_fd(), 0);
	const pid_t feeder = await_other_sleeper(generation_word(b->page()));

	ASSERT_NE(feeder, 0);
	// Destroy it on a thread, so that a hang fails instead of blocking.
	auto done = std::make_shared<std::promise<void>>();
	std::future<void> f = done->get_future();
	std::thread([done, bp = b.release()] {
		delete bp;
		done->set_value();
	}).detach();
	ASSERT_EQ(f.wait_for(kGenerous), std::future_status::ready)
		<< "~Bond() hangs with the notify_fd() feeder running";

	// A joined thread can linger in /proc for a moment after its join
	// returned (it is woken before it is reaped): wait for it to go.
	const std::string task = "/proc/self/task/" + std::to_string(feeder);
	const auto deadline = std::chrono::steady_clock::now() + kGenerous;
	struct stat sb;
	bool gone = false;

	while (!gone && std::chrono::steady_clock::now() < deadline) {
		gone = stat(task.c_str(), &sb) != 0;
		if (!gone)
			std::this_thread::sleep_for(1ms);
	}
	EXPECT_TRUE(gone) << "the feeder thread outlived ~Bond()";
}

// -------------------------------------------------------------------------
// Moving

// A moved-to Bond (constructed or assigned) reads the same page, and a
// running feeder follows it.
TEST(BondMove, MovedBondReadsPage)
{
	ShmPage p(unique_name("rv"));
	ShmPage q(unique_name("rv"));
	exabond_page st = staged_page(p.name);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	ASSERT_TRUE(q.w.publish(staged_page(q.name), EXABOND_EVENT_MANAGE, 10, 1));
	Bond a = Bond::open(p.name);
	const int fd = a.notify_fd();
	const std::string path = a.path();

	ASSERT_NE(await_other_sleeper(generation_word(a.page())), 0);
	Bond b(std::move(a));

	EXPECT_EQ(b.path(), path);
	EXPECT_EQ(b.source(), exabond::Source::shared_memory);
	EXPECT_EQ(b.generation(), 1u);
	EXPECT_EQ(b.notify_fd(), fd);

	Bond c = Bond::open(q.name);

	c = std::move(b);
	EXPECT_EQ(c.path(), path);
	st.bond.active_ifindex = 12;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 12, 2));
	EXPECT_EQ(c.generation(), 2u);
	EXPECT_EQ(c.active_ifindex(), 12);

	Snapshot s;

	ASSERT_TRUE(c.snapshot(s));
	EXPECT_EQ(s.name(), p.name);
	EXPECT_EQ(c.wait_for_change(1, kGenerous), WaitStatus::changed);

	const int ep = epoll_for(c.notify_fd());
	epoll_event ev{};

	ASSERT_GE(ep, 0);
	ASSERT_EQ(epoll_wait(ep, &ev, 1, 10000), 1);
	EXPECT_EQ(c.acknowledge(), 2u);
	close(ep);
}

} // namespace
