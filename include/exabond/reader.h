/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * exabond C reader: the reader protocol of page.h as inline functions, for
 * C programs and for libexabond's C++ API, which is built on these.
 *
 *	const struct exabond_page *pg;
 *	struct exabond_page snap;
 *	const char *why;
 *	int fd;
 *
 *	pg = exabond_map("/dev/exabond-bond0", &fd, &why);
 *	if (!pg)
 *		err(1, "%s", why);			errno is set too
 *	ifindex = exabond_active_ifindex(pg);		one load, hot path
 *	if (exabond_generation(pg) != seen)		one load
 *		exabond_snapshot(pg, &snap, &why);	consistent copy
 *	exabond_unmap(pg, fd);
 *
 * Blocking: poll(fd, POLLIN) wakes when the page changes and reports POLLHUP
 * once the bond is gone; read(fd, &gen, 8) acknowledges (see kmod/node.c).
 *
 * Nothing here allocates, takes a lock or makes a system call, except
 * exabond_map(), exabond_unmap(), exabond_open_node() and
 * exabond_netns_ino(), and a snapshot that finds a publication in
 * progress for long (it yields; see EXABOND_SNAPSHOT_YIELDS).
 *
 * Requires GCC or Clang (__atomic builtins) and a 64-bit host.
 */
#ifndef _EXABOND_READER_H
#define _EXABOND_READER_H

#include <exabond/page.h>

#if !defined(__LP64__) && !defined(_LP64)
#error "exabond pages are read with single 64-bit loads: 64-bit hosts only"
#endif

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Strict C99/C11 (no _POSIX_C_SOURCE) leaves it out; Linux's value. */
#ifndef O_CLOEXEC
#define O_CLOEXEC	02000000
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Where a bond's page lives, for a bond in the caller's network namespace
 * whose inode is @netns_ino (stat -L -c %i /proc/self/ns/net):
 *
 *	/dev/exabond-<bond>			kernel node, initial namespace
 *	/dev/exabond-<bond>:<netns_ino>		kernel node, any other namespace
 *	/dev/shm/exabond-<bond>[:<netns_ino>]	exabond-monitor's page, same rule
 *
 * Which namespace is the initial one cannot be told from inside a
 * namespace, so a reader tries the suffixed name first, then the plain
 * one, and accepts a page only if its bond.netns_ino is its own.
 */
#define EXABOND_DEV_PREFIX	"/dev/exabond-"
#define EXABOND_SHM_PREFIX	"exabond-"	/* shm_open() name, after "/" */
#define EXABOND_SHM_DIR		"/dev/shm/"

/*
 * A snapshot that finds seq odd spins (with a pause) EXABOND_SNAPSHOT_SPINS
 * times, then yields the CPU between tries, EXABOND_SNAPSHOT_YIELDS times,
 * before reporting a stuck writer. The kernel never stays odd for long (it
 * publishes with preemption off); a user-space publisher can be preempted
 * inside a publication, and the yields give it the CPU back, so on a busy
 * host the bound grows with the load instead of failing a live writer.
 * Neither happens unless a publication is in progress.
 */
#define EXABOND_SNAPSHOT_SPINS	(1U << 14)
#define EXABOND_SNAPSHOT_YIELDS	(1U << 16)

/* Hot path: one acquire load each, no retry. */
static inline __u64 exabond_hot(const struct exabond_page *pg)
{
	return __atomic_load_n(&pg->hot, __ATOMIC_ACQUIRE);
}

static inline __u64 exabond_generation(const struct exabond_page *pg)
{
	return __atomic_load_n(&pg->generation, __ATOMIC_ACQUIRE);
}

static inline __u32 exabond_active_ifindex(const struct exabond_page *pg)
{
	return EXABOND_HOT_IFINDEX(exabond_hot(pg));
}

static inline int exabond_dead(const struct exabond_page *pg)
{
	return (exabond_hot(pg) & EXABOND_HOT_F_DEAD) != 0;
}

/* Bytes before members[]: header, bond, ad and policy. */
#define EXABOND__FIXED_BYTES	offsetof(struct exabond_page, members)

