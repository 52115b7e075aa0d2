// SPDX-License-Identifier: GPL-2.0
/*
 * The policy a managed bond must meet, and every refusal of a change that
 * would break it.
 *
 * The policy is four module parameters, writable at runtime under
 * /sys/module/exabond/parameters/ and validated on write:
 *
 *	allowed_modes	bonding mode names or numbers, comma- or
 *			space-separated; or the profile "roce-lag": modes 1,
 *			2 and 4 plus the same-card rule (at most two members,
 *			ports of one card: the LAG forms only when both ports
 *			of one card are the only members)
 *	allowed_drivers	member drivers as `ethtool -i` names them, comma-
 *			or space-separated; empty means any Ethernet device
 *	max_members	0: no limit
 *	require_link_monitor
 *			refuse a bond with neither miimon nor arp_interval
 *			(by default it is flagged in its page and warned
 *			about: failover silently never happens)
 *
 * Whatever the parameters say, a member must be an Ethernet device that is
 * neither a bond (no recursive bonds) nor a VLAN device.
 *
 * Where each rule is enforced:
 *	+bond			exabond_policy_check_bond(), from exabond_manage()
 *	enslaving		exabond_policy_check_member(), from the hook on
 *				bond_enslave() (before bonding changes anything)
 *				and from NETDEV_PRECHANGEUPPER (the backstop)
 *	mode writes		exabond_policy_check_mode(), from the hook on
 *				bonding's mode setter; NETDEV_PRE_UP refuses to
 *				bring up a bond whose mode is not allowed
 *	link monitor writes	exabond_policy_check_link_monitor(), from the
 *				hooks on the miimon and arp_interval setters
 *
 * A parameter write that managed bonds no longer meet republishes every
 * managed bond (EXABOND_EVENT_POLICY): the page says which rules it breaks,
 * the log says it once per bond. Nothing is unmanaged, nothing touches the
 * bond itself.
 *
 * Locking: exabond_params is written with both the module's parameter lock
 * (held by the kernel around every set and get) and RTNL held, so a reader
 * holding either sees a consistent policy. Every check runs under RTNL.
 */
#include <linux/ctype.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/bonding.h>

#include "exabond.h"

#define EXABOND_MAX_DRIVERS	16
#define EXABOND_NR_MODES	(BOND_MODE_ALB + 1)
#define EXABOND_ROCE_LAG_MODES	(BIT(BOND_MODE_ACTIVEBACKUP) | \
				 BIT(BOND_MODE_XOR) | BIT(BOND_MODE_8023AD))

struct exabond_policy_params {
	u32 modes;			/* BIT(BOND_MODE_*) */
	bool same_card;			/* the roce-lag profile */
	u32 max_members;		/* 0: no limit */
	bool require_link_monitor;
	unsigned int ndrivers;		/* 0: any driver */
	char drivers[EXABOND_MAX_DRIVERS][EXABOND_DRIVER_LEN];
};

/* Parameter lock and RTNL to write; either one to read (see the top). */
static struct exabond_policy_params exabond_params = {
	.modes = BIT(BOND_MODE_ACTIVEBACKUP),
};

/* exabond_params' version: moves on every parameter write. RTNL. */
static u32 exabond_params_gen = 1;

/* Bonding's names, which are also iproute2's; indexed by BOND_MODE_*. */
static const char *const exabond_mode_names[EXABOND_NR_MODES] = {
	[BOND_MODE_ROUNDROBIN]		= "balance-rr",
	[BOND_MODE_ACTIVEBACKUP]	= "active-backup",
	[BOND_MODE_XOR]			= "balance-xor",
	[BOND_MODE_BROADCAST]		= "broadcast",
	[BOND_MODE_8023AD]		= "802.3ad",
	[BOND_MODE_TLB]			= "balance-tlb",
	[BOND_MODE_ALB]			= "balance-alb",
};

static const char *exabond_mode_name(u32 mode)
{
	return mode < EXABOND_NR_MODES ? exabond_mode_names[mode] : "unknown";
}

/*
 * The rules. Each has its page violation bit and the message an extended
 * ack carries; 6.1's extended ack keeps a pointer, so these are literals
 * that live as long as the module.
 */
