// SPDX-License-Identifier: GPL-2.0
//
// exabond::PageWriter, the user-space side of page.h's writer protocol:
// what it publishes and when, what it derives (hot word, failovers), the
// header it writes, its shared-memory file, and the test hook.

#include <exabond/bond.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>
#include <exabond/writer.hpp>

#include <gtest/gtest.h>

#include "staged_page.hpp"
#include "unique_name.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using exabond::Bond;
using exabond::PageWriter;
using exabond::Snapshot;

struct alignas(4096) AlignedPage {
	exabond_page pg;
};

// A page in memory and its writer.
struct MemPage {
	std::unique_ptr<AlignedPage> mem = std::make_unique<AlignedPage>();
	PageWriter w{&mem->pg};

	const exabond_page &pg() const { return mem->pg; }
	std::uint64_t generation() const { return exabond_generation(&mem->pg); }
	std::uint64_t hot() const { return exabond_hot(&mem->pg); }
};

// A shared-memory name removed however the test ends.
struct ShmName {
	std::string name;
	std::string path;

	explicit ShmName(const char *tag)
		: name(unique_name(tag)), path("/dev/shm/exabond-" + name) {}
	~ShmName() { ::unlink(path.c_str()); }
	ShmName(const ShmName &) = delete;
	ShmName &operator=(const ShmName &) = delete;

	PageWriter create() const
	{
		return PageWriter::create_shared_memory(
			name, std::uint32_t(exabond_netns_ino()), true);
	}
};

// -------------------------------------------------------------------------
// What is published

// An unchanged page is not published again; the generation stays.
TEST(WriterPublish, NothingChangedIsNotPublished)
{
	MemPage p;
	const exabond_page st = staged_page("pub0");

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	const exabond_page before = p.pg();

	EXPECT_FALSE(p.w.publish(st, EXABOND_EVENT_REFRESH, 10, 2));
	EXPECT_EQ(p.generation(), 1u);
	// Not even the event fields moved.
	EXPECT_EQ(std::memcmp(&before, &p.pg(), sizeof(before)), 0);

	// One byte of one member is a change.
	exabond_page changed = st;

	changed.members[1].link_failure_count = 1;
	EXPECT_TRUE(p.w.publish(changed, EXABOND_EVENT_MEMBER_LINK, 12, 3));
	EXPECT_EQ(p.generation(), 2u);
}

// force publishes an unchanged page.
TEST(WriterPublish, ForcePublishesUnchanged)
{
	MemPage p;
	const exabond_page st = staged_page("pub1");

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	EXPECT_TRUE(p.w.publish(st, EXABOND_EVENT_RESYNC, 10, 2, true));
	EXPECT_EQ(p.generation(), 2u);
	EXPECT_EQ(p.pg().event, unsigned(EXABOND_EVENT_RESYNC));
	EXPECT_EQ(p.pg().event_ns, 2u);
}

// Each publication adds one to the generation and leaves seq even.
TEST(WriterPublish, GenerationAndSeqPerPublication)
{
	MemPage p;
	exabond_page st = staged_page("pub2");

	EXPECT_EQ(p.generation(), 0u);
	EXPECT_EQ(p.pg().seq, 0u);
	for (std::uint32_t i = 1; i <= 10; i++) {
		st.bond.miimon = 100 + i;
		ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_BOND_CHANGE, 10, i));
		EXPECT_EQ(p.generation(), i);
		EXPECT_EQ(p.pg().seq, 2 * i);
		EXPECT_EQ(p.pg().seq % 2, 0u);
		EXPECT_EQ(p.pg().bond.miimon, 100 + i);
	}
}

// event, event_ifindex and event_ns are stored as given; publish_ns is
// the clock at publication, not before the event.
TEST(WriterPublish, StoresEventFields)
{
	MemPage p;
	exabond_page st = staged_page("pub3");
	const std::uint64_t t0 = PageWriter::now_ns();

	ASSERT_NE(t0, 0u);
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MEMBER_ADD, 12, t0));
	EXPECT_EQ(p.pg().event, unsigned(EXABOND_EVENT_MEMBER_ADD));
	EXPECT_EQ(p.pg().event_ifindex, 12);
	EXPECT_EQ(p.pg().event_ns, t0);
	EXPECT_NE(p.pg().publish_ns, 0u);
	EXPECT_GE(p.pg().publish_ns, t0);
	EXPECT_LE(p.pg().publish_ns, PageWriter::now_ns());

	st.bond.mtu = 9000;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_BOND_CHANGE, -1, 5));
	EXPECT_EQ(p.pg().event, unsigned(EXABOND_EVENT_BOND_CHANGE));
	EXPECT_EQ(p.pg().event_ifindex, -1);
	EXPECT_EQ(p.pg().event_ns, 5u);
	EXPECT_GE(p.pg().publish_ns, t0);
}

