// SPDX-License-Identifier: GPL-2.0
//
// exabond-storm-reader: the reading side of tests/vm/tests/lifecycle_storm.sh.
// While writers create, manage, rename, release and delete bonds as fast as
// they can, it keeps discovering /dev/exabond-* nodes, maps every one it can
// open (a node may vanish between readdir and open: that is counted, not an
// error) and checks every snapshot it takes against the page ABI and against
// the snapshots it took before on the same mapping. It reads the page with
// the ABI header alone, following page.h's reader protocol itself, so that
// neither libexabond's checks nor its retry policy hide anything.
//
//	exabond-storm-reader [OPTIONS]
//		--name NAME		prefix of every output line
//		--wait			wait with poll() on every node and read()
//					the generation on each wake-up, instead
//					of snapshotting in a loop; checks that a
//					wake-up means a new generation and that
//					POLLHUP means a dead page and end of file
//		--forbid-modes LIST	bonding modes (numbers, comma-separated)
//					no managed bond may ever be in: the
//					writers only try them on bonds the policy
//					must refuse
//		--keep-dead-ms MIN,MAX	how long a dead page stays mapped (and
//					re-checked) before it is dropped
//		--seconds N		stop after N seconds (default: at
//					SIGTERM or SIGINT only)
//
// Per snapshot: the header and ABI; seq even and the copy consistent; the hot
// word (copied in the same seqlock window) equal to the snapshot's active
// member and flags; member_count within the array, equal to min(members_total,
// capacity) with the overflow flag iff more, exactly the first member_count
// entries populated and the rest zero; the active member one of the members
// and the only one flagged active; every string terminated, every enum in
// range, every padding and reserved byte zero; the dead flag iff the last
// event was a release or a deletion; the times in order. Across snapshots of
// one mapping: the bond's identity never changes; the generation never goes
// back; a snapshot with the same generation is the same bytes (a change
// without a new generation, or a torn copy the seqlock let through); seq
// moved by at least two per new generation; the failover count and the hot
// word's epoch move with the active member; once dead, always dead and never
// another generation; the hot word and the generation loaded alone just
// before a snapshot are no newer than it. A page seen dead must belong to a
// bond that is gone or no longer managed: once RTNL, which the final
// publication and the node's removal hold together, has been taken and
// released (a read of the control file), no node has the page's device
// number, and if it died deleted, no interface has its ifindex.
//
// Without --wait it snapshots every mapped page for 2 ms, then the page that
// last moved alone for 3 ms, then sleeps 6 ms: the VM's two CPUs are shared
// with every writer. Half of its mappings have their file closed at once.
// Dead pages stay mapped and re-checked for --keep-dead-ms, then dropped.
//
// The summary line: "NAME: snapshots N retries N pages N dead N hup N
// wakeups N sleeps N vanished N violations N" (retries: copies the seqlock
// made it redo; pages: distinct pages mapped; sleeps: blocking read()s;
// vanished: nodes gone between readdir and open). Every violation is
// printed on its own line, "NAME: VIOLATION ...", the first 50 in full.
// Exit status 1 if any, 2 on a usage or setup error, else 0.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <exabond/page.h>

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t stop_requested = 0;

void on_stop(int) { stop_requested = 1; }
void on_alarm(int) {}

// --- RAII ---------------------------------------------------------------------

class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd(Fd &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
	Fd &operator=(Fd &&o) noexcept
	{
		if (this != &o) {
			reset();
			fd_ = o.fd_;
			o.fd_ = -1;
		}
		return *this;
	}
	~Fd() { reset(); }
	void reset()
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = -1;
	}
	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }

private:
	int fd_ = -1;
};

class Mapping {
public:
	Mapping() = default;
	explicit Mapping(void *p) : p_(p) {}
	Mapping(const Mapping &) = delete;
	Mapping &operator=(const Mapping &) = delete;
	Mapping(Mapping &&o) noexcept : p_(o.p_) { o.p_ = nullptr; }
	Mapping &operator=(Mapping &&o) noexcept
	{
		if (this != &o) {
			reset();
			p_ = o.p_;
			o.p_ = nullptr;
		}
		return *this;
	}
	~Mapping() { reset(); }
	void reset()
	{
		if (p_)
			::munmap(p_, EXABOND_PAGE_BYTES);
		p_ = nullptr;
	}
	const exabond_page *page() const
	{
		return static_cast<const exabond_page *>(p_);
	}

private:
	void *p_ = nullptr;
};

// --- options and counters -------------------------------------------------------

struct Options {
	std::string name = "reader";
	bool wait = false;
	std::set<unsigned> forbidden_modes;
	int keep_dead_min_ms = 500;
	int keep_dead_max_ms = 3000;
	double seconds = 0;
};

Options opt;

struct Counters {
	std::uint64_t snapshots = 0;
	std::uint64_t retries = 0;
	std::uint64_t pages = 0;
	std::uint64_t dead = 0;
	std::uint64_t hup = 0;
	std::uint64_t wakeups = 0;
	std::uint64_t vanished = 0;
	std::uint64_t violations = 0;
	std::uint64_t sleeps = 0;	// blocking read() that slept (EINTR or data)
} count;