/*
 * R2, the copy. Any load here may race with the writer; the seqlock
 * detects that and the copy is retried. Two implementations:
 *
 * - x86-64: 16-byte loads (32 with AVX) in asm. Being asm, they are not
 *   accesses in the C or C++ memory model, so there is no data race in
 *   the language's sense, and the compiler can neither drop, merge nor
 *   move them past (R1) and (R3); x86 never reorders loads with loads.
 *   This is within reach of memcpy, which scalar atomics are not.
 * - everywhere else, and in sanitizer builds (whose instrumentation
 *   cannot see asm) or with EXABOND_READER_PORTABLE defined: relaxed
 *   8-byte atomic loads, which ThreadSanitizer understands.
 *
 * Both store with memcpy, so compilers see @dst initialised whatever its
 * declared type. @len is a multiple of 32 (the fixed part, 384 bytes, and
 * each member, 160 bytes).
 */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define EXABOND__SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer) || \
	__has_feature(memory_sanitizer)
#define EXABOND__SANITIZED 1
#endif
#endif

#if defined(__x86_64__) && !defined(EXABOND__SANITIZED) && \
	!defined(EXABOND_READER_PORTABLE)
typedef long long exabond__v16 __attribute__((vector_size(16)));
#ifdef __AVX__
typedef long long exabond__v32 __attribute__((vector_size(32)));
#endif

static inline void exabond__copy_words(void *dst, const void *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	unsigned char *d = (unsigned char *)dst;
	size_t i = 0;

#ifdef __AVX__
	for (; i + 32 <= len; i += 32) {
		exabond__v32 v;

		__asm__ volatile("vmovdqu %1, %0" : "=x"(v)
				 : "m"(*(const unsigned char (*)[32])(s + i)));
		memcpy(d + i, &v, sizeof(v));
	}
#endif
	for (; i + 16 <= len; i += 16) {
		exabond__v16 v;

		__asm__ volatile("movdqu %1, %0" : "=x"(v)
				 : "m"(*(const unsigned char (*)[16])(s + i)));
		memcpy(d + i, &v, sizeof(v));
	}
}
#else
static inline void exabond__copy_words(void *dst, const void *src, size_t len)
{
	const __u64 *s = (const __u64 *)src;
	unsigned char *d = (unsigned char *)dst;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		__u64 w = __atomic_load_n(&s[i], __ATOMIC_RELAXED);

		memcpy(d + 8 * i, &w, sizeof(w));
	}
}
#endif

/*
 * Is the string array @s of @n bytes terminated? Writers NUL-pad every
 * string to its full width (page.h) and no name fills its array, so the
 * last byte is NUL: one compare, and a reader that stops at the first NUL
 * or at the array's end never needs more.
 */
static inline int exabond__terminated(const char *s, size_t n)
{
	return s[n - 1] == '\0';
}

/*
 * Header checks: what must hold of any page a reader accepts, and what does
 * not change after the writer created the page. 0, or -EPROTO with *why.
 */
static inline int exabond_check_header(const struct exabond_page *pg,
				       const char **why)
{
	const char *w = NULL;

	if (pg->magic != EXABOND_PAGE_MAGIC)
		w = "bad magic: not an exabond page";
	else if (pg->abi_major != EXABOND_ABI_MAJOR)
		w = pg->abi_major > EXABOND_ABI_MAJOR ?
			"ABI major is newer than this reader" :
			"ABI major is older than this reader";
	else if (pg->size < EXABOND_PAGE_SIZE_V1_0 ||
		 pg->size > EXABOND_PAGE_BYTES)
		w = "size is outside the page";
	else if (pg->member_max != EXABOND_MAX_MEMBERS)
		w = "member array size is not ABI 1's";
	else if (pg->publisher != EXABOND_PUBLISHER_KERNEL &&
		 pg->publisher != EXABOND_PUBLISHER_MONITOR)
		w = "unknown publisher";
	if (why)
		*why = w;
	return w ? -EPROTO : 0;
}

/*
 * Content checks on a consistent copy: counts within their arrays, strings
 * terminated, enums in range. 0, or -EBADMSG with *why.
 */