// The body lands in the page as staged (bond, ad, policy, members).
TEST(WriterPublish, BodyIsCopied)
{
	MemPage p;
	exabond_page st = staged_page("pub4");

	st.ad.aggregator_id = 3;
	st.policy.max_members = 4;
	st.members[1].queue_id = 9;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	EXPECT_EQ(std::memcmp(&p.pg().bond, &st.bond, sizeof(st.bond)), 0);
	EXPECT_EQ(std::memcmp(&p.pg().ad, &st.ad, sizeof(st.ad)), 0);
	EXPECT_EQ(std::memcmp(&p.pg().policy, &st.policy, sizeof(st.policy)), 0);
	EXPECT_EQ(std::memcmp(p.pg().members, st.members, sizeof(st.members)), 0);
}

// -------------------------------------------------------------------------
// Failovers

// A new active member: failover_count + 1, last_failover_ns = event_ns,
// the event becomes FAILOVER, the epoch moves.
TEST(WriterFailover, ActiveChangeCountsFailover)
{
	MemPage p;
	exabond_page st = staged_page("fo0", 11);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 100));
	const std::uint16_t epoch = EXABOND_HOT_EPOCH(p.hot());

	st.bond.active_ifindex = 12;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MEMBER_LINK, 11, 200));
	EXPECT_EQ(p.pg().bond.failover_count, 1u);
	EXPECT_EQ(p.pg().bond.last_failover_ns, 200u);
	EXPECT_EQ(p.pg().event, unsigned(EXABOND_EVENT_FAILOVER));
	EXPECT_EQ(p.pg().event_ifindex, 11);
	EXPECT_EQ(EXABOND_HOT_EPOCH(p.hot()), std::uint16_t(epoch + 1));
	EXPECT_EQ(EXABOND_HOT_IFINDEX(p.hot()), 12u);

	// A change that is not a failover keeps count, time and event.
	st.bond.mtu = 9000;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_BOND_CHANGE, 10, 300));
	EXPECT_EQ(p.pg().bond.failover_count, 1u);
	EXPECT_EQ(p.pg().bond.last_failover_ns, 200u);
	EXPECT_EQ(p.pg().event, unsigned(EXABOND_EVENT_BOND_CHANGE));
	EXPECT_EQ(EXABOND_HOT_EPOCH(p.hot()), std::uint16_t(epoch + 1));

	// The staged page's own count and time are ignored.
	st.bond.failover_count = 77;
	st.bond.last_failover_ns = 77;
	EXPECT_FALSE(p.w.publish(st, EXABOND_EVENT_REFRESH, 10, 400));
	EXPECT_EQ(p.pg().bond.failover_count, 1u);

	// To no active member is a failover too.
	st.bond.active_ifindex = 0;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MEMBER_DEL, 12, 500));
	EXPECT_EQ(p.pg().bond.failover_count, 2u);
	EXPECT_EQ(p.pg().bond.last_failover_ns, 500u);
	EXPECT_EQ(p.pg().event, unsigned(EXABOND_EVENT_FAILOVER));
}

// A -> B -> A leaves a hot word that differs from the first one.
TEST(WriterFailover, ABAChangesHotWord)
{
	MemPage p;
	exabond_page st = staged_page("fo1", 11);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	const std::uint64_t first = p.hot();

	st.bond.active_ifindex = 12;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 12, 2));
	st.bond.active_ifindex = 11;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 11, 3));
	EXPECT_EQ(EXABOND_HOT_IFINDEX(p.hot()), EXABOND_HOT_IFINDEX(first));
	EXPECT_NE(p.hot(), first);
	EXPECT_EQ(EXABOND_HOT_EPOCH(p.hot()),
		  std::uint16_t(EXABOND_HOT_EPOCH(first) + 2));
	EXPECT_EQ(p.pg().bond.failover_count, 2u);
}