enum exabond_rule {
	EXABOND_RULE_NONE,
	EXABOND_RULE_MODE,
	EXABOND_RULE_LINK_MONITOR,
	EXABOND_RULE_MEMBER_BOND,
	EXABOND_RULE_MEMBER_VLAN,
	EXABOND_RULE_MEMBER_TYPE,
	EXABOND_RULE_DRIVER,
	EXABOND_RULE_MAX_MEMBERS,
	EXABOND_RULE_ROCE_CARD,
	EXABOND_RULE_ROCE_PCI,
	EXABOND_RULE_ROCE_TWO,
};

static const struct {
	u32 violation;
	const char *extack;
} exabond_rules[] = {
	[EXABOND_RULE_NONE] = { 0, NULL },
	[EXABOND_RULE_MODE] = { EXABOND_VIOLATION_MODE,
		"exabond: bond mode is not in allowed_modes" },
	[EXABOND_RULE_LINK_MONITOR] = { EXABOND_VIOLATION_LINK_MONITOR,
		"exabond: require_link_monitor: set miimon or arp_interval" },
	[EXABOND_RULE_MEMBER_BOND] = { EXABOND_VIOLATION_MEMBER_TYPE,
		"exabond: a bond cannot be a member of a managed bond" },
	[EXABOND_RULE_MEMBER_VLAN] = { EXABOND_VIOLATION_MEMBER_TYPE,
		"exabond: a VLAN device cannot be a member of a managed bond" },
	[EXABOND_RULE_MEMBER_TYPE] = { EXABOND_VIOLATION_MEMBER_TYPE,
		"exabond: a member of a managed bond must be an Ethernet device" },
	[EXABOND_RULE_DRIVER] = { EXABOND_VIOLATION_DRIVER,
		"exabond: member driver is not in allowed_drivers" },
	[EXABOND_RULE_MAX_MEMBERS] = { EXABOND_VIOLATION_MAX_MEMBERS,
		"exabond: managed bond already has max_members members" },
	[EXABOND_RULE_ROCE_CARD] = { EXABOND_VIOLATION_SAME_CARD,
		"exabond: roce-lag: member is not a port of the other member's card" },
	[EXABOND_RULE_ROCE_PCI] = { EXABOND_VIOLATION_SAME_CARD,
		"exabond: roce-lag: member is not a function of a PCI card" },
	[EXABOND_RULE_ROCE_TWO] = { EXABOND_VIOLATION_SAME_CARD,
		"exabond: roce-lag: a RoCE LAG has exactly two members" },
};

/* The first rule a bond or a change breaks, and why, in words. */
struct exabond_verdict {
	enum exabond_rule rule;
	char why[160];
};

/*
 * Records @rule in @v unless an earlier one is there; returns @rule. A NULL
 * @v wants only the rule: nothing is formatted.
 */
static __printf(3, 4)
enum exabond_rule exabond_fail(struct exabond_verdict *v,
			       enum exabond_rule rule, const char *fmt, ...)
{
	va_list args;

	if (v && v->rule == EXABOND_RULE_NONE) {
		v->rule = rule;
		va_start(args, fmt);
		vsnprintf(v->why, sizeof(v->why), fmt, args);
		va_end(args);
	}
	return rule;
}

/*
 * Every refusal goes through here: the errno, the extended ack where the
 * path has one, and one rate-limited log line naming the bond, what was
 * refused and the rule.
 */
static int exabond_refuse(const struct net_device *bond_dev, const char *what,
			  const struct exabond_verdict *v,
			  struct netlink_ext_ack *extack)
{
	const char *msg = exabond_rules[v->rule].extack;

	/* NL_SET_ERR_MSG() without its literal-only restriction. */
	do_trace_netlink_extack(msg);
	if (extack)
		extack->_msg = msg;
	pr_warn_ratelimited("%s: refused %s: %s\n", bond_dev->name, what,
			    v->why);
	return -EOPNOTSUPP;
}

/* "m1,m2": the allowed modes as a parameter reads back. */
static int exabond_modes_print(char *buf, size_t len, u32 modes)
{
	int n = 0;
	u32 mode;

	for (mode = 0; mode < EXABOND_NR_MODES; mode++)
		if (modes & BIT(mode))
			n += scnprintf(buf + n, len - n, "%s%s", n ? "," : "",
				       exabond_mode_names[mode]);
	return n;
}