static inline int exabond_check_snapshot(const struct exabond_page *s,
					 const char **why)
{
	const struct exabond_bond *b = &s->bond;
	const char *w = NULL;
	__u32 i;

	if (exabond_check_header(s, why))
		return -EPROTO;
	if (b->member_count > EXABOND_MAX_MEMBERS)
		w = "member_count is past the member array";
	else if (b->member_count > b->members_total)
		w = "member_count is above members_total";
	else if (b->arp_ip_target_count > EXABOND_MAX_ARP_TARGETS)
		w = "arp_ip_target_count is past its array";
	else if (!exabond__terminated(b->name, sizeof(b->name)))
		w = "bond name is not NUL-terminated";
	else if (!exabond__terminated(b->primary, sizeof(b->primary)))
		w = "primary name is not NUL-terminated";
	else if (b->mode > EXABOND_MODE_BALANCE_ALB)
		w = "unknown bonding mode";
	for (i = 0; !w && i < b->member_count; i++) {
		const struct exabond_member *m = &s->members[i];

		if (!exabond__terminated(m->name, sizeof(m->name)))
			w = "member name is not NUL-terminated";
		else if (!exabond__terminated(m->driver, sizeof(m->driver)))
			w = "member driver is not NUL-terminated";
		else if (!exabond__terminated(m->bus_info, sizeof(m->bus_info)))
			w = "member bus_info is not NUL-terminated";
		else if (m->link > EXABOND_LINK_BACK)
			w = "unknown member link state";
		else if (m->role > EXABOND_ROLE_BACKUP)
			w = "unknown member role";
	}
	if (why)
		*why = w;
	return w ? -EBADMSG : 0;
}

/*
 * R1 of a read: an even seq in *@seq, waiting for the writer as
 * EXABOND_SNAPSHOT_SPINS and EXABOND_SNAPSHOT_YIELDS say; *@spins counts
 * the odd seqs seen across the retries of one read. 0, or -EAGAIN once
 * the budget is spent.
 */
static inline int exabond__read_begin(const struct exabond_page *pg,
				      __u32 *seq, __u32 *spins)
{
	for (;;) {
		*seq = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
		if (!(*seq & 1))
			return 0;
		if (++*spins >= EXABOND_SNAPSHOT_SPINS + EXABOND_SNAPSHOT_YIELDS)
			return -EAGAIN;
		if (*spins >= EXABOND_SNAPSHOT_SPINS)
			sched_yield();
#if defined(__x86_64__) || defined(__i386__)
		else
			__builtin_ia32_pause();
#endif
	}
}

/*
 * The generation and the hot word of one publication, read under the
 * seqlock: seeing the final generation then means seeing the dead flag
 * too, which two separate loads do not promise (the hot word is stored
 * after the generation). 0, or -EAGAIN as for exabond_snapshot().
 */
static inline int exabond_generation_and_hot(const struct exabond_page *pg,
					     __u64 *gen, __u64 *hot)
{
	__u32 seq, spins = 0;

	do {
		if (exabond__read_begin(pg, &seq, &spins))
			return -EAGAIN;
		*gen = __atomic_load_n(&pg->generation, __ATOMIC_RELAXED);
		*hot = __atomic_load_n(&pg->hot, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&pg->seq, __ATOMIC_RELAXED) != seq);
	return 0;
}

/*
 * A consistent copy of @pg into @out (the reader protocol, R1..R4 of
 * page.h), then checked. Only the header, bond, ad, policy and the first
 * member_count members are copied; the rest of @out is left as it was.
 *
 * Returns 0; -EAGAIN when the writer kept seq odd through every spin and
 * yield (a publisher that died mid-write); -EPROTO
 * or -EBADMSG when the page is not one to trust. *why says which.
 */
static inline int exabond_snapshot(const struct exabond_page *pg,
				   struct exabond_page *out, const char **why)
{
	__u32 seq, n, spins = 0;

