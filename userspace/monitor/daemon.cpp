// SPDX-License-Identifier: GPL-2.0
#include "daemon.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <exabond/bond.hpp>
#include <exabond/names.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>
#include <exabond/writer.hpp>

#include "audit.hpp"
#include "ethtool.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "netlink.hpp"
#include "page_builder.hpp"
#include "policy.hpp"
#include "transitions.hpp"
#include "unique_fd.hpp"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace exabond::monitor {

using exabond::detail::UniqueFd;

namespace {

[[noreturn]] void fail(int err, const std::string &what)
{
	throw std::system_error(err, std::generic_category(), what);
}

// A page in private memory, for the monitor's own view of a bond when it
// does not publish.
struct PageMemory {
	void operator()(exabond_page *p) const noexcept { std::free(p); }
};
using PagePtr = std::unique_ptr<exabond_page, PageMemory>;

PagePtr new_page()
{
	void *p = std::aligned_alloc(EXABOND_PAGE_BYTES, EXABOND_PAGE_BYTES);

	if (!p)
		throw std::bad_alloc();
	std::memset(p, 0, EXABOND_PAGE_BYTES);
	return PagePtr(static_cast<exabond_page *>(p));
}

std::string read_line(const std::string &path)
{
	std::ifstream f(path);
	std::string s;

	if (f)
		std::getline(f, s);
	return s;
}

// The network namespace a /proc/PID/ns/net names (the caller's own is
// exabond_netns_ino(), as libexabond reads it).
std::uint32_t netns_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return static_cast<std::uint32_t>(st.st_ino);
}

std::uint64_t netns_cookie()
{
	std::uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	UniqueFd s(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));

	if (s.get() >= 0)
		getsockopt(s.get(), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
	return cookie;
}

// epoll tags: fixed inputs, then one per bond's kernel page.
enum : std::uint64_t {
	TAG_NETLINK = 1,
	TAG_SIGNAL,
	TAG_TIMER,
	TAG_INOTIFY,
	TAG_HTTP,
	TAG_KERNEL_PAGE = 1ULL << 32,	// | bond ifindex
};

} // namespace

struct Daemon::Impl {
	struct BondEntry {
		int ifindex = 0;
		std::string name;
		// The monitor's view: published (--publish) or private.
		PagePtr memory;
		std::optional<PageWriter> writer;
		bool published_once = false;
		// The kernel's page, while the module manages the bond.
		std::optional<exabond::Bond> kernel;
		Snapshot kernel_snap;
		bool kernel_seen = false;
		// What the log last reported from (kernel or own).
		PagePtr logged;
		bool logged_valid = false;
		BondMetrics metrics;
		Auditor auditor;
		std::uint64_t last_refresh_ns = 0;

		explicit BondEntry(std::uint64_t grace) : auditor(grace) {}
		const exabond_page &own() const { return *writer->page(); }
	};

	Options opt;
	std::shared_ptr<spdlog::logger> log;
	UniqueFd epoll;
	UniqueFd signal;
	UniqueFd timer;
	UniqueFd inotify;
	std::unique_ptr<RtnlListener> nl;
	std::optional<HttpServer> http;
	std::map<int, rtnl::Link> links;
	std::map<int, std::unique_ptr<BondEntry>> bonds;
	std::set<int> seen;		// links a dump under way reported
	std::set<int> refreshing;	// links asked for by the refresh
	bool dumping = false;
	bool first_dump = true;
	bool stop = false;
	std::uint32_t ns_ino = 0;
	std::uint64_t ns_cookie = 0;
	bool initial_ns = true;
	struct MemberCache {
		std::string name;
		std::optional<tools::DrvInfo> drv;
		tools::PciParent pci = tools::PciParent::Unknown;
		std::optional<tools::LinkSpeed> speed;
	};
	std::map<int, MemberCache> member_cache;
	DaemonMetrics dm;
	std::uint64_t timer_period_ns = 0;