/* The policy as the log shows it next to a refusal: "(allowed_modes ...)". */
static const char *exabond_allowed_modes_text(char *buf, size_t len)
{
	if (exabond_params.same_card)
		strscpy(buf, "roce-lag", len);
	else
		exabond_modes_print(buf, len, exabond_params.modes);
	return buf;
}

static enum exabond_rule exabond_mode_rule(u32 mode, struct exabond_verdict *v)
{
	char allowed[96];

	if (mode < EXABOND_NR_MODES && exabond_params.modes & BIT(mode))
		return EXABOND_RULE_NONE;
	if (!v)
		return EXABOND_RULE_MODE;
	return exabond_fail(v, EXABOND_RULE_MODE,
			    "mode %s is not in allowed_modes (%s)",
			    exabond_mode_name(mode),
			    exabond_allowed_modes_text(allowed,
						       sizeof(allowed)));
}

static enum exabond_rule exabond_link_monitor_rule(u32 miimon,
						   u32 arp_interval,
						   struct exabond_verdict *v)
{
	if (!exabond_params.require_link_monitor || miimon || arp_interval)
		return EXABOND_RULE_NONE;
	return exabond_fail(v, EXABOND_RULE_LINK_MONITOR,
			    "neither miimon nor arp_interval would be set (require_link_monitor)");
}

/* Length of "dddd:bb:dd" in a PCI function's "dddd:bb:dd.f", else 0. */
static size_t exabond_pci_slot_len(const char *bus_info)
{
	unsigned int dom, bus, slot, fn;
	char end;

	if (sscanf(bus_info, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn,
		   &end) != 4)
		return 0;
	return strrchr(bus_info, '.') - bus_info;
}

/*
 * A port of a card: a device whose nearest PCI ancestor is a physical
 * function (an SR-IOV VF shares its PF's slot but is no port of its own).
 */
static bool exabond_card_port(const struct net_device *dev,
			      const char *bus_info)
{
	struct device *d;

	if (!exabond_pci_slot_len(bus_info))
		return false;
	for (d = dev->dev.parent; d; d = d->parent)
		if (dev_is_pci(d))
			return !to_pci_dev(d)->is_virtfn;
	return false;
}

/*
 * Two ports of one card: one PCI slot, either two functions of it or, as
 * ConnectX-3 has it, two ports of one function.
 */
static bool exabond_same_card(const char *bus_a, const char *bus_b)
{
	size_t la = exabond_pci_slot_len(bus_a);

	return la && la == exabond_pci_slot_len(bus_b) &&
	       !memcmp(bus_a, bus_b, la);
}

/* The rules about one member on its own: its type and its driver. */
static enum exabond_rule exabond_member_rule(const struct net_device *dev,
					     const char *driver,
					     struct exabond_verdict *v)
{
	unsigned int i;

	if (netif_is_bond_master(dev))
		return exabond_fail(v, EXABOND_RULE_MEMBER_BOND,
				    "%s is a bond", dev->name);
	if (is_vlan_dev(dev))
		return exabond_fail(v, EXABOND_RULE_MEMBER_VLAN,
				    "%s is a VLAN device", dev->name);
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN)
		return exabond_fail(v, EXABOND_RULE_MEMBER_TYPE,
				    "%s is not an Ethernet device (type %u)",
				    dev->name, dev->type);
	if (!exabond_params.ndrivers)
		return EXABOND_RULE_NONE;
	for (i = 0; i < exabond_params.ndrivers; i++)
		if (!strcmp(driver, exabond_params.drivers[i]))
			return EXABOND_RULE_NONE;
	return exabond_fail(v, EXABOND_RULE_DRIVER,
			    "%s's driver %s is not in allowed_drivers",
			    dev->name, driver[0] ? driver : "(none)");
}

static unsigned int exabond_lower_count(struct net_device *bond_dev)
{
	struct net_device *lower;
	struct list_head *iter;
	unsigned int n = 0;

	netdev_for_each_lower_dev(bond_dev, lower, iter)
		n++;
	return n;
}

