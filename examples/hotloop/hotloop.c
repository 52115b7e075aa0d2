// SPDX-License-Identifier: MIT
/*
 * exabond-hotloop-c: exabond-hotloop (hotloop.cpp) on the C reader,
 * <exabond/reader.h>, which is header-only: this program needs the headers
 * and no library. Same options, same behaviour, same output lines; see
 * hotloop.cpp for the format.
 *
 *	exabond-hotloop-c [--block] [--failovers N] [--cpu CPU] BOND|PATH
 *
 * The hot loop spins on exabond_generation(), one acquire load; --block
 * sleeps in poll() on the kernel node (FUTEX_WAIT on a monitor page).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <exabond/reader.h>

static const char *const prog = "exabond-hotloop-c";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * Spinning politely: PAUSE tells the core this is a wait loop, so it does
 * not flood the pipeline with speculative loads (and pay a memory-order
 * flush when the cache line finally changes), and leaves the hyperthread
 * sibling its share of the core.
 */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The bonding driver's link states (BOND_LINK_*), as its source names them. */
static const char *link_word(unsigned int link)
{
	static const char *const words[] = { "up", "fail", "down", "back" };

	return link < 4 ? words[link] : "unknown";
}

static const struct exabond_member *find_member(const struct exabond_page *s,
						int ifindex)
{
	__u32 i;

	for (i = 0; i < s->bond.member_count; i++)
		if (s->members[i].ifindex == ifindex)
			return &s->members[i];
	return NULL;
}

/* A snapshot's strings are NUL-terminated: exabond_snapshot() checked. */
static const char *member_name(const struct exabond_page *s, int ifindex,
			       char *buf, size_t size)
{
	const struct exabond_member *m = find_member(s, ifindex);

	if (!ifindex)
		return "none";
	if (m)
		return m->name;
	snprintf(buf, size, "#%d", ifindex);
	return buf;
}

/* Prints what changed from @prev to @cur; returns the number of failovers. */
static int report(const struct exabond_page *prev,
		  const struct exabond_page *cur, uint64_t seen)
{
	const uint64_t pub = cur->publish_ns, gen = cur->generation;
	char b1[16], b2[16];
	int failovers = 0;
	__u32 i;

	for (i = 0; i < cur->bond.member_count; i++) {
		const struct exabond_member *m = &cur->members[i];
		const struct exabond_member *old = find_member(prev, m->ifindex);

		if (!old) {
			printf("%" PRIu64 " member %s added published_ns=%" PRIu64
			       " gen=%" PRIu64 "\n", seen, m->name, pub, gen);
			continue;
		}
		if (!old->carrier != !m->carrier)
			printf("%" PRIu64 " carrier %s %s changed_ns=%" PRIu64
			       " published_ns=%" PRIu64 " gen=%" PRIu64 "\n",
			       seen, m->name, m->carrier ? "up" : "down",
			       (uint64_t)m->carrier_changed_ns, pub, gen);
		if (old->link != m->link)
			printf("%" PRIu64 " link %s %s changed_ns=%" PRIu64
			       " published_ns=%" PRIu64 " gen=%" PRIu64 "\n",
			       seen, m->name, link_word(m->link),
			       (uint64_t)m->link_changed_ns, pub, gen);
	}
	for (i = 0; i < prev->bond.member_count; i++)
		if (!find_member(cur, prev->members[i].ifindex))
			printf("%" PRIu64 " member %s removed published_ns=%" PRIu64
			       " gen=%" PRIu64 "\n", seen, prev->members[i].name,
			       pub, gen);

	/*
	 * The active epoch moves with every change of active member, so
	 * A -> B -> A between two snapshots is a failover too.
	 */
	if (EXABOND_HOT_EPOCH(cur->hot) != EXABOND_HOT_EPOCH(prev->hot) ||
	    cur->bond.active_ifindex != prev->bond.active_ifindex) {
		printf("%" PRIu64 " failover %s -> %s failover_ns=%" PRIu64
		       " published_ns=%" PRIu64 " gen=%" PRIu64 "\n", seen,
		       member_name(prev, prev->bond.active_ifindex, b1, sizeof(b1)),
		       member_name(cur, cur->bond.active_ifindex, b2, sizeof(b2)),
		       (uint64_t)cur->bond.last_failover_ns, pub, gen);
		failovers = 1;
	}
	if (cur->hot & EXABOND_HOT_F_DEAD)
		printf("%" PRIu64 " gone gen=%" PRIu64 "\n", seen, gen);
	return failovers;
}

