// SPDX-License-Identifier: GPL-2.0
//
// The page's seqlock under load, after DPDK's app/test/test_seqlock.c: one
// writer publishes at full speed through PageWriter::publish() and
// stretches every critical section through the test hook, while readers
// take Snapshot::read() copies and check that every field of each copy
// comes from one and the same publication. Every field of publication k is
// derived from k, so a copy mixing two publications is caught. A torn copy
// is a failure; so is a read that does not succeed.
//
// Also: the same with the writer and a reader in other processes, a proof
// that the checker does catch a torn page, and a writer that died inside
// its critical section.

#include <exabond/bond.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>
#include <exabond/writer.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <sched.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TORTURE_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define TORTURE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TORTURE_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TORTURE_ASAN 1
#endif

namespace {

using exabond::Bond;
using exabond::PageWriter;
using exabond::Snapshot;

// Snapshots per run, over all readers.
#if defined(TORTURE_TSAN)
constexpr std::uint64_t kSnapshots = 200000;
#elif defined(TORTURE_ASAN)
constexpr std::uint64_t kSnapshots = 500000;
#else
constexpr std::uint64_t kSnapshots = 3000000;
#endif

constexpr std::uint32_t kDowndelayXor = 0x5a5a5a5a;
constexpr std::uint32_t kMembersTotal = EXABOND_MAX_MEMBERS;

struct alignas(4096) AlignedPage {
	exabond_page pg;
};

// ---------------------------------------------------------------------
// Publication k

std::uint32_t member_count(std::uint64_t k)
{
	return 1 + std::uint32_t(k % EXABOND_MAX_MEMBERS);
}

std::int32_t member_ifindex(std::uint64_t k, std::uint32_t i)
{
	return std::int32_t(std::uint32_t(100 * k + i));
}

// "m<k % 1000>-<i>" into @out, without printf (the readers call this
// millions of times).
void member_name(char (&out)[EXABOND_NAME_LEN], std::uint64_t k,
		 std::uint32_t i)
{
	char *p = out;
	const unsigned v = unsigned(k % 1000);

	std::memset(out, 0, sizeof(out));
	*p++ = 'm';
	if (v >= 100)
		*p++ = char('0' + v / 100);
	if (v >= 10)
		*p++ = char('0' + v / 10 % 10);
	*p++ = char('0' + v % 10);
	*p++ = '-';
	if (i >= 10)
		*p++ = char('0' + i / 10);
	*p++ = char('0' + i % 10);
}

// The staged page of publication k: every field the readers check is a
// function of k. Member 0 is the active member.
void stage(exabond_page &st, std::uint64_t k)
{
	const std::uint32_t k32 = std::uint32_t(k);
	exabond_bond &b = st.bond;

	std::memset(&st, 0, sizeof(st));
	b.ifindex = 7;
	b.netns_ino = std::uint32_t(exabond_netns_ino());
	std::memcpy(b.name, "torture", 7);
	b.mode = EXABOND_MODE_ACTIVE_BACKUP;
	b.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
	b.miimon = k32;
	b.updelay = 3 * k32;
	b.downdelay = k32 ^ kDowndelayXor;
	b.peer_notif_delay = ~k32;
	b.mtu = 1500 + k32 % 7000;
	b.member_count = member_count(k);
	b.members_total = kMembersTotal;
	b.active_ifindex = member_ifindex(k, 0);
	st.ad.aggregator_id = std::uint16_t(k);
	st.policy.flags = EXABOND_POLICY_F_COMPLIANT;
	st.policy.last_refresh_ns = k;
	for (std::uint32_t i = 0; i < b.member_count; i++) {
		exabond_member &m = st.members[i];

		m.ifindex = member_ifindex(k, i);
		member_name(m.name, k, i);
		m.link = EXABOND_LINK_UP;
		m.role = i ? EXABOND_ROLE_BACKUP : EXABOND_ROLE_ACTIVE;
		m.flags = i ? 0 : EXABOND_MEMBER_F_ACTIVE;
		m.speed = k32 + i;
		m.link_failure_count = k32 ^ i;
		m.carrier_changed_ns = k;
	}
}

// Publishes publication k. Its event is REFRESH about member 0 at 1000k;
// from k = 2 on, the writer makes it a FAILOVER (the active member moves
// every time), counts k - 1 failovers and raises the epoch to k.
bool publish(PageWriter &w, exabond_page &st, std::uint64_t k)
{
	stage(st, k);
	return w.publish(st, EXABOND_EVENT_REFRESH, member_ifindex(k, 0),
			 1000 * k, true);
}

// nullptr when @s is publication k = s.generation() and nothing else,
// else what disagrees.
const char *check(const Snapshot &s)
{
	const exabond_page &p = s.raw();
	const exabond_bond &b = p.bond;
	const std::uint64_t k = p.generation;
	const std::uint32_t k32 = std::uint32_t(k);

	if (k == 0)
		return "generation 0: nothing published";
	if (b.miimon != k32)
		return "miimon is not k";
	if (b.updelay != 3 * k32)
		return "updelay is not 3k";
	if (b.downdelay != (k32 ^ kDowndelayXor))
		return "downdelay is not k ^ const";
	if (b.peer_notif_delay != ~k32)
		return "peer_notif_delay is not ~k";
	if (b.mtu != 1500 + k32 % 7000)
		return "mtu is not 1500 + k % 7000";
	if (b.member_count != member_count(k))
		return "member_count is not 1 + k % 16";
	if (b.member_count > b.members_total || b.members_total != kMembersTotal)
		return "members_total";
	if (p.ad.aggregator_id != std::uint16_t(k))
		return "ad.aggregator_id is not k";
	if (p.policy.last_refresh_ns != k)
		return "policy.last_refresh_ns is not k";
	if (b.active_ifindex != member_ifindex(k, 0))
		return "active_ifindex is not member 0's";
	if (EXABOND_HOT_IFINDEX(p.hot) != std::uint32_t(b.active_ifindex))
		return "hot word ifindex is not bond.active_ifindex";
	if ((p.hot & ~(EXABOND_HOT_IFINDEX_MASK | 0xffffULL << 48)) !=
	    (EXABOND_HOT_F_HAS_ACTIVE | EXABOND_HOT_F_UP))
		return "hot word flags";
	if (EXABOND_HOT_EPOCH(p.hot) != std::uint16_t(k))
		return "hot word epoch is not k";
	if (b.failover_count != k - 1)
		return "failover_count is not k - 1";
	if (b.last_failover_ns != (k > 1 ? 1000 * k : 0))
		return "last_failover_ns is not this publication's event_ns";
	if (p.event_ns != 1000 * k)
		return "event_ns is not 1000k";
	if (p.event != (k > 1 ? EXABOND_EVENT_FAILOVER : EXABOND_EVENT_REFRESH))
		return "event";
	if (p.event_ifindex != member_ifindex(k, 0))
		return "event_ifindex";
	for (std::uint32_t i = 0; i < b.member_count; i++) {
		const exabond_member &m = p.members[i];
		char name[EXABOND_NAME_LEN];

		member_name(name, k, i);
		if (m.ifindex != member_ifindex(k, i))
			return "member ifindex is not 100k + i";
		if (std::memcmp(m.name, name, sizeof(name)))
			return "member name is not m<k%1000>-<i>";
		if (m.speed != k32 + i)
			return "member speed is not k + i";
		if (m.link_failure_count != (k32 ^ i))
			return "member link_failure_count is not k ^ i";
		if (m.carrier_changed_ns != k)
			return "member carrier_changed_ns is not k";
		if (m.role != (i ? EXABOND_ROLE_BACKUP : EXABOND_ROLE_ACTIVE))
			return "member role";
	}
	if (!s.active_member() || s.active_member()->ifindex() != b.active_ifindex)
		return "no member has the active ifindex";
	return nullptr;
}

// ---------------------------------------------------------------------
// Readers

struct ReaderStats {
	std::uint64_t snapshots = 0;	// successful reads, each checked
	std::uint64_t torn = 0;		// read succeeded, content mixed
	std::uint64_t errors = 0;	// read failed: -EBADMSG, -EPROTO...
	std::uint64_t gave_up = 0;	// -EAGAIN: seq odd too long, retried
	std::uint64_t distinct = 0;	// publications seen
	std::uint64_t odd_seen = 0;	// seq found odd: the writer was inside
	std::uint64_t last_generation = 0;
	int first_code = 0;
	char first_failure[96] = "";