/*
 * @dev would become a member of @bond_dev: may it? RTNL. Only a managed
 * bond is ever asked.
 */
int exabond_policy_check_member(struct net_device *bond_dev,
				struct net_device *dev,
				struct netlink_ext_ack *extack)
{
	char driver[EXABOND_DRIVER_LEN], bus[EXABOND_BUS_INFO_LEN];
	char odriver[EXABOND_DRIVER_LEN], obus[EXABOND_BUS_INFO_LEN];
	struct exabond_verdict v = { .rule = EXABOND_RULE_NONE };
	const struct exabond_policy_params *p = &exabond_params;
	struct net_device *lower;
	struct list_head *iter;
	unsigned int n;

	ASSERT_RTNL();

	exabond_drvinfo(dev, driver, bus);
	if (exabond_member_rule(dev, driver, &v))
		goto refuse;

	n = exabond_lower_count(bond_dev);
	if (p->max_members && n >= p->max_members) {
		exabond_fail(&v, EXABOND_RULE_MAX_MEMBERS,
			     "the bond has %u members (max_members %u)", n,
			     p->max_members);
		goto refuse;
	}
	if (!p->same_card)
		return 0;

	if (n >= 2) {
		exabond_fail(&v, EXABOND_RULE_ROCE_TWO,
			     "the bond already has %u members (roce-lag)", n);
		goto refuse;
	}
	if (!exabond_card_port(dev, bus)) {
		exabond_fail(&v, EXABOND_RULE_ROCE_PCI,
			     "%s is not a port of a PCI card (bus-info '%s', roce-lag)",
			     dev->name, bus);
		goto refuse;
	}
	netdev_for_each_lower_dev(bond_dev, lower, iter) {
		exabond_drvinfo(lower, odriver, obus);
		if (!exabond_same_card(bus, obus)) {
			exabond_fail(&v, EXABOND_RULE_ROCE_CARD,
				     "%s (%s) and %s (%s) are not two ports of one card (roce-lag)",
				     dev->name, bus, lower->name, obus);
			goto refuse;
		}
	}
	return 0;

refuse:
	return exabond_refuse(bond_dev, dev->name, &v, extack);
}

/* @bond_dev's mode would become @mode (a write, or bringing it up). */
int exabond_policy_check_mode(struct net_device *bond_dev, u32 mode,
			      const char *what, struct netlink_ext_ack *extack)
{
	struct exabond_verdict v = { .rule = EXABOND_RULE_NONE };
	char buf[32];

	ASSERT_RTNL();

	if (!exabond_mode_rule(mode, &v))
		return 0;
	if (!what) {
		snprintf(buf, sizeof(buf), "mode %s", exabond_mode_name(mode));
		what = buf;
	}
	return exabond_refuse(bond_dev, what, &v, extack);
}

/* miimon or arp_interval is being written: @what is "miimon 0" and so on. */
int exabond_policy_check_link_monitor(struct net_device *bond_dev,
				      u32 miimon, u32 arp_interval,
				      const char *what)
{
	struct exabond_verdict v = { .rule = EXABOND_RULE_NONE };

	ASSERT_RTNL();

	if (!exabond_link_monitor_rule(miimon, arp_interval, &v))
		return 0;
	return exabond_refuse(bond_dev, what, &v, NULL);
}

/*
 * Every rule against the whole bond: the violation bits, and the first
 * broken rule in @v (NULL: not wanted). Member driver and bus come from
 * @st's entries when it has them (the publication has just read them),
 * from the driver otherwise. *@roce_lag: the bond is an eligible RoCE LAG,
 * whatever the policy.
 */
static u32 exabond_bond_violations(struct net_device *bond_dev,
				   const struct exabond_page *st,
				   struct exabond_verdict *v, bool *roce_lag)
{
	const struct exabond_policy_params *p = &exabond_params;
	char driver[EXABOND_DRIVER_LEN], bus[EXABOND_BUS_INFO_LEN];
	char first_bus[EXABOND_BUS_INFO_LEN] = "";
	struct bonding *bond = netdev_priv(bond_dev);
	const struct exabond_member *e;
	struct net_device *lower;
	struct list_head *iter;
	unsigned int n = 0, ports = 0;
	u32 mode = BOND_MODE(bond);
	u32 bits = 0;

