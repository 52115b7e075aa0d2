// SPDX-License-Identifier: GPL-2.0
//
// Hostile and corrupt pages. Each case starts from a valid page (built by
// PageWriter, two members), corrupts one thing and checks the exact result
// and `why` through the three ways a program reads a page:
//
//  - the C reader: exabond_check_header() and exabond_snapshot();
//  - exabond::Snapshot::read(), which must leave the snapshot empty;
//  - exabond::Bond::open_path() (and exabond_map()) on a file holding the
//    page: a header fault refuses the open (Error, EPROTO, op "validate"),
//    a content fault opens and then fails snapshot().
//
// The page under test sits right before a PROT_NONE guard page, so a read
// past its end faults in every build, not only under ASan.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <exabond/bond.hpp>
#include <exabond/error.hpp>
#include <exabond/names.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>
#include <exabond/writer.hpp>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAGE_CHECK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PAGE_CHECK_ASAN 1
#endif
#ifdef PAGE_CHECK_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace {

constexpr int bond_ifindex = 10;
constexpr int first_member_ifindex = 11;

// A 4 KiB page that ends at a PROT_NONE guard page (and, with 4 KiB host
// pages, also starts right after one).
class GuardedPage {
public:
	GuardedPage()
	{
		host_ = std::size_t(sysconf(_SC_PAGESIZE));
		len_ = 3 * host_;
		void *p = mmap(nullptr, len_, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			std::abort();
		base_ = static_cast<unsigned char *>(p);
		if (mprotect(base_, host_, PROT_NONE) ||
		    mprotect(base_ + 2 * host_, host_, PROT_NONE))
			std::abort();
	}
	~GuardedPage() { munmap(base_, len_); }
	GuardedPage(const GuardedPage &) = delete;
	GuardedPage &operator=(const GuardedPage &) = delete;

	exabond_page *get() const noexcept
	{
		return reinterpret_cast<exabond_page *>(
			base_ + 2 * host_ - EXABOND_PAGE_BYTES);
	}

private:
	unsigned char *base_;
	std::size_t host_, len_;
};

// Stores @s NUL-padded into @dst; @s may fill it entirely (no NUL).
template <std::size_t N> void set_str(char (&dst)[N], std::string_view s)
{
	std::memset(dst, 0, N);
	std::memcpy(dst, s.data(), s.size() < N ? s.size() : N);
}

// A plausible active-backup bond with @n members, eth0 active and primary.
void stage(exabond_page &st, unsigned n)
{
	std::memset(static_cast<void *>(&st), 0, sizeof(st));
	exabond_bond &b = st.bond;

	b.ifindex = bond_ifindex;
	b.netns_ino = 4026531840u;
	set_str(b.name, "bond0");
	b.mode = EXABOND_MODE_ACTIVE_BACKUP;
	b.xmit_hash_policy = EXABOND_XMIT_LAYER2;
	b.operstate = 6;	/* IF_OPER_UP */
	b.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
	b.miimon = 100;
	b.primary_ifindex = first_member_ifindex;
	set_str(b.primary, "eth0");
	b.mtu = 1500;
	b.member_count = n;
	b.members_total = n;
	b.active_ifindex = n ? first_member_ifindex : 0;
	b.arp_ip_target_count = 1;
	b.arp_ip_target[0] = 0x0100000a;	/* 10.0.0.1 */
	st.policy.flags = EXABOND_POLICY_F_COMPLIANT;
	st.policy.allowed_modes = 1u << EXABOND_MODE_ACTIVE_BACKUP;
	for (unsigned i = 0; i < n; i++) {
		exabond_member &m = st.members[i];

		m.ifindex = first_member_ifindex + int(i);
		m.link = EXABOND_LINK_UP;
		m.role = i ? EXABOND_ROLE_BACKUP : EXABOND_ROLE_ACTIVE;
		m.carrier = 1;
		m.duplex = EXABOND_DUPLEX_FULL;
		set_str(m.name, "eth" + std::to_string(i));
		m.operstate = 6;
		if (i == 0)
			m.flags = EXABOND_MEMBER_F_ACTIVE |
				  EXABOND_MEMBER_F_PRIMARY;
		m.speed = 10000;
		m.mtu = 1500;
		set_str(m.driver, "virtio_net");
		set_str(m.bus_info,
			"0000:00:0" + std::to_string(3 + i % 7) + ".0");
	}
}

// A valid page with @n members, as a publisher writes it.
void build_valid(exabond_page *pg, unsigned n = 2,
		 std::uint16_t publisher = EXABOND_PUBLISHER_MONITOR)
{
	std::memset(static_cast<void *>(pg), 0, sizeof(*pg));
	exabond::PageWriter w(pg, publisher);
	exabond_page st;

	stage(st, n);
	w.publish(st, EXABOND_EVENT_MANAGE, bond_ifindex, 1000);
}

// One hostile page: what to corrupt, and what every reader must say.
struct Case {
	const char *name;
	void (*corrupt)(exabond_page &pg);
	int code;		// -EPROTO: header fault; -EBADMSG: content
	const char *why;
};

void PrintTo(const Case &c, std::ostream *os)
{
	*os << c.name;
}

std::string case_name(const testing::TestParamInfo<Case> &i)
{
	return i.param.name;
}

constexpr const char *why_magic = "bad magic: not an exabond page";
constexpr const char *why_newer = "ABI major is newer than this reader";
constexpr const char *why_older = "ABI major is older than this reader";
constexpr const char *why_size = "size is outside the page";
constexpr const char *why_member_max = "member array size is not ABI 1's";
constexpr const char *why_publisher = "unknown publisher";
constexpr const char *why_count = "member_count is past the member array";
constexpr const char *why_total = "member_count is above members_total";
constexpr const char *why_arp = "arp_ip_target_count is past its array";
constexpr const char *why_name = "bond name is not NUL-terminated";
constexpr const char *why_primary = "primary name is not NUL-terminated";
constexpr const char *why_mode = "unknown bonding mode";
constexpr const char *why_m_name = "member name is not NUL-terminated";
constexpr const char *why_m_driver = "member driver is not NUL-terminated";
constexpr const char *why_m_bus = "member bus_info is not NUL-terminated";
constexpr const char *why_link = "unknown member link state";
constexpr const char *why_role = "unknown member role";

const Case hostile_cases[] = {
	// Header (exabond_check_header, -EPROTO): refused before any content.
	{"wrong_magic", [](exabond_page &p) { p.magic = 0x58454244; },
	 -EPROTO, why_magic},
	{"zero_page_magic", [](exabond_page &p) { p.magic = 0; },
	 -EPROTO, why_magic},
	{"newer_major", [](exabond_page &p) { p.abi_major = 2; },
	 -EPROTO, why_newer},
	{"major_ffff", [](exabond_page &p) { p.abi_major = 0xffff; },
	 -EPROTO, why_newer},
	{"major_0", [](exabond_page &p) { p.abi_major = 0; },
	 -EPROTO, why_older},
	{"size_below_v1_0",
	 [](exabond_page &p) { p.size = EXABOND_PAGE_SIZE_V1_0 - 1; },
	 -EPROTO, why_size},
	{"size_0", [](exabond_page &p) { p.size = 0; }, -EPROTO, why_size},
	{"size_above_page",
	 [](exabond_page &p) { p.size = EXABOND_PAGE_BYTES + 1; },
	 -EPROTO, why_size},
	{"size_ffffffff", [](exabond_page &p) { p.size = 0xffffffffu; },
	 -EPROTO, why_size},
	{"member_max_15", [](exabond_page &p) { p.member_max = 15; },
	 -EPROTO, why_member_max},
	{"member_max_17", [](exabond_page &p) { p.member_max = 17; },
	 -EPROTO, why_member_max},
	{"member_max_0", [](exabond_page &p) { p.member_max = 0; },
	 -EPROTO, why_member_max},
	{"publisher_0", [](exabond_page &p) { p.publisher = 0; },
	 -EPROTO, why_publisher},
	{"publisher_99", [](exabond_page &p) { p.publisher = 99; },
	 -EPROTO, why_publisher},

	// Counts (-EBADMSG): never used to index past an array.
	{"member_count_17",
	 [](exabond_page &p) {
		 p.bond.member_count = 17;
		 p.bond.members_total = 17;
	 },
	 -EBADMSG, why_count},
	{"member_count_ffffffff",
	 [](exabond_page &p) {
		 p.bond.member_count = 0xffffffffu;
		 p.bond.members_total = 0xffffffffu;
	 },
	 -EBADMSG, why_count},
	{"member_count_above_total",
	 [](exabond_page &p) { p.bond.members_total = 1; },
	 -EBADMSG, why_total},
	{"arp_ip_target_count_17",
	 [](exabond_page &p) { p.bond.arp_ip_target_count = 17; },
	 -EBADMSG, why_arp},
	{"arp_ip_target_count_ffffffff",
	 [](exabond_page &p) { p.bond.arp_ip_target_count = 0xffffffffu; },
	 -EBADMSG, why_arp},

	// Bond strings and enums.
	{"bond_name_no_nul",
	 [](exabond_page &p) { std::memset(p.bond.name, 'b', 16); },
	 -EBADMSG, why_name},
	{"primary_no_nul",
	 [](exabond_page &p) { std::memset(p.bond.primary, 'p', 16); },
	 -EBADMSG, why_primary},
	{"mode_7", [](exabond_page &p) { p.bond.mode = 7; },
	 -EBADMSG, why_mode},
	{"mode_255", [](exabond_page &p) { p.bond.mode = 255; },
	 -EBADMSG, why_mode},

	// Members: the first and the last used entry.
	{"member0_name_no_nul",
	 [](exabond_page &p) { std::memset(p.members[0].name, 'e', 16); },
	 -EBADMSG, why_m_name},
	{"member1_name_no_nul",
	 [](exabond_page &p) { std::memset(p.members[1].name, 'e', 16); },
	 -EBADMSG, why_m_name},
	{"member0_driver_no_nul",
	 [](exabond_page &p) { std::memset(p.members[0].driver, 'd', 32); },
	 -EBADMSG, why_m_driver},
	{"member1_driver_no_nul",
	 [](exabond_page &p) { std::memset(p.members[1].driver, 'd', 32); },
	 -EBADMSG, why_m_driver},
	{"member0_bus_info_no_nul",
	 [](exabond_page &p) { std::memset(p.members[0].bus_info, 'u', 32); },
	 -EBADMSG, why_m_bus},
	{"member1_bus_info_no_nul",
	 [](exabond_page &p) { std::memset(p.members[1].bus_info, 'u', 32); },
	 -EBADMSG, why_m_bus},
	{"member_link_4", [](exabond_page &p) { p.members[1].link = 4; },
	 -EBADMSG, why_link},
	{"member_link_255", [](exabond_page &p) { p.members[0].link = 255; },
	 -EBADMSG, why_link},
	{"member_role_2", [](exabond_page &p) { p.members[1].role = 2; },
	 -EBADMSG, why_role},
	{"member_role_255", [](exabond_page &p) { p.members[0].role = 255; },
	 -EBADMSG, why_role},
};

// A file in a private temporary directory, removed with the test.
class TempDir {
public:
	TempDir()
	{
		std::string t = testing::TempDir() + "page_check.XXXXXX";
		std::vector<char> buf(t.begin(), t.end());

		buf.push_back('\0');
		if (!mkdtemp(buf.data()))
			std::abort();
		dir_ = buf.data();
	}
	~TempDir()
	{
		for (const std::string &f : files_)
			unlink(f.c_str());
		rmdir(dir_.c_str());
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	const std::string &path() const noexcept { return dir_; }

	// @len bytes of @data in a new file; its path.
	std::string file(const std::string &name, const void *data,
			 std::size_t len)
	{
		const std::string p = dir_ + "/" + name;
		int fd = open(p.c_str(),
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0)
			std::abort();
		files_.push_back(p);
		const char *c = static_cast<const char *>(data);

		while (len) {
			ssize_t w = write(fd, c, len);

			if (w <= 0)
				std::abort();
			c += w;
			len -= std::size_t(w);
		}
		close(fd);
		return p;
	}

	std::string page_file(const std::string &name, const exabond_page *pg)
	{
		return file(name, pg, sizeof(*pg));
	}

private:
	std::string dir_;
	std::vector<std::string> files_;
};

// Expects @f to throw exabond::Error; returns it for further checks.
template <class F> exabond::Error expect_error(F f)
{
	try {
		f();
	} catch (const exabond::Error &e) {
		return e;
	} catch (const std::exception &e) {
		ADD_FAILURE() << "threw something else: " << e.what();
		return exabond::Error("none", "", EINVAL);
	}
	ADD_FAILURE() << "did not throw";
	return exabond::Error("none", "", EINVAL);
}

// The Error Bond::open_path(@path) throws.
exabond::Error open_error(const std::string &path)
{
	return expect_error([&] { exabond::Bond::open_path(path); });
}

std::string str(const char *s)
{
	return s ? s : "(null)";
}

class HostilePage : public testing::TestWithParam<Case> {
protected:
	void SetUp() override
	{
		build_valid(page_.get());
		// The starting point is valid: any failure is the corruption.
		const char *why = "unset";

		ASSERT_EQ(exabond_check_snapshot(page_.get(), &why), 0) << why;
		GetParam().corrupt(*page_.get());
	}

