/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * exabond page ABI, version 1.
 *
 * This header is the single source of truth for the page that exabond
 * publishes for each managed bond. The same bytes are written by the kernel
 * module (/dev/exabond-<bond>) and by exabond-monitor's user-space publisher
 * (shared memory), and read by libexabond and by any C program. It is plain
 * C with fixed-width types, no pointers and explicit padding; its size and
 * key offsets are pinned by static assertions below and by a unit test.
 *
 * All fields are in host byte order except where a name says otherwise
 * (arp_ip_target is in network byte order, as the bonding driver keeps it).
 * Times are CLOCK_MONOTONIC nanoseconds; 0 means "never" or "unknown".
 * Strings are NUL-padded to their full width, and none fills its array, so
 * an array's last byte is always NUL (libexabond refuses a page where it is
 * not); a reader must still bound every string by its array size.
 *
 * Versioning
 * ----------
 * abi_major changes when an existing field moves or changes meaning; a reader
 * must refuse a page whose major it does not know. abi_minor grows when
 * fields are added in space that was reserved (zero) before; a reader built
 * for minor M reads a page of minor N > M unchanged and ignores the rest.
 * size is the number of bytes the writer's minor defines; it is at least
 * EXABOND_PAGE_SIZE_V1_0 and at most EXABOND_PAGE_BYTES. The page is always
 * EXABOND_PAGE_BYTES long; everything past size reads as zero.
 *
 * Writer protocol (exactly one writer at a time)
 * ----------------------------------------------
 * The kernel module serialises writers with RTNL; the user-space publisher
 * with one thread per page. A publication is:
 *
 *	WRITE_ONCE(pg->seq, pg->seq + 1);	(W1) seq is now odd
 *	smp_wmb();				(W2) pairs with (R3)
 *	... store every field ...
 *	WRITE_ONCE(pg->generation, gen + 1);	one 64-bit store
 *	WRITE_ONCE(pg->hot, new_hot);		(W3) one 64-bit store
 *	smp_wmb();				(W4) pairs with (R1)
 *	WRITE_ONCE(pg->seq, pg->seq + 1);	(W5) seq is even again
 *	wake up waiters
 *
 * "Wake up waiters" is the node's poll queue for the kernel module. A
 * user-space publisher (EXABOND_PUBLISHER_MONITOR, a shared-memory page)
 * calls FUTEX_WAKE (shared, not private) on the 32-bit word holding the
 * generation's low half, on which its readers FUTEX_WAIT.
 *
 * This is the vDSO seqcount (include/vdso/helpers.h), not a seqcount_t,
 * whose layout changes with lockdep. The generation only ever rises by one
 * per publication, and a publication always changes something a reader can
 * see, so "generation moved" means "the bond changed".
 *
 * Reader protocol (any number of readers, on any CPU, never blocking the
 * writer)
 * ------------------------------------------------------------------------
 *	do {
 *		seq = load_acquire(&pg->seq);	(R1) pairs with (W4)
 *		if (seq & 1)
 *			continue;		writer inside; retry
 *		copy the fields you need;	(R2) relaxed loads
 *		smp_rmb();			(R3) acquire fence
 *	} while (load(&pg->seq) != seq);	(R4) pairs with (W2)
 *
 * (R1) with (W4): a reader that sees the even seq written by (W5) also sees
 * every field stored before it. (R3) with (W2): if any field copied in (R2)
 * came from a publication that started after (R1), the odd seq of (W1) is
 * visible at (R4) and the reader retries. In C or C++17 use the __atomic
 * builtins on the mapped bytes: __ATOMIC_ACQUIRE for (R1), __ATOMIC_RELAXED
 * for (R2) and (R4), __atomic_thread_fence(__ATOMIC_ACQUIRE) for (R3).
 *
 * Hot word
 * --------
 * pg->hot is written once per publication as a single aligned 64-bit store
 * (W3) and may be read on its own with one aligned 64-bit acquire load,
 * without the seqlock: "which member is active" and "did the active member
 * change" are one load and one compare. It is consistent with itself, not
 * with the rest of the page; take a snapshot for anything more. Its layout:
 *
 *	bits  0..31	ifindex of the active member (0: none). Only the
 *			modes with one active member have one: active-backup,
 *			balance-tlb and balance-alb, as IFLA_BOND_ACTIVE_SLAVE
 *			reports it
 *	bits 32..47	EXABOND_HOT_F_* flags
 *	bits 48..63	active epoch: +1 (mod 2^16) whenever the active member
 *			changes, so A -> B -> A between two loads still
 *			compares unequal
 *
 * Likewise pg->generation may be read alone with one acquire load to ask
 * "did anything change since generation G". Both are stored after (W2), so
 * a snapshot taken after either load is at least as new as what it saw.
 * Single 64-bit loads and stores are single-copy atomic only on 64-bit
 * hosts; the module builds for 64-bit kernels only.
 */