	bits |= exabond_rules[exabond_mode_rule(mode, v)].violation;
	bits |= exabond_rules[exabond_link_monitor_rule(bond->params.miimon,
			bond->params.arp_interval, v)].violation;

	netdev_for_each_lower_dev(bond_dev, lower, iter) {
		e = st && n < st->bond.member_count ? &st->members[n] : NULL;
		if (e && e->ifindex == lower->ifindex) {
			strscpy(driver, e->driver, sizeof(driver));
			strscpy(bus, e->bus_info, sizeof(bus));
		} else {
			exabond_drvinfo(lower, driver, bus);
		}
		bits |= exabond_rules[exabond_member_rule(lower, driver,
							  v)].violation;

		if (n == 0)
			strscpy(first_bus, bus, sizeof(first_bus));
		if (!exabond_card_port(lower, bus)) {
			if (p->same_card)
				bits |= exabond_rules[exabond_fail(v,
					EXABOND_RULE_ROCE_PCI,
					"%s is not a port of a PCI card (bus-info '%s', roce-lag)",
					lower->name, bus)].violation;
		} else if (n == 0 || exabond_same_card(first_bus, bus)) {
			ports++;
		} else if (p->same_card) {
			bits |= exabond_rules[exabond_fail(v,
				EXABOND_RULE_ROCE_CARD,
				"%s (%s) is not a port of the first member's card (%s, roce-lag)",
				lower->name, bus, first_bus)].violation;
		}
		n++;
	}
	*roce_lag = n == 2 && ports == 2 &&
		    EXABOND_ROCE_LAG_MODES & BIT(mode);

	if (p->max_members && n > p->max_members) {
		exabond_fail(v, EXABOND_RULE_MAX_MEMBERS,
			     "%u members (max_members %u)", n, p->max_members);
		bits |= EXABOND_VIOLATION_MAX_MEMBERS;
	}
	if (p->same_card && n > 2) {
		exabond_fail(v, EXABOND_RULE_ROCE_TWO,
			     "%u members (roce-lag allows two)", n);
		bits |= EXABOND_VIOLATION_SAME_CARD;
	}
	return bits;
}

/* +bond: the bond must meet the whole policy to be managed. RTNL. */
int exabond_policy_check_bond(struct net_device *bond_dev)
{
	struct exabond_verdict v = { .rule = EXABOND_RULE_NONE };
	bool roce_lag;

	ASSERT_RTNL();

	if (!exabond_bond_violations(bond_dev, NULL, &v, &roce_lag))
		return 0;
	pr_warn_ratelimited("%s: not managed: %s\n", bond_dev->name, v.why);
	return -EOPNOTSUPP;
}

/*
 * Does @st give the rules what @prev gave them: the same mode, link
 * monitors and members, in order? A member's type, driver and bus do not
 * change while it is one (the page keeps them by ifindex).
 */
static bool exabond_policy_inputs_same(const struct exabond_page *st,
				       const struct exabond_page *prev)
{
	const struct exabond_bond *b = &st->bond, *pb = &prev->bond;
	u32 i;

	if (!prev->generation || b->mode != pb->mode ||
	    b->miimon != pb->miimon || b->arp_interval != pb->arp_interval ||
	    b->members_total != pb->members_total ||
	    b->members_total > EXABOND_MAX_MEMBERS)
		return false;
	for (i = 0; i < b->member_count; i++)
		if (st->members[i].ifindex != prev->members[i].ifindex)
			return false;
	return true;
}

/*
 * The page's policy state, for a publication: @st has the bond and its
 * members, @prev is what the page shows now. The rules are evaluated only
 * when the policy or what they look at changed since @prev: most
 * publications (carrier, link state, failover) reuse its verdict, which
 * keeps the policy off the failover path. A bond that stops meeting the
 * policy, or loses its last link monitor, is logged once, when it happens.
 */
