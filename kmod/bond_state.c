// SPDX-License-Identifier: GPL-2.0
/*
 * Reads the bonding driver's state into the body of a page.
 *
 * Bonding exports no symbols, so this reads struct bonding and struct slave
 * from <net/bonding.h> directly, under the locks bonding itself documents:
 * RTNL for the slave list, the params and most slave fields; bond->mode_lock
 * for the 802.3ad aggregator data and a member's role in 802.3ad, which the
 * state machine changes from its own work item and from softirq. Every
 * caller holds RTNL. The ARP monitors also write a member's link, role and
 * failure count under RCU alone; those are single bytes and words, read
 * whole, and an ARP-monitored bond is refreshed (refresh.c).
 *
 * Event-driven fields are everything except those listed in
 * exabond_policy.refreshed (see refresh.c). Member speed and duplex are the
 * bonding driver's own view (what /proc/net/bonding prints); bonding updates
 * them only on the member's UP/CHANGE events and on a miimon link-up, all of
 * which reach the notifier, so they are event-driven too.
 *
 * Like rtnetlink, a device that is not running reports no carrier and
 * operstate down, whatever its driver last said. The active member is
 * bonding's curr_active_slave in the modes that have one (active-backup,
 * balance-tlb, balance-alb; bond_uses_primary()), and none in the others,
 * as IFLA_BOND_ACTIVE_SLAVE reports it.
 *
 * The previous page is the cache for what never changes while a device is
 * a member (driver name, bus id) and the memory for per-member timestamps
 * and counters: an entry is matched to its previous self by ifindex.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <net/bond_3ad.h>
#include <net/bonding.h>
#include <net/net_namespace.h>

#include "exabond.h"

static const struct exabond_member *
exabond_prev_member(const struct exabond_page *prev, int ifindex)
{
	u32 n = min_t(u32, prev->bond.member_count, EXABOND_MAX_MEMBERS);
	u32 i;

	for (i = 0; i < n; i++)
		if (prev->members[i].ifindex == ifindex)
			return &prev->members[i];
	return NULL;
}

/* What `ethtool -i` prints as driver and bus-info. RTNL. */
void exabond_drvinfo(struct net_device *dev, char driver[EXABOND_DRIVER_LEN],
		     char bus_info[EXABOND_BUS_INFO_LEN])
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	struct device *parent = dev->dev.parent;
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };

	if (ops && ops->get_drvinfo)
		ops->get_drvinfo(dev, &info);
	if (!info.driver[0] && parent && parent->driver)
		strscpy(info.driver, parent->driver->name, sizeof(info.driver));
	if (!info.bus_info[0] && parent)
		strscpy(info.bus_info, dev_name(parent), sizeof(info.bus_info));

	strscpy(driver, info.driver, EXABOND_DRIVER_LEN);
	strscpy(bus_info, info.bus_info, EXABOND_BUS_INFO_LEN);
}

static u8 exabond_operstate(const struct net_device *dev)
{
	return netif_running(dev) ? READ_ONCE(dev->operstate) : IF_OPER_DOWN;
}

static bool exabond_carrier(const struct net_device *dev)
{
	return netif_running(dev) && netif_carrier_ok(dev);
}

static struct slave *exabond_active(struct bonding *bond)
{
	if (!bond_uses_primary(bond))
		return NULL;
	return rtnl_dereference(bond->curr_active_slave);
}