	void fail(const char *why, int code)
	{
		if (!first_failure[0]) {
			std::snprintf(first_failure, sizeof(first_failure),
				      "%s (last good generation %llu)",
				      why ? why : "?",
				      (unsigned long long)last_generation);
			first_code = code;
		}
	}
};

// Gives up after this many -EAGAIN in a row (a writer that really died).
constexpr unsigned kMaxGiveUpsInARow = 100;

// @quota successful snapshots of @pg, each checked.
//
// -EAGAIN is counted, not failed: it says the reader spun and then
// yielded EXABOND_SNAPSHOT_SPINS + EXABOND_SNAPSHOT_YIELDS times on an odd
// seq, which a live writer that lost its CPU inside the critical section
// on a heavily loaded host can still cause. It returns no data, so it
// cannot be torn; the read is retried.
void read_loop(const exabond_page *pg, std::uint64_t quota, ReaderStats &st)
{
	auto s = std::make_unique<Snapshot>();
	unsigned in_a_row = 0;

	while (st.snapshots + st.errors < quota) {
		if (__atomic_load_n(&pg->seq, __ATOMIC_RELAXED) & 1)
			st.odd_seen++;
		const exabond::Status r = s->read(pg);

		if (r.code == -EAGAIN && ++in_a_row < kMaxGiveUpsInARow) {
			st.gave_up++;
			continue;
		}
		in_a_row = 0;
		if (!r) {
			st.errors++;
			st.fail(r.why, r.code);
			continue;
		}
		st.snapshots++;
		const char *bad = check(*s);

		if (!bad && s->generation() < st.last_generation)
			bad = "generation went back";
		if (bad) {
			st.torn++;
			st.fail(bad, 0);
			continue;
		}
		if (s->generation() != st.last_generation) {
			st.distinct++;
			st.last_generation = s->generation();
		}
	}
}

ReaderStats total(const std::vector<ReaderStats> &v)
{
	ReaderStats t;

	for (const ReaderStats &r : v) {
		t.snapshots += r.snapshots;
		t.torn += r.torn;
		t.errors += r.errors;
		t.gave_up += r.gave_up;
		t.distinct = std::max(t.distinct, r.distinct);
		t.odd_seen += r.odd_seen;
		if (!t.first_failure[0] && r.first_failure[0]) {
			std::memcpy(t.first_failure, r.first_failure,
				    sizeof(t.first_failure));
			t.first_code = r.first_code;
		}
	}
	return t;
}

unsigned reader_count()
{
	return std::max(2u, std::thread::hardware_concurrency());
}

// ---------------------------------------------------------------------
// The writer's critical section, stretched

struct Stretch {
	std::uint64_t rng;
};

void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
}

