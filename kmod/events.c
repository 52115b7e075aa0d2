// SPDX-License-Identifier: GPL-2.0
/*
 * The netdevice notifier: every relevant event on a managed bond or one of
 * its members means "re-read this bond and publish if anything changed",
 * never "apply a delta".
 *
 * Netdevice notifiers run in process context with RTNL held, which is the
 * writer lock. Finding the managed bond is O(1) whatever is managed: a flag
 * test on the device, its master from the adjacency list, then one hash
 * lookup; an event on an unrelated device costs a couple of flag tests.
 *
 * Two blocks on the one chain:
 *	late (-100)	every event below but one. It runs after the bonding
 *			driver's own notifier (priority 0), whatever order
 *			the modules were loaded in, and so reads what bonding
 *			made of the event: on a member's UP or CHANGE bonding
 *			first re-reads its speed and duplex (and in 802.3ad
 *			may mark its link failed), on CHANGENAME it may move
 *			the primary, on UNREGISTER it releases the member.
 *	first (INT_MAX)	a member's CHANGELOWERSTATE, which is how bonding
 *			announces a new active member: bond_change_active_
 *			slave() moves curr_active_slave, then raises it from
 *			bond_set_slave_active_flags(). Bonding's notifier
 *			ignores this event, so the bond reads the same at the
 *			head of the chain as at its end, but the notifiers
 *			between cost time: rtnetlink alone builds and
 *			multicasts a whole RTM_NEWLINK and wakes its
 *			listeners. Taken first, the new active member is
 *			published before any of them run.
 *
 * On a managed bond:
 *	UNREGISTER		final publication, node removed
 *	CHANGENAME		node renamed, published
 *	BONDING_FAILOVER	published as a failover
 *	CHANGE, UP, DOWN, CHANGEADDR, CHANGEMTU, CHANGEINFODATA (option set
 *	through sysfs), RELEASE (last member gone), BONDING_INFO
 *				published as a bond change
 * On a member (the device or the bond named in CHANGEUPPER):
 *	CHANGEUPPER		member added or removed; this also covers a
 *				member unregistered or moved to another
 *				namespace, which bonding releases first. It
 *				comes mid-change, so the bond is re-read once
 *				more after RTNL is dropped (refresh.c)
 *	CHANGE, UP, DOWN	raw carrier or admin state, published at once,
 *				ahead of bonding's next miimon tick
 *	CHANGELOWERSTATE	bonding's link state or role of the member
 *				(the first block)
 *	BONDING_INFO		the same, from bonding's deferred notification
 *	CHANGEADDR, CHANGEMTU, CHANGENAME
 *				the member's identity
 *
 * Two events are vetoes, the policy's enforcement of last resort:
 *	PRECHANGEUPPER		a device about to become a member of a managed
 *				bond that the policy does not allow: refused,
 *				with the reason in the extended ack
 *	PRE_UP			a managed bond whose mode is not allowed (the
 *				policy changed while it was down): stays down
 * With the hook on bond_enslave() in place (hooks.c) a disallowed member is
 * refused before bonding touches anything, and PRECHANGEUPPER never sees
 * one. Without it, the refusal comes from PRECHANGEUPPER, late in
 * bond_enslave(), and bonding's rollback is what the user sees:
 *	- the device was opened and its MTU (and, outside active-backup with
 *	  fail_over_mac, its MAC) set to the bond's; the rollback closes it
 *	  and restores both;
 *	- a refused first member leaves the bond with a new random MAC if the
 *	  bond had taken the member's;
 *	- a refused non-Ethernet first member has already changed the bond's
 *	  device type (and, in active-backup, may have set fail_over_mac to
 *	  active, which bonding does not undo); the rollback restores the
 *	  Ethernet type and closes the bond;
 *	- `ip link set X master bond0` for an X in another bond has already
 *	  released X from that bond (rtnetlink does it before enslaving), and
 *	  the refusal does not put it back. This one happens with the hook
 *	  too: the release is not bonding's enslave and nothing can veto it
 *	  on the new bond's behalf.
 */
#include <linux/limits.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/rtnetlink.h>
#include <linux/timekeeping.h>
#include <net/bonding.h>

#include "exabond.h"

#define EXABOND_NOTIFIER_PRIORITY_LATE	(-100)
#define EXABOND_NOTIFIER_PRIORITY_FIRST	INT_MAX

/* The managed bond @dev is a member of, or NULL. */
static struct exabond_managed *exabond_member_bond(struct net_device *dev)
{
	struct net_device *master;

	if (!netif_is_bond_slave(dev))
		return NULL;
	master = netdev_master_upper_dev_get(dev);
	return master ? exabond_lookup(master) : NULL;
}