// The first publication of a page is not a failover.
TEST(WriterFailover, FirstPublicationIsNoFailover)
{
	MemPage p;

	ASSERT_TRUE(p.w.publish(staged_page("fo2", 12), EXABOND_EVENT_MANAGE, 10,
				7));
	EXPECT_EQ(p.pg().bond.failover_count, 0u);
	EXPECT_EQ(p.pg().bond.last_failover_ns, 0u);
	EXPECT_EQ(p.pg().event, unsigned(EXABOND_EVENT_MANAGE));
	EXPECT_EQ(EXABOND_HOT_IFINDEX(p.hot()), 12u);
}

// -------------------------------------------------------------------------
// Hot word flags

// HAS_ACTIVE exactly when there is an active member.
TEST(WriterHot, HasActiveIffActiveIfindex)
{
	MemPage p;
	exabond_page st = staged_page("hot0", 0);

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	EXPECT_FALSE(p.hot() & EXABOND_HOT_F_HAS_ACTIVE);
	EXPECT_EQ(EXABOND_HOT_IFINDEX(p.hot()), 0u);
	st.bond.active_ifindex = 11;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 11, 2));
	EXPECT_TRUE(p.hot() & EXABOND_HOT_F_HAS_ACTIVE);
	EXPECT_EQ(EXABOND_HOT_IFINDEX(p.hot()), 11u);
	EXPECT_EQ(std::int32_t(EXABOND_HOT_IFINDEX(p.hot())),
		  p.pg().bond.active_ifindex);
}

// UP exactly when ADMIN_UP and CARRIER are both set.
TEST(WriterHot, UpIffAdminUpAndCarrier)
{
	const struct {
		std::uint32_t flags;
		bool up;
	} cases[] = {
		{0, false},
		{EXABOND_BOND_F_ADMIN_UP, false},
		{EXABOND_BOND_F_CARRIER, false},
		{EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER, true},
		{EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER |
			 EXABOND_BOND_F_MEMBER_OVERFLOW,
		 true},
		{EXABOND_BOND_F_MEMBER_OVERFLOW | EXABOND_BOND_F_AD_INFO_VALID,
		 false},
	};
	MemPage p;
	exabond_page st = staged_page("hot1");

	for (const auto &c : cases) {
		st.bond.flags = c.flags;
		ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_BOND_CHANGE, 10, 1, true));
		EXPECT_EQ(bool(p.hot() & EXABOND_HOT_F_UP), c.up)
			<< "flags " << c.flags;
	}
}

// NONCOMPLIANT exactly when the policy's COMPLIANT flag is clear.
TEST(WriterHot, NoncompliantIffPolicyNotCompliant)
{
	MemPage p;
	exabond_page st = staged_page("hot2");

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	EXPECT_FALSE(p.hot() & EXABOND_HOT_F_NONCOMPLIANT);
	st.policy.flags = EXABOND_POLICY_F_ROCE_LAG;
	st.policy.violations = EXABOND_VIOLATION_MODE;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_POLICY, 10, 2));
	EXPECT_TRUE(p.hot() & EXABOND_HOT_F_NONCOMPLIANT);
	st.policy.flags = EXABOND_POLICY_F_COMPLIANT | EXABOND_POLICY_F_ROCE_LAG;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_POLICY, 10, 3));
	EXPECT_FALSE(p.hot() & EXABOND_HOT_F_NONCOMPLIANT);
	EXPECT_FALSE(p.hot() & EXABOND_HOT_F_DEAD);
}

// publish_final sets DEAD; nothing is published after it.
TEST(WriterHot, FinalIsDeadAndFrozen)
{
	MemPage p;
	exabond_page st = staged_page("hot3");

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	p.w.publish_final(st, EXABOND_EVENT_BOND_DELETE, 2);
	EXPECT_EQ(p.generation(), 2u);
	EXPECT_TRUE(p.hot() & EXABOND_HOT_F_DEAD);
	EXPECT_TRUE(exabond_dead(&p.pg()));
	EXPECT_EQ(p.pg().event, unsigned(EXABOND_EVENT_BOND_DELETE));
	EXPECT_EQ(p.pg().event_ifindex, st.bond.ifindex);
	EXPECT_EQ(p.pg().seq % 2, 0u);

	const exabond_page before = p.pg();

	st.bond.active_ifindex = 12;
	EXPECT_FALSE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 12, 3));
	EXPECT_FALSE(p.w.publish(st, EXABOND_EVENT_RESYNC, 12, 4, true));
	p.w.publish_final(st, EXABOND_EVENT_UNMANAGE, 5);
	EXPECT_EQ(p.generation(), 2u);
	EXPECT_EQ(std::memcmp(&before, &p.pg(), sizeof(before)), 0);
}

