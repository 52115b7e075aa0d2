// SPDX-License-Identifier: GPL-2.0
/*
 * exabond-probe: the VM tests' window on a node, written against the page
 * ABI header alone (no libexabond), so a test of the module does not depend
 * on the library under test.
 *
 *	exabond-probe dump NODE		consistent snapshot of the page, as JSON
 *	exabond-probe read NODE [-n]	read() once (-n: O_NONBLOCK); prints the
 *					generation, "eof" or the errno name
 *	exabond-probe wait NODE MS	first read() and "ready GEN", then poll()
 *					for a change; prints "in GEN", "hup" or
 *					"timeout"
 *	exabond-probe follow NODE	open, read() once, print "ready GEN", wait
 *					for a line on stdin, then print what
 *					poll() reports and what each read()
 *					returns until end of file
 *	exabond-probe hold NODE		open, map, close the fd, print "ready",
 *					wait for a line (or EOF) on stdin, then
 *					dump the page through the mapping alone
 *	exabond-probe ident NODE...	per node: "NODE ifindex name dead" from
 *					one snapshot each, in one process
 *	exabond-probe record NODE	on every wake-up until POLLHUP, print
 *					"generation event event_ns publish_ns"
 *	exabond-probe try OP NODE	one abuse of the device; prints "ok" or
 *					the errno name (see ops[] below)
 *	exabond-probe write FILE DATA	one write(2) of DATA to FILE, with the
 *					escapes \n \t \\ \xHH decoded; prints
 *					"ok", "short N" or the errno name (how
 *					the tests write sysfs and module
 *					parameters and see the errno)
 *	exabond-probe try OP BOND DEV	one bonding ioctl on an AF_INET datagram
 *					socket, ifr_name BOND, ifr_slave DEV:
 *					enslave-ioctl (SIOCBONDENSLAVE, what the
 *					old ifenslave binary did) or
 *					release-ioctl (SIOCBONDRELEASE); prints
 *					"ok" or the errno name
 *
 * Exit status: 0 when the command ran (whatever it printed), 1 on a usage
 * or unexpected error, 2 when a snapshot found a page it cannot trust.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/sockios.h>

#include <exabond/page.h>

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "exabond-probe: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int open_node(const char *node, int flags)
{
	int fd = open(node, flags | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s", node, strerror(errno));
	return fd;
}

static const struct exabond_page *map_node(int fd, const char *node)
{
	void *p = mmap(NULL, EXABOND_PAGE_BYTES, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap %s: %s", node, strerror(errno));
	return p;
}

/* The reader protocol of include/exabond/page.h, R1..R4. */
static void snapshot(const struct exabond_page *pg, struct exabond_page *out)
{
	const unsigned char *src = (const unsigned char *)pg;
	unsigned char *dst = (unsigned char *)out;
	uint32_t seq;
	size_t i;

	for (;;) {
		seq = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);	/* R1 */
		if (seq & 1)
			continue;
		for (i = 0; i < sizeof(*out); i++)			/* R2 */
			dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);		/* R3 */
		if (__atomic_load_n(&pg->seq, __ATOMIC_RELAXED) == seq)	/* R4 */
			return;
	}
}

