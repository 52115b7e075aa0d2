// SPDX-License-Identifier: GPL-2.0
/*
 * Redirection of four bonding functions, so that a change a managed bond's
 * policy forbids is refused before bonding applies any of it.
 *
 * Bonding exports nothing and has no hook that can refuse an option before
 * it is applied; its notifiers come too late (NETDEV_PRECHANGEUPPER arrives
 * after the new member was opened and its MAC and MTU changed) or not at
 * all (a mode write raises no event before it is done). So each function
 * gets an ftrace handler with FTRACE_OPS_FL_IPMODIFY, the mechanism
 * livepatch is built on: the handler sends every call to a wrapper here
 * with the same prototype, which asks the policy and either refuses or
 * calls bonding's function itself. The wrapper's call passes through
 * ftrace again; the handler recognises its own module as the caller and
 * lets it through. Bonding's code and data are never written to.
 *
 *	bond_enslave()			every enslave: sysfs, netlink, ioctl
 *	bond_option_mode_set()		mode writes: sysfs and netlink
 *	bond_option_miimon_set()	link monitor writes, for
 *	bond_option_arp_interval_set()	require_link_monitor
 *
 * The option setters run after bonding parsed the value and checked the
 * option's own conditions (for mode: the bond down and empty, EBUSY and
 * ENOTEMPTY), so exabond answers only what bonding would have allowed.
 *
 * A setter sees one option, not the netlink message it came in: `ip link
 * set bond0 type bond miimon 0 arp_interval 1000 ...` is refused under
 * require_link_monitor, because bonding applies miimon first. Setting
 * arp_interval alone is enough: bonding turns miimon off itself.
 *
 * Lifetime. The hooks are installed when bonding is (the module notifier
 * sees it come and go, and exabond_hooks_init() catches a bonding that is
 * already loaded) and removed before bonding's text goes away. One race is
 * left open: exabond loading in the instant between bonding's GOING
 * notification and ftrace forgetting its functions would hook a bonding
 * that is leaving; the next COMING replaces those hooks. Every
 * hooked function runs under RTNL, and so does every wrapper; after
 * unregister_ftrace_function() no new call can enter a wrapper, and
 * exabond_hooks_exit() then takes RTNL once, so no wrapper is left on any
 * stack when the module's text is freed. FTRACE_OPS_FL_PERMANENT keeps
 * `sysctl kernel.ftrace_enabled=0` from switching enforcement off behind
 * our back (the sysctl write fails while the hooks are in).
 *
 * hook_bonding=N at load time leaves bonding alone altogether: for a site
 * that forbids live redirection of kernel code, or to share bonding with a
 * livepatch of these functions.
 *
 * If a hook cannot be installed (a kernel without
 * CONFIG_DYNAMIC_FTRACE_WITH_REGS, an architecture other than x86-64, a
 * kernel with IBT, where ftrace's address of a function is past its ENDBR
 * and calling it there would fault; bonding built without the function;
 * kernel.ftrace_enabled=0; another IPMODIFY user such as a livepatch of
 * it), the log says so once,
 * every page carries EXABOND_POLICY_F_NO_HOOK, and enforcement falls back
 * to the notifier: NETDEV_PRECHANGEUPPER for members (with the caveats
 * documented in events.c) and NETDEV_PRE_UP for a disallowed mode.
 */
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/bonding.h>

#include "exabond.h"

struct exabond_hook {
	const char *func;		/* bonding's function */
	void *wrapper;			/* ours, with the same prototype */
	const char *refused;		/* what falls back to the notifier */
	/* bonding's function as ftrace saw it; set before every redirect */
	unsigned long target;
	struct ftrace_ops ops;
	bool installed;			/* exabond_hooks_lock */
	bool stuck;			/* could not be unregistered */
};

static int exabond_enslave_hook(struct net_device *bond_dev,
				struct net_device *slave_dev,
				struct netlink_ext_ack *extack);
static int exabond_mode_hook(struct bonding *bond,
			     const struct bond_opt_value *newval);
static int exabond_miimon_hook(struct bonding *bond,
			       const struct bond_opt_value *newval);
static int exabond_arp_interval_hook(struct bonding *bond,
				     const struct bond_opt_value *newval);

enum { HOOK_ENSLAVE, HOOK_MODE, HOOK_MIIMON, HOOK_ARP_INTERVAL, HOOK_NR };

static struct exabond_hook exabond_hooks[HOOK_NR] = {
	[HOOK_ENSLAVE] = {
		.func = "bond_enslave",
		.wrapper = exabond_enslave_hook,
		.refused = "members are refused when linked, after bonding opened them",
	},
	[HOOK_MODE] = {
		.func = "bond_option_mode_set",
		.wrapper = exabond_mode_hook,
		.refused = "a disallowed mode is refused only when the bond is brought up",
	},
	[HOOK_MIIMON] = {
		.func = "bond_option_miimon_set",
		.wrapper = exabond_miimon_hook,
		.refused = "require_link_monitor is not enforced on miimon writes",
	},
	[HOOK_ARP_INTERVAL] = {
		.func = "bond_option_arp_interval_set",
		.wrapper = exabond_arp_interval_hook,
		.refused = "require_link_monitor is not enforced on arp_interval writes",
	},
};