	bool header_fault() const { return GetParam().code == -EPROTO; }

	GuardedPage page_;
};

// The C reader: the header check alone, the content check alone on the
// page in place, and the snapshot, each with its exact code and why.
TEST_P(HostilePage, CReader)
{
	const Case &c = GetParam();
	alignas(64) exabond_page out{};
	const char *why = nullptr;

	EXPECT_EQ(exabond_check_header(page_.get(), &why),
		  header_fault() ? -EPROTO : 0);
	EXPECT_EQ(str(why), header_fault() ? c.why : "(null)");

	why = nullptr;
	EXPECT_EQ(exabond_check_snapshot(page_.get(), &why), c.code);
	EXPECT_EQ(str(why), c.why);

	why = nullptr;
	std::memset(static_cast<void *>(&out), 0, sizeof(out));
	EXPECT_EQ(exabond_snapshot(page_.get(), &out, &why), c.code);
	EXPECT_EQ(str(why), c.why);

	// A NULL why is allowed.
	EXPECT_EQ(exabond_snapshot(page_.get(), &out, nullptr), c.code);
}

// Snapshot::read: the status says why, and a snapshot that held a valid
// page before is empty afterwards.
TEST_P(HostilePage, SnapshotRead)
{
	const Case &c = GetParam();
	GuardedPage good;
	exabond::Snapshot s;

	build_valid(good.get());
	ASSERT_TRUE(s.read(good.get()));
	ASSERT_EQ(s.members().size(), 2u);

	exabond::Status st = s.read(page_.get());

	EXPECT_FALSE(st);
	EXPECT_EQ(st.code, c.code);
	EXPECT_EQ(str(st.why), c.why);
	EXPECT_FALSE(s.valid());
	EXPECT_TRUE(s.members().empty());
	EXPECT_EQ(s.members().size(), 0u);
	EXPECT_FALSE(s.member("eth0"));
	EXPECT_FALSE(s.member(first_member_ifindex));
	EXPECT_FALSE(s.active_member());
	// Even a refused copy keeps its strings within their arrays.
	EXPECT_LE(s.name().size(), sizeof(s.raw().bond.name));
	EXPECT_LE(s.primary().size(), sizeof(s.raw().bond.primary));
}

// Bond::open_path and exabond_map on a file holding the page.
TEST_P(HostilePage, BondOpenPath)
{
	const Case &c = GetParam();
	TempDir dir;
	const std::string path = dir.page_file("page", page_.get());
	const char *why = nullptr;
	int fd = -1;

	errno = 0;
	const exabond_page *pg = exabond_map(path.c_str(), &fd, &why);

	if (header_fault()) {
		EXPECT_EQ(pg, nullptr);
		EXPECT_EQ(errno, EPROTO);
		EXPECT_EQ(fd, -1);
		EXPECT_EQ(str(why), c.why);

		exabond::Error e = open_error(path);

		EXPECT_EQ(e.op(), "validate");
		EXPECT_EQ(e.path(), path);
		EXPECT_EQ(e.errno_value(), EPROTO);
		EXPECT_EQ(e.detail(), c.why);
		return;
	}

	ASSERT_NE(pg, nullptr) << str(why);
	alignas(64) exabond_page out{};

	why = nullptr;
	EXPECT_EQ(exabond_snapshot(pg, &out, &why), c.code);
	EXPECT_EQ(str(why), c.why);
	exabond_unmap(pg, fd);

	exabond::Bond bond = exabond::Bond::open_path(path);
	exabond::Snapshot s;
	exabond::Status st = bond.snapshot(s);

	EXPECT_EQ(st.code, c.code);
	EXPECT_EQ(str(st.why), c.why);
	EXPECT_FALSE(s.valid());
	EXPECT_TRUE(s.members().empty());
}

INSTANTIATE_TEST_SUITE_P(page_check, HostilePage,
			 testing::ValuesIn(hostile_cases), case_name);

// Pages at the edge of every check, which must be accepted: each proves
// its check is not off by one.
struct Edge {
	const char *name;
	void (*change)(exabond_page &pg);
	unsigned members;	// members() of the snapshot
};

void PrintTo(const Edge &e, std::ostream *os)
{
	*os << e.name;
}

std::string edge_name(const testing::TestParamInfo<Edge> &i)
{
	return i.param.name;
}

// 16 members, all plausible.
void sixteen(exabond_page &p)
{
	exabond_page st;

	stage(st, EXABOND_MAX_MEMBERS);
	std::memcpy(static_cast<void *>(&p.bond), &st.bond,
		    EXABOND_PAGE_SIZE_V1_0 - offsetof(exabond_page, bond));
}

const Edge edge_cases[] = {
	{"size_v1_0", [](exabond_page &p) { p.size = EXABOND_PAGE_SIZE_V1_0; },
	 2},
	{"size_4096", [](exabond_page &p) { p.size = EXABOND_PAGE_BYTES; }, 2},
	{"publisher_kernel",
	 [](exabond_page &p) { p.publisher = EXABOND_PUBLISHER_KERNEL; }, 2},
	{"minor_0", [](exabond_page &p) { p.abi_minor = 0; }, 2},
	{"member_count_16", sixteen, 16},
	{"member_count_0",
	 [](exabond_page &p) {
		 p.bond.member_count = 0;
		 p.bond.members_total = 0;
	 },
	 0},
	{"member_count_below_total",
	 [](exabond_page &p) {
		 p.bond.members_total = 40;
		 p.bond.flags |= EXABOND_BOND_F_MEMBER_OVERFLOW;
	 },
	 2},
	{"arp_ip_target_count_16",
	 [](exabond_page &p) { p.bond.arp_ip_target_count = 16; }, 2},
	{"bond_name_15",
	 [](exabond_page &p) { set_str(p.bond.name, std::string(15, 'b')); },
	 2},
	{"bond_name_empty",
	 [](exabond_page &p) { set_str(p.bond.name, ""); }, 2},
	{"mode_6", [](exabond_page &p) { p.bond.mode = 6; }, 2},
	{"member_link_3", [](exabond_page &p) { p.members[1].link = 3; }, 2},
	{"member_role_1", [](exabond_page &p) { p.members[0].role = 1; }, 2},
	// Fields reader.h does not check are shown as "unknown", not refused.
	{"unknown_xmit_operstate_event",
	 [](exabond_page &p) {
		 p.bond.xmit_hash_policy = 200;
		 p.bond.operstate = 200;
		 p.event = 0xffffffffu;
		 p.members[0].duplex = 7;
		 p.members[0].operstate = 99;
	 },
	 2},
};

class EdgePage : public testing::TestWithParam<Edge> {
protected:
	void SetUp() override
	{
		build_valid(page_.get());
		GetParam().change(*page_.get());
	}