// -------------------------------------------------------------------------
// Header and shared memory

// A fresh writer writes the ABI header and nothing else.
TEST(WriterHeader, FreshWriterInitialises)
{
	auto mem = std::make_unique<AlignedPage>();

	std::memset(&mem->pg, 0xa5, sizeof(mem->pg));
	PageWriter w(&mem->pg, EXABOND_PUBLISHER_KERNEL);
	const exabond_page &pg = mem->pg;

	EXPECT_EQ(pg.magic, EXABOND_PAGE_MAGIC);
	EXPECT_EQ(pg.abi_major, EXABOND_ABI_MAJOR);
	EXPECT_EQ(pg.abi_minor, EXABOND_ABI_MINOR);
	EXPECT_EQ(pg.size, EXABOND_PAGE_SIZE_V1_0);
	EXPECT_EQ(pg.publisher, EXABOND_PUBLISHER_KERNEL);
	EXPECT_EQ(pg.member_max, EXABOND_MAX_MEMBERS);
	EXPECT_EQ(pg.seq, 0u);
	EXPECT_EQ(pg.generation, 0u);
	EXPECT_EQ(pg.hot, 0u);
	EXPECT_EQ(exabond_check_header(&pg, nullptr), 0);

	std::vector<unsigned char> rest(
		reinterpret_cast<const unsigned char *>(&pg.bond),
		reinterpret_cast<const unsigned char *>(&pg + 1));

	EXPECT_TRUE(std::all_of(rest.begin(), rest.end(),
				[](unsigned char c) { return c == 0; }));

	// A second writer on this (valid) page keeps its header.
	PageWriter again(&mem->pg, EXABOND_PUBLISHER_MONITOR);

	EXPECT_EQ(pg.publisher, EXABOND_PUBLISHER_KERNEL);
}

// A writer on a page of this ABI carries on from its generation.
TEST(WriterHeader, InMemoryTakeOver)
{
	MemPage p;
	exabond_page st = staged_page("hdr1");

	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_RESYNC, 10, 2, true));

	PageWriter again(&p.mem->pg);

	EXPECT_EQ(p.generation(), 2u);
	EXPECT_FALSE(again.publish(st, EXABOND_EVENT_RESYNC, 10, 3));
	st.bond.active_ifindex = 12;
	ASSERT_TRUE(again.publish(st, EXABOND_EVENT_FAILOVER, 12, 4));
	EXPECT_EQ(p.generation(), 3u);
	EXPECT_EQ(p.pg().bond.failover_count, 1u);
}

// create_shared_memory takes over an existing page: the generation goes on.
TEST(WriterShm, TakesOverExistingPage)
{
	ShmName n("wt");
	exabond_page st = staged_page(n.name);

	{
		PageWriter w = n.create();

		EXPECT_EQ(w.path(), n.path);
		ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
		ASSERT_TRUE(w.publish(st, EXABOND_EVENT_RESYNC, 10, 2, true));
	}
	Bond b = Bond::open(n.name);	// a reader across the restart

	EXPECT_EQ(b.generation(), 2u);
	PageWriter w = n.create();

	EXPECT_EQ(exabond_generation(w.page()), 2u);
	EXPECT_FALSE(w.publish(st, EXABOND_EVENT_RESYNC, 10, 3));
	st.bond.miimon = 50;
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_BOND_CHANGE, 10, 4));
	EXPECT_EQ(b.generation(), 3u);

	Snapshot s;

	ASSERT_TRUE(b.snapshot(s));
	EXPECT_EQ(s.miimon(), 50u);
}

