// SPDX-License-Identifier: GPL-2.0
//
// exabond::Bond: finding, mapping and waiting on a page.
//
// Opening: the library opens the file itself, O_RDONLY | O_CLOEXEC |
// O_NONBLOCK (and O_NOFOLLOW in /dev/shm), and decides everything from
// fstat() of that descriptor: Boost's file_mapping and shared_memory_object
// open without O_CLOEXEC or with a blocking open that a FIFO planted at the
// name would hang, and checking a path before opening it is a race. The
// mapping itself is owned by Boost.Interprocess's mapped_region, always
// read-only and MAP_SHARED, and always exactly EXABOND_PAGE_BYTES: a char
// device reports size 0, so the size is given.
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/interprocess/detail/os_file_functions.hpp>
#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/mapped_region.hpp>

#include <exabond/bond.hpp>

#include "futex.hpp"
#include "ifname.hpp"
#include "unique_fd.hpp"

namespace bip = boost::interprocess;

namespace exabond {

using detail::UniqueFd;

namespace {

// What mapped_region needs of a mappable object: a descriptor.
struct Mappable {
	int fd;

	bip::mapping_handle_t get_mapping_handle() const
	{
		return bip::ipcdetail::mapping_handle_from_file_handle(fd);
	}
};

} // namespace

struct Bond::Mapping {
	UniqueFd fd;			// the node or the page file
	bip::mapped_region region;	// unmapped before fd is closed

	// notify_fd() on a shared-memory page: an eventfd and its feeder.
	UniqueFd efd;
	std::thread feeder;
	std::atomic<bool> stop{false};

	const exabond_page *page() const noexcept
	{
		return static_cast<const exabond_page *>(region.get_address());
	}

	~Mapping()
	{
		if (feeder.joinable()) {
			stop.store(true);
			detail::futex_wake_all(detail::generation_word(page()));
			feeder.join();
		}
	}
};

std::string_view wait_status_name(WaitStatus s) noexcept
{
	switch (s) {
	case WaitStatus::changed:
		return "changed";
	case WaitStatus::timeout:
		return "timeout";
	case WaitStatus::dead:
		return "dead";
	case WaitStatus::interrupted:
		return "interrupted";
	case WaitStatus::error:
		return "error";
	}
	return "unknown";
}

namespace {

void check_bond_name(std::string_view bond)
{
	if (!detail::valid_ifname(bond))
		throw Error("open", std::string(bond), EINVAL,
			    "not a valid interface name");
}

std::uint32_t own_netns_ino()
{
	unsigned long ino = exabond_netns_ino();

	if (!ino)
		throw Error("stat", "/proc/thread-self/ns/net", errno,
			    "cannot tell this thread's network namespace");
	return std::uint32_t(ino);
}

// Opens and maps the page at @path; says whether it is a kernel node. A
// page file must be a regular file (not a FIFO, a directory...) and, since
// /dev/shm is writable by everyone, owned by root or by us and writable by
// its owner only, so nobody else can plant or alter a page.
std::unique_ptr<Bond::Mapping> map_path(const std::string &path,
					bool nofollow, bool *is_device)
{
	auto m = std::make_unique<Bond::Mapping>();
	struct stat st;

	m->fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK |
					 (nofollow ? O_NOFOLLOW : 0)));
	if (!m->fd.valid())
		throw Error("open", path, errno);
	if (fstat(m->fd.get(), &st))
		throw Error("fstat", path, errno);
	*is_device = S_ISCHR(st.st_mode);
	if (!*is_device) {
		if (!S_ISREG(st.st_mode))
			throw Error("validate", path, EPROTO,
				    "neither an exabond device nor a regular "
				    "file");
		if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
		    (st.st_mode & (S_IWGRP | S_IWOTH)))
			throw Error("validate", path, EPERM,
				    "a page file must be owned by root or by "
				    "this user and writable by its owner only");
		if (st.st_size < EXABOND_PAGE_BYTES)
			throw Error("validate", path, EPROTO,
				    "shorter than an exabond page (" +
					    std::to_string(st.st_size) +
					    " bytes)");
	}
	try {
		m->region = bip::mapped_region(Mappable{m->fd.get()},
					       bip::read_only, 0,
					       EXABOND_PAGE_BYTES);
	} catch (const bip::interprocess_exception &e) {
		int err = e.get_native_error();

		throw Error("mmap", path, err ? err : EIO);
	}
	const char *why = nullptr;

	if (exabond_check_header(m->page(), &why))
		throw Error("validate", path, EPROTO, why);
	return m;
}