#ifndef _EXABOND_PAGE_H
#define _EXABOND_PAGE_H

#include <linux/types.h>

#ifdef __KERNEL__
#include <linux/stddef.h>
#else
#include <stddef.h>
#endif

/* C++11, C11, and a fallback so C99 programs can include this header too. */
#if defined(__cplusplus)
#define EXABOND_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define EXABOND_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#else
#define EXABOND_CONCAT_(a, b) a##b
#define EXABOND_CONCAT(a, b) EXABOND_CONCAT_(a, b)
#define EXABOND_STATIC_ASSERT(expr, msg) \
	typedef char EXABOND_CONCAT(exabond_static_assert_, __LINE__)[(expr) ? 1 : -1]
#endif

/* "EXBD" in memory on a little-endian host. */
#define EXABOND_PAGE_MAGIC	0x44425845U
#define EXABOND_ABI_MAJOR	1
#define EXABOND_ABI_MINOR	1	/* 1.1: policy allowed_modes, max_members */

/* The mapping is always this long, whatever the host's page size. */
#define EXABOND_PAGE_BYTES	4096

#define EXABOND_NAME_LEN	16	/* IFNAMSIZ */
#define EXABOND_DRIVER_LEN	32	/* ethtool_drvinfo.driver */
#define EXABOND_BUS_INFO_LEN	32	/* ethtool_drvinfo.bus_info */
#define EXABOND_ADDR_LEN	6	/* Ethernet only */
#define EXABOND_MAX_MEMBERS	16
#define EXABOND_MAX_ARP_TARGETS	16	/* BOND_MAX_ARP_TARGETS */

/* exabond_page.publisher: who writes this page. */
#define EXABOND_PUBLISHER_KERNEL	1	/* exabond.ko */
#define EXABOND_PUBLISHER_MONITOR	2	/* exabond-monitor, from rtnetlink */

/* Hot word layout (see the comment at the top). */
#define EXABOND_HOT_IFINDEX_MASK	0x00000000ffffffffULL
#define EXABOND_HOT_FLAGS_SHIFT		32
#define EXABOND_HOT_EPOCH_SHIFT		48
#define EXABOND_HOT_F_HAS_ACTIVE	(1ULL << 32) /* an active member exists */
#define EXABOND_HOT_F_UP		(1ULL << 33) /* bond admin up + carrier */
#define EXABOND_HOT_F_DEAD		(1ULL << 34) /* bond gone or released: final */
#define EXABOND_HOT_F_NONCOMPLIANT	(1ULL << 35) /* policy not met, see page */

#define EXABOND_HOT_IFINDEX(hot)	((__u32)((hot) & EXABOND_HOT_IFINDEX_MASK))
#define EXABOND_HOT_EPOCH(hot)		((__u16)((hot) >> EXABOND_HOT_EPOCH_SHIFT))

/* Bonding modes, the kernel's numbering (BOND_MODE_*). */
#define EXABOND_MODE_BALANCE_RR		0
#define EXABOND_MODE_ACTIVE_BACKUP	1
#define EXABOND_MODE_BALANCE_XOR	2
#define EXABOND_MODE_BROADCAST		3
#define EXABOND_MODE_8023AD		4
#define EXABOND_MODE_BALANCE_TLB	5
#define EXABOND_MODE_BALANCE_ALB	6

/* Transmit hash policies, the kernel's numbering (BOND_XMIT_POLICY_*). */
#define EXABOND_XMIT_LAYER2		0
#define EXABOND_XMIT_LAYER34		1
#define EXABOND_XMIT_LAYER23		2
#define EXABOND_XMIT_ENCAP23		3
#define EXABOND_XMIT_ENCAP34		4
#define EXABOND_XMIT_VLAN_SRCMAC	5

/* exabond_member.link: the bonding driver's view (BOND_LINK_*). */
#define EXABOND_LINK_UP		0
#define EXABOND_LINK_FAIL	1
#define EXABOND_LINK_DOWN	2
#define EXABOND_LINK_BACK	3