constexpr std::uint64_t kMaxPrinted = 50;

void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void violation(const char *fmt, ...)
{
	++count.violations;
	if (count.violations > kMaxPrinted)
		return;
	std::va_list ap;
	va_start(ap, fmt);
	std::printf("%s: VIOLATION ", opt.name.c_str());
	std::vprintf(fmt, ap);
	std::printf("\n");
	std::fflush(stdout);
	va_end(ap);
}

[[noreturn]] void usage_error(const char *what)
{
	std::fprintf(stderr, "exabond-storm-reader: %s\n", what);
	std::exit(2);
}

// --- the reader protocol (page.h, R1..R4) ---------------------------------------

constexpr std::size_t kWords = EXABOND_PAGE_BYTES / 8;

// One consistent copy of the whole page (R1..R4). Relaxed 8-byte loads:
// the same as the portable reader of reader.h. False if the writer kept seq
// odd for a very long time.
bool take_snapshot(const exabond_page *pg, exabond_page &out, std::uint32_t &seq_out)
{
	const auto *src = reinterpret_cast<const std::uint64_t *>(pg);
	auto *dst = reinterpret_cast<unsigned char *>(&out);

	for (unsigned tries = 0; tries < (1U << 24); ++tries) {
		std::uint32_t seq = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);	// R1
		if (seq & 1) {
			++count.retries;
			if (tries > 1000)
				sched_yield();
			continue;
		}
		for (std::size_t i = 0; i < kWords; ++i) {				// R2
			std::uint64_t w = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
			std::memcpy(dst + 8 * i, &w, 8);
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);				// R3
		if (__atomic_load_n(&pg->seq, __ATOMIC_RELAXED) == seq) {		// R4
			seq_out = seq;
			return true;
		}
		++count.retries;
	}
	return false;
}

// --- what one snapshot must satisfy ------------------------------------------------

bool all_zero(const void *p, std::size_t n)
{
	const auto *b = static_cast<const unsigned char *>(p);
	for (std::size_t i = 0; i < n; ++i)
		if (b[i])
			return false;
	return true;
}

std::string str(const char *s, std::size_t n)
{
	std::size_t len = strnlen(s, n);
	return std::string(s, len);
}

// A string field that holds a name: terminated, NUL-padded after its end.
bool padded(const char *s, std::size_t n)
{
	std::size_t len = strnlen(s, n);
	return len < n && all_zero(s + len, n - len);
}

// "what" of the mapping, for messages: node, ifindex, name, generation.
std::string label(const std::string &node, const exabond_page &s)
{
	char buf[160];
	std::snprintf(buf, sizeof(buf), "%s (bond %d %s gen %" PRIu64 " event %u)",
		      node.c_str(), s.bond.ifindex,
		      str(s.bond.name, sizeof(s.bond.name)).c_str(),
		      std::uint64_t(s.generation), s.event);
	return buf;
}

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			char msg_[256];                                         \
			std::snprintf(msg_, sizeof(msg_), __VA_ARGS__);         \
			violation("%s: %s", label(node, s).c_str(), msg_);      \
			ok = false;                                             \
		}                                                               \
	} while (0)

constexpr std::uint64_t kHotKnownFlags = EXABOND_HOT_F_HAS_ACTIVE |
	EXABOND_HOT_F_UP | EXABOND_HOT_F_DEAD | EXABOND_HOT_F_NONCOMPLIANT;

bool check_member(const std::string &node, const exabond_page &s, unsigned i)
{
	bool ok = true;
	const exabond_member &m = s.members[i];

	CHECK(m.ifindex > 0, "member %u: ifindex %d", i, m.ifindex);
	CHECK(m.ifindex != s.bond.ifindex, "member %u is the bond itself", i);
	CHECK(padded(m.name, sizeof(m.name)) && m.name[0],
	      "member %u: name not a NUL-padded name", i);
	CHECK(padded(m.driver, sizeof(m.driver)), "member %u: driver not NUL-padded", i);
	CHECK(padded(m.bus_info, sizeof(m.bus_info)),
	      "member %u: bus_info not NUL-padded", i);
	CHECK(m.link <= EXABOND_LINK_BACK, "member %u: link %u", i, m.link);
	CHECK(m.role <= EXABOND_ROLE_BACKUP, "member %u: role %u", i, m.role);
	CHECK(m.carrier <= 1, "member %u: carrier %u", i, m.carrier);
	CHECK(m.duplex == EXABOND_DUPLEX_HALF || m.duplex == EXABOND_DUPLEX_FULL ||
		      m.duplex == EXABOND_DUPLEX_UNKNOWN,
	      "member %u: duplex %u", i, m.duplex);
	CHECK(m.operstate <= 6, "member %u: operstate %u", i, m.operstate);
	CHECK(!(m.flags & ~(EXABOND_MEMBER_F_PRIMARY | EXABOND_MEMBER_F_ACTIVE)),
	      "member %u: unknown flags %#x", i, m.flags);
	CHECK(m.__pad0 == 0 && all_zero(m.__reserved, sizeof(m.__reserved)),
	      "member %u: padding not zero", i);
	return ok;
}

