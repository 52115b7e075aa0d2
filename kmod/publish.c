// SPDX-License-Identifier: GPL-2.0
/*
 * The seqlock writer: the only code that stores into a page.
 *
 * Writer lock: RTNL. Every caller holds it, so there is exactly one writer
 * per page at a time, and exabond_stage, the scratch page a publication is
 * built in, is shared by all bonds.
 *
 * A publication re-reads the whole bond into exabond_stage and compares it
 * with what the page shows; only a difference is published, so "the
 * generation moved" always means "something a reader can see changed".
 * The store sequence is the vDSO's (include/exabond/page.h, W1..W5): seq
 * odd, smp_wmb(), the fields, the generation, the hot word, smp_wmb(), seq
 * even, then the waiters are woken. It is deliberately not a seqcount_t:
 * that type's layout changes with lockdep, and this one is ABI.
 */
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "exabond.h"

/* Scratch for the next publication of any bond. RTNL. */
static struct exabond_page exabond_stage;

/* The bytes after the header that a publication replaces: ABI 1.0's body. */
#define EXABOND_BODY_OFFSET	offsetof(struct exabond_page, bond)
#define EXABOND_BODY_LEN	(EXABOND_PAGE_SIZE_V1_0 - EXABOND_BODY_OFFSET)

static void *exabond_body(struct exabond_page *pg)
{
	return (u8 *)pg + EXABOND_BODY_OFFSET;
}

/* Called before anyone can see the page: no protocol needed yet. */
void exabond_page_init(struct exabond_managed *m)
{
	struct exabond_page *pg = m->pg;

	pg->magic = EXABOND_PAGE_MAGIC;
	pg->abi_major = EXABOND_ABI_MAJOR;
	pg->abi_minor = EXABOND_ABI_MINOR;
	pg->size = EXABOND_PAGE_SIZE_V1_0;
	pg->publisher = EXABOND_PUBLISHER_KERNEL;
	pg->member_max = EXABOND_MAX_MEMBERS;
}

static u64 exabond_hot(const struct exabond_page *st, u64 old_hot)
{
	u64 epoch = EXABOND_HOT_EPOCH(old_hot);
	u32 active = st->bond.active_ifindex;
	u64 hot = active;

	if (active != EXABOND_HOT_IFINDEX(old_hot))
		epoch = (epoch + 1) & 0xffff;
	hot |= epoch << EXABOND_HOT_EPOCH_SHIFT;

	if (active)
		hot |= EXABOND_HOT_F_HAS_ACTIVE;
	if ((st->bond.flags & EXABOND_BOND_F_ADMIN_UP) &&
	    (st->bond.flags & EXABOND_BOND_F_CARRIER))
		hot |= EXABOND_HOT_F_UP;
	if (!(st->policy.flags & EXABOND_POLICY_F_COMPLIANT))
		hot |= EXABOND_HOT_F_NONCOMPLIANT;
	return hot;
}

/* W1..W5, then the wake-up. */
static void exabond_write(struct exabond_managed *m,
			  const struct exabond_page *st, u64 hot, u32 event,
			  int ifindex, u64 event_ns)
{
	struct exabond_page *pg = m->pg;
	u64 now = ktime_get_ns();
	u32 seq = pg->seq;

	/*
	 * Never preempted with seq odd: a reader spinning on this CPU would
	 * otherwise keep the writer, and RTNL with it, off the CPU.
	 */
	preempt_disable();
	WRITE_ONCE(pg->seq, seq + 1);				/* W1 */
	smp_wmb();						/* W2 */

	memcpy(exabond_body(pg), (const u8 *)st + EXABOND_BODY_OFFSET,
	       EXABOND_BODY_LEN);
	pg->event = event;
	pg->event_ifindex = ifindex;
	pg->event_ns = event_ns;
	pg->publish_ns = now;
	WRITE_ONCE(pg->generation, pg->generation + 1);
	WRITE_ONCE(pg->hot, hot);				/* W3 */

	smp_wmb();						/* W4 */
	WRITE_ONCE(pg->seq, seq + 2);				/* W5 */
	preempt_enable();

	wake_up_interruptible_poll(&m->wait, EPOLLIN | EPOLLRDNORM);
}

/*
 * Reads the bond into exabond_stage with the failover count carried over,
 * counted up if the active member moved; says whether it did.
 */