// Runs with seq odd and the body stored: a small random spin, and now and
// then a sched_yield(), so readers land inside the critical section.
void stretch(void *arg)
{
	auto *s = static_cast<Stretch *>(arg);

	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	for (unsigned i = s->rng % 64; i; i--)
		cpu_relax();
	if ((s->rng >> 16) % 256 == 0)
		sched_yield();
}

// Publishes k = 1, 2, ... until @stop; returns the publications made, or
// 0 if one publish() refused.
std::uint64_t write_loop(PageWriter &w, const std::atomic<bool> &stop)
{
	Stretch s{0x9e3779b97f4a7c15ULL ^ std::uint64_t(getpid())};
	auto st = std::make_unique<exabond_page>();
	std::uint64_t k = 0;

	w.set_critical_section_hook(stretch, &s);
	while (!stop.load(std::memory_order_relaxed))
		if (!publish(w, *st, ++k))
			return 0;
	return k;
}

void print(const char *what, const ReaderStats &t, std::uint64_t published,
	   unsigned readers, double seconds)
{
	std::printf("%s: readers=%u snapshots=%llu publications=%llu "
		    "distinct_k(max per reader)=%llu seq_odd_seen=%llu "
		    "torn=%llu errors=%llu eagain_retried=%llu time=%.2fs\n",
		    what, readers, (unsigned long long)t.snapshots,
		    (unsigned long long)published,
		    (unsigned long long)t.distinct,
		    (unsigned long long)t.odd_seen, (unsigned long long)t.torn,
		    (unsigned long long)t.errors,
		    (unsigned long long)t.gave_up, seconds);
	std::fflush(stdout);
}