void exabond_policy_read(struct exabond_managed *m, struct exabond_page *st,
			 const struct exabond_page *prev)
{
	struct exabond_verdict v = { .rule = EXABOND_RULE_NONE };
	struct exabond_policy *pol = &st->policy;
	const struct exabond_bond *b = &st->bond;
	struct net_device *bond_dev = m->dev;
	bool roce_lag;

	if (m->policy_gen == exabond_params_gen &&
	    exabond_policy_inputs_same(st, prev)) {
		pol->violations = prev->policy.violations;
		roce_lag = prev->policy.flags & EXABOND_POLICY_F_ROCE_LAG;
	} else {
		pol->violations = exabond_bond_violations(bond_dev, st, NULL,
							  &roce_lag);
		m->policy_gen = exabond_params_gen;
	}
	pol->allowed_modes = exabond_params.modes;
	pol->max_members = exabond_params.max_members;
	pol->flags = 0;
	if (!pol->violations)
		pol->flags |= EXABOND_POLICY_F_COMPLIANT;
	if (!b->miimon && !b->arp_interval)
		pol->flags |= EXABOND_POLICY_F_NO_LINK_MON;
	if (roce_lag)
		pol->flags |= EXABOND_POLICY_F_ROCE_LAG;
	if (exabond_params.same_card)
		pol->flags |= EXABOND_POLICY_F_SAME_CARD_RULE;
	if (exabond_params.require_link_monitor)
		pol->flags |= EXABOND_POLICY_F_LINK_MON_REQUIRED;
	if (!exabond_hooks_complete())
		pol->flags |= EXABOND_POLICY_F_NO_HOOK;

	/*
	 * Transitions from what readers saw; a page never published yet
	 * (management starting) has none. The reason is put in words only
	 * when it is logged, not on every publication.
	 */
	if (prev->generation &&
	    prev->policy.flags & EXABOND_POLICY_F_COMPLIANT &&
	    pol->violations) {
		exabond_bond_violations(bond_dev, st, &v, &roce_lag);
		pr_warn("%s: no longer meets the policy: %s\n", bond_dev->name,
			v.why);
	}
	if (prev->generation && prev->policy.violations && !pol->violations)
		pr_info("%s: meets the policy again\n", bond_dev->name);
	if (pol->flags & EXABOND_POLICY_F_NO_LINK_MON &&
	    !(prev->policy.flags & EXABOND_POLICY_F_NO_LINK_MON))
		pr_warn("%s: neither miimon nor arp_interval is set: a failed member is never detected\n",
			bond_dev->name);
}

/*
 * A parameter write: the new policy takes effect under RTNL and every
 * managed bond is published against it.
 */
static void exabond_policy_apply(const struct exabond_policy_params *p)
{
	rtnl_lock();
	exabond_params = *p;
	exabond_params_gen++;
	exabond_republish_all(EXABOND_EVENT_POLICY);
	rtnl_unlock();
}

static char *exabond_param_copy(const char *val, char *buf, size_t len)
{
	if (strscpy(buf, val, len) < 0)
		return NULL;
	return strim(buf);
}

/* allowed_modes: names or numbers, or the roce-lag profile. */
static int exabond_modes_set(const char *val, const struct kernel_param *kp)
{
	struct exabond_policy_params p = exabond_params;
	char buf[128], *s, *tok;
	unsigned int mode, ntok = 0;
	bool profile = false;

	s = exabond_param_copy(val, buf, sizeof(buf));
	if (!s)
		return -EINVAL;
	p.modes = 0;
	p.same_card = false;
	while ((tok = strsep(&s, ", \t")) != NULL) {
		if (!*tok)
			continue;
		ntok++;
		if (!strcmp(tok, "roce-lag")) {
			profile = true;
			p.modes |= EXABOND_ROCE_LAG_MODES;
			p.same_card = true;
			continue;
		}
		for (mode = 0; mode < EXABOND_NR_MODES; mode++)
			if (!strcmp(tok, exabond_mode_names[mode]))
				break;
		if (mode == EXABOND_NR_MODES &&
		    (kstrtouint(tok, 10, &mode) || mode >= EXABOND_NR_MODES))
			return -EINVAL;
		p.modes |= BIT(mode);
	}
	/* The profile is a whole policy, not a mode to add to others. */
	if (!ntok || (profile && ntok > 1))
		return -EINVAL;

	exabond_policy_apply(&p);
	return 0;
}