static bool exabond_stage_read(struct exabond_managed *m, u64 event_ns)
{
	struct exabond_page *st = &exabond_stage;
	const struct exabond_page *pg = m->pg;
	bool moved;

	exabond_bond_state_read(m, st, pg, event_ns);

	moved = pg->generation &&
		st->bond.active_ifindex != pg->bond.active_ifindex;
	st->bond.failover_count = pg->bond.failover_count + moved;
	st->bond.last_failover_ns = moved ? event_ns :
					    pg->bond.last_failover_ns;
	return moved;
}

/*
 * Re-reads the bond and publishes it if anything changed (always, for
 * EXABOND_EVENT_MANAGE). @event and @ifindex say what caused this and
 * about which device; @event_ns is when the notifier saw it. Returns
 * whether a publication happened.
 */
bool exabond_publish(struct exabond_managed *m, u32 event, int ifindex,
		     u64 event_ns)
{
	struct exabond_page *st = &exabond_stage;
	struct exabond_page *pg = m->pg;
	bool moved;
	u64 hot;

	ASSERT_RTNL();

	if (m->dead)
		return false;

	moved = exabond_stage_read(m, event_ns);
	hot = exabond_hot(st, pg->hot);
	if (event != EXABOND_EVENT_MANAGE && hot == pg->hot &&
	    !memcmp(exabond_body(st), exabond_body(pg), EXABOND_BODY_LEN))
		return false;

	/*
	 * Bonding moves curr_active_slave before it raises BONDING_FAILOVER
	 * (the members' CHANGELOWERSTATE comes first), so the publication
	 * that shows a new active member is named for what it shows.
	 */
	if (moved)
		event = EXABOND_EVENT_FAILOVER;

	exabond_write(m, st, hot, event, ifindex, event_ns);
	exabond_refresh_arm(m);
	return true;
}

/*
 * The last publication: the bond's final state with the dead flag. Then
 * dead is set for the file operations, which report EPOLLHUP from now on.
 */
void exabond_publish_final(struct exabond_managed *m, u32 event, u64 event_ns)
{
	struct exabond_page *st = &exabond_stage;
	struct exabond_page *pg = m->pg;

	ASSERT_RTNL();

	if (m->dead)
		return;

	exabond_stage_read(m, event_ns);
	/* The last active member stays visible; the bond is gone. */
	exabond_write(m, st, exabond_hot(st, pg->hot) | EXABOND_HOT_F_DEAD,
		      event, m->ifindex, event_ns);

	smp_store_release(&m->dead, true);	/* pairs with exabond_dead() */
	wake_up_interruptible_poll(&m->wait, EPOLLHUP | EPOLLIN);
}

/*
 * Records when the refreshed fields were last re-read. Under the seqlock
 * like any store, but not a publication: the generation does not move and
 * nobody is woken, because nothing changed.
 */
void exabond_publish_refresh_time(struct exabond_managed *m, u64 now)
{
	struct exabond_page *pg = m->pg;
	u32 seq = pg->seq;

	ASSERT_RTNL();

	preempt_disable();
	WRITE_ONCE(pg->seq, seq + 1);			/* W1 */
	smp_wmb();					/* W2 */
	WRITE_ONCE(pg->policy.last_refresh_ns, now);
	smp_wmb();					/* W4 */
	WRITE_ONCE(pg->seq, seq + 2);			/* W5 */
	preempt_enable();
}

/*
 * The bond's name as last published, read like any page reader does (R1 to
 * R4), for the node's sysfs attributes and uevents, which must not take
 * RTNL. The writer never sleeps with seq odd, so the wait is short.
 */
void exabond_page_name(const struct exabond_managed *m, char name[IFNAMSIZ])
{
	const struct exabond_page *pg = m->pg;
	u32 seq;

	for (;;) {
		seq = smp_load_acquire(&pg->seq);		/* R1 */
		if (seq & 1) {
			cpu_relax();
			continue;
		}
		memcpy(name, pg->bond.name, IFNAMSIZ);		/* R2 */
		smp_rmb();					/* R3 */
		if (READ_ONCE(pg->seq) == seq)			/* R4 */
			break;
	}
	name[IFNAMSIZ - 1] = '\0';
}