/*
 * Is the mapped page at @path the one of @bond in this network namespace?
 * A page in /dev/shm, where anyone may create files, must also belong to
 * root or to us and be writable by its owner only.
 */
static int page_is(const struct exabond_page *pg, int fd, const char *bond,
		   unsigned long ino, const char **why)
{
	static struct exabond_page s;
	struct stat st;

	if (exabond_snapshot(pg, &s, why))
		return 0;
	if (fstat(fd, &st) || (!S_ISCHR(st.st_mode) &&
			       ((st.st_uid && st.st_uid != geteuid()) ||
				(st.st_mode & (S_IWGRP | S_IWOTH)))))
		return 0;
	return s.bond.netns_ino == ino && !strcmp(s.bond.name, bond);
}

/*
 * The page of @bond, looked up as reader.h's comment says: the kernel node
 * for this namespace, else exabond-monitor's page. The chosen file's name
 * goes to @path.
 */
static const struct exabond_page *open_bond(const char *bond, char *path,
					    size_t size, int *fd,
					    const char **why)
{
	static const char *const dirs[] = {
		EXABOND_DEV_PREFIX, EXABOND_SHM_DIR EXABOND_SHM_PREFIX,
	};
	unsigned long ino = exabond_netns_ino();
	int i;

	if (!ino) {
		*why = "stat /proc/thread-self/ns/net";
		return NULL;
	}
	for (i = 0; i < 4; i++) {
		const struct exabond_page *pg;

		if (i % 2 == 0)
			snprintf(path, size, "%s%s:%lu", dirs[i / 2], bond, ino);
		else
			snprintf(path, size, "%s%s", dirs[i / 2], bond);
		pg = exabond_map(path, fd, why);
		if (!pg && errno == ENOENT)
			continue;
		if (!pg)
			return NULL;
		if (page_is(pg, *fd, bond, ino, why))
			return pg;
		exabond_unmap(pg, *fd);
	}
	snprintf(path, size, "%s%s", EXABOND_DEV_PREFIX, bond);
	errno = ENOENT;
	*why = "not managed in this network namespace, and exabond-monitor "
	       "publishes no page for it";
	return NULL;
}

/*
 * Sleeps until the generation moves from @gen, one second at most (so that
 * a signal arriving just before the wait is seen). 0, or -1 with errno.
 */
static int wait_change(const struct exabond_page *pg, int fd, int is_node,
		       uint64_t gen)
{
	if (is_node) {
		/*
		 * POLLIN: the generation moved past what this file last
		 * read(), which acknowledges it; POLLHUP: the page is final.
		 * A new generation goes back to the caller at once; the read
		 * that catches the file up waits for the next call, so that
		 * no system call stands between the wake-up and the caller.
		 */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t seen;

		if (poll(&p, 1, 1000) < 0)
			return errno == EINTR ? 0 : -1;
		if ((p.revents & POLLIN) && exabond_generation(pg) == gen &&
		    read(fd, &seen, sizeof(seen)) < 0 && errno != EAGAIN)
			return -1;
		return 0;
	} else {
		/*
		 * A user-space publisher FUTEX_WAKEs the 32-bit word holding
		 * the generation's low half; sleep while it still holds ours.
		 */
		const __u32 *word = (const __u32 *)&pg->generation;
		struct timespec one_second = { .tv_sec = 1 };

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		word++;
#endif
		if (syscall(SYS_futex, word, FUTEX_WAIT, (__u32)gen,
			    &one_second, NULL, 0) && errno != EAGAIN &&
		    errno != EINTR && errno != ETIMEDOUT)
			return -1;
		return 0;
	}
}

static int parse_number(const char *s, long min, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || *out < min) {
		fprintf(stderr, "%s: %s: not a number >= %ld\n", prog, s, min);
		return 0;
	}
	return 1;
}