	Impl(const Options &o, std::shared_ptr<spdlog::logger> l)
		: opt(o), log(std::move(l))
	{
	}

	bool wanted(const std::string &name) const
	{
		return opt.bonds.empty() ||
		       std::find(opt.bonds.begin(), opt.bonds.end(), name) !=
			       opt.bonds.end();
	}

	void setup();
	void loop();
	void shutdown();

	void on_link(const rtnl::Link &l, bool reply);
	void handle_link(const rtnl::Link &l, bool reply);
	void on_dump_done(bool complete);
	void request_refresh(int ifindex);
	void touch_bond(int ifindex, std::uint32_t event, int event_ifindex,
			std::uint64_t now);
	BondEntry *ensure_bond(const rtnl::Link &l);
	void build_and_publish(BondEntry &b, std::uint32_t event,
			       int event_ifindex, std::uint64_t now);
	void bond_gone(int ifindex, std::uint32_t event, std::uint64_t now);
	std::vector<int> member_order(const BondEntry &b);
	void open_kernel(BondEntry &b);
	void close_kernel(BondEntry &b);
	void on_kernel_page(BondEntry &b);
	void report(BondEntry &b, const exabond_page &next, bool kernel);
	void audit(BondEntry &b, std::uint64_t now);
	void audit_all();
	void on_timer();
	void on_inotify();
	void arm_timer();
	void epoll_add(int fd, std::uint64_t tag);
	std::vector<const BondMetrics *> metric_list();
	void update_counters();
};

void Daemon::Impl::update_counters()
{
	dm.log_messages_dropped = log_dropped();
	dm.netlink_messages = nl->messages();
	dm.netlink_resyncs = nl->resyncs();
	if (http) {
		dm.http_requests = http->stats().requests;
		dm.http_connections_rejected = http->stats().rejected;
		dm.http_timeouts = http->stats().timeouts;
	}
}

void Daemon::Impl::epoll_add(int fd, std::uint64_t tag)
{
	struct epoll_event ev = {};

	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
		fail(errno, "epoll_ctl add");
}

