// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note
//
// exabond::Bond: one bond's page, opened, checked and mapped read-only.
//
//	auto bond = exabond::Bond::open("bond0");	// throws exabond::Error
//	int active = bond.active_ifindex();		// one load: hot path
//	std::uint64_t g = bond.generation();		// one load
//	...
//	if (bond.changed_since(g)) { ... }		// one load, one compare
//	exabond::Snapshot s;
//	bond.snapshot(s);				// consistent copy
//	bond.wait_for_change(g, std::chrono::seconds(1));	// sleeps
//
// Where the page comes from (open()): the kernel node of the bond in the
// calling thread's network namespace (/dev/exabond-<bond>[:<netns>]), and
// when there is none, the page exabond-monitor publishes for it in shared
// memory (/dev/shm/exabond-<bond>[:<netns>]). open_path() takes either
// kind of file explicitly, open_shared_memory() the monitor's page only.
//
// The hot-path functions are inline, one acquire load each: no system
// call, allocation, lock or retry. The mapping stays valid for the
// object's life, also after the bond is deleted (the page then shows its
// final state with dead() true). A Bond may be read from any number of
// threads at once; wait_for_change(), notify_fd() and acknowledge() keep
// per-object state, so give each waiting thread its own Bond.
#ifndef EXABOND_BOND_HPP
#define EXABOND_BOND_HPP

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <exabond/error.hpp>
#include <exabond/export.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>

namespace exabond {

enum class Source {
	device,		// the kernel module's node
	shared_memory,	// exabond-monitor's page
};

enum class WaitStatus {
	changed,	// the generation is no longer the one given
	timeout,
	dead,		// the bond is gone or released: nothing will change
	interrupted,	// a signal arrived (EINTR); check your flags and retry
	error,		// errno says why (a system call failed)
};

EXABOND_API std::string_view wait_status_name(WaitStatus s) noexcept;

class EXABOND_API Bond {
public:
	// The bond named @bond in the calling thread's network namespace:
	// its kernel node, else the monitor's shared-memory page.
	static Bond open(std::string_view bond);
	// The page at @path: a kernel node, or a shared-memory or regular
	// file holding a page (waits then use the futex protocol).
	static Bond open_path(const std::string &path);
	// exabond-monitor's page for @bond in this network namespace.
	static Bond open_shared_memory(std::string_view bond);

	Bond(Bond &&) noexcept;
	Bond &operator=(Bond &&) noexcept;
	Bond(const Bond &) = delete;
	Bond &operator=(const Bond &) = delete;
	~Bond();

	// Hot path.
	std::uint64_t hot() const noexcept { return exabond_hot(pg_); }
	int active_ifindex() const noexcept
	{
		return int(exabond_active_ifindex(pg_));
	}
	std::uint64_t generation() const noexcept
	{
		return exabond_generation(pg_);
	}
	bool changed_since(std::uint64_t generation) const noexcept
	{
		return exabond_generation(pg_) != generation;
	}
	bool dead() const noexcept { return exabond_dead(pg_); }

	// A consistent copy of the whole page (see Snapshot).
	Status snapshot(Snapshot &out) const noexcept { return out.read(pg_); }

	// Sleeps until the generation differs from @generation, the bond is
	// gone, a signal arrives or @timeout passes (negative: no limit).
	// Never spins: poll() on a kernel node, FUTEX_WAIT on a
	// shared-memory page.
	WaitStatus wait_for_change(std::uint64_t generation,
				   std::chrono::nanoseconds timeout =
					   std::chrono::nanoseconds(-1)) noexcept;

	// A descriptor for your own poll/epoll loop: readable (EPOLLIN) when
	// the page may have changed. After it fires, call acknowledge() and
	// compare generations. Once the bond is gone it stays readable
	// (a kernel node also reports EPOLLHUP): check dead(). On a
	// shared-memory page this is an eventfd fed by a thread that waits
	// on the futex for you (signals blocked, named exabond-notify); it is
	// started on the first call and ends with the page or the Bond.
	int notify_fd();
	// Re-arms notify_fd(); returns the generation now in the page.
	std::uint64_t acknowledge() noexcept;

	Source source() const noexcept { return source_; }
	const std::string &path() const noexcept { return path_; }
	const exabond_page *page() const noexcept { return pg_; }

	// Opaque: the Boost.Interprocess objects that own the mapping.
	struct Mapping;

private:
	Bond(std::unique_ptr<Mapping> m, Source source, std::string path);

	const exabond_page *pg_ = nullptr;	// first: the hot path's load
	std::unique_ptr<Mapping> map_;
	Source source_;
	std::string path_;
};

} // namespace exabond

#endif // EXABOND_BOND_HPP