	for (;;) {
		if (exabond__read_begin(pg, &seq, &spins)) {		/* R1 */
			if (why)
				*why = "the writer is stuck mid-publication";
			return -EAGAIN;
		}
		exabond__copy_words(out, pg, EXABOND__FIXED_BYTES);	/* R2 */
		n = __atomic_load_n(&pg->bond.member_count, __ATOMIC_RELAXED);
		if (n > EXABOND_MAX_MEMBERS)	/* torn or corrupt: bound it */
			n = EXABOND_MAX_MEMBERS;
		exabond__copy_words(out->members, pg->members,
				    n * sizeof(struct exabond_member));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);		/* R3 */
		if (__atomic_load_n(&pg->seq, __ATOMIC_RELAXED) == seq)	/* R4 */
			break;
	}
	return exabond_check_snapshot(out, why);
}

/*
 * The netns inode of the calling thread, or 0 with errno set.
 */
static inline unsigned long exabond_netns_ino(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) && stat("/proc/self/ns/net", &st))
		return 0;
	return (unsigned long)st.st_ino;
}

/*
 * Map the page at @path (a kernel node or a shared-memory file) read-only
 * and check its header. Returns the page and its descriptor in *fd (opened
 * O_NONBLOCK: read() returns EAGAIN rather than sleeping when nothing
 * changed), or NULL with errno set and *why saying which step failed.
 */
static inline const struct exabond_page *
exabond_map(const char *path, int *fd, const char **why_out)
{
	const struct exabond_page *pg;
	const char *unused;
	const char **why = why_out ? why_out : &unused;
	struct stat st;
	void *p;
	int e;

	/* O_NONBLOCK: a FIFO planted at @path cannot hang the open. */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0) {
		*why = "open";
		return NULL;
	}
	if (fstat(*fd, &st)) {
		*why = "fstat";
		goto fail;
	}
	if (!S_ISCHR(st.st_mode) && !S_ISREG(st.st_mode)) {
		errno = EPROTO;
		*why = "neither a device nor a regular file";
		goto fail;
	}
	if (!S_ISCHR(st.st_mode) && st.st_size < EXABOND_PAGE_BYTES) {
		errno = EPROTO;
		*why = "shorter than a page";
		goto fail;
	}
	p = mmap(NULL, EXABOND_PAGE_BYTES, PROT_READ, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED) {
		*why = "mmap";
		goto fail;
	}
	pg = (const struct exabond_page *)p;
	if (exabond_check_header(pg, why)) {
		munmap(p, EXABOND_PAGE_BYTES);
		errno = EPROTO;
		goto fail;
	}
	return pg;
fail:
	e = errno;
	close(*fd);
	*fd = -1;
	errno = e;
	return NULL;
}

static inline void exabond_unmap(const struct exabond_page *pg, int fd)
{
	if (pg)
		munmap((void *)pg, EXABOND_PAGE_BYTES);
	if (fd >= 0)
		close(fd);
}

/*
 * The kernel node of @bond for the caller's namespace: maps the candidates
 * of the comment above in turn and returns the first whose page is this
 * namespace's bond of that name. NULL with errno ENOENT when there is none
 * (the bond is not managed here), or with the errno of the step that failed
 * (*why names it).
 */
static inline const struct exabond_page *
exabond_open_node(const char *bond, int *fd, const char **why)
{
	const struct exabond_page *pg;
	unsigned long ino = exabond_netns_ino();
	char path[sizeof(EXABOND_DEV_PREFIX) + EXABOND_NAME_LEN + 24];
	int pass;

	if (!ino) {
		*why = "stat /proc/thread-self/ns/net";
		return NULL;
	}
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			snprintf(path, sizeof(path), EXABOND_DEV_PREFIX "%s:%lu",
				 bond, ino);
		else
			snprintf(path, sizeof(path), EXABOND_DEV_PREFIX "%s",
				 bond);
		pg = exabond_map(path, fd, why);
		if (!pg) {
			if (errno == ENOENT)
				continue;
			return NULL;
		}
		if (__atomic_load_n(&pg->bond.netns_ino, __ATOMIC_RELAXED) == ino)
			return pg;
		exabond_unmap(pg, *fd);
		*fd = -1;
	}
	errno = ENOENT;
	*why = "no node for this bond in this network namespace";
	return NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* _EXABOND_READER_H */