// One writer per page: a second publisher of the same name is refused
// (EBUSY) while the first lives, and admitted once it is gone.
TEST(WriterShm, SecondWriterIsEbusy)
{
	ShmName n("w2");
	{
		PageWriter w = n.create();

		try {
			PageWriter other = n.create();
			ADD_FAILURE() << "a second writer was admitted";
		} catch (const exabond::Error &e) {
			EXPECT_EQ(e.errno_value(), EBUSY);
			EXPECT_EQ(e.op(), "create");
		}
	}
	PageWriter again = n.create();
	EXPECT_EQ(again.path(), n.path);
}

// A final page is never written again: a new writer replaces the file, and
// a reader of the old one keeps seeing the final state.
TEST(WriterShm, DeadPageIsReplacedNotRevived)
{
	ShmName n("wd");
	exabond_page st = staged_page(n.name);
	{
		PageWriter w = n.create();

		ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
		w.publish_final(st, EXABOND_EVENT_BOND_DELETE, 2);
	}
	Bond old = Bond::open_path(n.path);

	ASSERT_TRUE(old.dead());
	PageWriter w = n.create();

	EXPECT_EQ(exabond_generation(w.page()), 0u);
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 3));
	EXPECT_TRUE(old.dead());
	EXPECT_EQ(old.generation(), 2u);
	EXPECT_EQ(Bond::open(n.name).generation(), 1u);
}

// A file someone else could write is not taken over.
TEST(WriterShm, RefusesGroupWritableFile)
{
	ShmName n("wg");
	const int fd = open(n.path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);

	ASSERT_GE(fd, 0) << n.path;
	ASSERT_EQ(fchmod(fd, 0666), 0);
	close(fd);
	try {
		PageWriter w = n.create();
		ADD_FAILURE() << "took over a file writable by others";
	} catch (const exabond::Error &e) {
		EXPECT_EQ(e.errno_value(), EPERM);
	}
}

// Any other file of that name is re-initialised as a fresh page.
TEST(WriterShm, ReinitialisesForeignFile)
{
	for (std::size_t len : {std::size_t(EXABOND_PAGE_BYTES), std::size_t(10),
				std::size_t(0)}) {
		ShmName n("wf");
		std::vector<unsigned char> junk(len, 0xab);
		const int fd = open(n.path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);

		ASSERT_GE(fd, 0) << n.path;
		ASSERT_EQ(write(fd, junk.data(), junk.size()), ssize_t(len));
		close(fd);

		PageWriter w = n.create();
		const exabond_page *pg = w.page();

		EXPECT_EQ(exabond_check_header(pg, nullptr), 0) << len;
		EXPECT_EQ(pg->publisher, EXABOND_PUBLISHER_MONITOR);
		EXPECT_EQ(pg->generation, 0u);
		EXPECT_EQ(pg->seq, 0u);
		EXPECT_EQ(pg->bond.miimon, 0u);

		struct stat sb;

		ASSERT_EQ(stat(n.path.c_str(), &sb), 0);
		EXPECT_EQ(sb.st_size, EXABOND_PAGE_BYTES);
		ASSERT_TRUE(w.publish(staged_page(n.name), EXABOND_EVENT_MANAGE, 10, 1));
		Bond b = Bond::open(n.name);

		EXPECT_EQ(b.generation(), 1u);
	}
}

// A publisher that died inside a publication left seq odd; its restart
// takes the page over, publishes even what the page's torn body already
// holds, and leaves seq even: the page is readable again.
TEST(WriterShm, TakeOverAfterCrashMidPublication)
{
	ShmName n("wc");
	exabond_page st = staged_page(n.name);

	{
		PageWriter w = n.create();

		ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
		const pid_t child = fork();

		ASSERT_GE(child, 0);
		if (child == 0) {
			w.set_critical_section_hook([](void *) { _exit(0); },
						    nullptr);
			st.bond.miimon = 1;
			w.publish(st, EXABOND_EVENT_BOND_CHANGE, 10, 2);
			_exit(1);
		}
		int status = 0;

		ASSERT_EQ(waitpid(child, &status, 0), child);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		ASSERT_EQ(w.page()->seq % 2, 1u) << "the crash left seq odd";
	}
	PageWriter w = n.create();	// the restarted publisher
	Bond b = Bond::open(n.name);

	// It stages what the crashed one was writing: the page's body already
	// holds it, but it was never published, so this must publish.
	st.bond.miimon = 1;
	EXPECT_TRUE(w.publish(st, EXABOND_EVENT_RESYNC, 10, 3));
	EXPECT_EQ(w.page()->seq % 2, 0u);
	EXPECT_EQ(b.generation(), 2u);

	Snapshot s;
	const exabond::Status r = b.snapshot(s);

	ASSERT_TRUE(r) << r.why;
	EXPECT_EQ(s.miimon(), 1u);
	EXPECT_EQ(s.generation(), 2u);
}