static bool exabond_hook_bonding = true;
module_param_named(hook_bonding, exabond_hook_bonding, bool, 0444);
MODULE_PARM_DESC(hook_bonding,
		 "Refuse disallowed enslaves and option writes before bonding applies them (ftrace); N: notifier vetoes only");

/* Serialises install and removal: module init/exit and bonding coming/going. */
static DEFINE_MUTEX(exabond_hooks_lock);
static unsigned int exabond_hooks_installed;	/* count; read locklessly */

bool exabond_hooks_complete(void)
{
	return READ_ONCE(exabond_hooks_installed) == HOOK_NR;
}

/* bonding's function for this call; the handler has just set it. */
static unsigned long exabond_target(int hook)
{
	return READ_ONCE(exabond_hooks[hook].target);
}

/*
 * Each wrapper calls bonding's function and does something after the call,
 * so the compiler cannot turn it into a tail call: the handler tells the
 * wrapper's call from bonding's callers by the return address, which a
 * jump would leave pointing at bonding.
 */
typedef int (*exabond_enslave_t)(struct net_device *bond_dev,
				 struct net_device *slave_dev,
				 struct netlink_ext_ack *extack);

static int exabond_enslave_hook(struct net_device *bond_dev,
				struct net_device *slave_dev,
				struct netlink_ext_ack *extack)
{
	exabond_enslave_t enslave =
		(exabond_enslave_t)exabond_target(HOOK_ENSLAVE);
	int err;

	ASSERT_RTNL();
	if (exabond_lookup(bond_dev)) {
		err = exabond_policy_check_member(bond_dev, slave_dev, extack);
		if (err)
			return err;
	}
	err = enslave(bond_dev, slave_dev, extack);
	OPTIMIZER_HIDE_VAR(err);
	return err;
}

typedef int (*exabond_opt_set_t)(struct bonding *bond,
				 const struct bond_opt_value *newval);

static int exabond_call_setter(int hook, struct bonding *bond,
			       const struct bond_opt_value *newval)
{
	exabond_opt_set_t set = (exabond_opt_set_t)exabond_target(hook);
	int err;

	err = set(bond, newval);
	OPTIMIZER_HIDE_VAR(err);
	return err;
}

static int exabond_mode_hook(struct bonding *bond,
			     const struct bond_opt_value *newval)
{
	int err;

	ASSERT_RTNL();
	if (exabond_lookup(bond->dev)) {
		err = exabond_policy_check_mode(bond->dev, newval->value, NULL,
						NULL);
		if (err)
			return err;
	}
	return exabond_call_setter(HOOK_MODE, bond, newval);
}

static int exabond_miimon_hook(struct bonding *bond,
			       const struct bond_opt_value *newval)
{
	u32 arp_interval = bond->params.arp_interval;
	int err;

	ASSERT_RTNL();
	/* A non-zero miimon turns ARP monitoring off, which is fine. */
	if (exabond_lookup(bond->dev) && !newval->value) {
		err = exabond_policy_check_link_monitor(bond->dev, 0,
							arp_interval,
							"miimon 0");
		if (err)
			return err;
	}
	return exabond_call_setter(HOOK_MIIMON, bond, newval);
}

static int exabond_arp_interval_hook(struct bonding *bond,
				     const struct bond_opt_value *newval)
{
	u32 miimon = bond->params.miimon;
	int err;

	ASSERT_RTNL();
	if (exabond_lookup(bond->dev) && !newval->value) {
		err = exabond_policy_check_link_monitor(bond->dev, miimon, 0,
							"arp_interval 0");
		if (err)
			return err;
	}
	return exabond_call_setter(HOOK_ARP_INTERVAL, bond, newval);
}

#if defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS) && defined(CONFIG_X86_64) && \
	!defined(CONFIG_X86_KERNEL_IBT)

/*
 * Runs at the entry of a hooked function, preemption possibly enabled;
 * it calls nothing that could be traced, so it needs no recursion guard.
 */
static void notrace exabond_hook_handler(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *ops,
					 struct ftrace_regs *fregs)
{
	struct exabond_hook *h = container_of(ops, struct exabond_hook, ops);

	if (within_module(parent_ip, THIS_MODULE))
		return;			/* the wrapper calling bonding */
	WRITE_ONCE(h->target, ip);
	ftrace_instruction_pointer_set(fregs, (unsigned long)h->wrapper);
}

