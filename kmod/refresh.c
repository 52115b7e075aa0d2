// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded refresh of the state the 6.1 bonding driver changes without
 * raising any netdevice event. Reading the source found four such cases:
 *
 *	EXABOND_REFRESH_AD	802.3ad: the aggregator selection, partner and
 *				port states change in the state machine under
 *				mode_lock, from a work item and from softirq.
 *	EXABOND_REFRESH_ACTIVE	balance-tlb/alb: bond_alb_handle_active_change()
 *				moves curr_active_slave, but every member is
 *				"active" in these modes, so no member's state
 *				changes and nothing is notified.
 *	EXABOND_REFRESH_MODE	a bond that is down: netlink option changes
 *				(mode included) call netdev_state_change(),
 *				which notifies only an up device.
 *	EXABOND_REFRESH_LINK	a member's link state while miimon counts
 *				updelay/downdelay: bond_mii_monitor() commits
 *				FAIL and BACK with BOND_SLAVE_NOTIFY_LATER and
 *				never flushes that; refreshed while a member
 *				is in FAIL or BACK or its carrier disagrees
 *				with its link state. Under ARP monitoring the
 *				deferred notifications are flushed only when a
 *				trylock of RTNL succeeds: refreshed always.
 *
 * A managed bond that needs one of these has a delayed work item that
 * re-reads it every EXABOND_REFRESH_MS and publishes if anything changed
 * (event EXABOND_EVENT_REFRESH), then records the time in
 * policy.last_refresh_ns without a new generation. Staleness of those
 * fields is bounded by EXABOND_REFRESH_MS plus the wait for RTNL; the page
 * says which fields are refreshed and how often. An up active-backup,
 * balance-rr, balance-xor or broadcast bond needs none: no timer runs.
 *
 * The same work item also runs once right after a membership change
 * (exabond_refresh_settle()), because bonding raises CHANGEUPPER before it
 * has finished enslaving or releasing.
 *
 * The work only ever trylocks RTNL (as bonding's own monitors do), so
 * exabond_refresh_stop() can cancel it synchronously with RTNL held.
 */
#include <linux/jiffies.h>
#include <linux/rtnetlink.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <net/bonding.h>

#include "exabond.h"

/* Is bonding about to move a member's link state without telling anyone? */
static bool exabond_link_settling(struct bonding *bond)
{
	struct list_head *iter;
	struct slave *slave;
	bool carrier, up;

	if (!bond->params.updelay && !bond->params.downdelay)
		return false;
	bond_for_each_slave(bond, slave, iter) {
		if (slave->link == BOND_LINK_FAIL ||
		    slave->link == BOND_LINK_BACK)
			return true;
		carrier = netif_running(slave->dev) &&
			  netif_carrier_ok(slave->dev);
		up = slave->link == BOND_LINK_UP;
		if (carrier != up)
			return true;
	}
	return false;
}

u32 exabond_refresh_needed(const struct exabond_managed *m)
{
	struct bonding *bond = netdev_priv(m->dev);
	u32 need = 0;

	ASSERT_RTNL();

	if (!(m->dev->flags & IFF_UP))
		need |= EXABOND_REFRESH_MODE;
	if (bond->params.arp_interval ||
	    (bond->params.miimon && exabond_link_settling(bond)))
		need |= EXABOND_REFRESH_LINK;
	switch (BOND_MODE(bond)) {
	case BOND_MODE_8023AD:
		need |= EXABOND_REFRESH_AD;
		break;
	case BOND_MODE_TLB:
	case BOND_MODE_ALB:
		need |= EXABOND_REFRESH_ACTIVE;
		break;
	}
	return need;
}

static void exabond_refresh_work(struct work_struct *work)
{
	struct exabond_managed *m = container_of(to_delayed_work(work),
						 struct exabond_managed,
						 refresh);
	u64 now;

	if (!rtnl_trylock()) {
		queue_delayed_work(system_wq, &m->refresh, 1);
		return;
	}
	if (!m->dead) {
		now = ktime_get_ns();
		exabond_publish(m, EXABOND_EVENT_REFRESH, m->ifindex, now);
		exabond_publish_refresh_time(m, now);
		exabond_refresh_arm(m);
	}
	rtnl_unlock();
}

void exabond_refresh_init(struct exabond_managed *m)
{
	INIT_DELAYED_WORK(&m->refresh, exabond_refresh_work);
}

/*
 * Called with RTNL after every publication, and by the work itself. What is
 * needed was worked out for that publication and is in the page: any change
 * of it is a change of the page, so the page is never behind. A bond that
 * no longer needs refreshing lets its pending run find nothing and not
 * re-arm.
 */
void exabond_refresh_arm(struct exabond_managed *m)
{
	ASSERT_RTNL();

	if (!m->dead && m->pg->policy.refreshed)
		queue_delayed_work(system_wq, &m->refresh,
				   msecs_to_jiffies(EXABOND_REFRESH_MS));
}

/* One re-read as soon as RTNL is free, whatever else is needed. */
void exabond_refresh_settle(struct exabond_managed *m)
{
	ASSERT_RTNL();

	if (!m->dead)
		mod_delayed_work(system_wq, &m->refresh, 0);
}

void exabond_refresh_stop(struct exabond_managed *m)
{
	cancel_delayed_work_sync(&m->refresh);
}