// Everything one snapshot must satisfy on its own.
bool check_snapshot(const std::string &node, const exabond_page &s,
		    std::uint32_t seq, unsigned long netns_ino)
{
	bool ok = true;
	const exabond_bond &b = s.bond;
	const exabond_policy &pol = s.policy;
	const std::uint64_t hot = s.hot;

	// Header and ABI.
	CHECK(s.magic == EXABOND_PAGE_MAGIC, "magic %#x", s.magic);
	CHECK(s.abi_major == EXABOND_ABI_MAJOR && s.abi_minor == EXABOND_ABI_MINOR,
	      "ABI %u.%u", s.abi_major, s.abi_minor);
	CHECK(s.size == EXABOND_PAGE_SIZE_V1_0, "size %u", s.size);
	CHECK(s.publisher == EXABOND_PUBLISHER_KERNEL, "publisher %u", s.publisher);
	CHECK(s.member_max == EXABOND_MAX_MEMBERS, "member_max %u", s.member_max);
	CHECK(s.seq == seq && !(seq & 1), "seq %u in a window of seq %u", s.seq, seq);
	CHECK(s.__pad0 == 0, "header padding %u", s.__pad0);
	CHECK(s.generation >= 1, "generation 0 on a visible page");
	CHECK(all_zero(s.__reserved, sizeof(s.__reserved)), "reserved tail not zero");

	// The hot word against the snapshot it was copied with.
	CHECK(EXABOND_HOT_IFINDEX(hot) == std::uint32_t(b.active_ifindex),
	      "hot word names ifindex %u, the snapshot %d", EXABOND_HOT_IFINDEX(hot),
	      b.active_ifindex);
	CHECK(!(hot & EXABOND_HOT_F_HAS_ACTIVE) == !b.active_ifindex,
	      "hot HAS_ACTIVE %d with active ifindex %d",
	      !!(hot & EXABOND_HOT_F_HAS_ACTIVE), b.active_ifindex);
	bool up = (b.flags & EXABOND_BOND_F_ADMIN_UP) && (b.flags & EXABOND_BOND_F_CARRIER);
	CHECK(!(hot & EXABOND_HOT_F_UP) == !up, "hot UP %d with bond flags %#x",
	      !!(hot & EXABOND_HOT_F_UP), b.flags);
	CHECK(!(hot & EXABOND_HOT_F_NONCOMPLIANT) == !!(pol.flags & EXABOND_POLICY_F_COMPLIANT),
	      "hot NONCOMPLIANT %d with policy flags %#x",
	      !!(hot & EXABOND_HOT_F_NONCOMPLIANT), pol.flags);
	CHECK(!((hot >> EXABOND_HOT_FLAGS_SHIFT) & 0xffff & ~(kHotKnownFlags >> EXABOND_HOT_FLAGS_SHIFT)),
	      "unknown hot flags in %#" PRIx64, std::uint64_t(hot));
	bool dead = hot & EXABOND_HOT_F_DEAD;
	bool final_event = s.event == EXABOND_EVENT_UNMANAGE ||
			   s.event == EXABOND_EVENT_BOND_DELETE;
	CHECK(dead == final_event, "dead %d with event %u", dead, s.event);
	CHECK(s.event >= EXABOND_EVENT_MANAGE && s.event <= EXABOND_EVENT_RESYNC,
	      "event %u out of range", s.event);
	// Epoch and failover count move together; the first publication's
	// active member counts in the epoch only.
	std::uint16_t lag = std::uint16_t(EXABOND_HOT_EPOCH(hot) -
					  std::uint16_t(b.failover_count));
	CHECK(lag <= 1, "hot epoch %u against failover_count %" PRIu64,
	      EXABOND_HOT_EPOCH(hot), std::uint64_t(b.failover_count));

	// Times: managed, then the event, then its publication.
	CHECK(pol.managed_since_ns && pol.managed_since_ns <= s.event_ns &&
		      s.event_ns <= s.publish_ns,
	      "times out of order: managed %" PRIu64 " event %" PRIu64 " published %" PRIu64,
	      std::uint64_t(pol.managed_since_ns), std::uint64_t(s.event_ns),
	      std::uint64_t(s.publish_ns));

	// The bond.
	CHECK(b.ifindex > 0, "bond ifindex %d", b.ifindex);
	CHECK(padded(b.name, sizeof(b.name)) && b.name[0], "bond name not a NUL-padded name");
	CHECK(padded(b.primary, sizeof(b.primary)), "primary not NUL-padded");
	CHECK(b.netns_ino == netns_ino, "netns %u, the storm runs in %lu", b.netns_ino,
	      netns_ino);
	CHECK(b.mode <= EXABOND_MODE_BALANCE_ALB, "mode %u", b.mode);
	CHECK(b.xmit_hash_policy <= EXABOND_XMIT_VLAN_SRCMAC, "xmit_hash_policy %u",
	      b.xmit_hash_policy);
	CHECK(b.operstate <= 6, "operstate %u", b.operstate);
	CHECK(b.primary_reselect <= 2, "primary_reselect %u", b.primary_reselect);
	CHECK(b.fail_over_mac <= 2, "fail_over_mac %u", b.fail_over_mac);
	CHECK(b.arp_validate <= 6, "arp_validate %u", b.arp_validate);
	CHECK(b.arp_all_targets <= 1, "arp_all_targets %u", b.arp_all_targets);
	CHECK(b.arp_ip_target_count <= EXABOND_MAX_ARP_TARGETS, "arp_ip_target_count %u",
	      b.arp_ip_target_count);
	CHECK(all_zero(b.__pad0, sizeof(b.__pad0)), "bond padding not zero");
	CHECK(!(b.flags & ~0xfU), "unknown bond flags %#x", b.flags);
	CHECK(!(b.flags & EXABOND_BOND_F_AD_INFO_VALID) || b.mode == EXABOND_MODE_8023AD,
	      "802.3ad data in mode %u", b.mode);
	if (!(pol.flags & EXABOND_POLICY_F_NO_HOOK))
		CHECK(!opt.forbidden_modes.count(b.mode),
		      "a managed bond in mode %u, which no policy of the storm allows", b.mode);

	// Members: count, populated prefix, zero tail.
	CHECK(b.member_count <= s.member_max, "member_count %u over capacity %u",
	      b.member_count, s.member_max);
	CHECK(b.member_count == std::min<std::uint32_t>(b.members_total, EXABOND_MAX_MEMBERS),
	      "member_count %u with members_total %u", b.member_count, b.members_total);
	bool overflow = b.flags & EXABOND_BOND_F_MEMBER_OVERFLOW;
	CHECK(overflow == (b.members_total > b.member_count),
	      "overflow flag %d with %u of %u members", overflow, b.member_count,
	      b.members_total);
	unsigned n = std::min<unsigned>(b.member_count, EXABOND_MAX_MEMBERS);
	unsigned flagged_active = 0, flagged_primary = 0;
	bool active_listed = false, primary_listed = false;
	std::set<int> seen;
	for (unsigned i = 0; i < n; ++i) {
		const exabond_member &m = s.members[i];
		ok &= check_member(node, s, i);
		CHECK(seen.insert(m.ifindex).second, "member ifindex %d listed twice", m.ifindex);
		if (m.flags & EXABOND_MEMBER_F_ACTIVE) {
			++flagged_active;
			CHECK(m.ifindex == b.active_ifindex,
			      "member %d flagged active, the active member is %d",
			      m.ifindex, b.active_ifindex);
		}
		if (m.flags & EXABOND_MEMBER_F_PRIMARY) {
			++flagged_primary;
			CHECK(m.ifindex == b.primary_ifindex,
			      "member %d flagged primary, the primary is %d", m.ifindex,
			      b.primary_ifindex);
		}
		active_listed |= m.ifindex == b.active_ifindex;
		primary_listed |= m.ifindex == b.primary_ifindex;
	}
	for (unsigned i = n; i < EXABOND_MAX_MEMBERS; ++i)
		CHECK(all_zero(&s.members[i], sizeof(s.members[i])),
		      "member entry %u populated past member_count %u", i, n);
	if (b.active_ifindex) {
		CHECK(b.mode == EXABOND_MODE_ACTIVE_BACKUP ||
			      b.mode == EXABOND_MODE_BALANCE_TLB ||
			      b.mode == EXABOND_MODE_BALANCE_ALB,
		      "an active member in mode %u", b.mode);
		if (!overflow) {
			std::string list;
			for (unsigned i = 0; i < n; ++i)
				list += " " + std::to_string(s.members[i].ifindex);
			CHECK(active_listed && flagged_active == 1,
			      "active member %d is %s, %u member(s) flagged active; members:%s",
			      b.active_ifindex, active_listed ? "listed" : "not a member",
			      flagged_active, list.empty() ? " none" : list.c_str());
		}
	} else {
		CHECK(flagged_active == 0, "%u member(s) flagged active with none active",
		      flagged_active);
	}
	if (b.primary_ifindex && !overflow)
		CHECK(primary_listed, "primary %d is not a member", b.primary_ifindex);
	CHECK(flagged_primary <= 1, "%u members flagged primary", flagged_primary);

	// 802.3ad and policy sections.
	CHECK(all_zero(s.ad.__pad0, sizeof(s.ad.__pad0)) &&
		      all_zero(s.ad.__reserved, sizeof(s.ad.__reserved)),
	      "802.3ad padding not zero");
	CHECK(!(pol.flags & ~0x3fU), "unknown policy flags %#x", pol.flags);
	CHECK(!(pol.violations & ~0x3fU), "unknown violation bits %#x", pol.violations);
	CHECK(!(pol.flags & EXABOND_POLICY_F_COMPLIANT) == !!pol.violations,
	      "compliant flag %d with violations %#x",
	      !!(pol.flags & EXABOND_POLICY_F_COMPLIANT), pol.violations);
	CHECK(!(pol.refreshed & ~0x1fU), "unknown refreshed bits %#x", pol.refreshed);
	CHECK(pol.refresh_interval_ms == (pol.refreshed ? 100U : 0U),
	      "refresh interval %u with refreshed %#x", pol.refresh_interval_ms,
	      pol.refreshed);
	CHECK(!(pol.allowed_modes & ~0x7fU), "allowed_modes %#x", pol.allowed_modes);
	for (unsigned mode : opt.forbidden_modes)
		CHECK(!(pol.allowed_modes & (1U << mode)),
		      "allowed_modes %#x allows mode %u, which no policy of the storm does",
		      pol.allowed_modes, mode);
	CHECK(all_zero(pol.__reserved, sizeof(pol.__reserved)), "policy padding not zero");
	return ok;
}