// The page is 0644 whatever the umask: every local user may read it.
TEST(WriterShm, FileModeIs0644)
{
	ShmName n("wm");
	const mode_t old = umask(077);
	PageWriter w = n.create();

	umask(old);
	struct stat sb;

	ASSERT_EQ(stat(n.path.c_str(), &sb), 0);
	EXPECT_TRUE(S_ISREG(sb.st_mode));
	EXPECT_EQ(sb.st_mode & 07777, 0644u) << std::oct << sb.st_mode;
	EXPECT_EQ(sb.st_size, EXABOND_PAGE_BYTES);
}

// unlink() removes the name; an open Bond keeps reading its mapping.
TEST(WriterShm, UnlinkKeepsReadersMapping)
{
	ShmName n("wu");
	PageWriter w = n.create();
	exabond_page st = staged_page(n.name);

	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	Bond b = Bond::open(n.name);

	w.unlink();
	struct stat sb;

	EXPECT_NE(stat(n.path.c_str(), &sb), 0);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_THROW(Bond::open(n.name), exabond::Error);

	st.bond.active_ifindex = 12;
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_FAILOVER, 12, 2));
	EXPECT_EQ(b.generation(), 2u);
	EXPECT_EQ(b.active_ifindex(), 12);

	Snapshot s;

	ASSERT_TRUE(b.snapshot(s));
	EXPECT_EQ(s.active_member()->name(), "eth1");
}

// Names that are not interface names are refused (EINVAL).
TEST(WriterShm, InvalidNameIsEinval)
{
	// The same names Bond::open() refuses, "." and ".." and an embedded
	// NUL included.
	for (std::string_view bad :
	     {std::string_view(""), std::string_view("a/b"),
	      std::string_view("x:y"), std::string_view("sixteen-chars-xx"),
	      std::string_view("a b"), std::string_view("."),
	      std::string_view(".."), std::string_view("ab\0cd", 5)}) {
		try {
			PageWriter::create_shared_memory(bad, 1, true);
			ADD_FAILURE() << "created \"" << bad << "\"";
		} catch (const exabond::Error &e) {
			EXPECT_EQ(e.errno_value(), EINVAL) << bad;
			EXPECT_EQ(e.op(), "create");
		}
	}
}

// -------------------------------------------------------------------------
// The critical-section hook

struct HookLog {
	const exabond_page *pg;
	std::vector<std::uint32_t> seqs;
	std::vector<std::uint64_t> generations;
};

void log_hook(void *arg)
{
	auto *log = static_cast<HookLog *>(arg);

	log->seqs.push_back(__atomic_load_n(&log->pg->seq, __ATOMIC_RELAXED));
	log->generations.push_back(
		__atomic_load_n(&log->pg->generation, __ATOMIC_RELAXED));
}

// The hook runs once per publication, inside it (seq odd, generation not
// yet raised), and not for a publication that did not happen.
TEST(WriterHook, CalledOncePerPublicationWithSeqOdd)
{
	MemPage p;
	HookLog log{&p.pg(), {}, {}};
	exabond_page st = staged_page("hook0");

	p.w.set_critical_section_hook(log_hook, &log);
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_MANAGE, 10, 1));
	EXPECT_FALSE(p.w.publish(st, EXABOND_EVENT_REFRESH, 10, 2));
	st.bond.active_ifindex = 12;
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_FAILOVER, 12, 3));
	ASSERT_TRUE(p.w.publish(st, EXABOND_EVENT_RESYNC, 12, 4, true));
	p.w.publish_final(st, EXABOND_EVENT_UNMANAGE, 5);
	p.w.publish(st, EXABOND_EVENT_RESYNC, 12, 6, true);

	EXPECT_EQ(log.seqs, (std::vector<std::uint32_t>{1, 3, 5, 7}));
	EXPECT_EQ(log.generations, (std::vector<std::uint64_t>{0, 1, 2, 3}));
	EXPECT_EQ(p.generation(), 4u);

	p.w.set_critical_section_hook(nullptr, nullptr);
}

} // namespace