	GuardedPage page_;
};

TEST_P(EdgePage, Accepted)
{
	const Edge &e = GetParam();
	alignas(64) exabond_page out{};
	const char *why = "unset";

	EXPECT_EQ(exabond_check_header(page_.get(), &why), 0);
	EXPECT_EQ(why, nullptr);
	why = "unset";
	EXPECT_EQ(exabond_snapshot(page_.get(), &out, &why), 0) << str(why);
	EXPECT_EQ(why, nullptr);

	exabond::Snapshot s;
	exabond::Status st = s.read(page_.get());

	EXPECT_TRUE(st) << str(st.why);
	EXPECT_EQ(st.why, nullptr);
	EXPECT_TRUE(s.valid());
	EXPECT_EQ(s.members().size(), e.members);

	TempDir dir;
	exabond::Bond bond =
		exabond::Bond::open_path(dir.page_file("page", page_.get()));
	exabond::Snapshot bs;

	EXPECT_TRUE(bond.snapshot(bs));
	EXPECT_EQ(bs.members().size(), e.members);
}

INSTANTIATE_TEST_SUITE_P(page_check, EdgePage, testing::ValuesIn(edge_cases),
			 edge_name);

// Every string accessor of a snapshot, bounded by its array: size within
// the array (less than it when the page is valid) and data inside it.
template <std::size_t N>
void expect_bounded(std::string_view v, const char (&a)[N], bool valid)
{
	EXPECT_EQ(v.data(), a);
	EXPECT_LE(v.size(), valid ? N - 1 : N);
	EXPECT_EQ(v.size(), strnlen(a, N));
}

void expect_all_bounded(const exabond::Snapshot &s)
{
	const exabond_page &r = s.raw();

	expect_bounded(s.name(), r.bond.name, s.valid());
	expect_bounded(s.primary(), r.bond.primary, s.valid());
	for (std::size_t i = 0; i < s.members().size(); i++) {
		exabond::Member m = s.members()[i];

		expect_bounded(m.name(), r.members[i].name, s.valid());
		expect_bounded(m.driver(), r.members[i].driver, s.valid());
		expect_bounded(m.bus_info(), r.members[i].bus_info, s.valid());
		EXPECT_NE(m.link_name(), "unknown");
		EXPECT_NE(m.role_name(), "unknown");
	}
	if (s.valid()) {
		EXPECT_NE(s.mode_name(), "unknown");
	}
}

// Valid pages of 1, 2 and 16 members from either publisher: accepted, and
// every string accessor stays in its array.
TEST(page_check_valid, AcceptedAndBounded)
{
	for (std::uint16_t pub :
	     {EXABOND_PUBLISHER_KERNEL, EXABOND_PUBLISHER_MONITOR}) {
		for (unsigned n : {1u, 2u, 16u}) {
			SCOPED_TRACE("publisher " + std::to_string(pub) +
				     ", members " + std::to_string(n));
			GuardedPage page;
			exabond::Snapshot s;

			build_valid(page.get(), n, pub);
			ASSERT_TRUE(s.read(page.get()));
			EXPECT_EQ(s.publisher(), pub);
			EXPECT_EQ(s.members().size(), n);
			EXPECT_EQ(s.name(), "bond0");
			ASSERT_TRUE(s.active_member());
			EXPECT_EQ(s.active_member()->name(), "eth0");
			ASSERT_TRUE(s.member("eth" + std::to_string(n - 1)));
			EXPECT_EQ(s.member(first_member_ifindex + int(n) - 1)
					  ->name(),
				  "eth" + std::to_string(n - 1));
			expect_all_bounded(s);
		}
	}
}

// Strings at full length (15 + NUL, 31 + NUL) and strings with bytes after
// their NUL: accessors end at the NUL, never at the array's end + 1. The
// array's last byte must still be NUL (the ABI pads every string).
TEST(page_check_valid, StringsAtFullLengthAndAfterNul)
{
	GuardedPage page;
	exabond_page *pg = page.get();

	build_valid(pg);
	set_str(pg->bond.name, "bond-0123456789");
	set_str(pg->bond.primary, "eth-0123456789a");
	set_str(pg->members[0].name, "eth-0123456789a");
	set_str(pg->members[0].driver, std::string(31, 'd'));
	set_str(pg->members[0].bus_info, std::string(31, 'u'));
	std::memcpy(pg->members[1].name, "eth1\0garbage!!!", 16);
	std::memcpy(pg->members[1].driver,
		    "e1000e\0zzzzzzzzzzzzzzzzzzzzzzzz", 32);

	exabond::Snapshot s;

	ASSERT_TRUE(s.read(pg));
	EXPECT_EQ(s.name().size(), 15u);
	EXPECT_EQ(s.primary().size(), 15u);
	EXPECT_EQ(s.members()[0].name().size(), 15u);
	EXPECT_EQ(s.members()[0].driver().size(), 31u);
	EXPECT_EQ(s.members()[0].bus_info().size(), 31u);
	EXPECT_EQ(s.members()[1].name(), "eth1");
	EXPECT_EQ(s.members()[1].driver(), "e1000e");
	EXPECT_TRUE(s.member("eth1"));
	EXPECT_FALSE(s.member(std::string_view("eth1\0garbage", 13)));
	expect_all_bounded(s);

	pg->members[1].name[15] = '!';
	const exabond::Status st = s.read(pg);
	EXPECT_EQ(st.code, -EBADMSG);
	EXPECT_STREQ(st.why, "member name is not NUL-terminated");
}

// A refused snapshot of a page whose strings fill their arrays keeps
// nothing of it: the snapshot is all zero, so no hostile value leaks out
// through an accessor.
TEST(page_check_valid, RefusedSnapshotKeepsNothing)
{
	GuardedPage page;
	exabond::Snapshot s;

	build_valid(page.get());
	ASSERT_TRUE(s.read(page.get()));
	std::memset(page.get()->bond.name, 'b', 16);
	std::memset(page.get()->bond.primary, 'p', 16);
	EXPECT_FALSE(s.read(page.get()));
	EXPECT_EQ(s.name().size(), 0u);
	EXPECT_EQ(s.primary().size(), 0u);
	EXPECT_EQ(s.generation(), 0u);
	EXPECT_EQ(s.ifindex(), 0);
	EXPECT_TRUE(s.members().empty());
	expect_all_bounded(s);
}

// Members past member_count are never read: filled with garbage (and,
// under ASan, poisoned, so that reading one aborts), the page is still
// valid, the accessors see only member_count members, and the snapshot's
// entries past member_count are left as they were.
TEST(page_check_valid, MembersPastCountNeverRead)
{
	for (unsigned n : {0u, 1u, 2u, 15u}) {
		SCOPED_TRACE("member_count " + std::to_string(n));
		GuardedPage page;
		exabond_page *pg = page.get();

		build_valid(pg, n ? n : 1);
		pg->bond.member_count = n;
		pg->bond.members_total = n;
		// The active member points into the garbage.
		pg->bond.active_ifindex = -1;
		std::memset(&pg->members[n], 0xff,
			    (EXABOND_MAX_MEMBERS - n) * sizeof(exabond_member));

		// The file copy is made before poisoning.
		TempDir dir;
		const std::string path = dir.page_file("page", pg);

#ifdef PAGE_CHECK_ASAN
		ASAN_POISON_MEMORY_REGION(&pg->members[n],
					  (EXABOND_MAX_MEMBERS - n) *
						  sizeof(exabond_member));
#endif
		alignas(64) exabond_page out{};
		const char *why = "unset";

		std::memset(static_cast<void *>(&out), 0x5a, sizeof(out));
		EXPECT_EQ(exabond_snapshot(pg, &out, &why), 0) << str(why);
		for (unsigned i = n; i < EXABOND_MAX_MEMBERS; i++) {
			const auto *b = reinterpret_cast<const unsigned char *>(
				&out.members[i]);

			for (std::size_t k = 0; k < sizeof(exabond_member); k++)
				ASSERT_EQ(b[k], 0x5a) << "member " << i;
		}

		exabond::Snapshot s;

		ASSERT_TRUE(s.read(pg));
		EXPECT_EQ(s.members().size(), n);
		unsigned seen = 0;

		for (exabond::Member m : s.members()) {
			EXPECT_EQ(m.name(), "eth" + std::to_string(seen));
			seen++;
		}
		EXPECT_EQ(seen, n);
		EXPECT_FALSE(s.member(-1));
		EXPECT_FALSE(s.member(std::string(16, '\xff')));
		EXPECT_FALSE(s.member(std::string(15, '\xff')));
		EXPECT_FALSE(s.active_member());
		for (unsigned i = n; i < EXABOND_MAX_MEMBERS; i++)
			EXPECT_EQ(s.raw().members[i].ifindex, 0);
		expect_all_bounded(s);
#ifdef PAGE_CHECK_ASAN
		ASAN_UNPOISON_MEMORY_REGION(&pg->members[n],
					    (EXABOND_MAX_MEMBERS - n) *
						    sizeof(exabond_member));
#endif

		exabond::Bond bond = exabond::Bond::open_path(path);
		exabond::Snapshot bs;

		EXPECT_TRUE(bond.snapshot(bs));
		EXPECT_EQ(bs.members().size(), n);
		EXPECT_FALSE(bs.active_member());
	}
}

// A newer minor (larger size, fields in the reserved tail) is read as this
// minor reads it: accepted, with the same values, the tail ignored.
TEST(page_check_valid, NewerMinorReadUnchanged)
{
	GuardedPage base, newer;

	build_valid(base.get());
	build_valid(newer.get());
	newer.get()->abi_minor = EXABOND_ABI_MINOR + 7;
	newer.get()->size = EXABOND_PAGE_BYTES;
	std::memset(newer.get()->__reserved, 0xa5,
		    sizeof(newer.get()->__reserved));

	exabond::Snapshot a, b;

	ASSERT_TRUE(a.read(base.get()));
	ASSERT_TRUE(b.read(newer.get()));
	EXPECT_EQ(b.abi_minor(), EXABOND_ABI_MINOR + 7u);
	// Everything from the bond to the end of the members is the same.
	EXPECT_EQ(std::memcmp(&a.raw().bond, &b.raw().bond,
			      EXABOND_PAGE_SIZE_V1_0 -
				      offsetof(exabond_page, bond)),
		  0);
	EXPECT_EQ(a.name(), b.name());
	EXPECT_EQ(a.members().size(), b.members().size());
	EXPECT_EQ(a.generation(), b.generation());
	// The tail is not this reader's to copy.
	for (unsigned char c : b.raw().__reserved)
		ASSERT_EQ(c, 0);

	TempDir dir;
	exabond::Bond bond =
		exabond::Bond::open_path(dir.page_file("page", newer.get()));
	exabond::Snapshot c;

	ASSERT_TRUE(bond.snapshot(c));
	EXPECT_EQ(c.name(), "bond0");
	EXPECT_EQ(c.members().size(), 2u);
}

// A writer that died mid-publication (seq left odd): -EAGAIN, not a hang
// and not a torn copy.
TEST(page_check_valid, OddSeqIsStuckWriter)
{
	GuardedPage page;
	const char *why = nullptr;
	alignas(64) exabond_page out{};

	build_valid(page.get());
	page.get()->seq |= 1;
	EXPECT_EQ(exabond_snapshot(page.get(), &out, &why), -EAGAIN);
	EXPECT_EQ(str(why), "the writer is stuck mid-publication");

	exabond::Snapshot s;
	exabond::Status st = s.read(page.get());

	EXPECT_EQ(st.code, -EAGAIN);
	EXPECT_FALSE(s.valid());
	EXPECT_TRUE(s.members().empty());
}

// Files that are not pages: short files are refused before they are
// mapped (no SIGBUS), others by the header check, others by the kernel.
TEST(page_check_file, EmptyFile)
{
	TempDir dir;
	const std::string path = dir.file("empty", "", 0);
	exabond::Error e = open_error(path);

	EXPECT_EQ(e.op(), "validate");
	EXPECT_EQ(e.path(), path);
	EXPECT_EQ(e.errno_value(), EPROTO);

	const char *why = nullptr;
	int fd = -1;

	errno = 0;
	EXPECT_EQ(exabond_map(path.c_str(), &fd, &why), nullptr);
	EXPECT_EQ(errno, EPROTO);
	EXPECT_EQ(str(why), "shorter than a page");
	EXPECT_EQ(fd, -1);
}

// The first 100 bytes of a valid page: a good header, the rest missing.
TEST(page_check_file, HundredBytesOfAValidPage)
{
	GuardedPage page;
	TempDir dir;

	build_valid(page.get());
	for (std::size_t len : {std::size_t(100), std::size_t(4095)}) {
		SCOPED_TRACE(len);
		const std::string name = "short" + std::to_string(len);
		const std::string path = dir.file(name, page.get(), len);
		exabond::Error e = open_error(path);

		EXPECT_EQ(e.op(), "validate");
		EXPECT_EQ(e.errno_value(), EPROTO);

		const char *why = nullptr;
		int fd = -1;

		errno = 0;
		EXPECT_EQ(exabond_map(path.c_str(), &fd, &why), nullptr);
		EXPECT_EQ(errno, EPROTO);
	}
}

// A page-sized file of text: mapped, then refused by its magic.
TEST(page_check_file, PageSizedText)
{
	std::string text;

	while (text.size() < EXABOND_PAGE_BYTES)
		text += "this is not an exabond page\n";
	TempDir dir;
	const std::string path = dir.file("text", text.data(), text.size());
	exabond::Error e = open_error(path);

	EXPECT_EQ(e.op(), "validate");
	EXPECT_EQ(e.errno_value(), EPROTO);
	EXPECT_EQ(e.detail(), why_magic);
}

// A real file that is not a page at all.
TEST(page_check_file, EtcHostname)
{
	struct stat st;

	if (stat("/etc/hostname", &st) || !S_ISREG(st.st_mode))
		GTEST_SKIP() << "no /etc/hostname";
	exabond::Error e = open_error("/etc/hostname");

	EXPECT_EQ(e.op(), "validate");
	EXPECT_EQ(e.errno_value(), EPROTO);
}

// A directory: an Error (which step refuses it is the kernel's business),
// never a crash.
TEST(page_check_file, Directory)
{
	TempDir dir;
	exabond::Error e = open_error(dir.path());

	EXPECT_NE(e.errno_value(), 0);
	EXPECT_EQ(e.path(), dir.path());

	const char *why = nullptr;
	int fd = -1;

	EXPECT_EQ(exabond_map(dir.path().c_str(), &fd, &why), nullptr);
	EXPECT_EQ(fd, -1);
}

// A FIFO planted where a page should be: refused, never a reader stuck in
// open(2) waiting for a writer. Run in a child with an alarm, so that a
// regression fails the test instead of hanging it.
TEST(page_check_file, FifoDoesNotHang)
{
	TempDir dir;
	const std::string path = dir.path() + "/fifo";

	ASSERT_EQ(mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
	EXPECT_EXIT(
		{
			alarm(60);
			int code = 3;

			try {
				exabond::Bond::open_path(path);
			} catch (const exabond::Error &e) {
				code = e.errno_value() == EPROTO &&
				       e.op() == "validate" ? 0 : 4;
			}
			const char *why = nullptr;
			int fd = -1;

			if (code == 0 &&
			    (exabond_map(path.c_str(), &fd, &why) ||
			     errno != EPROTO))
				code = 5;
			std::_Exit(code);
		},
		testing::ExitedWithCode(0), "");
	unlink(path.c_str());
}

// A page file others may write: refused (EPERM) even with a valid page,
// since anyone could rewrite it under its readers.
TEST(page_check_file, WritableByOthers)
{
	GuardedPage page;
	TempDir dir;

	build_valid(page.get());
	const std::string path = dir.page_file("page", page.get());

	ASSERT_EQ(chmod(path.c_str(), 0666), 0);
	exabond::Error e = open_error(path);

	EXPECT_EQ(e.op(), "validate");
	EXPECT_EQ(e.errno_value(), EPERM);
}

TEST(page_check_file, Missing)
{
	TempDir dir;
	const std::string path = dir.path() + "/none";
	exabond::Error e = open_error(path);

	EXPECT_EQ(e.op(), "open");
	EXPECT_EQ(e.errno_value(), ENOENT);
}

// Character devices that are not exabond nodes: /dev/zero maps as zeros
// (bad magic), /dev/null does not map at all.
TEST(page_check_file, CharDevices)
{
	struct stat st;

	if (stat("/dev/zero", &st) || !S_ISCHR(st.st_mode))
		GTEST_SKIP() << "no /dev/zero";
	exabond::Error z = open_error("/dev/zero");

	EXPECT_EQ(z.op(), "validate");
	EXPECT_EQ(z.errno_value(), EPROTO);
	EXPECT_EQ(z.detail(), why_magic);

	if (stat("/dev/null", &st) || !S_ISCHR(st.st_mode))
		return;
	exabond::Error n = open_error("/dev/null");

	EXPECT_NE(n.errno_value(), 0);
}

// A file longer than a page: only the first page is mapped and read.
TEST(page_check_file, LongerThanAPage)
{
	GuardedPage page;
	std::vector<unsigned char> buf(3 * EXABOND_PAGE_BYTES, 0xff);

	build_valid(page.get());
	std::memcpy(buf.data(), page.get(), EXABOND_PAGE_BYTES);
	TempDir dir;
	exabond::Bond bond = exabond::Bond::open_path(
		dir.file("long", buf.data(), buf.size()));
	exabond::Snapshot s;

	EXPECT_TRUE(bond.snapshot(s));
	EXPECT_EQ(s.members().size(), 2u);
}

} // namespace
