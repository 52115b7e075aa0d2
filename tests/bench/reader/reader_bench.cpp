// SPDX-License-Identifier: GPL-2.0
//
// exabond-bench-reader: what it costs a program to learn a bond's active
// member, each way side by side in one run, idle and with a writer
// publishing continuously on the other CPU.
//
//	exabond-bench-reader --mode=host [--netlink-if=lo] [benchmark flags]
//	exabond-bench-reader --mode=vm --bond=bond0 [benchmark flags]
//
// (or EXABOND_BENCH_MODE and EXABOND_BENCH_BOND in the environment).
//
// Host mode reads a synthetic page: a PageWriter page in shared memory,
// opened with Bond::open_shared_memory(); the writer is a PageWriter
// thread publishing back to back (force=true), alternating the bond's
// updelay. The host has no bonding driver, so the bonding sysfs and
// procfs readers are not registered (a sysfs attribute of --netlink-if
// stands in, as a labelled proxy), and rtnetlink asks about --netlink-if.
//
// VM mode reads the kernel module's page of a managed bond, opened with
// Bond::open(); the writer is a thread writing the bond's updelay through
// sysfs back to back (0 and miimon in turn), each write a NETDEV_
// CHANGEINFODATA that exabond.ko publishes in that thread's context.
//
// The benchmark thread runs on --reader-cpu (0), the writer thread on
// --writer-cpu (1). Every benchmark reports real and thread CPU time per
// operation and the counter pubs_per_s, the page's publication rate during
// its timed loop (0 when idle); tests/bench/tools/reader_report.py turns
// the JSON into tables and ratios. Benchmarks measure; nothing here
// asserts a time.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <net/if.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <exabond/bond.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>
#include <exabond/writer.hpp>

#include "legacy.hpp"
#include "publisher.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Config {
	bool vm = false;
	std::string bond;		// vm: the managed bond
	std::string netlink_if = "lo";	// host: the link rtnetlink asks about
	int reader_cpu = 0;
	int writer_cpu = 1;
};

struct alignas(64) PageBuf {
	exabond_page pg;
};

// The bare atomic load's word: ordinary memory, a cache line of its own.
struct alignas(64) Word {
	std::atomic<std::uint64_t> v{0x0001000300000007ULL};
};
Word bare_word;

struct Context {
	Config cfg;

	// Host: the synthetic page's writer and what it stages.
	std::optional<exabond::PageWriter> writer;
	std::unique_ptr<PageBuf> staged;
	std::uint32_t updelay_alt = 100;

	// VM: the bonding option the writer thread writes.
	int updelay_fd = -1;
	char updelay_orig[32] = "";
	std::atomic<std::uint64_t> write_errors{0};

	std::optional<exabond::Bond> bond;
	std::unique_ptr<exabond::Snapshot> snap;
	std::unique_ptr<PageBuf> copy;	// memcpy and seqlock copy target
	std::size_t snapshot_bytes = 0;
	std::unique_ptr<bench::Publisher> publisher;

	std::unique_ptr<bench::SysfsAttr> sysfs;	// vm: bonding/active_slave
	std::unique_ptr<bench::SysfsAttr> sysfs_proxy;	// host: an attribute of lo
	std::unique_ptr<bench::ProcNetBonding> proc;
	std::unique_ptr<bench::RtnlGetLink> rtnl;
};

Context *ctx;

// --- the timed runs ----------------------------------------------------------

// Runs @loop (which holds the `for (auto _ : state)` loop) with the writer
// resumed if @with_writer, and reports the page's publication rate.
template <class Loop>
void measure(benchmark::State &state, bool with_writer, Loop &&loop)
{
	if (with_writer) {
		try {
			ctx->publisher->resume();
		} catch (const std::exception &e) {
			state.SkipWithError(e.what());
			return;
		}
	}
	const std::uint64_t g0 = ctx->bond->generation();
	const auto t0 = Clock::now();

	loop(state);
	const auto t1 = Clock::now();
	const std::uint64_t g1 = ctx->bond->generation();

	if (with_writer)
		ctx->publisher->pause();
	const double secs = std::chrono::duration<double>(t1 - t0).count();

	state.counters["pubs_per_s"] = secs > 0 ? double(g1 - g0) / secs : 0;
}