static void exabond_read_member(struct bonding *bond, struct slave *slave,
				struct exabond_member *e,
				const struct exabond_member *old, u64 now)
{
	struct net_device *sdev = slave->dev;

	e->ifindex = sdev->ifindex;
	e->link = slave->link;
	e->role = bond_slave_state(slave);
	e->carrier = exabond_carrier(sdev);
	e->duplex = slave->duplex;
	strscpy(e->name, sdev->name, sizeof(e->name));
	memcpy(e->perm_addr, slave->perm_hwaddr, EXABOND_ADDR_LEN);
	if (sdev->addr_len == EXABOND_ADDR_LEN)
		memcpy(e->addr, sdev->dev_addr, EXABOND_ADDR_LEN);
	e->operstate = exabond_operstate(sdev);
	if (slave == rtnl_dereference(bond->primary_slave))
		e->flags |= EXABOND_MEMBER_F_PRIMARY;
	if (slave == exabond_active(bond))
		e->flags |= EXABOND_MEMBER_F_ACTIVE;
	e->queue_id = slave->queue_id;
	e->speed = slave->speed;
	e->link_failure_count = slave->link_failure_count;
	e->mtu = sdev->mtu;

	/* The driver's own count, so flaps between publications count. */
	e->carrier_changes = atomic_read(&sdev->carrier_up_count) +
			     atomic_read(&sdev->carrier_down_count);
	if (old) {
		e->carrier_changed_ns = old->carrier_changed_ns;
		e->link_changed_ns = old->link_changed_ns;
		if (old->carrier != e->carrier)
			e->carrier_changed_ns = now;
		if (old->link != e->link)
			e->link_changed_ns = now;
		memcpy(e->driver, old->driver, sizeof(e->driver));
		memcpy(e->bus_info, old->bus_info, sizeof(e->bus_info));
	} else {
		exabond_drvinfo(sdev, e->driver, e->bus_info);
	}
}

/*
 * 802.3ad: the active aggregator (bonding's __bond_3ad_get_active_agg_info,
 * which is not exported) and each member's port, read in one critical
 * section of mode_lock so they agree with each other.
 */
static void exabond_read_ad(struct bonding *bond, struct exabond_page *st)
{
	struct aggregator *agg, *active = NULL;
	struct list_head *iter;
	struct slave *slave;
	struct port *port;
	u32 i = 0;

	spin_lock_bh(&bond->mode_lock);
	bond_for_each_slave(bond, slave, iter) {
		if (!SLAVE_AD_INFO(slave)) {	/* enslaved in another mode */
			i++;
			continue;
		}
		port = &SLAVE_AD_INFO(slave)->port;
		agg = rcu_dereference_protected(port->aggregator,
						lockdep_is_held(&bond->mode_lock));
		if (agg && agg->is_active && !active)
			active = agg;
		if (i < EXABOND_MAX_MEMBERS) {
			struct exabond_member *e = &st->members[i];

			/* 802.3ad moves the role under mode_lock */
			e->role = bond_slave_state(slave);
			e->ad_aggregator_id =
				agg ? agg->aggregator_identifier : 0;
			e->ad_actor_oper_port_state =
				port->actor_oper_port_state;
			e->ad_partner_oper_port_state =
				port->partner_oper.port_state;
		}
		i++;
	}
	if (active) {
		struct exabond_ad *ad = &st->ad;
		u16 ports = 0;

		for (port = active->lag_ports; port;
		     port = port->next_port_in_aggregator)
			if (port->is_enabled)
				ports++;
		ad->aggregator_id = active->aggregator_identifier;
		ad->num_ports = ports;
		ad->actor_key = active->actor_oper_aggregator_key;
		ad->partner_key = active->partner_oper_aggregator_key;
		memcpy(ad->partner_mac, active->partner_system.mac_addr_value,
		       EXABOND_ADDR_LEN);
		st->bond.flags |= EXABOND_BOND_F_AD_INFO_VALID;
	}
	spin_unlock_bh(&bond->mode_lock);

	st->ad.lacp_rate = bond->params.lacp_fast;
	st->ad.ad_select = bond->params.ad_select;
	st->ad.actor_sys_prio = bond->params.ad_actor_sys_prio;
	st->ad.user_port_key = bond->params.ad_user_port_key;
	memcpy(st->ad.actor_system, bond->params.ad_actor_system,
	       EXABOND_ADDR_LEN);
	st->ad.lacp_active = bond->params.lacp_active;
}

static void exabond_read_params(struct exabond_managed *m,
				struct exabond_page *st)
{
	struct net_device *dev = m->dev;
	struct bonding *bond = netdev_priv(dev);
	struct exabond_bond *b = &st->bond;
	const struct bond_params *p = &bond->params;
	struct slave *slave;
	u32 i;

