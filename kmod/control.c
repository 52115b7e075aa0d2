// SPDX-License-Identifier: GPL-2.0
/*
 * The control file, /sys/class/net/exabond_masters, present in every network
 * namespace as bonding_masters is: each namespace gets its own attribute,
 * tagged with that namespace, so a process only ever sees the file of the
 * namespace its sysfs mount belongs to and only manages bonds there.
 *
 * Read: the managed bonds of that namespace, space-separated and
 * newline-terminated (the Exasock format; an empty list reads as "\n").
 * Like bonding_masters, the list ends in "++more++" when the next name
 * would not fit in the one page sysfs allows (about 300 names of 15
 * characters); /sys/class/exabond has a node for every managed bond.
 *
 * Write: exactly one command, "+<bond>" or "-<bond>", optionally followed
 * by one newline (what echo adds). Errors:
 *
 *	EINVAL	malformed: empty, no sign, empty or over-long name, a name
 *		no interface can have, a NUL byte, more than one command;
 *		or the interface is not a bonding master
 *	ENODEV	no interface of that name in this namespace
 *	EEXIST	+bond of a bond already managed
 *	ENOENT	-bond of a bond that is not managed
 *	EPERM	the writer lacks CAP_NET_ADMIN in the namespace's user
 *		namespace
 *
 * A refused write changes nothing.
 */
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "exabond.h"

/* Per-namespace state; lives exactly as long as the namespace. */
struct exabond_net {
	struct net *net;
	/* Ours, not shared: sysfs tags it with this namespace. */
	struct class_attribute class_attr_masters;
	/* exabond_managed.net_node, in the order they were managed. RTNL. */
	struct list_head managed;
};

static unsigned int exabond_net_id __read_mostly;

struct list_head *exabond_net_managed(struct net *net)
{
	struct exabond_net *en = net_generic(net, exabond_net_id);

	return &en->managed;
}

/*
 * RTNL is safe to take here: the attribute is removed only by this
 * namespace's pernet exit, which does not hold RTNL while it waits for
 * readers to leave.
 */
static ssize_t exabond_masters_show(struct class *cls,
				    struct class_attribute *attr, char *buf)
{
	struct exabond_net *en =
		container_of(attr, struct exabond_net, class_attr_masters);
	struct exabond_managed *m;
	int len = 0;

	rtnl_lock();
	list_for_each_entry(m, &en->managed, net_node) {
		/* One more name, "++more++" and the newline must still fit. */
		if (len + IFNAMSIZ + sizeof(" ++more++") + 1 > PAGE_SIZE) {
			len += sysfs_emit_at(buf, len, " ++more++");
			break;
		}
		len += sysfs_emit_at(buf, len, "%s%s", len ? " " : "",
				     m->dev->name);
	}
	rtnl_unlock();

	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

/*
 * Parses one command into *op ('+' or '-') and name. Accepts exactly
 * [+-]<name>[\n] where name is a valid interface name.
 */
static int exabond_parse_command(const char *buf, size_t count, char *op,
				 char name[IFNAMSIZ])
{
	size_t len = count;

	if (memchr(buf, '\0', count))
		return -EINVAL;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len < 2 || (buf[0] != '+' && buf[0] != '-'))
		return -EINVAL;
	len--;				/* the sign */
	if (len >= IFNAMSIZ)
		return -EINVAL;

	memcpy(name, buf + 1, len);
	name[len] = '\0';
	if (!dev_valid_name(name))
		return -EINVAL;

	*op = buf[0];
	return 0;
}

static ssize_t exabond_masters_store(struct class *cls,
				     struct class_attribute *attr,
				     const char *buf, size_t count)
{
	struct exabond_net *en =
		container_of(attr, struct exabond_net, class_attr_masters);
	char name[IFNAMSIZ];
	char op;
	int err;

	if (!ns_capable(en->net->user_ns, CAP_NET_ADMIN))
		return -EPERM;

	err = exabond_parse_command(buf, count, &op, name);
	if (err) {
		pr_info_ratelimited("exabond_masters: malformed command, expected +<bond> or -<bond>\n");
		return err;
	}

	rtnl_lock();
	if (op == '+')
		err = exabond_manage(en->net, name);
	else
		err = exabond_unmanage(en->net, name);
	rtnl_unlock();

	return err ? err : count;
}

static const struct class_attribute exabond_masters_attr = {
	.attr = {
		.name = "exabond_masters",
		.mode = 0644,
	},
	.show = exabond_masters_show,
	.store = exabond_masters_store,
};

static int __net_init exabond_net_init(struct net *net)
{
	struct exabond_net *en = net_generic(net, exabond_net_id);
	int err;

	en->net = net;
	INIT_LIST_HEAD(&en->managed);
	en->class_attr_masters = exabond_masters_attr;
	sysfs_attr_init(&en->class_attr_masters.attr);

	err = netdev_class_create_file_ns(&en->class_attr_masters, net);
	if (err)
		pr_err("cannot create exabond_masters in a namespace: %d\n",
		       err);
	return err;
}

/*
 * A dying namespace has already unregistered its bonds (default device
 * exit runs before subsystem exits), so the list is normally empty here;
 * module unload is the case where it is not.
 */
static void __net_exit exabond_net_exit(struct net *net)
{
	struct exabond_net *en = net_generic(net, exabond_net_id);
	struct exabond_managed *m, *tmp;

	netdev_class_remove_file_ns(&en->class_attr_masters, net);

	rtnl_lock();
	list_for_each_entry_safe(m, tmp, &en->managed, net_node)
		exabond_release(m, EXABOND_EVENT_UNMANAGE);
	rtnl_unlock();
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