void Daemon::Impl::setup()
{
	sigset_t mask;

	ns_ino = static_cast<std::uint32_t>(exabond_netns_ino());
	ns_cookie = netns_cookie();
	/*
	 * The kernel names nodes of the initial namespace without a suffix;
	 * the publisher names its pages the same way. pid 1's namespace
	 * stands for the initial one (in a container: the container's).
	 */
	{
		std::uint32_t init = netns_ino("/proc/1/ns/net");

		initial_ns = !init || init == ns_ino;
	}

	epoll = UniqueFd(epoll_create1(EPOLL_CLOEXEC));
	if (epoll.get() < 0)
		fail(errno, "epoll_create1");

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* main() blocked them before any thread started; this is for tests. */
	if (pthread_sigmask(SIG_BLOCK, &mask, nullptr))
		fail(EINVAL, "pthread_sigmask");
	signal = UniqueFd(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
	if (signal.get() < 0)
		fail(errno, "signalfd");
	epoll_add(signal.get(), TAG_SIGNAL);

	timer = UniqueFd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
	if (timer.get() < 0)
		fail(errno, "timerfd_create");
	epoll_add(timer.get(), TAG_TIMER);

	inotify = UniqueFd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	if (inotify.get() < 0)
		fail(errno, "inotify_init1");
	if (inotify_add_watch(inotify.get(), "/dev", IN_CREATE) < 0)
		log->warn("inotify on /dev: {}: a bond placed under management is noticed only at its next rtnetlink event",
			  std::strerror(errno));
	epoll_add(inotify.get(), TAG_INOTIFY);

	if (opt.http) {
		http.emplace(HttpServer::listen(opt.listen_address,
						opt.listen_port));
		http->route("/metrics", [this] {
			update_counters();
			return Response{ 200, prometheus_content_type,
					 render_prometheus(dm, metric_list()) };
		});
		http->route("/status", [this] {
			update_counters();
			/* Interface names are bytes, not UTF-8. */
			return Response{ 200, "application/json",
					 status_json(dm, metric_list()).dump(
						 2, ' ', false,
						 nlohmann::json::error_handler_t::replace) +
						 "\n" };
		});
		epoll_add(http->fd(), TAG_HTTP);
	}

	dm.mode = opt.publish ? (opt.audit ? "publish+audit" : "publish") :
				(opt.audit ? "audit" : "observe");
	dm.start_unix_s = static_cast<std::uint64_t>(std::time(nullptr));
	dm.version = EXABOND_VERSION;

	RtnlListener::Handlers h;
	h.on_link = [this](const rtnl::Link &l, bool reply) {
		on_link(l, reply);
	};
	h.on_dump_start = [this] {
		dumping = true;
		seen.clear();
	};
	h.on_dump_done = [this](bool complete) { on_dump_done(complete); };
	h.on_resync = [this](const std::string &why) {
		log->warn("rtnetlink: {}; resynchronising with a full dump",
			  why);
	};
	h.on_bad_message = [this](const std::string &why) {
		log->error("rtnetlink: a link message did not parse: {}", why);
	};
	nl = std::make_unique<RtnlListener>(std::move(h), opt.rcvbuf);
	epoll_add(nl->fd(), TAG_NETLINK);

	log->info("exabond-monitor {} starting: mode {}, {}, network namespace net:[{}]{}",
		  EXABOND_VERSION, dm.mode,
		  opt.http ? "metrics on http://" +
				     (opt.listen_address.find(':') !=
						      std::string::npos ?
					      "[" + opt.listen_address + "]" :
					      opt.listen_address) +
				     ":" + std::to_string(http->port()) +
				     "/metrics" :
			     std::string("no HTTP endpoint"),
		  ns_ino, initial_ns ? " (initial)" : "");
}

std::vector<const BondMetrics *> Daemon::Impl::metric_list()
{
	std::vector<const BondMetrics *> v;

	for (auto &[ifindex, b] : bonds) {
		(void)ifindex;
		if (b->kernel && b->kernel_seen) {
			b->metrics.page = b->kernel_snap.raw();
			b->metrics.source = "kernel";
		} else {
			b->metrics.page = b->own();
			b->metrics.source = "monitor";
		}
		v.push_back(&b->metrics);
	}
	return v;
}

// The bond's members in the bond's own order (bonding's slave list, which
// sysfs prints), then any that sysfs did not list, by ifindex.
std::vector<int> Daemon::Impl::member_order(const BondEntry &b)
{
	std::vector<int> have, out;
	std::istringstream names(
		read_line("/sys/class/net/" + b.name + "/bonding/slaves"));
	std::string n;

	for (const auto &[ifindex, l] : links)
		if (l.master == b.ifindex && l.slave_kind == "bond")
			have.push_back(ifindex);
	while (names >> n)
		for (int i : have)
			if (links[i].name == n &&
			    std::find(out.begin(), out.end(), i) == out.end())
				out.push_back(i);
	for (int i : have)
		if (std::find(out.begin(), out.end(), i) == out.end())
			out.push_back(i);
	return out;
}

Daemon::Impl::BondEntry *Daemon::Impl::ensure_bond(const rtnl::Link &l)
{
	auto it = bonds.find(l.ifindex);

	if (it != bonds.end())
		return it->second.get();
	if (!wanted(l.name))
		return nullptr;

	auto b = std::make_unique<BondEntry>(
		std::uint64_t(opt.audit_grace_ms) * 1000000);
	b->ifindex = l.ifindex;
	b->name = l.name;
	b->logged = new_page();
	if (opt.publish) {
		try {
			b->writer.emplace(PageWriter::create_shared_memory(
				l.name, ns_ino, initial_ns));
		} catch (const std::exception &e) {
			log->error("{}: cannot publish its page: {}", l.name,
				   e.what());
		}
	}
	if (!b->writer) {
		b->memory = new_page();
		b->writer.emplace(b->memory.get(), EXABOND_PUBLISHER_MONITOR);
	}
	BondEntry *raw = b.get();
	bonds.emplace(l.ifindex, std::move(b));
	log->info("{}: following bond (ifindex {}){}", l.name, l.ifindex,
		  opt.publish && raw->memory == nullptr ?
			  ", publishing " + raw->writer->path() :
			  "");
	open_kernel(*raw);
	return raw;
}

void Daemon::Impl::open_kernel(BondEntry &b)
{
	if (b.kernel)
		return;
	const std::string base = EXABOND_DEV_PREFIX + b.name;

	for (const std::string &path :
	     { base + ":" + std::to_string(ns_ino), base }) {
		std::optional<exabond::Bond> k;
		Snapshot s;

		try {
			k.emplace(exabond::Bond::open_path(path));
		} catch (const std::exception &) {
			/* Not managed (yet): ENOENT, or another bond's node. */
			continue;
		}
		if (k->source() != Source::device || !k->snapshot(s) ||
		    s.netns_ino() != ns_ino || s.name() != b.name || s.dead())
			continue;
		try {
			epoll_add(k->notify_fd(),
				  TAG_KERNEL_PAGE | unsigned(b.ifindex));
		} catch (const std::exception &e) {
			log->error("{}: cannot wait on {}: {}; following the rtnetlink view only",
				   b.name, path, e.what());
			return;
		}
		b.kernel.emplace(std::move(*k));
		log->info("{}: managed by exabond.ko; following its page {}",
			  b.name, path);
		b.logged_valid = false;
		b.kernel_seen = false;
		on_kernel_page(b);
		return;
	}
}

void Daemon::Impl::close_kernel(BondEntry &b)
{
	if (!b.kernel)
		return;
	epoll_ctl(epoll.get(), EPOLL_CTL_DEL, b.kernel->notify_fd(), nullptr);
	b.kernel.reset();
	b.kernel_seen = false;
	/* From here on the monitor's view is what the log follows. */
	std::memcpy(b.logged.get(), &b.own(), sizeof(exabond_page));
	b.logged_valid = b.published_once;
}

void Daemon::Impl::on_kernel_page(BondEntry &b)
{
	Snapshot s;

	b.kernel->acknowledge();
	if (!b.kernel->snapshot(s)) {
		log->error("{}: the kernel page did not read consistently; trying again at its next change",
			   b.name);
		return;
	}
	if (b.kernel_seen && s.generation() == b.kernel_snap.generation() &&
	    !s.dead())
		return;
	b.kernel_snap = s;
	b.kernel_seen = true;
	report(b, s.raw(), true);
	if (s.dead()) {
		log->info("{}: the kernel page is final ({})", b.name,
			  s.event_name());
		close_kernel(b);
		return;
	}
	if (opt.audit) {
		audit(b, PageWriter::now_ns());
		arm_timer();	/* for a difference this check found */
	}
}

// Logs @next's transitions against what was last logged for the bond, and
// feeds the metrics. @kernel: @next is the kernel's page.
void Daemon::Impl::report(BondEntry &b, const exabond_page &next, bool kernel)
{
	if (kernel != (b.kernel.has_value()))
		return;	/* the other source is the one followed */
	for (const Transition &t :
	     transitions(b.logged_valid ? b.logged.get() : nullptr, next)) {
		if (t.severity == Severity::warning)
			log->warn("{}", t.text);
		else
			log->info("{}", t.text);
		if (t.carrier_to_failover_ns)
			b.metrics.carrier_to_failover.observe(
				*t.carrier_to_failover_ns / 1e9);
	}
	if (next.publish_ns >= next.event_ns && next.event_ns &&
	    (!b.logged_valid || next.generation != b.logged->generation)) {
		b.metrics.publication_lag.observe(
			(next.publish_ns - next.event_ns) / 1e9);
		b.metrics.publications_seen++;
		log->debug("{}: generation {} ({}) published {} after its event",
			   b.name, next.generation, event_name(next.event),
			   format_duration(next.publish_ns - next.event_ns));
	}
	std::memcpy(b.logged.get(), &next, sizeof(exabond_page));
	b.logged_valid = true;
}

// Compares the kernel's page as it is now (one snapshot), not the copy last
// logged, with the rtnetlink view. That copy can be a whole burst old: the
// loop reaches the page's notification only after the netlink messages
// ahead of it, which on a slow kernel takes longer than the grace. For the
// same reason the rtnetlink view is compared once the socket is drained
// (audit_all), never between two messages of a burst; the page's
// notification and the timer check too. A page that does not read
// consistently is checked next time; a final one is on_kernel_page()'s.
void Daemon::Impl::audit(BondEntry &b, std::uint64_t now)
{
	Snapshot k;

	if (!b.kernel || !b.kernel_seen || !b.published_once)
		return;
	if (!b.kernel->snapshot(k) || k.dead())
		return;
	for (const Auditor::Report &r :
	     b.auditor.check(k.raw(), b.own(), now)) {
		if (r.what == Auditor::Report::diverged) {
			b.metrics.audit_divergences++;
			dm.audit_divergences++;
			log->warn("{}: audit: {} differs for {}: kernel {}, rtnetlink {}",
				  b.name, r.diff.field,
				  format_duration(r.for_ns), r.diff.kernel,
				  r.diff.monitor);
		} else {
			log->info("{}: audit: {} agrees again after {}",
				  b.name, r.diff.field,
				  format_duration(r.for_ns));
		}
	}
}

void Daemon::Impl::audit_all()
{
	const std::uint64_t now = PageWriter::now_ns();

	for (auto &[ifindex, b] : bonds)
		audit(*b, now);
	arm_timer();
}

void Daemon::Impl::build_and_publish(BondEntry &b, std::uint32_t event,
				     int event_ifindex, std::uint64_t now)
{
	const rtnl::Link &bl = links.at(b.ifindex);
	std::vector<MemberInput> members;
	BondContext ctx;
	exabond_page staged;

	for (int i : member_order(b)) {
		const rtnl::Link &ml = links.at(i);
		MemberCache &mc = member_cache[i];
		MemberInput in;

		/* Driver, bus and PCI parent never change while a member. */
		if (mc.name != ml.name || !mc.drv) {
			mc.name = ml.name;
			try {
				mc.drv = tools::drvinfo(ml.name);
				mc.pci = tools::pci_parent(ml.name).value_or(
					tools::PciParent::Unknown);
			} catch (const std::exception &e) {
				log->debug("{}: {}", ml.name, e.what());
			}
			mc.speed.reset();
		}
		if (!mc.speed || event_ifindex == i)
			try {
				mc.speed = tools::link_speed(ml.name);
			} catch (const std::exception &e) {
				log->debug("{}: {}", ml.name, e.what());
			}
		in.link = &ml;
		in.facts = member_facts(ml, mc.drv, mc.pci);
		in.speed = mc.speed;
		members.push_back(std::move(in));
	}
	ctx.netns_ino = ns_ino;
	ctx.netns_cookie = ns_cookie;
	ctx.primary_name = read_line("/sys/class/net/" + b.name +
				     "/bonding/primary");
	try {
		ctx.policy = tools::read_module_params().value_or(
			tools::PolicyParams::defaults());
	} catch (const std::exception &e) {
		log->warn("{}: policy parameters: {}; using the defaults",
			  b.name, e.what());
		ctx.policy = tools::PolicyParams::defaults();
	}

	std::memset(&staged, 0, sizeof(staged));
	build_page(bl, members, ctx, b.own(), now, &staged);
	/* The interval this daemon refreshes at (--refresh-ms). */
	staged.policy.refresh_interval_ms =
		staged.policy.refreshed ? opt.refresh_ms : 0;
	/*
	 * Like the kernel, a refresh that finds nothing new publishes
	 * nothing: the refresh time alone is not a change.
	 */
	staged.policy.last_refresh_ns = b.own().policy.last_refresh_ns;
	staged.policy.managed_since_ns = b.published_once ?
		b.own().policy.managed_since_ns : now;

	bool first = !b.published_once;
	if (b.writer->publish(staged, first ? EXABOND_EVENT_MANAGE : event,
			      event_ifindex, now, first)) {
		b.published_once = true;
		report(b, b.own(), false);
	}
}

void Daemon::Impl::bond_gone(int ifindex, std::uint32_t event,
			     std::uint64_t now)
{
	auto it = bonds.find(ifindex);

	if (it == bonds.end())
		return;
	BondEntry &b = *it->second;
	exabond_page staged;

	/* The log follows the monitor's view for the last words. */
	close_kernel(b);
	std::memcpy(&staged, &b.own(), sizeof(staged));
	b.writer->publish_final(staged, event, now);
	report(b, b.own(), false);
	if (!b.memory)
		b.writer->unlink();
	log->info("{}: no longer followed ({})", b.name, event_name(event));
	bonds.erase(it);
}

void Daemon::Impl::touch_bond(int ifindex, std::uint32_t event,
			      int event_ifindex, std::uint64_t now)
{
	auto it = bonds.find(ifindex);

	if (it == bonds.end() || !links.count(ifindex))
		return;
	build_and_publish(*it->second, event, event_ifindex, now);
}

// A failure while handling one message (an ethtool query, a page that
// cannot be created) is logged; the daemon goes on with the next.
void Daemon::Impl::on_link(const rtnl::Link &l, bool reply)
{
	try {
		handle_link(l, reply);
	} catch (const std::exception &e) {
		log->error("{} (ifindex {}): {}", l.name, l.ifindex, e.what());
	}
}

void Daemon::Impl::handle_link(const rtnl::Link &l, bool reply)
{
	const std::uint64_t now = PageWriter::now_ns();
	auto old_it = links.find(l.ifindex);
	std::optional<rtnl::Link> old;
	/* Only the answer to our own request is a refresh, never an event. */
	bool refresh = reply && refreshing.erase(l.ifindex) > 0;

	if (old_it != links.end())
		old = old_it->second;
	if (l.msg_type == RTM_DELLINK)
		links.erase(l.ifindex);
	else
		links[l.ifindex] = l;
	if (dumping) {
		/* Everything is rebuilt once the dump is complete. */
		if (l.msg_type == RTM_DELLINK)
			seen.erase(l.ifindex);
		else
			seen.insert(l.ifindex);
		return;
	}

	/* The bond itself. */
	if (l.is_bond() || (old && old->is_bond())) {
		if (l.msg_type == RTM_DELLINK) {
			bond_gone(l.ifindex, EXABOND_EVENT_BOND_DELETE, now);
		} else if (l.is_bond()) {
			BondEntry *b = bonds.count(l.ifindex) ?
					       bonds[l.ifindex].get() : nullptr;
			std::uint32_t ev = EXABOND_EVENT_BOND_CHANGE;

			if (b && b->name != l.name) {
				/*
				 * The shared-memory page is named for the
				 * bond: a renamed bond gets a new page, the
				 * old one goes final (its readers reopen).
				 */
				log->info("{}: renamed to {}", b->name, l.name);
				bond_gone(l.ifindex, EXABOND_EVENT_RENAME, now);
				b = nullptr;
			}
			if (!b)
				b = ensure_bond(l);
			if (refresh)
				ev = EXABOND_EVENT_REFRESH;
			if (l.event && *l.event == IFLA_EVENT_BONDING_FAILOVER)
				ev = EXABOND_EVENT_FAILOVER;
			if (b)
				build_and_publish(*b, ev, l.ifindex, now);
		}
	}

	/* A member: of the bond it left, and of the bond it is in. */
	int was = old && old->slave_kind == "bond" ? old->master : 0;
	int is = l.msg_type != RTM_DELLINK && l.slave_kind == "bond" ?
			 l.master : 0;

	if (was && was != is)
		touch_bond(was, EXABOND_EVENT_MEMBER_DEL, l.ifindex, now);
	if (is) {
		std::uint32_t ev = EXABOND_EVENT_BOND_CHANGE;

		if (was != is)
			ev = EXABOND_EVENT_MEMBER_ADD;
		else if (old && old->bond_slave && l.bond_slave &&
			 old->bond_slave->mii_status != l.bond_slave->mii_status)
			ev = EXABOND_EVENT_MEMBER_LINK;
		else if (old && old->carrier != l.carrier)
			ev = EXABOND_EVENT_CARRIER;
		else if (refresh)
			ev = EXABOND_EVENT_REFRESH;
		touch_bond(is, ev, l.ifindex, now);
	}
	if (!is && !l.is_bond())
		member_cache.erase(l.ifindex);
	arm_timer();
}

void Daemon::Impl::on_dump_done(bool complete)
{
	const std::uint64_t now = PageWriter::now_ns();
	std::vector<int> gone;
	std::size_t changed = 0;

	dumping = false;
	/*
	 * Only a complete dump proves a link is gone: an interrupted one
	 * may have skipped live links (rtnetlink resumes a dump by position
	 * in a hash bucket), and the next dump follows at once.
	 */
	if (complete) {
		for (auto it = links.begin(); it != links.end();)
			if (!seen.count(it->first))
				it = links.erase(it);
			else
				++it;
		for (auto it = member_cache.begin(); it != member_cache.end();)
			if (!links.count(it->first))
				it = member_cache.erase(it);
			else
				++it;
	}
	for (const auto &[ifindex, b] : bonds)
		if (!links.count(ifindex) || !links[ifindex].is_bond() ||
		    links[ifindex].name != b->name)
			gone.push_back(ifindex);
	/* Deleted, or renamed while events were lost: a new page. */
	for (int i : gone)
		bond_gone(i, links.count(i) && links[i].is_bond() ?
				     EXABOND_EVENT_RENAME :
				     EXABOND_EVENT_BOND_DELETE,
			  now);
	for (const auto &[ifindex, l] : links) {
		if (!l.is_bond())
			continue;
		BondEntry *b = ensure_bond(l);

		if (!b)
			continue;
		std::uint64_t gen = b->own().generation;
		try {
			build_and_publish(*b, EXABOND_EVENT_RESYNC, 0, now);
		} catch (const std::exception &e) {
			log->error("{}: {}", b->name, e.what());
		}
		changed += b->own().generation != gen;
	}
	if (first_dump) {
		std::string names;

		for (const auto &[i, b] : bonds)
			names += (names.empty() ? "" : ", ") + b->name;
		log->info("following {} bond{}{}{}", bonds.size(),
			  bonds.size() == 1 ? "" : "s",
			  names.empty() ? "" : ": ", names);
		sd_notify(0, "READY=1");
		first_dump = false;
	} else {
		log->warn("rtnetlink: resync done: {} links, {} bonds, {} pages changed",
			  links.size(), bonds.size(), changed);
	}
	arm_timer();
}

// The timer runs only while a bond has fields without events or the audit
// has a deadline.
void Daemon::Impl::arm_timer()
{
	bool refresh = false, deadline = false;
	std::uint64_t period;
	struct itimerspec its = {};

	for (const auto &[i, b] : bonds) {
		refresh |= b->own().policy.refreshed != 0;
		deadline |= b->auditor.next_deadline() != 0;
	}
	period = (refresh || deadline) ?
			 std::uint64_t(opt.refresh_ms) * 1000000 : 0;
	if (period == timer_period_ns)
		return;
	timer_period_ns = period;
	its.it_interval.tv_sec = period / 1000000000;
	its.it_interval.tv_nsec = period % 1000000000;
	its.it_value = its.it_interval;
	timerfd_settime(timer.get(), 0, &its, nullptr);
}

void Daemon::Impl::on_timer()
{
	std::uint64_t expirations;
	const std::uint64_t now = PageWriter::now_ns();

	if (read(timer.get(), &expirations, sizeof(expirations)) < 0)
		return;
	for (auto &[ifindex, b] : bonds) {
		if (b->own().policy.refreshed && !dumping) {
			b->last_refresh_ns = now;
			request_refresh(ifindex);
			for (const auto &[i, l] : links)
				if (l.master == ifindex &&
				    l.slave_kind == "bond")
					request_refresh(i);
		}
		if (opt.audit)
			audit(*b, now);
	}
	arm_timer();
}

// Asks for one link again; its reply rebuilds the bond (and, for a member,
// re-reads its speed). A request that cannot be sent is a lost refresh:
// a dump recovers everything.
void Daemon::Impl::request_refresh(int ifindex)
{
	try {
		nl->request_link(ifindex);
		refreshing.insert(ifindex);
	} catch (const std::exception &e) {
		log->warn("{}; resynchronising with a full dump", e.what());
		nl->request_dump();
	}
}

void Daemon::Impl::on_inotify()
{
	alignas(struct inotify_event) char buf[4096];
	ssize_t n;

	while ((n = read(inotify.get(), buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			auto *ev = reinterpret_cast<struct inotify_event *>(p);
			std::string name = ev->len ? ev->name : "";

			p += sizeof(*ev) + ev->len;
			if (name.rfind("exabond-", 0) != 0)
				continue;
			name = name.substr(8);
			name = name.substr(0, name.find(':'));
			for (auto &[i, b] : bonds)
				if (b->name == name)
					open_kernel(*b);
		}
	}
}

void Daemon::Impl::loop()
{
	struct epoll_event evs[16];

	while (!stop) {
		int n = epoll_wait(epoll.get(), evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(errno, "epoll_wait");
		}
		for (int i = 0; i < n && !stop; i++) {
			std::uint64_t tag = evs[i].data.u64;

			if (tag == TAG_NETLINK) {
				nl->receive();
				if (opt.audit)
					audit_all();
			} else if (tag == TAG_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(signal.get(), &si, sizeof(si)) ==
				       sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						log->info("SIGHUP: re-reading every link");
						nl->request_dump();
					} else {
						log->info("{}: stopping",
							  strsignal(si.ssi_signo));
						stop = true;
					}
				}
			} else if (tag == TAG_TIMER) {
				on_timer();
			} else if (tag == TAG_INOTIFY) {
				on_inotify();
			} else if (tag == TAG_HTTP) {
				http->dispatch();
			} else if (tag & TAG_KERNEL_PAGE) {
				int ifindex = int(tag & 0xffffffffU);
				auto it = bonds.find(ifindex);

				if (it != bonds.end() && it->second->kernel)
					on_kernel_page(*it->second);
			}
		}
	}
}

void Daemon::Impl::shutdown()
{
	const std::uint64_t now = PageWriter::now_ns();

	sd_notify(0, "STOPPING=1");
	/*
	 * A page nobody updates any more must not look current: readers
	 * of a published page see it final (dead) and reopen when a
	 * monitor publishes again. A crash leaves the page as it was; the
	 * next monitor takes it over (writer.hpp).
	 */
	for (auto &[i, b] : bonds) {
		if (b->memory)
			continue;
		exabond_page staged;

		std::memcpy(&staged, &b->own(), sizeof(staged));
		b->writer->publish_final(staged, EXABOND_EVENT_UNMANAGE, now);
		b->writer->unlink();
	}
	log->info("stopped: {} netlink messages, {} resyncs", nl->messages(),
		  nl->resyncs());
}

Daemon::Daemon(const Options &options, std::shared_ptr<spdlog::logger> log)
	: impl_(std::make_unique<Impl>(options, std::move(log)))
{
}

Daemon::~Daemon() = default;

int Daemon::run()
{
	impl_->setup();
	impl_->loop();
	impl_->shutdown();
	return 0;
}

} // namespace exabond::monitor