// The baseline of the hot-check target: one 64-bit acquire load of a word
// in ordinary memory.
void bare_atomic_load(benchmark::State &state)
{
	const std::atomic<std::uint64_t> *w = &bare_word.v;

	for (auto _ : state) {
		std::uint64_t v = w->load(std::memory_order_acquire);

		benchmark::DoNotOptimize(v);
	}
}

// The predecessor: Exasock read one 32-bit word of a mapped kernel page
// with a volatile load. Here: the page's bond.active_ifindex.
void exasock_word32(benchmark::State &state)
{
	const volatile std::int32_t *w =
		&ctx->bond->page()->bond.active_ifindex;

	for (auto _ : state) {
		std::int32_t v = *w;

		benchmark::DoNotOptimize(v);
	}
}

// The hot path as a program uses it: Bond::active_ifindex().
void hot_active_ifindex(benchmark::State &state)
{
	const exabond::Bond &bond = *ctx->bond;

	for (auto _ : state) {
		int a = bond.active_ifindex();

		benchmark::DoNotOptimize(a);
	}
}

// Bond::changed_since(): one load and one compare.
void hot_changed_since(benchmark::State &state)
{
	const exabond::Bond &bond = *ctx->bond;
	const std::uint64_t g = bond.generation();

	for (auto _ : state) {
		bool c = bond.changed_since(g);

		benchmark::DoNotOptimize(c);
	}
}

// Bond::snapshot(): the seqlock copy and the content checks.
void snapshot(benchmark::State &state)
{
	const exabond::Bond &bond = *ctx->bond;
	exabond::Snapshot &snap = *ctx->snap;
	std::uint64_t failed = 0, eagain = 0;

	for (auto _ : state) {
		exabond::Status st = bond.snapshot(snap);

		failed += st.code != 0;
		eagain += st.code == -EAGAIN;
		benchmark::DoNotOptimize(st.code);
		benchmark::ClobberMemory();
	}
	state.counters["failed"] = double(failed);
	state.counters["eagain"] = double(eagain);
}

// The floor of the snapshot target: memcpy of the bytes a snapshot copies
// (header, bond, ad, policy and member_count members) out of the page.
void memcpy_floor(benchmark::State &state)
{
	void *dst = &ctx->copy->pg;
	const void *src = ctx->bond->page();
	std::size_t n = ctx->snapshot_bytes;

	benchmark::DoNotOptimize(dst);
	benchmark::DoNotOptimize(n);
	for (auto _ : state) {
		std::memcpy(dst, src, n);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(std::int64_t(state.iterations() * n));
}

// Diagnostic: page.h's reader protocol (R1..R4) as exabond_snapshot()
// runs it, with reader.h's own copy loop, without the content checks;
// counts the retries a snapshot would take (the library's snapshot does
// not expose them).
struct Retries {
	std::uint64_t retried = 0;	// reads not done at the first try
	std::uint64_t odd = 0;		// spins on an odd seq (write under way)
	std::uint64_t torn = 0;		// copies thrown away: seq moved
};

inline void seqlock_copy(const exabond_page *pg, exabond_page *out,
			 Retries &r) noexcept
{
	bool retried = false;

	for (;;) {
		const std::uint32_t seq =
			__atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);	// R1

		if (seq & 1) {
			r.odd++;
			retried = true;
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
			continue;
		}
		exabond__copy_words(out, pg, EXABOND__FIXED_BYTES);	// R2
		std::uint32_t n = __atomic_load_n(&pg->bond.member_count,
						  __ATOMIC_RELAXED);

		if (n > EXABOND_MAX_MEMBERS)
			n = EXABOND_MAX_MEMBERS;
		exabond__copy_words(out->members, pg->members,
				    n * sizeof(exabond_member));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);		// R3
		if (__atomic_load_n(&pg->seq, __ATOMIC_RELAXED) == seq)	// R4
			break;
		r.torn++;
		retried = true;
	}
	r.retried += retried;
}

