// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note
//
// exabond::PageWriter: the writer side of the page protocol in user space,
// for exabond-monitor's shared-memory publisher (hosts without the module)
// and for tests and benchmarks. It does what the kernel's kmod/publish.c
// does, so a reader cannot tell the two apart except by page.publisher:
//
//  - a publication is W1..W5 of page.h, then FUTEX_WAKE on the
//    generation's low word for readers waiting on a shared-memory page;
//  - only a change is published: the body and the hot word are compared
//    with the page, so a moved generation means something changed;
//  - the hot word and its active epoch, failover_count, last_failover_ns
//    and the FAILOVER event are derived here, from the staged page, as
//    the kernel derives them.
//
// Exactly one PageWriter may write a page at a time (the protocol has one
// writer); the class does not lock. Staged pages are built by the caller:
// everything from offset 64 (bond, ad, policy, members) as the ABI says.
#ifndef EXABOND_WRITER_HPP
#define EXABOND_WRITER_HPP

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <exabond/error.hpp>
#include <exabond/export.hpp>
#include <exabond/page.h>

namespace exabond {

class EXABOND_API PageWriter {
public:
	// The shared-memory page of @bond for readers in the network
	// namespace @netns_ino: /dev/shm/exabond-<bond>, or with
	// ":<netns_ino>" when @initial_netns is false (the same names as the
	// kernel's nodes). Readable by everyone (0644), writable by the
	// creator, and locked (flock) for this writer's life: a second
	// publisher gets EBUSY. An existing file is used only if it is this
	// user's own regular file, writable by the owner only (EPERM
	// otherwise). An existing page of this ABI is taken over, generation
	// and all, so readers of a restarted publisher keep working; a final
	// (dead) page is unlinked and replaced, so its readers keep the final
	// state; any other file is re-initialised. A page left mid-write by a
	// publisher that died reads as busy (-EAGAIN) until the first
	// publish(), which then always writes. Throws Error.
	static PageWriter create_shared_memory(std::string_view bond,
					       std::uint32_t netns_ino,
					       bool initial_netns);

	// A writer for a page in memory the caller owns and keeps alive
	// (a page-aligned 4 KiB buffer, or a mapping). Initialises the header
	// with @publisher if the page has none of this ABI yet.
	explicit PageWriter(exabond_page *page,
			    std::uint16_t publisher = EXABOND_PUBLISHER_MONITOR);

	PageWriter(PageWriter &&) noexcept;
	PageWriter &operator=(PageWriter &&) noexcept;
	~PageWriter();

	// Publishes @staged's body if it, or the hot word derived from it,
	// differs from the page, or if @force. @event says what caused it
	// (EXABOND_EVENT_*), @event_ifindex about which device, @event_ns
	// when (CLOCK_MONOTONIC). Returns whether it published. Wakes
	// futex waiters after each publication.
	bool publish(const exabond_page &staged, std::uint32_t event,
		     int event_ifindex, std::uint64_t event_ns,
		     bool force = false) noexcept;

	// The last publication: @staged with the dead flag; the page is
	// final. Later publish() calls do nothing.
	void publish_final(const exabond_page &staged, std::uint32_t event,
			   std::uint64_t event_ns) noexcept;

	// Removes the shared-memory name (readers keep their mappings).
	void unlink() noexcept;

	const exabond_page *page() const noexcept { return pg_; }
	const std::string &path() const noexcept { return path_; }

	// Tests only: called once per publication with seq odd, after the
	// body is stored and before the generation and hot word are, so a
	// test can stretch the critical section.
	using Hook = void (*)(void *arg);
	void set_critical_section_hook(Hook hook, void *arg) noexcept
	{
		hook_ = hook;
		hook_arg_ = arg;
	}

	// CLOCK_MONOTONIC now, in nanoseconds (the page's clock).
	static std::uint64_t now_ns() noexcept;

private:
	struct Shm;

	void write(const exabond_page &staged, std::uint64_t hot,
		   std::uint32_t event, int event_ifindex,
		   std::uint64_t event_ns) noexcept;

	exabond_page *pg_ = nullptr;
	std::unique_ptr<Shm> shm_;
	std::string path_;
	bool dead_ = false;
	bool resync_ = false;	// the next publish() is unconditional
	Hook hook_ = nullptr;
	void *hook_arg_ = nullptr;
};

} // namespace exabond

#endif // EXABOND_WRITER_HPP