static int usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [--block] [--failovers N] [--cpu CPU] BOND|PATH\n",
		prog);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "block", no_argument, NULL, 'b' },
		{ "failovers", required_argument, NULL, 'f' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* 4 KiB each: static rather than on the stack. */
	static struct exabond_page snaps[2];
	struct exabond_page *prev = &snaps[0], *cur = &snaps[1], *tmp;
	const struct exabond_page *pg;
	long max_failovers = 0, cpu = -1, failovers = 0;
	char path[sizeof(EXABOND_SHM_DIR EXABOND_SHM_PREFIX) + EXABOND_NAME_LEN + 24];
	char name[16];
	struct sigaction sa;
	const char *why = NULL;
	int block = 0, fd, opt;
	struct stat st;
	uint64_t gen;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			block = 1;
			break;
		case 'f':
			if (!parse_number(optarg, 1, &max_failovers))
				return usage(2);
			break;
		case 'c':
			if (!parse_number(optarg, 0, &cpu))
				return usage(2);
			break;
		case 'h':
			return usage(0);
		default:
			return usage(2);
		}
	}
	if (optind != argc - 1)
		return usage(2);

	/* Line-buffered even into a pipe: readers see each line as it happens. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* No SA_RESTART: a signal interrupts a blocking wait. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "%s: pin to CPU %ld: %s\n", prog, cpu,
				strerror(errno));
			return 1;
		}
	}

	if (strchr(argv[optind], '/')) {
		snprintf(path, sizeof(path), "%s", argv[optind]);
		pg = exabond_map(argv[optind], &fd, &why);
	} else {
		pg = open_bond(argv[optind], path, sizeof(path), &fd, &why);
	}
	if (!pg) {
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, path, strerror(errno), why);
		return 1;
	}
	if (fstat(fd, &st)) {
		fprintf(stderr, "%s: fstat %s: %s\n", prog, path, strerror(errno));
		return 1;
	}

	if (exabond_snapshot(pg, prev, &why)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, why);
		return 1;
	}
	printf("watching %s: %s (%s page), active %s (ifindex %d), generation %" PRIu64 "\n",
	       prev->bond.name, path,
	       prev->publisher == EXABOND_PUBLISHER_KERNEL ? "kernel" : "monitor",
	       member_name(prev, prev->bond.active_ifindex, name, sizeof(name)),
	       prev->bond.active_ifindex, (uint64_t)prev->generation);
	if (prev->hot & EXABOND_HOT_F_DEAD) {
		printf("%" PRIu64 " gone gen=%" PRIu64 "\n", now_ns(),
		       (uint64_t)prev->generation);
		return 0;
	}

	gen = prev->generation;
	while (!stop_requested) {
		if (!block) {
			/*
			 * The hot path: one acquire load of the generation and
			 * one compare per turn. No system call, no lock, no
			 * store: the page's cache line stays shared in this
			 * core's cache until the writer changes it. A real
			 * program does its work here, between the checks, and
			 * calls exabond_active_ifindex() (one load) when it
			 * needs to know where to send.
			 */
			while (exabond_generation(pg) == gen && !stop_requested)
				cpu_relax();
		} else if (exabond_generation(pg) == gen) {
			if (wait_change(pg, fd, S_ISCHR(st.st_mode), gen)) {
				fprintf(stderr, "%s: waiting on %s: %s\n", prog,
					path, strerror(errno));
				return 1;
			}
			continue;	/* changed, timed out or a signal: recheck */
		}
		if (stop_requested)
			break;

		/*
		 * Off the hot path from here on. The snapshot is a seqlock
		 * read: copy the page, retry if a publication overlapped the
		 * copy. It may be newer than the generation that woke us; it
		 * is never torn.
		 */
		if (exabond_snapshot(pg, cur, &why)) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, why);
			return 1;
		}
		failovers += report(prev, cur, now_ns());
		if (cur->hot & EXABOND_HOT_F_DEAD)
			break;
		if (max_failovers && failovers >= max_failovers)
			break;
		tmp = prev;
		prev = cur;
		cur = tmp;
		gen = prev->generation;
	}
	exabond_unmap(pg, fd);
	return 0;
}