void seqlock_copy_only(benchmark::State &state)
{
	const exabond_page *pg = ctx->bond->page();
	exabond_page *out = &ctx->copy->pg;
	Retries r;

	for (auto _ : state) {
		seqlock_copy(pg, out, r);
		benchmark::ClobberMemory();
	}
	const double it = double(std::max<benchmark::IterationCount>(
		state.iterations(), 1));

	state.counters["retried_per_1k"] = 1000.0 * double(r.retried) / it;
	state.counters["odd_spins_per_1k"] = 1000.0 * double(r.odd) / it;
	state.counters["torn_per_1k"] = 1000.0 * double(r.torn) / it;
}

// Diagnostic: the content checks alone (exabond_check_snapshot()) on a
// copy already taken.
void check_only(benchmark::State &state)
{
	const exabond_page *copy = &ctx->snap->raw();

	if (!ctx->snap->read(ctx->bond->page())) {
		state.SkipWithError("no valid snapshot to check");
		return;
	}
	for (auto _ : state) {
		const char *why = nullptr;
		int r = exabond_check_snapshot(copy, &why);

		benchmark::DoNotOptimize(r);
		benchmark::ClobberMemory();
	}
}

void sysfs_read(benchmark::State &state, bench::SysfsAttr &f)
{
	char value[64];
	std::uint64_t errors = 0;

	for (auto _ : state) {
		int r = f.read(value, sizeof(value));

		errors += r < 0;
		benchmark::DoNotOptimize(r);
	}
	state.counters["errors"] = double(errors);
}

// pread() of bonding/active_slave on a kept descriptor, newline stripped.
void sysfs_active_slave(benchmark::State &state)
{
	sysfs_read(state, *ctx->sysfs);
}

// Host only, and not the target's reader: the host has no bonding driver.
// The same system call, kernfs and seq_file path on an attribute of the
// rtnetlink link (operstate), to show what sysfs costs natively.
void sysfs_proxy(benchmark::State &state)
{
	sysfs_read(state, *ctx->sysfs_proxy);
}

// open + read + close of /proc/net/bonding/<bond>, and the line found.
void proc_net_bonding(benchmark::State &state)
{
	bench::ProcNetBonding &f = *ctx->proc;
	char name[IFNAMSIZ];
	std::uint64_t errors = 0;

	for (auto _ : state) {
		int r = f.read(name, sizeof(name));

		errors += r < 0;
		benchmark::DoNotOptimize(r);
	}
	state.counters["errors"] = double(errors);
}

// One RTM_GETLINK round trip, parsed to IFLA_BOND_ACTIVE_SLAVE.
void rtnl_getlink(benchmark::State &state)
{
	bench::RtnlGetLink &nl = *ctx->rtnl;
	std::uint64_t errors = 0;

	for (auto _ : state) {
		int r = nl.read();

		errors += r < 0;
		benchmark::DoNotOptimize(r);
	}
	state.counters["errors"] = double(errors);
	state.counters["reply_bytes"] = double(nl.reply_bytes());
}

enum class Where { both, vm, host };

struct Kind {
	const char *name;
	void (*fn)(benchmark::State &);
	Where where;		// vm: needs the bonding driver
	bool with_writer;	// also run with the writer
};

const Kind kinds[] = {
	{"bare_atomic_load", bare_atomic_load, Where::both, true},
	{"exasock_word32", exasock_word32, Where::both, true},
	{"hot_active_ifindex", hot_active_ifindex, Where::both, true},
	{"hot_changed_since", hot_changed_since, Where::both, true},
	{"snapshot", snapshot, Where::both, true},
	{"memcpy_floor", memcpy_floor, Where::both, true},
	{"seqlock_copy_only", seqlock_copy_only, Where::both, true},
	{"check_only", check_only, Where::both, false},
	{"sysfs_active_slave", sysfs_active_slave, Where::vm, true},
	{"sysfs_proxy", sysfs_proxy, Where::host, true},
	{"proc_net_bonding", proc_net_bonding, Where::vm, true},
	{"rtnl_getlink", rtnl_getlink, Where::both, true},
};

// --- setup -------------------------------------------------------------------

std::string cpu_model()
{
	std::ifstream f("/proc/cpuinfo");
	std::string line;

	while (std::getline(f, line))
		if (line.rfind("model name", 0) == 0) {
			auto p = line.find(": ");
			return p == std::string::npos ? line : line.substr(p + 2);
		}
	return "unknown";
}