/* exabond_member.role (BOND_STATE_*). */
#define EXABOND_ROLE_ACTIVE	0
#define EXABOND_ROLE_BACKUP	1

/* exabond_member.duplex (DUPLEX_*). */
#define EXABOND_DUPLEX_HALF	0x00
#define EXABOND_DUPLEX_FULL	0x01
#define EXABOND_DUPLEX_UNKNOWN	0xff

/* exabond_member.speed when the driver does not know it (SPEED_UNKNOWN). */
#define EXABOND_SPEED_UNKNOWN	0xffffffffU

/* exabond_bond.flags */
#define EXABOND_BOND_F_ADMIN_UP		(1U << 0) /* IFF_UP */
#define EXABOND_BOND_F_CARRIER		(1U << 1) /* netif_carrier_ok() */
#define EXABOND_BOND_F_MEMBER_OVERFLOW	(1U << 2) /* members_total > member_count */
#define EXABOND_BOND_F_AD_INFO_VALID	(1U << 3) /* exabond_ad holds an aggregator */

/* exabond_member.flags */
#define EXABOND_MEMBER_F_PRIMARY	(1U << 0) /* this is the bond's primary */
#define EXABOND_MEMBER_F_ACTIVE		(1U << 1) /* curr_active_slave */

/* exabond_policy.flags */
#define EXABOND_POLICY_F_COMPLIANT	(1U << 0) /* the bond meets the policy */
#define EXABOND_POLICY_F_ROCE_LAG	(1U << 1) /* mode 1/2/4, two ports of one card */
#define EXABOND_POLICY_F_NO_LINK_MON	(1U << 2) /* neither miimon nor arp_interval */
#define EXABOND_POLICY_F_SAME_CARD_RULE	(1U << 3) /* the roce-lag profile is in force */
#define EXABOND_POLICY_F_LINK_MON_REQUIRED (1U << 4) /* require_link_monitor */
/*
 * The kernel could not hook the bonding driver's setters: a disallowed mode
 * or link-monitor write is not refused when written, only when the bond is
 * brought up (mode), and members only when they are linked to the bond.
 */
#define EXABOND_POLICY_F_NO_HOOK	(1U << 5)

/* exabond_policy.violations: one bit per rule the bond breaks. */
#define EXABOND_VIOLATION_MODE		(1U << 0)
#define EXABOND_VIOLATION_DRIVER	(1U << 1) /* a member's driver not allowed */
#define EXABOND_VIOLATION_MEMBER_TYPE	(1U << 2) /* bond, VLAN or non-Ethernet */
#define EXABOND_VIOLATION_MAX_MEMBERS	(1U << 3)
#define EXABOND_VIOLATION_SAME_CARD	(1U << 4)
#define EXABOND_VIOLATION_LINK_MONITOR	(1U << 5)

/*
 * exabond_policy.refreshed: fields the 6.1 bonding driver changes without
 * raising any netdevice event, so the writer re-reads them every
 * refresh_interval_ms for the bonds that need it. The kernel publisher
 * never sets EXABOND_REFRESH_SPEED: it reports bonding's own speed and
 * duplex, which change only on events.
 */
#define EXABOND_REFRESH_AD		(1U << 0) /* exabond_ad, member ad_* */
#define EXABOND_REFRESH_SPEED		(1U << 1) /* member speed/duplex */
#define EXABOND_REFRESH_ACTIVE		(1U << 2) /* TLB/ALB active member */
#define EXABOND_REFRESH_MODE		(1U << 3) /* mode changed while down */
#define EXABOND_REFRESH_LINK		(1U << 4) /* member link: delays, ARP */

/*
 * exabond_page.event: what caused the latest publication. A publication
 * that changes the active member is always EXABOND_EVENT_FAILOVER.
 */
#define EXABOND_EVENT_NONE		0
#define EXABOND_EVENT_MANAGE		1  /* placed under management */
#define EXABOND_EVENT_UNMANAGE		2  /* released: the page is final */
#define EXABOND_EVENT_BOND_DELETE	3  /* bond unregistered: final */
#define EXABOND_EVENT_BOND_CHANGE	4  /* option, state or address change */
#define EXABOND_EVENT_FAILOVER		5  /* active member changed */
#define EXABOND_EVENT_MEMBER_ADD	6
#define EXABOND_EVENT_MEMBER_DEL	7
#define EXABOND_EVENT_MEMBER_LINK	8  /* bonding link state of a member */
#define EXABOND_EVENT_CARRIER		9  /* raw carrier of a member or bond */
#define EXABOND_EVENT_RENAME		10
#define EXABOND_EVENT_POLICY		11 /* policy parameters changed */
#define EXABOND_EVENT_REFRESH		12 /* bounded refresh found a change */
#define EXABOND_EVENT_RESYNC		13 /* publisher re-read everything */

