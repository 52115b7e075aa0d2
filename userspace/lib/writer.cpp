// SPDX-License-Identifier: GPL-2.0
//
// exabond::PageWriter: page.h's writer protocol in user space. Every store
// into the shared page is a relaxed atomic (the readers' loads are too),
// ordered by release fences where the protocol has smp_wmb(): W2 after the
// odd seq, W4 before the even one. The staged page is the caller's; this
// file derives what the kernel's kmod/publish.c derives.
#include <cerrno>
#include <cstring>
#include <ctime>

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/permissions.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include <exabond/reader.h>
#include <exabond/writer.hpp>

#include "futex.hpp"
#include "ifname.hpp"

namespace bip = boost::interprocess;

namespace exabond {

struct PageWriter::Shm {
	std::string name;
	bip::shared_memory_object obj;
	bip::mapped_region region;
};

namespace {

constexpr std::size_t body_offset = offsetof(exabond_page, bond);
constexpr std::size_t body_len = EXABOND_PAGE_SIZE_V1_0 - body_offset;

const unsigned char *body(const exabond_page *pg)
{
	return reinterpret_cast<const unsigned char *>(pg) + body_offset;
}

template <class T, class V> void store(T *p, V v)
{
	__atomic_store_n(p, T(v), __ATOMIC_RELAXED);
}

std::uint64_t derive_hot(const exabond_page &st, std::uint64_t old_hot)
{
	std::uint64_t epoch = EXABOND_HOT_EPOCH(old_hot);
	const std::uint32_t active = std::uint32_t(st.bond.active_ifindex);
	std::uint64_t hot = active;

	if (active != EXABOND_HOT_IFINDEX(old_hot))
		epoch = (epoch + 1) & 0xffff;
	hot |= epoch << EXABOND_HOT_EPOCH_SHIFT;
	if (active)
		hot |= EXABOND_HOT_F_HAS_ACTIVE;
	if ((st.bond.flags & EXABOND_BOND_F_ADMIN_UP) &&
	    (st.bond.flags & EXABOND_BOND_F_CARRIER))
		hot |= EXABOND_HOT_F_UP;
	if (!(st.policy.flags & EXABOND_POLICY_F_COMPLIANT))
		hot |= EXABOND_HOT_F_NONCOMPLIANT;
	return hot;
}

// @staged into @st with the failover count carried over from @pg, counted
// up if the active member moved; says whether it did.
bool stage(exabond_page *st, const exabond_page &staged, const exabond_page *pg,
	   std::uint64_t event_ns)
{
	std::memcpy(st, &staged, sizeof(*st));
	const bool moved = pg->generation &&
			   st->bond.active_ifindex != pg->bond.active_ifindex;

	st->bond.failover_count = pg->bond.failover_count + moved;
	st->bond.last_failover_ns = moved ? event_ns : pg->bond.last_failover_ns;
	return moved;
}

int native_error(const bip::interprocess_exception &e)
{
	int err = e.get_native_error();

	return err ? err : EIO;
}

} // namespace

std::uint64_t PageWriter::now_ns() noexcept
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

PageWriter::PageWriter(exabond_page *page, std::uint16_t publisher)
	: pg_(page)
{
	if (exabond_check_header(pg_, nullptr) == 0) {
		// A page of this ABI: carry on from it. Left odd by a writer
		// that died mid-publication, its body is torn: readers get
		// -EAGAIN until the next publication, which is unconditional.
		resync_ = pg_->seq & 1;
		return;
	}
	std::memset(static_cast<void *>(pg_), 0, sizeof(*pg_));
	pg_->magic = EXABOND_PAGE_MAGIC;
	pg_->abi_major = EXABOND_ABI_MAJOR;
	pg_->abi_minor = EXABOND_ABI_MINOR;
	pg_->size = EXABOND_PAGE_SIZE_V1_0;
	pg_->publisher = publisher;
	pg_->member_max = EXABOND_MAX_MEMBERS;
}

PageWriter PageWriter::create_shared_memory(std::string_view bond,
					    std::uint32_t netns_ino,
					    bool initial_netns)
{
	if (!detail::valid_ifname(bond))
		throw Error("create", std::string(bond), EINVAL,
			    "not a valid interface name");
	std::string name = EXABOND_SHM_PREFIX + std::string(bond);

	if (!initial_netns)
		name += ":" + std::to_string(netns_ino);
	const std::string path = EXABOND_SHM_DIR + name;

	// Twice at most: a final (dead) page is never written again, so it is
	// unlinked, its readers keep it, and a new file takes the name.
	for (int attempt = 0;; attempt++) {
		auto shm = std::make_unique<Shm>();
		struct stat st;

		shm->name = name;
		try {
			bip::permissions perm(0644);

			shm->obj = bip::shared_memory_object(
				bip::open_or_create, name.c_str(),
				bip::read_write, perm);
		} catch (const bip::interprocess_exception &e) {
			throw Error("create", path, native_error(e));
		}
		const int fd = shm->obj.get_mapping_handle().handle;

		// An existing file is taken over only if it is ours: one that
		// someone else created at the name could be rewritten by them.
		if (fstat(fd, &st))
			throw Error("fstat", path, errno);
		if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_nlink != 1)
			throw Error("create", path, EPERM,
				    "the file exists and is not a page of this "
				    "user's; remove it");
		// One writer per page: held for the writer's life.
		if (flock(fd, LOCK_EX | LOCK_NB))
			throw Error("create", path,
				    errno == EWOULDBLOCK ? EBUSY : errno,
				    "another publisher writes this page");
		try {
			if (st.st_size < EXABOND_PAGE_BYTES)
				shm->obj.truncate(EXABOND_PAGE_BYTES);
			shm->region = bip::mapped_region(shm->obj,
							 bip::read_write, 0,
							 EXABOND_PAGE_BYTES);
		} catch (const bip::interprocess_exception &e) {
			throw Error("create", path, native_error(e));
		}
		auto *pg = static_cast<exabond_page *>(shm->region.get_address());

		if (attempt == 0 && exabond_check_header(pg, nullptr) == 0 &&
		    (pg->hot & EXABOND_HOT_F_DEAD)) {
			bip::shared_memory_object::remove(name.c_str());
			continue;
		}
		PageWriter w(pg, EXABOND_PUBLISHER_MONITOR);

		w.shm_ = std::move(shm);
		w.path_ = path;
		return w;
	}
}