static int exabond_modes_get(char *buf, const struct kernel_param *kp)
{
	int n = 0;

	if (exabond_params.same_card)
		n = scnprintf(buf, PAGE_SIZE, "roce-lag");
	else
		n = exabond_modes_print(buf, PAGE_SIZE, exabond_params.modes);
	return n + scnprintf(buf + n, PAGE_SIZE - n, "\n");
}

static const struct kernel_param_ops exabond_modes_ops = {
	.set = exabond_modes_set,
	.get = exabond_modes_get,
};
module_param_cb(allowed_modes, &exabond_modes_ops, NULL, 0644);
MODULE_PARM_DESC(allowed_modes,
		 "Modes a managed bond may use: names or numbers, or roce-lag (1,2,4 and two ports of one card). Default active-backup");

static bool exabond_driver_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= EXABOND_DRIVER_LEN)
		return false;
	for (; *name; name++)
		if (!isalnum(*name) && !strchr("_.-", *name))
			return false;
	return true;
}

/* allowed_drivers: comma- or space-separated names; empty means any. */
static int exabond_drivers_set(const char *val, const struct kernel_param *kp)
{
	struct exabond_policy_params p = exabond_params;
	/* 16 names of 31 characters, 15 commas, a newline and the NUL */
	char buf[EXABOND_MAX_DRIVERS * EXABOND_DRIVER_LEN + 2], *s, *tok;

	s = exabond_param_copy(val, buf, sizeof(buf));
	if (!s)
		return -EINVAL;
	p.ndrivers = 0;
	while ((tok = strsep(&s, ", \t")) != NULL) {
		if (!*tok)
			continue;
		if (!exabond_driver_name_ok(tok) ||
		    p.ndrivers == EXABOND_MAX_DRIVERS)
			return -EINVAL;
		strscpy(p.drivers[p.ndrivers++], tok, EXABOND_DRIVER_LEN);
	}

	exabond_policy_apply(&p);
	return 0;
}

static int exabond_drivers_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < exabond_params.ndrivers; i++)
		n += scnprintf(buf + n, PAGE_SIZE - n, "%s%s", i ? "," : "",
			       exabond_params.drivers[i]);
	return n + scnprintf(buf + n, PAGE_SIZE - n, "\n");
}

static const struct kernel_param_ops exabond_drivers_ops = {
	.set = exabond_drivers_set,
	.get = exabond_drivers_get,
};
module_param_cb(allowed_drivers, &exabond_drivers_ops, NULL, 0644);
MODULE_PARM_DESC(allowed_drivers,
		 "Member drivers a managed bond may use, as ethtool -i names them, comma- or space-separated; empty: any Ethernet device");

static int exabond_max_members_set(const char *val,
				   const struct kernel_param *kp)
{
	struct exabond_policy_params p = exabond_params;

	if (kstrtouint(val, 10, &p.max_members))
		return -EINVAL;
	exabond_policy_apply(&p);
	return 0;
}

static int exabond_max_members_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%u\n", exabond_params.max_members);
}

static const struct kernel_param_ops exabond_max_members_ops = {
	.set = exabond_max_members_set,
	.get = exabond_max_members_get,
};
module_param_cb(max_members, &exabond_max_members_ops, NULL, 0644);
MODULE_PARM_DESC(max_members, "Most members a managed bond may have; 0: no limit");

static int exabond_link_monitor_set(const char *val,
				    const struct kernel_param *kp)
{
	struct exabond_policy_params p = exabond_params;

	if (kstrtobool(val, &p.require_link_monitor))
		return -EINVAL;
	exabond_policy_apply(&p);
	return 0;
}

static int exabond_link_monitor_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%c\n",
			 exabond_params.require_link_monitor ? 'Y' : 'N');
}

static const struct kernel_param_ops exabond_link_monitor_ops = {
	.set = exabond_link_monitor_set,
	.get = exabond_link_monitor_get,
};
module_param_cb(require_link_monitor, &exabond_link_monitor_ops, NULL, 0644);
MODULE_PARM_DESC(require_link_monitor,
		 "Refuse a bond with neither miimon nor arp_interval (default: flag and warn)");