void put_name(char (&dst)[EXABOND_NAME_LEN], const std::string &s)
{
	std::memset(dst, 0, sizeof(dst));
	std::memcpy(dst, s.data(), std::min(s.size(), sizeof(dst) - 1));
}

// A two-member active-backup bond, up, compliant: what a managed bond of
// the VM tests looks like.
void stage_bond(exabond_page &st, const std::string &name, std::uint32_t ino)
{
	std::memset(static_cast<void *>(&st), 0, sizeof(st));
	auto &b = st.bond;

	b.ifindex = 10;
	b.netns_ino = ino;
	put_name(b.name, name);
	b.mode = EXABOND_MODE_ACTIVE_BACKUP;
	b.operstate = 6;	// IF_OPER_UP
	b.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
	b.miimon = 100;
	b.mtu = 1500;
	b.member_count = 2;
	b.members_total = 2;
	b.active_ifindex = 11;
	const std::uint8_t mac[EXABOND_ADDR_LEN] = {0x52, 0x54, 0, 0xe0, 5, 0};

	std::memcpy(b.addr, mac, sizeof(mac));
	st.policy.flags = EXABOND_POLICY_F_COMPLIANT;
	st.policy.allowed_modes = 1u << EXABOND_MODE_ACTIVE_BACKUP;
	for (int i = 0; i < 2; i++) {
		exabond_member &m = st.members[i];

		m.ifindex = 11 + i;
		m.link = EXABOND_LINK_UP;
		m.role = i ? EXABOND_ROLE_BACKUP : EXABOND_ROLE_ACTIVE;
		m.carrier = 1;
		m.duplex = EXABOND_DUPLEX_FULL;
		put_name(m.name, "card0p" + std::to_string(i));
		std::memcpy(m.perm_addr, mac, sizeof(mac));
		m.perm_addr[5] = std::uint8_t(i);
		std::memcpy(m.addr, mac, sizeof(mac));
		m.operstate = 6;
		m.flags = i ? 0 : EXABOND_MEMBER_F_ACTIVE;
		m.speed = 10000;
		m.mtu = 1500;
		std::snprintf(m.driver, sizeof(m.driver), "virtio_net");
		std::snprintf(m.bus_info, sizeof(m.bus_info), "0000:00:05.%d", i);
	}
}

void setup_host(Context &c)
{
	const std::uint32_t ino = std::uint32_t(exabond_netns_ino());
	const std::string name = "xbench" + std::to_string(getpid());

	if (!ino)
		throw std::runtime_error("cannot tell this network namespace");
	c.writer.emplace(exabond::PageWriter::create_shared_memory(name, ino,
								   true));
	c.staged = std::make_unique<PageBuf>();
	stage_bond(c.staged->pg, name, ino);
	c.writer->publish(c.staged->pg, EXABOND_EVENT_MANAGE,
			  c.staged->pg.bond.ifindex, exabond::PageWriter::now_ns(),
			  true);
	try {
		c.bond.emplace(exabond::Bond::open_shared_memory(name));
	} catch (...) {
		c.writer->unlink();
		throw;
	}
	// Readers and the writer keep their mappings: nothing is left in
	// /dev/shm whatever happens next.
	c.writer->unlink();
	c.rtnl = std::make_unique<bench::RtnlGetLink>(c.cfg.netlink_if);
	c.sysfs_proxy = std::make_unique<bench::SysfsAttr>(
		"/sys/class/net/" + c.cfg.netlink_if + "/operstate");
	c.publisher = std::make_unique<bench::Publisher>(
		[&c] {
			exabond_page &st = c.staged->pg;

			st.bond.updelay = st.bond.updelay ? 0 : c.updelay_alt;
			c.writer->publish(st, EXABOND_EVENT_BOND_CHANGE,
					  st.bond.ifindex,
					  exabond::PageWriter::now_ns(), true);
		},
		[&c] { return c.bond->generation(); }, c.cfg.writer_cpu);
}

