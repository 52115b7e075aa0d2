// SPDX-License-Identifier: GPL-2.0
//
// exabond::Bond: finding, mapping and waiting on a page. The mapping is
// owned by Boost.Interprocess objects (file_mapping for a node or a file,
// shared_memory_object for the monitor's page, mapped_region for the
// bytes), always read-only and MAP_SHARED, and always exactly
// EXABOND_PAGE_BYTES: a char device reports size 0, so the size is given.
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include <exabond/bond.hpp>

#include "futex.hpp"
#include "ifname.hpp"

namespace bip = boost::interprocess;

namespace exabond {

struct Bond::Mapping {
	bip::file_mapping file;		// node or file: owns the descriptor
	bip::shared_memory_object shm;	// or the monitor's page
	bip::mapped_region region;
	int fd = -1;			// file's or shm's descriptor

	// notify_fd() on a shared-memory page: an eventfd and its feeder.
	int efd = -1;
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
		if (efd >= 0)
			close(efd);
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

int native_error(const bip::interprocess_exception &e)
{
	int err = e.get_native_error();

	return err ? err : EIO;
}

// A page file must be a regular file (a FIFO would hang the open) and,
// since /dev/shm is writable by everyone, owned by root or by us and
// writable by its owner only, so nobody else can plant or alter a page.
// Checked before opening and again on the open descriptor.
void check_page_file(const struct stat &st, const std::string &path)
{
	if (!S_ISREG(st.st_mode))
		throw Error("validate", path, EPROTO,
			    "neither an exabond device nor a regular file");
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		throw Error("validate", path, EPERM,
			    "a page file must be owned by root or by this "
			    "user and writable by its owner only");
}

// Maps the 4 KiB page of an open mapping object and checks its header.
template <class Object>
void map_page(Bond::Mapping &m, Object &obj, const std::string &path,
	      bool is_device)
{
	struct stat st;

	m.fd = obj.get_mapping_handle().handle;
	if (fstat(m.fd, &st))
		throw Error("fstat", path, errno);
	if (!is_device)
		check_page_file(st, path);
	if (!is_device && st.st_size < EXABOND_PAGE_BYTES)
		throw Error("validate", path, EPROTO,
			    "shorter than an exabond page (" +
				    std::to_string(st.st_size) + " bytes)");
	try {
		m.region = bip::mapped_region(obj, bip::read_only, 0,
					      EXABOND_PAGE_BYTES);
	} catch (const bip::interprocess_exception &e) {
		throw Error("mmap", path, native_error(e));
	}
	const char *why = nullptr;

	if (exabond_check_header(m.page(), &why))
		throw Error("validate", path, EPROTO, why);
}

// A node or a file; nullptr if @missing_ok and it does not exist.
std::unique_ptr<Bond::Mapping> map_file(const std::string &path,
					bool missing_ok, bool *is_device)
{
	auto m = std::make_unique<Bond::Mapping>();
	struct stat st;

	if (stat(path.c_str(), &st)) {
		if (missing_ok && errno == ENOENT)
			return nullptr;
		throw Error("open", path, errno);
	}
	*is_device = S_ISCHR(st.st_mode);
	if (!*is_device)
		check_page_file(st, path);
	try {
		m->file = bip::file_mapping(path.c_str(), bip::read_only);
	} catch (const bip::interprocess_exception &e) {
		if (missing_ok && native_error(e) == ENOENT)
			return nullptr;
		throw Error("open", path, native_error(e));
	}
	int fd = m->file.get_mapping_handle().handle;

	// Boost opens without O_CLOEXEC; a device is never read blocking.
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (*is_device)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	map_page(*m, m->file, path, *is_device);
	return m;
}

std::unique_ptr<Bond::Mapping> map_shm(const std::string &name,
				       bool missing_ok)
{
	auto m = std::make_unique<Bond::Mapping>();
	const std::string path = EXABOND_SHM_DIR + name;
	struct stat st;

	if (stat(path.c_str(), &st)) {
		if (missing_ok && errno == ENOENT)
			return nullptr;
		throw Error("open", path, errno);
	}
	check_page_file(st, path);
	try {
		m->shm = bip::shared_memory_object(bip::open_only, name.c_str(),
						   bip::read_only);
	} catch (const bip::interprocess_exception &e) {
		if (missing_ok && native_error(e) == ENOENT)
			return nullptr;
		throw Error("open", path, native_error(e));
	}
	map_page(*m, m->shm, path, false);
	return m;
}

std::string suffixed(std::string_view bond, std::uint32_t ino)
{
	return std::string(bond) + ":" + std::to_string(ino);
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
	auto m = map_file(path, false, &is_device);

	return Bond(std::move(m),
		    is_device ? Source::device : Source::shared_memory, path);
}

Bond Bond::open_shared_memory(std::string_view bond)
{
	check_bond_name(bond);
	const std::uint32_t ino = own_netns_ino();

	for (const std::string &base :
	     {suffixed(bond, ino), std::string(bond)}) {
		const std::string name = EXABOND_SHM_PREFIX + base;
		auto m = map_shm(name, true);

		if (m && m->page()->bond.netns_ino == ino)
			return Bond(std::move(m), Source::shared_memory,
				    EXABOND_SHM_DIR + name);
	}
	const std::string b(bond);

	throw Error("open", EXABOND_SHM_DIR EXABOND_SHM_PREFIX + b, ENOENT,
		    "exabond-monitor publishes no page for " + b +
			    " in this network namespace");
}

Bond Bond::open(std::string_view bond)
{
	check_bond_name(bond);
	const std::uint32_t ino = own_netns_ino();

	for (const std::string &base :
	     {suffixed(bond, ino), std::string(bond)}) {
		const std::string path = EXABOND_DEV_PREFIX + base;
		bool is_device = false;
		auto m = map_file(path, true, &is_device);

		if (m && m->page()->bond.netns_ino == ino)
			return Bond(std::move(m), Source::device, path);
	}
	try {
		return open_shared_memory(bond);
	} catch (const Error &e) {
		if (e.errno_value() != ENOENT)
			throw;
	}
	const std::string b(bond);

	throw Error("open", EXABOND_DEV_PREFIX + b, ENOENT,
		    b + " is not managed in this network namespace and "
			"exabond-monitor publishes no page for it: echo +" +
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

} // namespace

WaitStatus Bond::wait_for_change(std::uint64_t generation,
				 std::chrono::nanoseconds timeout) noexcept
{
	const bool forever = timeout.count() < 0;
	const Clock::time_point deadline =
		forever ? Clock::time_point::max() : Clock::now() + timeout;
	struct timespec ts, *tsp = forever ? nullptr : &ts;

	for (;;) {
		if (changed_since(generation))
			return WaitStatus::changed;
		if (dead())
			return WaitStatus::dead;
		if (!forever && !remaining(deadline, &ts))
			return WaitStatus::timeout;

		if (source_ == Source::shared_memory) {
			if (detail::futex_wait(detail::generation_word(pg_),
					       std::uint32_t(generation),
					       tsp) == 0)
				continue;
			if (errno == ETIMEDOUT)
				continue;	/* re-checked above */
			return errno == EINTR ? WaitStatus::interrupted
					      : WaitStatus::error;
		}

		// The node: POLLIN means the generation moved past what this
		// file last read, which may be older than @generation; read it
		// (non-blocking) to catch up, and sleep again if need be.
		struct pollfd p = {map_->fd, POLLIN, 0};
		int r = ppoll(&p, 1, tsp, nullptr);

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
		std::uint64_t seen;

		if (read(map_->fd, &seen, sizeof(seen)) < 0 &&
		    errno != EAGAIN)
			return WaitStatus::error;
	}
}

int Bond::notify_fd()
{
	if (source_ == Source::device)
		return map_->fd;
	if (map_->efd >= 0)
		return map_->efd;

	map_->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (map_->efd < 0)
		throw Error("eventfd", path_, errno);
	Mapping *m = map_.get();
	// Taken here, not in the thread: a publication right after this
	// call returns must still be signalled.
	std::uint64_t first = exabond_generation(m->page());

	m->feeder = std::thread([m, first] {
		const std::uint32_t *word = detail::generation_word(m->page());
		const struct timespec tick = {0, 100 * 1000 * 1000};
		std::uint64_t seen = first;

		while (!m->stop.load()) {
			detail::futex_wait(word, std::uint32_t(seen), &tick);
			std::uint64_t g = exabond_generation(m->page());

			if (g != seen) {
				const std::uint64_t one = 1;

				seen = g;
				if (write(m->efd, &one, sizeof(one)) < 0) {
					// Counter full: the reader is behind,
					// and the fd is readable anyway.
				}
			}
		}
	});
	return map_->efd;
}

std::uint64_t Bond::acknowledge() noexcept
{
	std::uint64_t v;

	if (source_ == Source::device) {
		if (read(map_->fd, &v, sizeof(v)) < 0) {
			// EAGAIN: nothing new since the last read.
		}
	} else if (map_->efd >= 0) {
		if (read(map_->efd, &v, sizeof(v)) < 0) {
			// EAGAIN: no change since the last acknowledge().
		}
	}
	return generation();
}

} // namespace exabond