double since(std::chrono::steady_clock::time_point t0)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() -
					     t0)
		.count();
}

// ---------------------------------------------------------------------
// Tests

// A writer thread and one reader thread per core: no copy is torn, no
// read fails, generations never go back, and the readers really ran
// while the writer was publishing.
TEST(SeqlockTorture, WriterAndReaderThreads)
{
	auto mem = std::make_unique<AlignedPage>();
	PageWriter w(&mem->pg);
	const exabond_page *pg = &mem->pg;
	const unsigned n = reader_count();
	std::vector<ReaderStats> stats(n);
	std::vector<std::thread> readers;
	std::atomic<bool> stop{false};
	std::uint64_t published = 0;
	const auto t0 = std::chrono::steady_clock::now();

	std::thread writer([&] { published = write_loop(w, stop); });
	while (exabond_generation(pg) == 0)	// readers need k >= 1
		std::this_thread::yield();
	for (unsigned i = 0; i < n; i++)
		readers.emplace_back(read_loop, pg, kSnapshots / n,
				     std::ref(stats[i]));
	for (std::thread &t : readers)
		t.join();
	stop = true;
	writer.join();

	const ReaderStats t = total(stats);

	print("threads", t, published, n, since(t0));
	EXPECT_EQ(t.torn, 0u) << t.first_failure;
	EXPECT_EQ(t.errors, 0u) << t.first_failure << " code " << t.first_code;
	EXPECT_EQ(t.snapshots, kSnapshots / n * n);
	EXPECT_GT(published, 100u);
	EXPECT_GT(t.odd_seen, 0u) << "no reader met the writer mid-publication";
	for (unsigned i = 0; i < n; i++)
		EXPECT_GT(stats[i].distinct, 1u) << "reader " << i;
	EXPECT_EQ(exabond_generation(pg), published);
}

struct Control {
	std::atomic<bool> stop;
	std::atomic<std::uint64_t> published;
};

// A child process that is killed and reaped if the test returns early.
struct Child {
	pid_t pid = -1;

	~Child()
	{
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, nullptr, 0);
		}
	}
	// Its wait status, or -1.
	int reap()
	{
		int status = -1;

		if (pid > 0 && waitpid(pid, &status, 0) != pid)
			status = -1;
		pid = -1;
		return status;
	}
};