/*
 * Offsets in the comments of exabond_bond, exabond_ad and exabond_policy are
 * from the start of the page; those of exabond_member from the start of the
 * entry. The static assertions at the end pin them.
 */
struct exabond_bond {
	__s32 ifindex;				/*  64 */
	__u32 netns_ino;			/*  68 /proc/PID/ns/net inode */
	__u64 netns_cookie;			/*  72 SO_NETNS_COOKIE */
	char  name[EXABOND_NAME_LEN];		/*  80 */
	__u8  mode;				/*  96 EXABOND_MODE_* */
	__u8  xmit_hash_policy;			/*  97 EXABOND_XMIT_* */
	__u8  operstate;			/*  98 IF_OPER_* (RFC 2863) */
	__u8  primary_reselect;			/*  99 BOND_PRI_RESELECT_* */
	__u32 flags;				/* 100 EXABOND_BOND_F_* */
	__u32 miimon;				/* 104 ms */
	__u32 arp_interval;			/* 108 ms */
	__u32 updelay;				/* 112 ms */
	__u32 downdelay;			/* 116 ms */
	__u32 peer_notif_delay;			/* 120 ms */
	__s32 primary_ifindex;			/* 124 0: none enslaved */
	char  primary[EXABOND_NAME_LEN];	/* 128 configured name */
	__u8  addr[EXABOND_ADDR_LEN];		/* 144 */
	__u8  fail_over_mac;			/* 150 BOND_FOM_* */
	__u8  arp_validate;			/* 151 BOND_ARP_VALIDATE_* */
	__u32 mtu;				/* 152 */
	__u32 member_count;			/* 156 entries used in members[] */
	__u32 members_total;			/* 160 members the bond has */
	__s32 active_ifindex;			/* 164 same as the hot word */
	__u64 failover_count;			/* 168 active member changes */
	__u64 last_failover_ns;			/* 176 */
	__u32 arp_ip_target_count;		/* 184 */
	__u8  arp_all_targets;			/* 188 0 any, 1 all */
	__u8  __pad0[3];			/* 189 */
	__be32 arp_ip_target[EXABOND_MAX_ARP_TARGETS];	/* 192 */
};

/* 802.3ad: the active aggregator, valid with EXABOND_BOND_F_AD_INFO_VALID. */
struct exabond_ad {
	__u16 aggregator_id;			/* 256 */
	__u16 num_ports;			/* 258 */
	__u16 actor_key;			/* 260 */
	__u16 partner_key;			/* 262 */
	__u8  partner_mac[EXABOND_ADDR_LEN];	/* 264 all-zero: no partner */
	__u8  lacp_rate;			/* 270 0 slow, 1 fast */
	__u8  ad_select;			/* 271 BOND_AD_STABLE.. */
	__u16 actor_sys_prio;			/* 272 */
	__u16 user_port_key;			/* 274 */
	__u8  actor_system[EXABOND_ADDR_LEN];	/* 276 */
	__u8  lacp_active;			/* 282 */
	__u8  __pad0[5];			/* 283 */
	__u8  __reserved[32];			/* 288 */
};

struct exabond_policy {
	__u32 flags;				/* 320 EXABOND_POLICY_F_* */
	__u32 violations;			/* 324 EXABOND_VIOLATION_* */
	__u32 refreshed;			/* 328 EXABOND_REFRESH_* */
	__u32 refresh_interval_ms;		/* 332 0: nothing refreshed */
	__u64 last_refresh_ns;			/* 336 */
	__u64 managed_since_ns;			/* 344 */
	__u32 allowed_modes;			/* 352 1 << EXABOND_MODE_* */
	__u32 max_members;			/* 356 0: no limit */
	__u8  __reserved[24];			/* 360 */
};