	b->ifindex = dev->ifindex;
	b->netns_ino = m->netns_ino;
	b->netns_cookie = m->net->net_cookie;
	strscpy(b->name, dev->name, sizeof(b->name));
	b->mode = BOND_MODE(bond);
	b->xmit_hash_policy = p->xmit_policy;
	b->operstate = exabond_operstate(dev);
	b->primary_reselect = p->primary_reselect;
	if (dev->flags & IFF_UP)
		b->flags |= EXABOND_BOND_F_ADMIN_UP;
	if (exabond_carrier(dev))
		b->flags |= EXABOND_BOND_F_CARRIER;
	b->miimon = p->miimon;
	b->arp_interval = p->arp_interval;
	/* bonding keeps the delays in miimon periods; /proc shows ms */
	b->updelay = p->updelay * p->miimon;
	b->downdelay = p->downdelay * p->miimon;
	b->peer_notif_delay = p->peer_notif_delay * p->miimon;
	slave = rtnl_dereference(bond->primary_slave);
	b->primary_ifindex = slave ? slave->dev->ifindex : 0;
	strscpy(b->primary, p->primary, sizeof(b->primary));
	if (dev->addr_len == EXABOND_ADDR_LEN)
		memcpy(b->addr, dev->dev_addr, EXABOND_ADDR_LEN);
	b->fail_over_mac = p->fail_over_mac;
	b->arp_validate = p->arp_validate;
	b->mtu = dev->mtu;
	slave = exabond_active(bond);
	b->active_ifindex = slave ? slave->dev->ifindex : 0;
	for (i = 0; i < BOND_MAX_ARP_TARGETS && p->arp_targets[i]; i++)
		b->arp_ip_target[i] = p->arp_targets[i];
	b->arp_ip_target_count = i;
	b->arp_all_targets = p->arp_all_targets;
}

/*
 * The policy section: compliance from policy.c, and what the refresh and
 * management keep there.
 */
static void exabond_read_policy(struct exabond_managed *m,
				struct exabond_page *st,
				const struct exabond_page *prev)
{
	struct exabond_policy *pol = &st->policy;

	exabond_policy_read(m, st, prev);
	pol->refreshed = exabond_refresh_needed(m);
	pol->refresh_interval_ms = pol->refreshed ? EXABOND_REFRESH_MS : 0;
	pol->last_refresh_ns = prev->policy.last_refresh_ns;
	pol->managed_since_ns = prev->policy.managed_since_ns;
}

void exabond_bond_state_read(struct exabond_managed *m,
			     struct exabond_page *st,
			     const struct exabond_page *prev, u64 now)
{
	struct bonding *bond = netdev_priv(m->dev);
	bool active_listed = false, primary_listed = false;
	struct list_head *iter;
	struct slave *slave;
	u32 n = 0;

	ASSERT_RTNL();

	memset((u8 *)st + offsetof(struct exabond_page, bond), 0,
	       EXABOND_PAGE_SIZE_V1_0 - offsetof(struct exabond_page, bond));

	exabond_read_params(m, st);

	bond_for_each_slave(bond, slave, iter) {
		const struct exabond_member *old;

		if (n < EXABOND_MAX_MEMBERS) {
			old = exabond_prev_member(prev, slave->dev->ifindex);
			exabond_read_member(bond, slave, &st->members[n], old,
					    now);
		}
		n++;
		if (slave->dev->ifindex == st->bond.active_ifindex)
			active_listed = true;
		if (slave->dev->ifindex == st->bond.primary_ifindex)
			primary_listed = true;
	}
	/*
	 * __bond_release_one() unlinks the member (NETDEV_CHANGEUPPER, which
	 * publishes) before it clears primary_slave and curr_active_slave, so
	 * for that one event bonding still names a member it no longer lists.
	 * It is leaving: the page says there is none until bonding picks the
	 * next one (NETDEV_BONDING_FAILOVER) or the bond's carrier drops.
	 */
	if (!active_listed)
		st->bond.active_ifindex = 0;
	if (!primary_listed)
		st->bond.primary_ifindex = 0;
	st->bond.members_total = n;
	st->bond.member_count = min_t(u32, n, EXABOND_MAX_MEMBERS);
	if (n > EXABOND_MAX_MEMBERS)
		st->bond.flags |= EXABOND_BOND_F_MEMBER_OVERFLOW;

	if (BOND_MODE(bond) == BOND_MODE_8023AD)
		exabond_read_ad(bond, st);

	exabond_read_policy(m, st, prev);
}