// Fields that may change without a new generation: seq itself, and the
// refresh time (refresh.c records it under the seqlock without publishing).
void mask_unpublished(exabond_page &p)
{
	p.seq = 0;
	p.policy.last_refresh_ns = 0;
}

// What a new snapshot of one mapping must satisfy given the previous one.
bool check_step(const std::string &node, const exabond_page &prev, const exabond_page &s)
{
	bool ok = true;
	const bool prev_dead = prev.hot & EXABOND_HOT_F_DEAD;

	CHECK(s.bond.ifindex == prev.bond.ifindex && s.bond.netns_ino == prev.bond.netns_ino &&
		      s.bond.netns_cookie == prev.bond.netns_cookie &&
		      s.policy.managed_since_ns == prev.policy.managed_since_ns,
	      "identity changed: was bond %d managed since %" PRIu64, prev.bond.ifindex,
	      std::uint64_t(prev.policy.managed_since_ns));
	CHECK(s.generation >= prev.generation, "generation went back from %" PRIu64,
	      std::uint64_t(prev.generation));
	if (s.generation == prev.generation) {
		exabond_page a = prev, c = s;
		mask_unpublished(a);
		mask_unpublished(c);
		if (std::memcmp(&a, &c, sizeof(a))) {
			std::size_t off = 0;
			const auto *pa = reinterpret_cast<const unsigned char *>(&a);
			const auto *pc = reinterpret_cast<const unsigned char *>(&c);
			while (pa[off] == pc[off])
				++off;
			CHECK(false,
			      "same generation, different bytes: first at offset %zu (%#x -> %#x)%s",
			      off, pa[off], pc[off],
			      prev_dead ? " on a dead page" : "");
		}
		return ok;
	}
	if (s.generation < prev.generation)
		return ok;

	const std::uint64_t gens = s.generation - prev.generation;
	CHECK(!prev_dead, "a dead page published again (was generation %" PRIu64 ")",
	      std::uint64_t(prev.generation));
	std::int32_t seqs = std::int32_t(s.seq - prev.seq);
	CHECK(seqs >= 0 && std::uint64_t(seqs) >= 2 * gens,
	      "seq moved by %d for %" PRIu64 " new generation(s)", seqs, gens);
	CHECK(s.publish_ns >= prev.publish_ns, "publication time went back from %" PRIu64,
	      std::uint64_t(prev.publish_ns));
	CHECK(s.bond.failover_count >= prev.bond.failover_count,
	      "failover_count went back from %" PRIu64, std::uint64_t(prev.bond.failover_count));
	CHECK(s.bond.failover_count - prev.bond.failover_count <= gens,
	      "failover_count rose by %" PRIu64 " in %" PRIu64 " generation(s)",
	      std::uint64_t(s.bond.failover_count - prev.bond.failover_count), gens);
	std::uint16_t epochs = std::uint16_t(EXABOND_HOT_EPOCH(s.hot) - EXABOND_HOT_EPOCH(prev.hot));
	CHECK(epochs <= gens, "hot epoch moved by %u in %" PRIu64 " generation(s)", epochs, gens);
	if (s.bond.active_ifindex != prev.bond.active_ifindex)
		CHECK(epochs >= 1 && s.bond.failover_count > prev.bond.failover_count,
		      "active member %d -> %d without a failover counted", prev.bond.active_ifindex,
		      s.bond.active_ifindex);
	return ok;
}

