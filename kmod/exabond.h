/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exabond.ko internal interfaces. Each concept lives in the file named for
 * it; this header is the glue between them and the one place that says what
 * protects what.
 *
 * Locking, in one paragraph: RTNL is the writer lock of everything. Every
 * managed bond is created, published, renamed and destroyed with RTNL held,
 * and the bonding driver's own state is only read under RTNL (plus
 * bond->mode_lock for 802.3ad data). Readers of a page never take a lock:
 * user space follows the seqlock protocol in include/exabond/page.h and the
 * kernel's file operations only read the generation, the dead flag and the
 * wait queue, which need none. Nothing here is ever taken from atomic
 * context.
 */
#ifndef _EXABOND_H
#define _EXABOND_H

#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rhashtable-types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <exabond/page.h>

/*
 * One managed bond. It is born in exabond_manage() and lives as long as
 * management or an open file on its node holds a reference (a mapping holds
 * its file). The page outlives even that: every mapping holds its own
 * reference on the struct page (vm_insert_page), so a process that still
 * maps it after everything else is gone reads the final state, never freed
 * memory.
 */
struct exabond_managed {
	/* Immutable from creation to release. */
	struct net_device *dev;		/* the bond; valid while !dead */
	netdevice_tracker dev_tracker;
	struct net *net;		/* not refcounted: valid while !dead */
	int ifindex;
	u32 netns_ino;
	struct page *page;		/* one zeroed page, mapped read-only */
	struct exabond_page *pg;	/* page_address(page) */

	struct kref ref;		/* exabond_get/exabond_put */
	int minor;			/* of the node, while managed */

	/* Readers sleep here; woken on every publication and at death. */
	wait_queue_head_t wait;

	/*
	 * RTNL protects the rest. dead is also read without a lock by the
	 * file operations (READ_ONCE), for which it only ever goes 0 -> 1.
	 */
	struct rhash_head hnode;	/* exabond_table, keyed by dev */
	struct list_head net_node;	/* exabond_net.managed */
	struct list_head all_node;	/* every managed bond, any namespace */
	bool dead;			/* released or deleted: page is final */
	struct device *node;		/* /dev/exabond-<bond>; NULL when none */
	struct delayed_work refresh;	/* state with no event, see refresh.c */
	u32 policy_gen;			/* policy.c: the page's verdict is for it */
};

/* control.c: /sys/class/net/exabond_masters in every network namespace. */
int exabond_control_init(void);
void exabond_control_exit(void);
struct list_head *exabond_net_managed(struct net *net);

/* managed.c: the set of managed bonds and their lifecycle (RTNL). */
int exabond_table_init(void);
void exabond_table_exit(void);
struct exabond_managed *exabond_lookup(const struct net_device *dev);
int exabond_manage(struct net *net, const char *name);
int exabond_unmanage(struct net *net, const char *name);
void exabond_release(struct exabond_managed *m, u32 event);
void exabond_rename(struct exabond_managed *m);
void exabond_republish_all(u32 event);
void exabond_get(struct exabond_managed *m);
void exabond_put(struct exabond_managed *m);

/* node.c: the character device region, class and file operations. */
int exabond_node_init(void);
void exabond_node_exit(void);
int exabond_node_add(struct exabond_managed *m);
void exabond_node_del(struct exabond_managed *m);
int exabond_node_rename(struct exabond_managed *m);
const char *exabond_node_name(const struct exabond_managed *m);

/* bond_state.c: the bonding driver's state, read into a page body (RTNL). */
void exabond_bond_state_read(struct exabond_managed *m,
			     struct exabond_page *stage,
			     const struct exabond_page *prev, u64 now);
void exabond_drvinfo(struct net_device *dev, char driver[EXABOND_DRIVER_LEN],
		     char bus_info[EXABOND_BUS_INFO_LEN]);

/* policy.c: the policy parameters, its checks and every refusal (RTNL). */
int exabond_policy_check_bond(struct net_device *bond_dev);
int exabond_policy_check_member(struct net_device *bond_dev,
				struct net_device *dev,
				struct netlink_ext_ack *extack);
int exabond_policy_check_mode(struct net_device *bond_dev, u32 mode,
			      const char *what, struct netlink_ext_ack *extack);
int exabond_policy_check_link_monitor(struct net_device *bond_dev,
				      u32 miimon, u32 arp_interval,
				      const char *what);
void exabond_policy_read(struct exabond_managed *m, struct exabond_page *st,
			 const struct exabond_page *prev);

/* hooks.c: bonding's enslave and option setters, redirected to the policy. */
int exabond_hooks_init(void);
void exabond_hooks_exit(void);
bool exabond_hooks_complete(void);

/* publish.c: the seqlock writer (RTNL). */
void exabond_page_init(struct exabond_managed *m);
bool exabond_publish(struct exabond_managed *m, u32 event, int ifindex,
		     u64 event_ns);
void exabond_publish_final(struct exabond_managed *m, u32 event, u64 event_ns);
void exabond_publish_refresh_time(struct exabond_managed *m, u64 now);
void exabond_page_name(const struct exabond_managed *m, char name[IFNAMSIZ]);

/* refresh.c: bounded refresh of what 6.1 changes without an event. */
#define EXABOND_REFRESH_MS	100
u32 exabond_refresh_needed(const struct exabond_managed *m);
void exabond_refresh_init(struct exabond_managed *m);
void exabond_refresh_arm(struct exabond_managed *m);
void exabond_refresh_settle(struct exabond_managed *m);
void exabond_refresh_stop(struct exabond_managed *m);

/* events.c: the netdevice notifier. */
int exabond_events_init(void);
void exabond_events_exit(void);

#endif /* _EXABOND_H */