// The writer in one process, readers in this one and in another: the same
// invariants across address spaces (shared memory, shm_open).
TEST(SeqlockTorture, WriterAndReaderProcesses)
{
	const std::string name = "st" + std::to_string(getpid());
	PageWriter w = PageWriter::create_shared_memory(
		name, std::uint32_t(exabond_netns_ino()), true);
	struct Unlink {
		PageWriter &w;
		~Unlink() { w.unlink(); }
	} unlink_guard{w};
	void *shared = mmap(nullptr, sizeof(Control), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(shared, MAP_FAILED);
	auto *ctl = new (shared) Control{{false}, {0}};
	const unsigned threads = std::max(1u, reader_count() - 1);
	const unsigned n = threads + 1;	// + the reader process
	const std::uint64_t quota = kSnapshots / n;
	const auto t0 = std::chrono::steady_clock::now();

	Child writer;

	writer.pid = fork();
	ASSERT_GE(writer.pid, 0);
	if (writer.pid == 0) {
		ctl->published = write_loop(w, ctl->stop);
		_exit(ctl->published ? 0 : 1);
	}

	// Readers need k >= 1: a wait on the shared futex. The page names
	// bond "torture", not the shared-memory name, so it is opened by path.
	ASSERT_EQ(Bond::open_path(w.path())
			  .wait_for_change(0, std::chrono::seconds(10)),
		  exabond::WaitStatus::changed);
	Bond b = Bond::open_path(w.path());

	int pfd[2];

	ASSERT_EQ(pipe(pfd), 0);
	Child reader;

	reader.pid = fork();
	ASSERT_GE(reader.pid, 0);
	if (reader.pid == 0) {
		close(pfd[0]);
		ReaderStats st;

		try {
			Bond mine = Bond::open_path(w.path());	// its own mapping

			read_loop(mine.page(), quota, st);
		} catch (const exabond::Error &e) {
			st.fail(e.what(), -e.errno_value());
			st.errors++;
		}
		const bool sent = write(pfd[1], &st, sizeof(st)) == sizeof(st);

		_exit(sent && !st.torn && !st.errors ? 0 : 1);
	}
	close(pfd[1]);

	std::vector<ReaderStats> stats(n);
	std::vector<std::thread> readers;

	for (unsigned i = 0; i < threads; i++)
		readers.emplace_back(read_loop, b.page(), quota,
				     std::ref(stats[i]));
	for (std::thread &t : readers)
		t.join();

	ReaderStats &child = stats[threads];
	std::size_t got = 0;

	while (got < sizeof(child)) {
		ssize_t r = read(pfd[0], reinterpret_cast<char *>(&child) + got,
				 sizeof(child) - got);

		if (r <= 0)
			break;
		got += std::size_t(r);
	}
	close(pfd[0]);
	const int reader_status = reader.reap();

	ctl->stop = true;
	const int writer_status = writer.reap();

	const std::uint64_t published = ctl->published;
	const ReaderStats t = total(stats);

	print("processes", t, published, n, since(t0));
	EXPECT_EQ(got, sizeof(child)) << "the reader process sent no counts";
	EXPECT_TRUE(WIFEXITED(reader_status) && WEXITSTATUS(reader_status) == 0)
		<< "reader process status " << reader_status;
	EXPECT_TRUE(WIFEXITED(writer_status) && WEXITSTATUS(writer_status) == 0)
		<< "writer process status " << writer_status;
	EXPECT_EQ(t.torn, 0u) << t.first_failure;
	EXPECT_EQ(t.errors, 0u) << t.first_failure << " code " << t.first_code;
	EXPECT_EQ(t.snapshots, quota * n);
	EXPECT_EQ(child.snapshots, quota);
	EXPECT_GT(published, 100u);
	EXPECT_GT(t.odd_seen, 0u) << "no reader met the writer mid-publication";
	for (unsigned i = 0; i < n; i++)
		EXPECT_GT(stats[i].distinct, 1u) << "reader " << i;
	EXPECT_EQ(b.generation(), published);
	munmap(shared, sizeof(Control));
}

// Relaxed stores of @from's bytes [@begin, @end) into @to, word by word,
// without touching seq: what a writer that skips W1/W5 would do.
void raw_store(exabond_page *to, const exabond_page &from, std::size_t begin,
	       std::size_t end)
{
	auto *d = reinterpret_cast<std::uint64_t *>(to);
	auto *s = reinterpret_cast<const std::uint64_t *>(&from);

	for (std::size_t i = begin / 8; i < end / 8; i++)
		if (i != offsetof(exabond_page, seq) / 8)
			__atomic_store_n(&d[i], s[i], __ATOMIC_RELAXED);
}

// The checker catches a torn page: a broken writer that leaves seq even
// stores half of publication 2 over publication 1, lets a reader take a
// snapshot, then stores the rest. The read succeeds (the seqlock cannot
// see such a writer) and the checker must call it torn.
TEST(SeqlockTorture, CheckerCatchesTornWrite)
{
	auto mem = std::make_unique<AlignedPage>();
	auto next = std::make_unique<AlignedPage>();
	auto st = std::make_unique<exabond_page>();
	PageWriter w(&mem->pg);
	PageWriter model(&next->pg);	// what a good writer makes of k = 2

	ASSERT_TRUE(publish(w, *st, 1));
	ASSERT_TRUE(publish(model, *st, 1));
	ASSERT_TRUE(publish(model, *st, 2));

	ReaderStats before, torn, after;

	read_loop(&mem->pg, 1, before);
	ASSERT_EQ(before.torn + before.errors, 0u) << before.first_failure;

	std::atomic<int> step{0};
	std::thread broken([&] {
		// First half: bond, ad, policy (miimon, counts...).
		raw_store(&mem->pg, next->pg, offsetof(exabond_page, bond),
			  offsetof(exabond_page, members));
		step.store(1, std::memory_order_release);
		while (step.load(std::memory_order_acquire) != 2)
			std::this_thread::yield();
		// Second half: the header's generation, hot word and event,
		// and the members.
		raw_store(&mem->pg, next->pg, offsetof(exabond_page, generation),
			  offsetof(exabond_page, bond));
		raw_store(&mem->pg, next->pg, offsetof(exabond_page, members),
			  EXABOND_PAGE_SIZE_V1_0);
		step.store(3, std::memory_order_release);
	});

	while (step.load(std::memory_order_acquire) != 1)
		std::this_thread::yield();
	read_loop(&mem->pg, 1, torn);
	step.store(2, std::memory_order_release);
	while (step.load(std::memory_order_acquire) != 3)
		std::this_thread::yield();
	broken.join();
	read_loop(&mem->pg, 1, after);

	EXPECT_EQ(torn.errors, 0u) << "seq stayed even: the read itself succeeds";
	EXPECT_EQ(torn.torn, 1u) << "the checker missed a half-written page";
	std::printf("torn copy reported as: %s\n", torn.first_failure);
	EXPECT_EQ(after.torn + after.errors, 0u) << after.first_failure;
	EXPECT_EQ(after.last_generation, 2u);
}

// A publisher that died inside its critical section leaves seq odd: the
// read gives up with -EAGAIN and says why, and the snapshot is empty.
TEST(SeqlockTorture, StuckWriterIsEagain)
{
	const std::string name = "sk" + std::to_string(getpid());
	PageWriter w = PageWriter::create_shared_memory(
		name, std::uint32_t(exabond_netns_ino()), true);
	struct Unlink {
		PageWriter &w;
		~Unlink() { w.unlink(); }
	} unlink_guard{w};
	auto st = std::make_unique<exabond_page>();

	ASSERT_TRUE(publish(w, *st, 1));
	Bond b = Bond::open_path(w.path());
	const pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		w.set_critical_section_hook([](void *) { _exit(0); }, nullptr);
		publish(w, *st, 2);
		_exit(1);	// the hook did not run
	}
	int status = 0;

	ASSERT_EQ(waitpid(child, &status, 0), child);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
	EXPECT_EQ(b.page()->seq % 2, 1u);
	EXPECT_EQ(b.generation(), 1u);	// stored after the hook

	Snapshot s;
	const exabond::Status r = b.snapshot(s);

	EXPECT_FALSE(r);
	EXPECT_EQ(r.code, -EAGAIN);
	ASSERT_NE(r.why, nullptr);
	EXPECT_NE(std::string(r.why).find("stuck"), std::string::npos) << r.why;
	EXPECT_FALSE(s.valid());
	EXPECT_TRUE(s.members().empty());
}

} // namespace