// Is this the page of @bond in the namespace @ino? Read without the
// seqlock, so that a page a dead publisher left odd still opens (its
// snapshots then say so); a name torn by a rename in progress compares
// unequal and the page is passed over, as is a page never published.
bool page_is(const exabond_page *pg, std::string_view bond, std::uint32_t ino)
{
	std::uint64_t w[EXABOND_NAME_LEN / 8];
	char name[EXABOND_NAME_LEN + 1] = {};

	static_assert(sizeof(w) == sizeof(pg->bond.name), "name words");
	for (std::size_t i = 0; i < EXABOND_NAME_LEN / 8; i++)
		w[i] = __atomic_load_n(
			reinterpret_cast<const std::uint64_t *>(pg->bond.name) + i,
			__ATOMIC_RELAXED);
	std::memcpy(name, w, sizeof(w));
	return __atomic_load_n(&pg->bond.netns_ino, __ATOMIC_RELAXED) == ino &&
	       std::string_view(name) == bond;
}

// The first of "<dir><prefix><bond>:<ino>" and "<dir><prefix><bond>" that
// holds this namespace's page of @bond. A candidate that is missing,
// planted, invalid or another namespace's is passed over; if none fits,
// nullptr, and *first the first error other than a missing file.
std::unique_ptr<Bond::Mapping> find_page(const std::string &base,
					 std::string_view bond,
					 std::uint32_t ino, bool nofollow,
					 std::string *path, Source *source,
					 std::unique_ptr<Error> *first)
{
	for (const std::string &p :
	     {base + ":" + std::to_string(ino), base}) {
		try {
			bool is_device = false;
			auto m = map_path(p, nofollow, &is_device);

			if (page_is(m->page(), bond, ino)) {
				*path = p;
				*source = is_device ? Source::device
						    : Source::shared_memory;
				return m;
			}
		} catch (const Error &e) {
			if (e.errno_value() != ENOENT && !*first)
				*first = std::make_unique<Error>(e);
		}
	}
	return nullptr;
}

} // namespace

Bond::Bond(std::unique_ptr<Mapping> m, Source source, std::string path)
	: pg_(m->page()), map_(std::move(m)), source_(source),
	  path_(std::move(path))
{
}

Bond::Bond(Bond &&) noexcept = default;
Bond &Bond::operator=(Bond &&) noexcept = default;
Bond::~Bond() = default;

Bond Bond::open_path(const std::string &path)
{
	bool is_device = false;
	auto m = map_path(path, false, &is_device);

	return Bond(std::move(m),
		    is_device ? Source::device : Source::shared_memory, path);
}

Bond Bond::open_shared_memory(std::string_view bond)
{
	check_bond_name(bond);
	const std::uint32_t ino = own_netns_ino();
	const std::string b(bond);
	std::unique_ptr<Error> first;
	std::string path;
	Source source;

	auto m = find_page(EXABOND_SHM_DIR EXABOND_SHM_PREFIX + b, bond, ino,
			   true, &path, &source, &first);
	if (m)
		return Bond(std::move(m), source, path);
	if (first)
		throw *first;
	throw Error("open", EXABOND_SHM_DIR EXABOND_SHM_PREFIX + b, ENOENT,
		    "exabond-monitor publishes no page for " + b +
			    " in this network namespace");
}

Bond Bond::open(std::string_view bond)
{
	check_bond_name(bond);
	const std::uint32_t ino = own_netns_ino();
	const std::string b(bond);
	std::unique_ptr<Error> first;
	std::string path;
	Source source;

	auto m = find_page(EXABOND_DEV_PREFIX + b, bond, ino, false, &path,
			   &source, &first);
	if (!m)
		m = find_page(EXABOND_SHM_DIR EXABOND_SHM_PREFIX + b, bond, ino,
			      true, &path, &source, &first);
	if (m)
		return Bond(std::move(m), source, path);
	if (first)
		throw *first;
	throw Error("open", EXABOND_DEV_PREFIX + b, ENOENT,
		    b + " is not managed in this network namespace (net:[" +
			    std::to_string(ino) + "]: no node " +
			    EXABOND_DEV_PREFIX + b + "[:" +
			    std::to_string(ino) +
			    "] is its) and exabond-monitor publishes no "
			    "page for it: echo +" +
			    b + " > /sys/class/net/exabond_masters");
}

namespace {

using Clock = std::chrono::steady_clock;

// Time left until @deadline as a timespec; false once it has passed.
bool remaining(Clock::time_point deadline, struct timespec *ts)
{
	auto left = deadline - Clock::now();

	if (left <= Clock::duration::zero())
		return false;
	auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left)
			  .count();
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return true;
}

// Sleeps of a wait without a limit are cut into these: an untimed
// FUTEX_WAIT is restarted by the kernel after a signal handler installed
// with SA_RESTART, so it would never report the signal; a timed one
// always returns EINTR.
constexpr std::chrono::hours forever_slice(24);

} // namespace

