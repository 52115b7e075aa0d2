// SPDX-License-Identifier: GPL-2.0
/*
 * The set of managed bonds and their lifecycle.
 *
 * exabond_table maps a bond's struct net_device to its exabond_managed in
 * O(1), whatever the number of managed bonds: the notifier looks a bond up
 * for every event on it or on one of its members. Insertions and removals
 * happen under RTNL; lookups run under RTNL too (rhashtable takes its own
 * RCU read lock).
 *
 * Management starts from a full read of the bond under RTNL: the notifier
 * is registered before any bond can be managed, so every change after that
 * read reaches us as an event.
 */
#include <linux/err.h>
#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/bonding.h>

#include "exabond.h"

static struct rhashtable exabond_table;

/* Every managed bond, in any namespace, for a policy change. RTNL. */
static LIST_HEAD(exabond_all);

static const struct rhashtable_params exabond_table_params = {
	.key_len = sizeof(struct net_device *),
	.key_offset = offsetof(struct exabond_managed, dev),
	.head_offset = offsetof(struct exabond_managed, hnode),
	.automatic_shrinking = true,
};

int exabond_table_init(void)
{
	return rhashtable_init(&exabond_table, &exabond_table_params);
}

/* Every bond has been released by now (pernet exit); the table is empty. */
void exabond_table_exit(void)
{
	rhashtable_destroy(&exabond_table);
}

struct exabond_managed *exabond_lookup(const struct net_device *dev)
{
	ASSERT_RTNL();
	return rhashtable_lookup_fast(&exabond_table, &dev,
				      exabond_table_params);
}

static struct exabond_managed *exabond_alloc(struct net_device *dev)
{
	struct exabond_managed *m;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return NULL;

	m->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!m->page) {
		kfree(m);
		return NULL;
	}
	m->pg = page_address(m->page);
	m->dev = dev;
	m->net = dev_net(dev);
	m->ifindex = dev->ifindex;
	m->netns_ino = m->net->ns.inum;
	kref_init(&m->ref);
	init_waitqueue_head(&m->wait);
	INIT_LIST_HEAD(&m->net_node);
	INIT_LIST_HEAD(&m->all_node);
	exabond_refresh_init(m);
	exabond_page_init(m);
	return m;
}

static void exabond_free(struct kref *ref)
{
	struct exabond_managed *m = container_of(ref, struct exabond_managed,
						 ref);

	put_page(m->page);	/* mappings hold their own references */
	kfree(m);
}

void exabond_get(struct exabond_managed *m)
{
	kref_get(&m->ref);
}

/* Any context that may sleep; the last reference frees the bond. */
void exabond_put(struct exabond_managed *m)
{
	kref_put(&m->ref, exabond_free);
}

/* The bonding master called @name in @net: ENODEV, or EINVAL if no bond. */
static struct net_device *exabond_bond_by_name(struct net *net,
					       const char *name)
{
	struct net_device *dev = __dev_get_by_name(net, name);

	if (!dev)
		return ERR_PTR(-ENODEV);
	if (!netif_is_bond_master(dev)) {
		pr_info_ratelimited("%s is not a bonding master\n", name);
		return ERR_PTR(-EINVAL);
	}
	return dev;
}

/*
 * Places the bond named @name in @net under management: a page, a node,
 * the first publication. All or nothing. Called with RTNL held.
 */
int exabond_manage(struct net *net, const char *name)
{
	struct exabond_managed *m;
	struct net_device *dev;
	int err;

	ASSERT_RTNL();

	dev = exabond_bond_by_name(net, name);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	if (exabond_lookup(dev))
		return -EEXIST;
	err = exabond_policy_check_bond(dev);
	if (err)
		return err;
	if (!exabond_hooks_complete())
		pr_warn_once("bonding's setters are not all hooked: see the log above; pages say EXABOND_POLICY_F_NO_HOOK\n");

	m = exabond_alloc(dev);
	if (!m)
		return -ENOMEM;

	/* The page is complete before anyone can open the node; this first
	 * publication also arms the refresh if the bond needs one.
	 */
	m->pg->policy.managed_since_ns = ktime_get_ns();
	exabond_publish(m, EXABOND_EVENT_MANAGE, dev->ifindex,
			m->pg->policy.managed_since_ns);

	err = rhashtable_insert_fast(&exabond_table, &m->hnode,
				     exabond_table_params);
	if (err)
		goto err_table;

	err = exabond_node_add(m);
	if (err)
		goto err_node;

	netdev_hold(dev, &m->dev_tracker, GFP_KERNEL);
	list_add_tail(&m->net_node, exabond_net_managed(net));
	list_add_tail(&m->all_node, &exabond_all);

	netdev_info(dev, "managed by exabond, node /dev/%s\n",
		    exabond_node_name(m));
	return 0;

err_node:
	rhashtable_remove_fast(&exabond_table, &m->hnode,
			       exabond_table_params);
err_table:
	smp_store_release(&m->dead, true);	/* no node was ever visible */
	exabond_refresh_stop(m);		/* the publication armed it */
	exabond_put(m);
	return err;
}

/*
 * Ends management: the page gets its final state with the dead flag,
 * waiters see POLLHUP, the node goes away. Open files and mappings keep
 * working on the final page. Called with RTNL held, for -bond, for the
 * bond's unregistration and for module unload.
 */
void exabond_release(struct exabond_managed *m, u32 event)
{
	ASSERT_RTNL();

	exabond_refresh_stop(m);
	exabond_publish_final(m, event, ktime_get_ns());

	rhashtable_remove_fast(&exabond_table, &m->hnode,
			       exabond_table_params);
	list_del_init(&m->net_node);
	list_del_init(&m->all_node);

	netdev_info(m->dev, "released by exabond (%s)\n",
		    event == EXABOND_EVENT_BOND_DELETE ? "bond deleted" :
							 "unmanaged");
	netdev_put(m->dev, &m->dev_tracker);

	exabond_node_del(m);
	exabond_put(m);
}

int exabond_unmanage(struct net *net, const char *name)
{
	struct exabond_managed *m;
	struct net_device *dev;

	ASSERT_RTNL();

	dev = exabond_bond_by_name(net, name);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	m = exabond_lookup(dev);
	if (!m)
		return -ENOENT;

	exabond_release(m, EXABOND_EVENT_UNMANAGE);
	return 0;
}

/* Publishes every managed bond, e.g. against a new policy. RTNL. */
void exabond_republish_all(u32 event)
{
	struct exabond_managed *m;
	u64 now = ktime_get_ns();

	ASSERT_RTNL();
	list_for_each_entry(m, &exabond_all, all_node)
		exabond_publish(m, event, m->ifindex, now);
}

/* NETDEV_CHANGENAME of a managed bond: the node follows. RTNL held. */
void exabond_rename(struct exabond_managed *m)
{
	int err;

	ASSERT_RTNL();

	/* First the page, whose name the node's uevent reports. */
	exabond_publish(m, EXABOND_EVENT_RENAME, m->ifindex, ktime_get_ns());
	err = exabond_node_rename(m);
	if (err)
		netdev_warn(m->dev, "exabond: node keeps its old name /dev/%s: %d\n",
			    exabond_node_name(m), err);
}