void setup_vm(Context &c)
{
	const std::string &bond = c.cfg.bond;

	c.bond.emplace(exabond::Bond::open(bond));
	c.sysfs = std::make_unique<bench::SysfsAttr>(
		"/sys/class/net/" + bond + "/bonding/active_slave");
	c.proc = std::make_unique<bench::ProcNetBonding>(bond);
	c.rtnl = std::make_unique<bench::RtnlGetLink>(bond);

	const std::string path = "/sys/class/net/" + bond + "/bonding/updelay";

	c.updelay_fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
	if (c.updelay_fd < 0)
		throw std::runtime_error("open " + path + ": " +
					 std::strerror(errno));
	ssize_t n = pread(c.updelay_fd, c.updelay_orig,
			  sizeof(c.updelay_orig) - 1, 0);

	c.updelay_orig[n > 0 ? n : 0] = '\0';
	exabond::Snapshot s;

	s.read(c.bond->page());
	// bonding wants updelay to be a multiple of miimon.
	c.updelay_alt = s.miimon() ? s.miimon() : 100;
	c.publisher = std::make_unique<bench::Publisher>(
		[&c, flip = false]() mutable {
			char v[16];
			int len = std::snprintf(v, sizeof(v), "%u\n",
						flip ? c.updelay_alt : 0u);

			flip = !flip;
			if (pwrite(c.updelay_fd, v, std::size_t(len), 0) < 0)
				c.write_errors.fetch_add(1);
		},
		[&c] { return c.bond->generation(); }, c.cfg.writer_cpu);
}

void teardown(Context &c)
{
	c.publisher.reset();
	if (c.updelay_fd >= 0) {
		std::size_t len = std::strlen(c.updelay_orig);

		if (len && pwrite(c.updelay_fd, c.updelay_orig, len, 0) < 0)
			std::fprintf(stderr, "restoring updelay: %s\n",
				     std::strerror(errno));
		close(c.updelay_fd);
	}
}

// What the readers say about the active member must agree; a mismatch is
// reported in the context (a measurement of a wrong answer is no
// measurement), not asserted.
std::string sanity(Context &c)
{
	std::string bad;
	const int hot = c.bond->active_ifindex();
	auto add = [&bad](const std::string &s) {
		bad += (bad.empty() ? "" : "; ") + s;
	};

	if (!c.snap->read(c.bond->page()))
		add("snapshot failed");
	else if (c.snap->active_ifindex() != hot)
		add("snapshot active != hot word");
	if (c.bond->page()->bond.active_ifindex != hot)
		add("32-bit word != hot word");
	if (c.cfg.vm) {
		char name[IFNAMSIZ];

		if (c.sysfs->read(name, sizeof(name)) < 0 ||
		    int(if_nametoindex(name)) != hot)
			add("sysfs active_slave != hot word");
		if (c.proc->read(name, sizeof(name)) < 0 ||
		    int(if_nametoindex(name)) != hot)
			add("/proc/net/bonding != hot word");
		if (c.rtnl->read() != hot)
			add("rtnetlink IFLA_BOND_ACTIVE_SLAVE != hot word");
		if (!hot)
			add("no active member");
	}
	return bad.empty() ? "ok" : bad;
}

void usage(const char *argv0)
{
	std::fprintf(stderr,
		     "usage: %s --mode=host [--netlink-if=IFNAME] [options] [benchmark flags]\n"
		     "       %s --mode=vm --bond=BOND [options] [benchmark flags]\n"
		     "options: --reader-cpu=N (0) --writer-cpu=N (1)\n"
		     "environment: EXABOND_BENCH_MODE, EXABOND_BENCH_BOND\n",
		     argv0, argv0);
}