WaitStatus Bond::wait_for_change(std::uint64_t generation,
				 std::chrono::nanoseconds timeout) noexcept
{
	// Negative, or too far to add to now(): no limit.
	const bool forever = timeout.count() < 0 ||
			     timeout > std::chrono::hours(24 * 365 * 100);
	const Clock::time_point deadline =
		forever ? Clock::time_point::max() : Clock::now() + timeout;
	struct timespec ts;

	for (;;) {
		__u64 gen, hot;

		if (exabond_generation_and_hot(pg_, &gen, &hot)) {
			errno = EAGAIN;	/* a writer that died mid-publication */
			return WaitStatus::error;
		}
		if (gen != generation)
			return WaitStatus::changed;
		if (hot & EXABOND_HOT_F_DEAD)
			return WaitStatus::dead;
		if (forever) {
			ts.tv_sec = forever_slice.count() * 3600;
			ts.tv_nsec = 0;
		} else if (!remaining(deadline, &ts)) {
			return WaitStatus::timeout;
		}

		if (source_ == Source::shared_memory) {
			if (detail::futex_wait(detail::generation_word(pg_),
					       std::uint32_t(generation),
					       &ts) == 0)
				continue;
			if (errno == ETIMEDOUT)
				continue;	/* re-checked above */
			return errno == EINTR ? WaitStatus::interrupted
					      : WaitStatus::error;
		}

		// The node: POLLIN means the generation moved past what this
		// file last read, which may be older than @generation. A new
		// generation returns at once, from the page (the top of the
		// loop), with no read(2) between the wake-up and the caller;
		// the file catches up in the next call, before it sleeps: read
		// it (non-blocking), and sleep again if need be.
		struct pollfd p = {map_->fd.get(), POLLIN, 0};
		int r = ppoll(&p, 1, &ts, nullptr);

		if (r < 0)
			return errno == EINTR ? WaitStatus::interrupted
					      : WaitStatus::error;
		if (r == 0)
			continue;
		if (p.revents & POLLHUP)
			return changed_since(generation) ? WaitStatus::changed
							 : WaitStatus::dead;
		if (p.revents & (POLLERR | POLLNVAL)) {
			errno = EIO;
			return WaitStatus::error;
		}
		if (exabond_generation(pg_) != generation)
			continue;
		std::uint64_t seen;

		if (read(map_->fd.get(), &seen, sizeof(seen)) < 0 &&
		    errno != EAGAIN)
			return WaitStatus::error;
	}
}

int Bond::notify_fd()
{
	if (source_ == Source::device)
		return map_->fd.get();
	if (map_->efd.valid())
		return map_->efd.get();

	UniqueFd efd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));

	if (!efd.valid())
		throw Error("eventfd", path_, errno);
	Mapping *m = map_.get();
	const int out = efd.get();
	const std::uint64_t one = 1;

	// A page that is final already: readable for good, no thread.
	if (dead()) {
		if (write(out, &one, sizeof(one)) < 0)
			throw Error("eventfd write", path_, errno);
		m->efd = std::move(efd);
		return out;
	}
	// Taken here, not in the thread: a publication right after this
	// call returns must still be signalled.
	const std::uint64_t first = exabond_generation(m->page());
	// The feeder takes no signal meant for the process.
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	try {
		m->feeder = std::thread([m, out, first, one] {
			const std::uint32_t *word =
				detail::generation_word(m->page());
			const struct timespec tick = {0, 100 * 1000 * 1000};
			std::uint64_t seen = first;

			while (!m->stop.load()) {
				detail::futex_wait(word, std::uint32_t(seen),
						   &tick);
				std::uint64_t g = exabond_generation(m->page());

				if (g == seen)
					continue;
				seen = g;
				if (write(out, &one, sizeof(one)) < 0) {
					// Counter full: the reader is behind;
					// the fd is readable anyway.
				}
				// Final: acknowledge() leaves the fd readable
				// from now on, like POLLHUP; nothing to feed.
				if (exabond_dead(m->page()))
					break;
			}
		});
	} catch (const std::system_error &e) {
		pthread_sigmask(SIG_SETMASK, &old, nullptr);
		throw Error("start the notify thread for", path_,
			    e.code().value());
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	pthread_setname_np(m->feeder.native_handle(), "exabond-notify");
	m->efd = std::move(efd);
	return out;
}

std::uint64_t Bond::acknowledge() noexcept
{
	std::uint64_t v;

	if (source_ == Source::device) {
		if (read(map_->fd.get(), &v, sizeof(v)) < 0) {
			// EAGAIN: nothing new since the last read.
		}
	} else if (map_->efd.valid() && !dead()) {
		if (read(map_->efd.get(), &v, sizeof(v)) < 0) {
			// EAGAIN: no change since the last acknowledge().
		}
	}
	return generation();
}

} // namespace exabond