static int exabond_hook_install(struct exabond_hook *h)
{
	char func[KSYM_NAME_LEN];
	int err;

	/* A fresh ops each time: bonding may come and go many times. */
	memset(&h->ops, 0, sizeof(h->ops));
	h->ops.func = exabond_hook_handler;
	h->ops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		       FTRACE_OPS_FL_PERMANENT;

	strscpy(func, h->func, sizeof(func));	/* the filter parser edits it */
	err = ftrace_set_filter(&h->ops, func, strlen(func), 1);
	if (err)
		return err;
	err = register_ftrace_function(&h->ops);
	if (err) {
		ftrace_free_filter(&h->ops);
		return err;
	}
	return 0;
}

/*
 * An ops ftrace would not let go of (it disabled itself after a bug) is
 * still on its lists: its filter stays, and the module stays loaded.
 */
static int exabond_hook_remove(struct exabond_hook *h)
{
	int err = unregister_ftrace_function(&h->ops);

	if (err) {
		WARN(1, "exabond: cannot unhook %s: %d; staying loaded\n",
		     h->func, err);
		__module_get(THIS_MODULE);
		return err;
	}
	ftrace_free_filter(&h->ops);
	return 0;
}

#else

static int exabond_hook_install(struct exabond_hook *h)
{
	return -EOPNOTSUPP;	/* see "If a hook cannot be installed" above */
}

static int exabond_hook_remove(struct exabond_hook *h)
{
	return 0;
}

#endif

static void exabond_hooks_remove(void)
{
	unsigned int i;

	lockdep_assert_held(&exabond_hooks_lock);

	for (i = 0; i < HOOK_NR; i++) {
		struct exabond_hook *h = &exabond_hooks[i];

		if (!h->installed || h->stuck)
			continue;
		if (exabond_hook_remove(h)) {
			h->stuck = true;
			continue;
		}
		h->installed = false;
		WRITE_ONCE(exabond_hooks_installed, exabond_hooks_installed - 1);
	}
}

/*
 * Installs every hook. @coming: bonding is loading, so hooks left from a
 * previous bonding are replaced and a function that cannot be found is a
 * failure worth a log line; at module init, -EINVAL from every filter just
 * means bonding is not loaded yet.
 */
static void exabond_hooks_install(bool coming)
{
	int err, errs[HOOK_NR] = { 0 };
	unsigned int i, missing = 0;

	lockdep_assert_held(&exabond_hooks_lock);

	if (coming)
		exabond_hooks_remove();
	for (i = 0; i < HOOK_NR; i++) {
		struct exabond_hook *h = &exabond_hooks[i];

		if (h->installed)
			continue;
		err = exabond_hook_install(h);
		if (err) {
			errs[i] = err;
			missing += err == -EINVAL;
			continue;
		}
		h->installed = true;
		WRITE_ONCE(exabond_hooks_installed, exabond_hooks_installed + 1);
	}

	if (!coming && missing == HOOK_NR)
		return;		/* no bonding functions: bonding not loaded */
	for (i = 0; i < HOOK_NR; i++)
		if (errs[i])
			pr_warn("cannot hook bonding's %s (%d): %s\n",
				exabond_hooks[i].func, errs[i],
				exabond_hooks[i].refused);
}

/*
 * bonding's COMING runs after ftrace knows its functions and before its
 * init creates any bond; GOING runs after its exit, before its text is
 * freed. A bonding whose init fails also goes through GOING.
 */
static int exabond_module_event(struct notifier_block *nb,
				unsigned long action, void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, "bonding"))
		return NOTIFY_DONE;

	mutex_lock(&exabond_hooks_lock);
	if (action == MODULE_STATE_COMING)
		exabond_hooks_install(true);
	else if (action == MODULE_STATE_GOING)
		exabond_hooks_remove();
	mutex_unlock(&exabond_hooks_lock);
	return NOTIFY_DONE;
}

static struct notifier_block exabond_module_nb = {
	.notifier_call = exabond_module_event,
};

/*
 * The notifier goes in first, so a bonding that loads while we look for it
 * is seen by one of the two; the lock (taken after, never around the
 * notifier chain's own lock) makes whichever comes second find it hooked.
 */
int exabond_hooks_init(void)
{
	int err;

	if (!exabond_hook_bonding) {
		pr_info("hook_bonding=N: %s; %s\n",
			exabond_hooks[HOOK_ENSLAVE].refused,
			exabond_hooks[HOOK_MODE].refused);
		return 0;
	}

	err = register_module_notifier(&exabond_module_nb);
	if (err)
		return err;
	mutex_lock(&exabond_hooks_lock);
	exabond_hooks_install(false);
	mutex_unlock(&exabond_hooks_lock);
	return 0;
}

void exabond_hooks_exit(void)
{
	if (!exabond_hook_bonding)
		return;
	unregister_module_notifier(&exabond_module_nb);
	mutex_lock(&exabond_hooks_lock);
	exabond_hooks_remove();
	mutex_unlock(&exabond_hooks_lock);

	/* Every wrapper runs under RTNL: once we hold it, none is running. */
	rtnl_lock();
	rtnl_unlock();
}