// Takes this program's flags out of argv; false on a bad one.
bool parse_args(int &argc, char **argv, Config &cfg)
{
	std::string mode;

	if (const char *e = std::getenv("EXABOND_BENCH_MODE"))
		mode = e;
	if (const char *e = std::getenv("EXABOND_BENCH_BOND"))
		cfg.bond = e;
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		auto val = [&a](const char *flag) -> std::optional<std::string> {
			const std::string f = std::string(flag) + "=";

			if (a.rfind(f, 0) == 0)
				return a.substr(f.size());
			return std::nullopt;
		};

		if (auto v = val("--mode"))
			mode = *v;
		else if (auto v = val("--bond"))
			cfg.bond = *v;
		else if (auto v = val("--netlink-if"))
			cfg.netlink_if = *v;
		else if (auto v = val("--reader-cpu"))
			cfg.reader_cpu = std::atoi(v->c_str());
		else if (auto v = val("--writer-cpu"))
			cfg.writer_cpu = std::atoi(v->c_str());
		else if (a == "--help" || a == "-h") {
			usage(argv[0]);
			argv[out++] = argv[i];	// and Google Benchmark's
		} else
			argv[out++] = argv[i];
	}
	argc = out;
	argv[argc] = nullptr;
	if (mode.empty() || mode == "host")
		cfg.vm = false;
	else if (mode == "vm")
		cfg.vm = true;
	else {
		std::fprintf(stderr, "--mode: host or vm, not %s\n", mode.c_str());
		return false;
	}
	if (cfg.vm && cfg.bond.empty()) {
		std::fprintf(stderr, "--mode=vm needs --bond=BOND\n");
		return false;
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	Context c;

	if (!parse_args(argc, argv, c.cfg)) {
		usage(argv[0]);
		return 2;
	}
	const bool reader_pinned = bench::pin_to_cpu(c.cfg.reader_cpu);

	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	ctx = &c;
	try {
		if (c.cfg.vm)
			setup_vm(c);
		else
			setup_host(c);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "exabond-bench-reader: setup: %s\n", e.what());
		return 1;
	}
	c.snap = std::make_unique<exabond::Snapshot>();
	c.copy = std::make_unique<PageBuf>();
	const std::uint32_t members = c.bond->page()->bond.member_count;

	c.snapshot_bytes = offsetof(exabond_page, members) +
			   std::min<std::uint32_t>(members, EXABOND_MAX_MEMBERS) *
				   sizeof(exabond_member);
	const std::string sane = sanity(c);

	if (sane != "ok")
		std::fprintf(stderr, "exabond-bench-reader: readers disagree: %s\n",
			     sane.c_str());

	struct utsname u;

	uname(&u);
	benchmark::AddCustomContext("exabond_mode", c.cfg.vm ? "vm" : "host");
	benchmark::AddCustomContext("exabond_kernel", u.release);
	benchmark::AddCustomContext("exabond_cpu_model", cpu_model());
	benchmark::AddCustomContext("exabond_page", c.bond->path());
	benchmark::AddCustomContext("exabond_bond", c.cfg.vm ? c.cfg.bond :
				    std::string(c.bond->page()->bond.name));
	benchmark::AddCustomContext("exabond_members", std::to_string(members));
	benchmark::AddCustomContext("exabond_snapshot_bytes",
				    std::to_string(c.snapshot_bytes));
	benchmark::AddCustomContext("exabond_netlink_if",
				    c.cfg.vm ? c.cfg.bond : c.cfg.netlink_if);
	benchmark::AddCustomContext("exabond_reader_cpu",
				    reader_pinned ? std::to_string(c.cfg.reader_cpu)
						  : "unpinned");
	benchmark::AddCustomContext("exabond_writer_cpu",
				    c.publisher->pinned() ?
					    std::to_string(c.cfg.writer_cpu) :
					    "unpinned");
	benchmark::AddCustomContext("exabond_writer",
		c.cfg.vm ? "a thread writing bonding/updelay through sysfs "
			   "(0 and " + std::to_string(c.updelay_alt) + " in turn); "
			   "exabond.ko publishes each change"
			 : "a PageWriter thread: publish(force=true) back to back, "
			   "updelay 0 and 100 in turn");
	benchmark::AddCustomContext("exabond_sanity", sane);

	for (const Kind &k : kinds) {
		if ((k.where == Where::vm && !c.cfg.vm) ||
		    (k.where == Where::host && c.cfg.vm))
			continue;
		for (int w = 0; w < (k.with_writer ? 2 : 1); w++) {
			const std::string name =
				std::string(k.name) + (w ? "/writer" : "/idle");
			auto fn = k.fn;
			const bool with_writer = w;

			benchmark::RegisterBenchmark(
				name.c_str(),
				[fn, with_writer](benchmark::State &state) {
					measure(state, with_writer, fn);
				})
				->UseRealTime();
		}
	}
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	if (c.write_errors.load())
		std::fprintf(stderr, "exabond-bench-reader: %llu updelay writes failed\n",
			     (unsigned long long)c.write_errors.load());
	teardown(c);
	return 0;
}