struct exabond_member {
	__s32 ifindex;				/*   0 */
	__u8  link;				/*   4 EXABOND_LINK_* */
	__u8  role;				/*   5 EXABOND_ROLE_* */
	__u8  carrier;				/*   6 raw, from the NIC driver */
	__u8  duplex;				/*   7 EXABOND_DUPLEX_* */
	char  name[EXABOND_NAME_LEN];		/*   8 */
	__u8  perm_addr[EXABOND_ADDR_LEN];	/*  24 */
	__u8  addr[EXABOND_ADDR_LEN];		/*  30 */
	__u8  operstate;			/*  36 IF_OPER_* */
	__u8  flags;				/*  37 EXABOND_MEMBER_F_* */
	__u16 ad_aggregator_id;			/*  38 */
	__u8  ad_actor_oper_port_state;		/*  40 LACP port state bits */
	__u8  ad_partner_oper_port_state;	/*  41 */
	__u16 queue_id;				/*  42 */
	__u32 speed;				/*  44 Mb/s or EXABOND_SPEED_UNKNOWN */
	__u32 link_failure_count;		/*  48 */
	__u32 mtu;				/*  52 */
	__u64 carrier_changed_ns;		/*  56 raw carrier last changed */
	__u64 link_changed_ns;			/*  64 bonding link state changed */
	char  driver[EXABOND_DRIVER_LEN];	/*  72 */
	char  bus_info[EXABOND_BUS_INFO_LEN];	/* 104 same card = same slot */
	__u32 carrier_changes;			/* 136 up + down transitions */
	__u32 __pad0;				/* 140 */
	__u8  __reserved[16];			/* 144 */
};

struct exabond_page {
	/* Header: identity and the seqlock. Never moves, in any major. */
	__u32 magic;				/*   0 EXABOND_PAGE_MAGIC */
	__u16 abi_major;			/*   4 */
	__u16 abi_minor;			/*   6 */
	__u32 size;				/*   8 bytes this minor defines */
	__u16 publisher;			/*  12 EXABOND_PUBLISHER_* */
	__u16 member_max;			/*  14 EXABOND_MAX_MEMBERS */
	__u32 seq;				/*  16 odd while a write is on */
	__u32 __pad0;				/*  20 */
	__u64 generation;			/*  24 +1 per publication */
	__u64 hot;				/*  32 see "Hot word" */
	__u64 event_ns;				/*  40 when the cause happened */
	__u64 publish_ns;			/*  48 when this was published */
	__u32 event;				/*  56 EXABOND_EVENT_* */
	__s32 event_ifindex;			/*  60 device the event was about */

	struct exabond_bond bond;		/*  64 */
	struct exabond_ad ad;			/* 256 */
	struct exabond_policy policy;		/* 320 */
	struct exabond_member members[EXABOND_MAX_MEMBERS];	/* 384 */

	/* Zero; later minors add fields here and raise size. */
	__u8  __reserved[1152];			/* 2944 */
};

/* Bytes defined by ABI 1.0: everything before the reserved tail. */
#define EXABOND_PAGE_SIZE_V1_0	offsetof(struct exabond_page, __reserved)

EXABOND_STATIC_ASSERT(sizeof(struct exabond_member) == 160,
		      "exabond_member is 160 bytes");
EXABOND_STATIC_ASSERT(sizeof(struct exabond_bond) == 192,
		      "exabond_bond is 192 bytes");
EXABOND_STATIC_ASSERT(sizeof(struct exabond_ad) == 64,
		      "exabond_ad is 64 bytes");
EXABOND_STATIC_ASSERT(sizeof(struct exabond_policy) == 64,
		      "exabond_policy is 64 bytes");
EXABOND_STATIC_ASSERT(sizeof(struct exabond_page) == EXABOND_PAGE_BYTES,
		      "exabond_page fills exactly one 4 KiB page");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, seq) == 16,
		      "seq offset is ABI");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, generation) == 24,
		      "generation offset is ABI");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, hot) == 32,
		      "hot word offset is ABI");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, generation) % 8 == 0 &&
		      offsetof(struct exabond_page, hot) % 8 == 0,
		      "generation and hot word are single aligned 64-bit loads");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, bond) == 64,
		      "bond offset is ABI");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, ad) == 256,
		      "ad offset is ABI");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, policy) == 320,
		      "policy offset is ABI");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, members) == 384,
		      "members offset is ABI");
EXABOND_STATIC_ASSERT(offsetof(struct exabond_page, __reserved) == 2944,
		      "reserved tail offset is ABI");

#endif /* _EXABOND_PAGE_H */