#undef CHECK

// --- nodes ---------------------------------------------------------------------------

std::string sys_read(const std::string &path)
{
	Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		return {};
	char buf[4096];
	ssize_t n = ::read(fd.get(), buf, sizeof(buf) - 1);
	if (n <= 0)
		return {};
	buf[n] = 0;
	std::string s(buf);
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

// Does any node under /sys/class/exabond have this device number?
bool node_with_devt(dev_t rdev)
{
	char want[32];
	std::snprintf(want, sizeof(want), "%u:%u", major(rdev), minor(rdev));
	std::unique_ptr<DIR, int (*)(DIR *)> dir(::opendir("/sys/class/exabond"), ::closedir);
	if (!dir)
		return false;
	while (dirent *e = ::readdir(dir.get())) {
		if (std::strncmp(e->d_name, "exabond-", 8))
			continue;
		if (sys_read(std::string("/sys/class/exabond/") + e->d_name + "/dev") == want)
			return true;
	}
	return false;
}

struct Held {
	std::string node;	// the path it was opened by
	dev_t rdev = 0;
	Fd fd;			// may be closed early: the mapping holds the file
	Mapping map;
	bool have_prev = false;
	exabond_page prev{};
	bool dead = false;
	Clock::time_point drop_at{};
	// --wait
	std::uint64_t observed = 0;	// the last generation read() returned
	bool eof = false;
	bool hup = false;
};

std::mt19937_64 rng;

int rand_between(int lo, int hi)
{
	return std::uniform_int_distribution<int>(lo, hi)(rng);
}

class Reader {
public:
	explicit Reader(unsigned long netns_ino) : netns_ino_(netns_ino) {}

	void discover();
	void snapshot_all();
	void focus(std::chrono::microseconds how_long);
	void wait_round();
	void drop_expired();
	void drop_all()
	{
		moved_ = nullptr;
		held_.clear();
	}

private:
	bool snapshot(Held &h);
	void became_dead(Held &h, const exabond_page &s);
	void on_wakeup(Held &h, short revents);
	void sleeping_read(Held &h);

	unsigned long netns_ino_;
	std::vector<std::unique_ptr<Held>> held_;
	std::set<dev_t> known_;		// every page this reader mapped
	Held *moved_ = nullptr;		// a live page whose generation moved
	exabond_page snap_{};
};

void Reader::discover()
{
	std::unique_ptr<DIR, int (*)(DIR *)> dir(::opendir("/dev"), ::closedir);
	if (!dir)
		usage_error("cannot read /dev");
	std::vector<std::string> names;
	while (dirent *e = ::readdir(dir.get()))
		if (!std::strncmp(e->d_name, "exabond-", 8))
			names.emplace_back(e->d_name);
	dir.reset();

	for (const std::string &name : names) {
		const std::string path = "/dev/" + name;
		struct stat st {};
		if (::stat(path.c_str(), &st)) {
			++count.vanished;
			continue;
		}
		if (known_.count(st.st_rdev))
			continue;
		int flags = O_RDONLY | O_CLOEXEC | (opt.wait ? 0 : O_NONBLOCK);
		Fd fd(::open(path.c_str(), flags));
		if (!fd) {
			// Gone between readdir and open, or removed as we opened.
			if (errno == ENOENT || errno == ENXIO) {
				++count.vanished;
				continue;
			}
			violation("%s: open: %s", path.c_str(), std::strerror(errno));
			continue;
		}
		if (::fstat(fd.get(), &st)) {
			violation("%s: fstat: %s", path.c_str(), std::strerror(errno));
			continue;
		}
		if (!S_ISCHR(st.st_mode)) {
			violation("%s: not a character device", path.c_str());
			continue;
		}
		if (known_.count(st.st_rdev)) {
			// The name moved to a page we have (a rename), or a
			// page we dropped opens again, which it must not: its
			// node went when it died.
			bool dropped = true;
			for (const auto &h : held_)
				dropped &= h->rdev != st.st_rdev;
			if (dropped)
				violation("%s: the node of a dead page (%u:%u) opened again",
					  path.c_str(), major(st.st_rdev), minor(st.st_rdev));
			continue;
		}
		void *p = ::mmap(nullptr, EXABOND_PAGE_BYTES, PROT_READ, MAP_SHARED, fd.get(), 0);
		if (p == MAP_FAILED) {
			violation("%s: mmap: %s", path.c_str(), std::strerror(errno));
			continue;
		}
		auto h = std::make_unique<Held>();
		h->node = path;
		h->rdev = st.st_rdev;
		h->map = Mapping(p);
		// The mapping alone keeps the page: drop half the files at
		// once (never in --wait, which needs them).
		if (opt.wait || rand_between(0, 1))
			h->fd = std::move(fd);
		known_.insert(st.st_rdev);
		++count.pages;
		Held &ref = *h;
		held_.push_back(std::move(h));
		snapshot(ref);
	}
}

// One snapshot of @h with every check; false if the page is to be left
// alone from now (it could not be read).
bool Reader::snapshot(Held &h)
{
	const exabond_page *pg = h.map.page();
	// The hot word and the generation alone, as the hot path reads them:
	// a snapshot taken after either load is at least as new as it.
	const std::uint64_t hot_alone = __atomic_load_n(&pg->hot, __ATOMIC_ACQUIRE);
	const std::uint64_t gen_alone = __atomic_load_n(&pg->generation, __ATOMIC_ACQUIRE);
	std::uint32_t seq = 0;

	if (!take_snapshot(pg, snap_, seq)) {
		violation("%s: seq stayed odd through 16M tries", h.node.c_str());
		return false;
	}
	++count.snapshots;
	const exabond_page &s = snap_;
	const std::string &node = h.node;
	// A snapshot of the generation checked last time must be the same
	// bytes (check_step); only a new one needs checking on its own.
	if (!h.have_prev || s.generation != h.prev.generation)
		check_snapshot(node, s, seq, netns_ino_);
	if (s.generation < gen_alone)
		violation("%s: snapshot generation %" PRIu64 " older than the %" PRIu64
			  " loaded before it", label(node, s).c_str(),
			  std::uint64_t(s.generation), gen_alone);
	if (h.have_prev) {
		check_step(node, h.prev, s);
		if (s.generation == h.prev.generation && hot_alone != s.hot)
			violation("%s: hot word %#" PRIx64 " loaded between two snapshots of "
				  "one generation, which both hold %#" PRIx64,
				  label(node, s).c_str(), hot_alone, std::uint64_t(s.hot));
	}
	const bool dead = s.hot & EXABOND_HOT_F_DEAD;
	if (dead && !h.dead)
		became_dead(h, s);
	h.prev = s;
	h.have_prev = true;
	return true;
}

// A page seen dead for the first time: its bond must be gone or no longer
// managed. The final publication and the removal of the node happen in one
// hold of RTNL (managed.c, exabond_release), and reading the control file
// takes RTNL: once that read returns, the management that published the
// final state has no node any more, whatever happened since.
void Reader::became_dead(Held &h, const exabond_page &s)
{
	h.dead = true;
	++count.dead;
	h.drop_at = Clock::now() +
		    std::chrono::milliseconds(rand_between(opt.keep_dead_min_ms, opt.keep_dead_max_ms));

	std::string managed = sys_read("/sys/class/net/exabond_masters");
	char name[IF_NAMESIZE];
	const bool exists = ::if_indextoname(unsigned(s.bond.ifindex), name) != nullptr;
	if (s.event == EXABOND_EVENT_BOND_DELETE && exists)
		violation("%s: dead as deleted, but interface %d is still there as %s",
			  label(h.node, s).c_str(), s.bond.ifindex, name);
	if (node_with_devt(h.rdev))
		violation("%s: dead, yet its node %u:%u is still there after RTNL was "
			  "released (interface %d %s; managed: %s)", label(h.node, s).c_str(),
			  major(h.rdev), minor(h.rdev), s.bond.ifindex,
			  exists ? name : "gone", managed.c_str());
}

void Reader::snapshot_all()
{
	for (auto &h : held_) {
		const std::uint64_t before = h->prev.generation;
		snapshot(*h);
		if (h->have_prev && h->prev.generation != before && !h->dead)
			moved_ = h.get();
	}
}

// Publications come in bursts (a release alone makes three or four): once a
// page moved, snapshot it alone back to back for a while, so that a copy is
// under way whenever the next one of the burst is written. A torn copy the
// seqlock lets through can only be caught while that happens.
void Reader::focus(std::chrono::microseconds how_long)
{
	Held *h = moved_;
	moved_ = nullptr;
	if (!h)
		return;
	const auto until = Clock::now() + how_long;
	while (Clock::now() < until && !stop_requested && !h->dead)
		snapshot(*h);
}

void Reader::drop_expired()
{
	const auto now = Clock::now();
	moved_ = nullptr;
	for (auto it = held_.begin(); it != held_.end();) {
		Held &h = **it;
		if (h.dead && now >= h.drop_at && (!opt.wait || h.eof)) {
			snapshot(h);	// still the final state, one last time
			it = held_.erase(it);
		} else {
			++it;
		}
	}
}

// A wake-up on a node: POLLIN means a generation this file has not read;
// POLLHUP a released or deleted bond, whose last read()s give the final
// generation and then end of file.
void Reader::on_wakeup(Held &h, short revents)
{
	++count.wakeups;
	std::uint64_t gen = 0;

	if (revents & POLLHUP) {
		if (!h.hup)
			++count.hup;
		h.hup = true;
		snapshot(h);
		if (!(h.prev.hot & EXABOND_HOT_F_DEAD))
			violation("%s: POLLHUP on a page that is not dead", label(h.node, h.prev).c_str());
	}
	if (!(revents & (POLLIN | POLLHUP)))
		return;

	ssize_t n = ::read(h.fd.get(), &gen, sizeof(gen));
	if (n == 0) {
		if (!h.hup)
			violation("%s: end of file without POLLHUP", h.node.c_str());
		snapshot(h);
		if (!(h.prev.hot & EXABOND_HOT_F_DEAD))
			violation("%s: end of file on a page that is not dead",
				  label(h.node, h.prev).c_str());
		else if (h.prev.generation != h.observed)
			violation("%s: end of file before the final generation was read "
				  "(read %" PRIu64 ")", label(h.node, h.prev).c_str(), h.observed);
		h.eof = true;
		return;
	}
	if (n != sizeof(gen)) {
		violation("%s: read returned %zd (%s)", h.node.c_str(), n,
			  n < 0 ? std::strerror(errno) : "short");
		h.eof = true;	// stop polling it
		return;
	}
	if (gen <= h.observed)
		violation("%s: woken for generation %" PRIu64 ", already read %" PRIu64,
			  h.node.c_str(), gen, h.observed);
	h.observed = gen;
	snapshot(h);
	if (h.prev.generation < gen)
		violation("%s: read() gave generation %" PRIu64 ", a later snapshot is older",
			  label(h.node, h.prev).c_str(), gen);
}

// A read() that has to sleep: the generation was just read, so it blocks
// until the page changes, or until the timer interrupts it.
void Reader::sleeping_read(Held &h)
{
	itimerval t{};
	t.it_value.tv_usec = 100000;
	::setitimer(ITIMER_REAL, &t, nullptr);
	std::uint64_t gen = 0;
	ssize_t n = ::read(h.fd.get(), &gen, sizeof(gen));
	int err = errno;
	t.it_value.tv_usec = 0;
	::setitimer(ITIMER_REAL, &t, nullptr);
	++count.sleeps;
	if (n < 0 && err == EINTR)
		return;
	if (n == 0) {
		snapshot(h);
		if (!(h.prev.hot & EXABOND_HOT_F_DEAD))
			violation("%s: blocking read: end of file on a page that is not dead",
				  label(h.node, h.prev).c_str());
		h.eof = true;
		return;
	}
	if (n != sizeof(gen)) {
		violation("%s: blocking read returned %zd (%s)", h.node.c_str(), n,
			  n < 0 ? std::strerror(err) : "short");
		h.eof = true;
		return;
	}
	if (gen <= h.observed)
		violation("%s: blocking read woke for generation %" PRIu64 ", already read %" PRIu64,
			  h.node.c_str(), gen, h.observed);
	h.observed = gen;
	snapshot(h);
}

void Reader::wait_round()
{
	std::vector<pollfd> fds;
	std::vector<Held *> who;
	for (auto &h : held_) {
		if (h->eof || !h->fd)
			continue;
		fds.push_back({h->fd.get(), POLLIN, 0});
		who.push_back(h.get());
	}
	int n = ::poll(fds.data(), fds.size(), 20);
	if (n < 0) {
		if (errno != EINTR)
			violation("poll: %s", std::strerror(errno));
		return;
	}
	for (std::size_t i = 0; i < fds.size(); ++i)
		if (fds[i].revents)
			on_wakeup(*who[i], fds[i].revents);
	// Now and then, sleep in read() on one live node.
	if (!who.empty() && rand_between(0, 9) == 0) {
		Held &h = *who[std::size_t(rand_between(0, int(who.size()) - 1))];
		if (!h.eof && !h.hup && h.observed)
			sleeping_read(h);
	}
	// Dead pages are re-checked until dropped.
	for (auto &h : held_)
		if (h->dead)
			snapshot(*h);
}

void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; ++i) {
		std::string a = argv[i];
		auto value = [&]() -> std::string {
			if (i + 1 >= argc)
				usage_error(("missing value for " + a).c_str());
			return argv[++i];
		};
		if (a == "--name") {
			opt.name = value();
		} else if (a == "--wait") {
			opt.wait = true;
		} else if (a == "--forbid-modes") {
			std::string v = value();
			char *p = v.data();
			while (*p) {
				char *end = nullptr;
				unsigned long m = std::strtoul(p, &end, 10);
				if (end == p || m > EXABOND_MODE_BALANCE_ALB)
					usage_error("bad --forbid-modes");
				opt.forbidden_modes.insert(unsigned(m));
				p = *end == ',' ? end + 1 : end;
				if (*end && *end != ',')
					usage_error("bad --forbid-modes");
			}
		} else if (a == "--keep-dead-ms") {
			std::string v = value();
			if (std::sscanf(v.c_str(), "%d,%d", &opt.keep_dead_min_ms,
					&opt.keep_dead_max_ms) != 2 ||
			    opt.keep_dead_min_ms < 0 || opt.keep_dead_max_ms < opt.keep_dead_min_ms)
				usage_error("bad --keep-dead-ms");
		} else if (a == "--seconds") {
			opt.seconds = std::atof(value().c_str());
		} else {
			usage_error(("unknown argument " + a).c_str());
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	parse(argc, argv);
	rng.seed(std::random_device{}());

	struct sigaction sa {};
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGINT, &sa, nullptr);
	sa.sa_handler = on_alarm;	// no SA_RESTART: interrupts read()
	sigaction(SIGALRM, &sa, nullptr);

	struct stat ns {};
	if (::stat("/proc/self/ns/net", &ns))
		usage_error("cannot stat /proc/self/ns/net");

	Reader reader(ns.st_ino);
	const auto start = Clock::now();
	auto next_scan = start;
	std::printf("%s: started\n", opt.name.c_str());
	std::fflush(stdout);

	while (!stop_requested) {
		const auto now = Clock::now();
		if (opt.seconds > 0 &&
		    now - start > std::chrono::duration<double>(opt.seconds))
			break;
		if (now >= next_scan) {
			reader.discover();
			reader.drop_expired();
			next_scan = now + std::chrono::milliseconds(20);
		}
		if (opt.wait) {
			reader.wait_round();
		} else {
			// Busy for a while, then give the writers the CPU: the
			// VM has two, shared with every writer.
			const auto busy_until = Clock::now() + std::chrono::milliseconds(2);
			while (Clock::now() < busy_until && !stop_requested)
				reader.snapshot_all();
			reader.focus(std::chrono::milliseconds(3));
			::usleep(6000);
		}
	}
	// Every page once more, then let them all go.
	reader.snapshot_all();
	reader.drop_all();

	std::printf("%s: snapshots %" PRIu64 " retries %" PRIu64 " pages %" PRIu64
		    " dead %" PRIu64 " hup %" PRIu64 " wakeups %" PRIu64 " sleeps %" PRIu64
		    " vanished %" PRIu64 " violations %" PRIu64 "\n",
		    opt.name.c_str(), count.snapshots, count.retries, count.pages, count.dead,
		    count.hup, count.wakeups, count.sleeps, count.vanished, count.violations);
	return count.violations ? 1 : 0;
}