static void json_str(const char *key, const char *s, size_t n, int last)
{
	size_t i;

	printf("\"%s\":\"", key);
	for (i = 0; i < n && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	printf("\"%s", last ? "" : ",");
}

static void json_mac(const char *key, const uint8_t *a)
{
	printf("\"%s\":\"%02x:%02x:%02x:%02x:%02x:%02x\",", key, a[0], a[1],
	       a[2], a[3], a[4], a[5]);
}

#define U(key, v) printf("\"%s\":%" PRIu64 ",", key, (uint64_t)(v))
#define S(key, v) printf("\"%s\":%" PRId64 ",", key, (int64_t)(v))

static void dump_member(const struct exabond_member *e)
{
	printf("{");
	S("ifindex", e->ifindex);
	U("link", e->link);
	U("role", e->role);
	U("carrier", e->carrier);
	U("duplex", e->duplex);
	json_str("name", e->name, sizeof(e->name), 0);
	json_mac("perm_addr", e->perm_addr);
	json_mac("addr", e->addr);
	U("operstate", e->operstate);
	U("flags", e->flags);
	U("ad_aggregator_id", e->ad_aggregator_id);
	U("ad_actor_oper_port_state", e->ad_actor_oper_port_state);
	U("ad_partner_oper_port_state", e->ad_partner_oper_port_state);
	U("queue_id", e->queue_id);
	U("speed", e->speed);
	U("link_failure_count", e->link_failure_count);
	U("mtu", e->mtu);
	U("carrier_changed_ns", e->carrier_changed_ns);
	U("link_changed_ns", e->link_changed_ns);
	U("carrier_changes", e->carrier_changes);
	json_str("driver", e->driver, sizeof(e->driver), 0);
	json_str("bus_info", e->bus_info, sizeof(e->bus_info), 1);
	printf("}");
}

static int dump(const struct exabond_page *pg)
{
	struct exabond_page s;
	const struct exabond_bond *b = &s.bond;
	char ip[16];
	uint32_t i, n;

	snapshot(pg, &s);
	if (s.magic != EXABOND_PAGE_MAGIC || s.abi_major != EXABOND_ABI_MAJOR ||
	    s.size < EXABOND_PAGE_SIZE_V1_0 || s.size > EXABOND_PAGE_BYTES) {
		fprintf(stderr, "exabond-probe: not a page of ABI %d\n",
			EXABOND_ABI_MAJOR);
		return 2;
	}
	n = b->member_count;
	if (n > EXABOND_MAX_MEMBERS)
		n = EXABOND_MAX_MEMBERS;

	printf("{");
	U("magic", s.magic);
	U("abi_major", s.abi_major);
	U("abi_minor", s.abi_minor);
	U("size", s.size);
	U("publisher", s.publisher);
	U("member_max", s.member_max);
	U("seq", s.seq);
	U("generation", s.generation);
	U("hot", s.hot);
	U("hot_ifindex", EXABOND_HOT_IFINDEX(s.hot));
	U("hot_epoch", EXABOND_HOT_EPOCH(s.hot));
	U("hot_has_active", !!(s.hot & EXABOND_HOT_F_HAS_ACTIVE));
	U("hot_up", !!(s.hot & EXABOND_HOT_F_UP));
	U("hot_dead", !!(s.hot & EXABOND_HOT_F_DEAD));
	U("hot_noncompliant", !!(s.hot & EXABOND_HOT_F_NONCOMPLIANT));
	U("event_ns", s.event_ns);
	U("publish_ns", s.publish_ns);
	U("event", s.event);
	S("event_ifindex", s.event_ifindex);

	printf("\"bond\":{");
	S("ifindex", b->ifindex);
	U("netns_ino", b->netns_ino);
	U("netns_cookie", b->netns_cookie);
	json_str("name", b->name, sizeof(b->name), 0);
	U("mode", b->mode);
	U("xmit_hash_policy", b->xmit_hash_policy);
	U("operstate", b->operstate);
	U("primary_reselect", b->primary_reselect);
	U("flags", b->flags);
	U("miimon", b->miimon);
	U("arp_interval", b->arp_interval);
	U("updelay", b->updelay);
	U("downdelay", b->downdelay);
	U("peer_notif_delay", b->peer_notif_delay);
	S("primary_ifindex", b->primary_ifindex);
	json_str("primary", b->primary, sizeof(b->primary), 0);
	json_mac("addr", b->addr);
	U("fail_over_mac", b->fail_over_mac);
	U("arp_validate", b->arp_validate);
	U("mtu", b->mtu);
	U("member_count", b->member_count);
	U("members_total", b->members_total);
	S("active_ifindex", b->active_ifindex);
	U("failover_count", b->failover_count);
	U("last_failover_ns", b->last_failover_ns);
	U("arp_all_targets", b->arp_all_targets);
	printf("\"arp_ip_target\":[");
	for (i = 0; i < b->arp_ip_target_count && i < EXABOND_MAX_ARP_TARGETS; i++) {
		const uint8_t *a = (const uint8_t *)&b->arp_ip_target[i];

		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		printf("%s\"%s\"", i ? "," : "", ip);
	}
	printf("]},");

	printf("\"ad\":{");
	U("aggregator_id", s.ad.aggregator_id);
	U("num_ports", s.ad.num_ports);
	U("actor_key", s.ad.actor_key);
	U("partner_key", s.ad.partner_key);
	json_mac("partner_mac", s.ad.partner_mac);
	U("lacp_rate", s.ad.lacp_rate);
	U("ad_select", s.ad.ad_select);
	U("actor_sys_prio", s.ad.actor_sys_prio);
	U("user_port_key", s.ad.user_port_key);
	json_mac("actor_system", s.ad.actor_system);
	printf("\"lacp_active\":%u},", s.ad.lacp_active);

	printf("\"policy\":{");
	U("flags", s.policy.flags);
	U("violations", s.policy.violations);
	U("refreshed", s.policy.refreshed);
	U("refresh_interval_ms", s.policy.refresh_interval_ms);
	U("last_refresh_ns", s.policy.last_refresh_ns);
	U("managed_since_ns", s.policy.managed_since_ns);
	U("allowed_modes", s.policy.allowed_modes);
	printf("\"max_members\":%" PRIu64 "},",
	       (uint64_t)s.policy.max_members);

	printf("\"members\":[");
	for (i = 0; i < n; i++) {
		if (i)
			printf(",");
		dump_member(&s.members[i]);
	}
	printf("]}\n");
	return 0;
}

static int errno_result(int ok)
{
	if (ok)
		printf("ok\n");
	else
		printf("%s\n", strerrorname_np(errno) ? strerrorname_np(errno) :
							 "unknown-errno");
	return 0;
}

static int cmd_read(const char *node, int nonblock)
{
	int fd = open_node(node, O_RDONLY | (nonblock ? O_NONBLOCK : 0));
	uint64_t gen;
	ssize_t n = read(fd, &gen, sizeof(gen));

	if (n == sizeof(gen))
		printf("%" PRIu64 "\n", gen);
	else if (n == 0)
		printf("eof\n");
	else if (n < 0)
		return errno_result(0);
	else
		die("read returned %zd bytes", n);
	return 0;
}

static int cmd_wait(const char *node, int ms)
{
	int fd = open_node(node, O_RDONLY);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t gen;
	int n;

	if (read(fd, &gen, sizeof(gen)) != sizeof(gen))
		die("first read: %s", strerror(errno));
	/* From here a change wakes us: the caller may make one now. */
	printf("ready %" PRIu64 "\n", gen);
	fflush(stdout);
	n = poll(&p, 1, ms);
	if (n < 0)
		die("poll: %s", strerror(errno));
	if (n == 0) {
		printf("timeout\n");
	} else if (p.revents & POLLIN) {
		if (read(fd, &gen, sizeof(gen)) != sizeof(gen))
			die("read after POLLIN: %s", strerror(errno));
		printf("in %" PRIu64 "\n", gen);
	} else if (p.revents & POLLHUP) {
		printf("hup\n");
	} else {
		die("poll revents 0x%x", p.revents);
	}
	return 0;
}

static void print_poll(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		die("poll: %s", strerror(errno));
	printf("poll%s%s%s\n", p.revents & POLLIN ? " in" : "",
	       p.revents & POLLHUP ? " hup" : "", p.revents ? "" : " none");
}

static int cmd_follow(const char *node)
{
	int fd = open_node(node, O_RDONLY | O_NONBLOCK);
	char line[64];
	uint64_t gen;
	ssize_t n;
	int i;

	if (read(fd, &gen, sizeof(gen)) != sizeof(gen))
		die("first read: %s", strerror(errno));
	printf("ready %" PRIu64 "\n", gen);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	for (i = 0; i < 8; i++) {
		print_poll(fd);
		n = read(fd, &gen, sizeof(gen));
		if (n == sizeof(gen)) {
			printf("read %" PRIu64 "\n", gen);
		} else if (n == 0) {
			printf("read eof\n");
			return 0;
		} else {
			printf("read %s\n", strerrorname_np(errno));
			return 0;
		}
	}
	return 0;
}

static int cmd_hold(const char *node)
{
	int fd = open_node(node, O_RDONLY);
	const struct exabond_page *pg = map_node(fd, node);
	char line[64];

	close(fd);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	return dump(pg);
}

/* The mmap() calls cmd_try knows, by op name. */
static const struct {
	const char *op;
	long pages, offset_pages;
	int prot, flags;
} maps[] = {
	{ "mmap-shared-read", 1, 0, PROT_READ, MAP_SHARED },
	{ "mmap-private-read", 1, 0, PROT_READ, MAP_PRIVATE },
	{ "mmap-shared-write", 1, 0, PROT_READ | PROT_WRITE, MAP_SHARED },
	{ "mmap-private-write", 1, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE },
	{ "mmap-exec", 1, 0, PROT_READ | PROT_EXEC, MAP_SHARED },
	{ "mmap-two-pages", 2, 0, PROT_READ, MAP_SHARED },
	{ "mmap-offset", 1, 1, PROT_READ, MAP_SHARED },
};

/* One abuse per op; "ok" means the kernel allowed it. */
static int cmd_try(const char *op, const char *node)
{
	const long pg = sysconf(_SC_PAGESIZE);
	size_t i;
	const struct exabond_page *map;
	uint64_t gen;
	void *p;
	int fd;

	if (!strcmp(op, "open-wronly"))
		return errno_result(open(node, O_WRONLY) >= 0);
	if (!strcmp(op, "open-rdwr"))
		return errno_result(open(node, O_RDWR) >= 0);

	fd = open_node(node, O_RDONLY);
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (!strcmp(op, maps[i].op))
			return errno_result(mmap(NULL, maps[i].pages * pg,
						 maps[i].prot, maps[i].flags,
						 fd, maps[i].offset_pages * pg) !=
					    MAP_FAILED);
	if (!strcmp(op, "read-short")) {
		char b[4];

		return errno_result(read(fd, b, sizeof(b)) >= 0);
	}
	if (!strcmp(op, "write"))
		return errno_result(write(fd, "x", 1) >= 0);
	if (!strcmp(op, "lseek"))
		return errno_result(lseek(fd, 0, SEEK_SET) >= 0);
	if (!strcmp(op, "ioctl"))
		return errno_result(ioctl(fd, _IO('x', 1)) >= 0);
	if (!strcmp(op, "read-again-nonblock")) {
		if (read(fd, &gen, sizeof(gen)) != sizeof(gen))
			die("first read: %s", strerror(errno));
		if (fcntl(fd, F_SETFL, O_NONBLOCK))
			die("fcntl: %s", strerror(errno));
		return errno_result(read(fd, &gen, sizeof(gen)) >= 0);
	}

	/* The rest start from a good read-only mapping. */
	map = map_node(fd, node);
	if (!strcmp(op, "mprotect-write"))
		return errno_result(!mprotect((void *)map, pg, PROT_READ | PROT_WRITE));
	if (!strcmp(op, "mprotect-exec"))
		return errno_result(!mprotect((void *)map, pg, PROT_READ | PROT_EXEC));
	if (!strcmp(op, "mremap-grow")) {
		p = mremap((void *)map, pg, 2 * pg, MREMAP_MAYMOVE);
		return errno_result(p != MAP_FAILED);
	}
	if (!strcmp(op, "private-mprotect-write")) {
		p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			die("private map: %s", strerror(errno));
		return errno_result(!mprotect(p, pg, PROT_READ | PROT_WRITE));
	}
	if (!strcmp(op, "proc-mem-write")) {
		int mem = open("/proc/self/mem", O_RDWR);
		uint32_t bad = 0;

		if (mem < 0)
			die("/proc/self/mem: %s", strerror(errno));
		return errno_result(pwrite(mem, &bad, sizeof(bad),
					   (off_t)(uintptr_t)&map->magic) ==
				    sizeof(bad));
	}
	if (!strcmp(op, "madvise-dontneed")) {
		/* Allowed; the page must come back, not zeros. */
		if (madvise((void *)map, pg, MADV_DONTNEED))
			return errno_result(0);
		if (__atomic_load_n(&map->magic, __ATOMIC_RELAXED) != EXABOND_PAGE_MAGIC)
			die("after MADV_DONTNEED the mapping reads magic 0x%x",
			    map->magic);
		return errno_result(1);
	}
	die("unknown op %s", op);
	return 1;
}

/* The bonding ioctls cmd_try_bond knows, by op name. */
static const struct {
	const char *op;
	unsigned long request;
} bond_ioctls[] = {
	{ "enslave-ioctl", SIOCBONDENSLAVE },
	{ "release-ioctl", SIOCBONDRELEASE },
};

static int cmd_try_bond(const char *op, const char *bond, const char *dev)
{
	struct ifreq ifr;
	size_t i;
	int s;

	for (i = 0; i < sizeof(bond_ioctls) / sizeof(bond_ioctls[0]); i++)
		if (!strcmp(op, bond_ioctls[i].op))
			break;
	if (i == sizeof(bond_ioctls) / sizeof(bond_ioctls[0]))
		die("unknown op %s", op);
	if (strlen(bond) >= IFNAMSIZ || strlen(dev) >= IFNAMSIZ)
		die("interface name too long");
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, bond, IFNAMSIZ - 1);
	strncpy(ifr.ifr_slave, dev, IFNAMSIZ - 1);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die("socket: %s", strerror(errno));
	return errno_result(ioctl(s, bond_ioctls[i].request, &ifr) >= 0);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int cmd_write(const char *file, const char *data)
{
	size_t len = strlen(data), n = 0, i;
	char *buf = malloc(len + 1);
	ssize_t w;
	int fd;

	if (!buf)
		die("out of memory");
	for (i = 0; i < len; i++) {
		if (data[i] != '\\') {
			buf[n++] = data[i];
			continue;
		}
		switch (data[++i]) {
		case 'n':
			buf[n++] = '\n';
			break;
		case 't':
			buf[n++] = '\t';
			break;
		case '\\':
			buf[n++] = '\\';
			break;
		case 'x':
			if (hexval(data[i + 1]) < 0 || hexval(data[i + 2]) < 0)
				die("bad escape in %s", data);
			buf[n++] = (char)(hexval(data[i + 1]) * 16 + hexval(data[i + 2]));
			i += 2;
			break;
		default:
			die("bad escape in %s", data);
		}
	}
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno_result(0);
	w = write(fd, buf, n);
	if (w >= 0 && (size_t)w != n) {
		printf("short %zd\n", w);
		return 0;
	}
	return errno_result(w >= 0);
}

static int cmd_record(const char *node)
{
	int fd = open_node(node, O_RDONLY | O_NONBLOCK);
	const struct exabond_page *pg = map_node(fd, node);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct exabond_page s;
	uint64_t gen;

	for (;;) {
		if (poll(&p, 1, -1) < 0)
			die("poll: %s", strerror(errno));
		if (p.revents & POLLIN) {
			if (read(fd, &gen, sizeof(gen)) != sizeof(gen))
				die("read: %s", strerror(errno));
			snapshot(pg, &s);
			printf("%" PRIu64 " %u %" PRIu64 " %" PRIu64 "\n",
			       (uint64_t)s.generation, s.event,
			       (uint64_t)s.event_ns, (uint64_t)s.publish_ns);
		} else if (p.revents & POLLHUP) {
			return 0;
		}
	}
}

static int cmd_ident(int n, char **nodes)
{
	struct exabond_page s;
	int i, fd;

	for (i = 0; i < n; i++) {
		const struct exabond_page *pg;

		fd = open_node(nodes[i], O_RDONLY);
		pg = map_node(fd, nodes[i]);
		snapshot(pg, &s);
		printf("%s %d %.*s %d\n", nodes[i], s.bond.ifindex,
		       (int)sizeof(s.bond.name), s.bond.name,
		       !!(s.hot & EXABOND_HOT_F_DEAD));
		munmap((void *)pg, EXABOND_PAGE_BYTES);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "dump")) {
		int fd = open_node(argv[2], O_RDONLY);

		return dump(map_node(fd, argv[2]));
	}
	if (argc >= 3 && !strcmp(argv[1], "read"))
		return cmd_read(argv[2], argc > 3 && !strcmp(argv[3], "-n"));
	if (argc == 4 && !strcmp(argv[1], "wait"))
		return cmd_wait(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "follow"))
		return cmd_follow(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "record"))
		return cmd_record(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "ident"))
		return cmd_ident(argc - 2, argv + 2);
	if (argc == 4 && !strcmp(argv[1], "try"))
		return cmd_try(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "try"))
		return cmd_try_bond(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: exabond-probe dump|read|wait|follow|hold|ident|record|write|try ... (see the source)\n");
	return 1;
}