PageWriter::PageWriter(PageWriter &&) noexcept = default;
PageWriter &PageWriter::operator=(PageWriter &&) noexcept = default;
PageWriter::~PageWriter() = default;

void PageWriter::unlink() noexcept
{
	if (shm_)
		bip::shared_memory_object::remove(shm_->name.c_str());
}

// W1..W5 of page.h, then the futex wake.
void PageWriter::write(const exabond_page &st, std::uint64_t hot,
		       std::uint32_t event, int event_ifindex,
		       std::uint64_t event_ns) noexcept
{
	// Odd whatever a dead predecessor left (see the constructor).
	const std::uint32_t odd = pg_->seq | 1;
	auto *dst = reinterpret_cast<std::uint64_t *>(
		reinterpret_cast<unsigned char *>(pg_) + body_offset);
	auto *src = reinterpret_cast<const std::uint64_t *>(body(&st));

	store(&pg_->seq, odd);					// W1
	__atomic_thread_fence(__ATOMIC_RELEASE);		// W2
	for (std::size_t i = 0; i < body_len / 8; i++)
		store(&dst[i], src[i]);
	store(&pg_->event, event);
	store(&pg_->event_ifindex, std::int32_t(event_ifindex));
	store(&pg_->event_ns, event_ns);
	store(&pg_->publish_ns, now_ns());
	if (hook_)
		hook_(hook_arg_);
	store(&pg_->generation, pg_->generation + 1);
	store(&pg_->hot, hot);					// W3
	__atomic_thread_fence(__ATOMIC_RELEASE);		// W4
	store(&pg_->seq, odd + 1);				// W5
	detail::futex_wake_all(detail::generation_word(pg_));
}

bool PageWriter::publish(const exabond_page &staged, std::uint32_t event,
			 int event_ifindex, std::uint64_t event_ns,
			 bool force) noexcept
{
	if (dead_)
		return false;
	static_assert(body_len % 8 == 0, "the body is copied in words");
	exabond_page st;
	const bool moved = stage(&st, staged, pg_, event_ns);
	const std::uint64_t hot = derive_hot(st, pg_->hot);

	if (!force && !resync_ && hot == pg_->hot &&
	    !std::memcmp(body(&st), body(pg_), body_len))
		return false;
	resync_ = false;
	if (moved)
		event = EXABOND_EVENT_FAILOVER;
	write(st, hot, event, event_ifindex, event_ns);
	return true;
}

void PageWriter::publish_final(const exabond_page &staged, std::uint32_t event,
			       std::uint64_t event_ns) noexcept
{
	if (dead_)
		return;
	exabond_page st;

	stage(&st, staged, pg_, event_ns);
	write(st, derive_hot(st, pg_->hot) | EXABOND_HOT_F_DEAD, event,
	      st.bond.ifindex, event_ns);
	dead_ = true;
	resync_ = false;
}

} // namespace exabond
