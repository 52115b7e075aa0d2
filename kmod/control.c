// SPDX-License-Identifier: GPL-2.0
/*
 * The control file, /sys/class/net/exabond_masters, present in every network
 * namespace as bonding_masters is: each namespace gets its own attribute,
 * tagged with that namespace, so a reader only ever sees the file of the
 * namespace its sysfs mount belongs to.
 *
 * Reading lists the managed bonds of that namespace, space-separated and
 * newline-terminated (the Exasock format). Management itself (+bond/-bond)
 * is not implemented yet, so the file is read-only and the list is empty.
 */
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "exabond.h"

/* Per-namespace state; lives exactly as long as the namespace. */
struct exabond_net {
	/* Ours, not shared: sysfs tags it with this namespace. */
	struct class_attribute class_attr_masters;
};

static unsigned int exabond_net_id __read_mostly;

static ssize_t exabond_masters_show(struct class *cls,
				    struct class_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "\n");
}

static const struct class_attribute exabond_masters_attr = {
	.attr = {
		.name = "exabond_masters",
		.mode = 0444,
	},
	.show = exabond_masters_show,
};

static int __net_init exabond_net_init(struct net *net)
{
	struct exabond_net *en = net_generic(net, exabond_net_id);
	int err;

	en->class_attr_masters = exabond_masters_attr;
	sysfs_attr_init(&en->class_attr_masters.attr);

	err = netdev_class_create_file_ns(&en->class_attr_masters, net);
	if (err)
		pr_err("cannot create exabond_masters in a namespace: %d\n",
		       err);
	return err;
}

static void __net_exit exabond_net_exit(struct net *net)
{
	struct exabond_net *en = net_generic(net, exabond_net_id);

	netdev_class_remove_file_ns(&en->class_attr_masters, net);
}

static struct pernet_operations exabond_net_ops = {
	.init = exabond_net_init,
	.exit = exabond_net_exit,
	.id = &exabond_net_id,
	.size = sizeof(struct exabond_net),
};

int exabond_control_init(void)
{
	return register_pernet_subsys(&exabond_net_ops);
}

void exabond_control_exit(void)
{
	unregister_pernet_subsys(&exabond_net_ops);
}