static void exabond_bond_event(struct exabond_managed *m, unsigned long event,
			       u64 now)
{
	u32 kind;

	switch (event) {
	case NETDEV_UNREGISTER:
		exabond_release(m, EXABOND_EVENT_BOND_DELETE);
		return;
	case NETDEV_CHANGENAME:
		exabond_rename(m);
		return;
	case NETDEV_BONDING_FAILOVER:
		kind = EXABOND_EVENT_FAILOVER;
		break;
	case NETDEV_CHANGE:
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGEADDR:
	case NETDEV_CHANGEMTU:
	case NETDEV_CHANGEINFODATA:
	case NETDEV_RELEASE:
	case NETDEV_BONDING_INFO:
		kind = EXABOND_EVENT_BOND_CHANGE;
		break;
	default:
		return;
	}
	exabond_publish(m, kind, m->ifindex, now);
}

static void exabond_member_event(struct exabond_managed *m,
				 struct net_device *dev, unsigned long event,
				 u64 now)
{
	u32 kind;

	switch (event) {
	case NETDEV_CHANGE:
	case NETDEV_UP:
	case NETDEV_DOWN:
		kind = EXABOND_EVENT_CARRIER;
		break;
	case NETDEV_BONDING_INFO:
		kind = EXABOND_EVENT_MEMBER_LINK;
		break;
	case NETDEV_CHANGEADDR:
	case NETDEV_CHANGEMTU:
	case NETDEV_CHANGENAME:
		kind = EXABOND_EVENT_BOND_CHANGE;
		break;
	default:
		return;
	}
	exabond_publish(m, kind, dev->ifindex, now);
}

/* NETDEV_PRECHANGEUPPER: may @dev become a member of a managed bond? */
static int exabond_veto_member(struct net_device *dev,
			       struct netdev_notifier_changeupper_info *info)
{
	if (!info->linking || !netif_is_bond_master(info->upper_dev) ||
	    !exabond_lookup(info->upper_dev))
		return NOTIFY_DONE;
	return notifier_from_errno(exabond_policy_check_member(info->upper_dev,
				   dev, info->info.extack));
}

/* NETDEV_PRE_UP: may this managed bond come up in its mode? */
static int exabond_veto_up(struct net_device *dev, void *ptr)
{
	struct bonding *bond;

	if (!netif_is_bond_master(dev) || !exabond_lookup(dev))
		return NOTIFY_DONE;
	bond = netdev_priv(dev);
	return notifier_from_errno(exabond_policy_check_mode(dev,
				   BOND_MODE(bond), "bringing it up",
				   netdev_notifier_info_to_extack(ptr)));
}

static int exabond_netdev_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netdev_notifier_changeupper_info *info;
	struct exabond_managed *m;
	u64 now;

	if (event == NETDEV_PRECHANGEUPPER)
		return exabond_veto_member(dev, ptr);
	if (event == NETDEV_PRE_UP)
		return exabond_veto_up(dev, ptr);

	now = ktime_get_ns();

	/* A bond may itself be a member of another bond: both roles. */
	if (netif_is_bond_master(dev)) {
		m = exabond_lookup(dev);
		if (m)
			exabond_bond_event(m, event, now);
	}

	if (event == NETDEV_CHANGEUPPER) {
		info = ptr;
		if (!netif_is_bond_master(info->upper_dev))
			return NOTIFY_DONE;
		m = exabond_lookup(info->upper_dev);
		if (m) {
			exabond_publish(m, info->linking ?
					EXABOND_EVENT_MEMBER_ADD :
					EXABOND_EVENT_MEMBER_DEL,
					dev->ifindex, now);
			/*
			 * Bonding links and unlinks in the middle of enslave
			 * and release, and some of what follows (primary,
			 * active member, an enslave's rollback) raises no
			 * event: re-read once RTNL is dropped.
			 */
			exabond_refresh_settle(m);
		}
		return NOTIFY_DONE;
	}

	m = exabond_member_bond(dev);
	if (m)
		exabond_member_event(m, dev, event, now);
	return NOTIFY_DONE;
}

/* The head of the chain: a member's CHANGELOWERSTATE only (see the top). */
static int exabond_netdev_event_first(struct notifier_block *nb,
				      unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct exabond_managed *m;

	if (event != NETDEV_CHANGELOWERSTATE)
		return NOTIFY_DONE;
	m = exabond_member_bond(dev);
	if (m)
		exabond_publish(m, EXABOND_EVENT_MEMBER_LINK, dev->ifindex,
				ktime_get_ns());
	return NOTIFY_DONE;
}

static struct notifier_block exabond_netdev_notifier = {
	.notifier_call = exabond_netdev_event,
	.priority = EXABOND_NOTIFIER_PRIORITY_LATE,
};

static struct notifier_block exabond_netdev_notifier_first = {
	.notifier_call = exabond_netdev_event_first,
	.priority = EXABOND_NOTIFIER_PRIORITY_FIRST,
};

int exabond_events_init(void)
{
	int err;

	err = register_netdevice_notifier(&exabond_netdev_notifier);
	if (err)
		return err;
	err = register_netdevice_notifier(&exabond_netdev_notifier_first);
	if (err)
		unregister_netdevice_notifier(&exabond_netdev_notifier);
	return err;
}

void exabond_events_exit(void)
{
	unregister_netdevice_notifier(&exabond_netdev_notifier_first);
	unregister_netdevice_notifier(&exabond_netdev_notifier);
}
