// SPDX-License-Identifier: GPL-2.0
//
// kmod/bond_state.c, from rtnetlink. Field by field the page is the
// module's: the 6.1 bond_fill_info() and bond_fill_slave_info() put into
// IFLA_INFO_DATA and IFLA_INFO_SLAVE_DATA the very bonding fields
// bond_state.c reads (updelay, downdelay and peer_notif_delay already
// multiplied by miimon into ms, IFLA_BOND_ACTIVE_SLAVE already only in the
// modes that use a primary), and rtnl_fill_ifinfo() masks operstate with
// netif_running() as exabond_operstate() does. The rules are the module's:
// a device that is not up reports no carrier and operstate down; the
// active member exists only in active-backup, balance-tlb and balance-alb;
// a member's entry keeps its timestamps, driver and bus id from the
// previous page by ifindex, and a new entry starts with both timestamps 0.
//
// Where this page can differ from the module's for the same bond, and why
// (a VM test comparing the two must allow exactly these):
//
//  1. bond.primary, the configured primary name: bonding keeps it in
//     params.primary, which neither netlink nor sysfs shows. With a
//     primary member (IFLA_BOND_PRIMARY) it is that member's name, as in
//     the kernel; without one (configured but not enslaved, or a mode
//     without a primary) it is BondContext::primary_name, "" unless the
//     caller knows better. The module shows the configured name.
//  2. Member speed and duplex: the module shows bonding's slave->speed
//     and duplex, which bonding re-reads only on the member's UP and
//     CHANGE events and a miimon link-up. This page shows ethtool's
//     reading at publication time, normalised as bond_update_speed_duplex()
//     does (either unknown makes both unknown), so a speed change without
//     a carrier flap shows here and not there (hence EXABOND_REFRESH_SPEED
//     below). A member that is down keeps its previous entry's values, as
//     bonding does not look on NETDEV_DOWN; one seen down first shows
//     what ethtool says then (bonding read it at enslave time).
//  3. policy.refreshed has EXABOND_REFRESH_SPEED whenever the bond has a
//     member (the module never sets it), so refresh_interval_ms is
//     EXABOND_REFRESH_MS for bonds the module does not refresh at all.
//  4. 802.3ad member port states: bond_fill_slave_info() sends
//     IFLA_BOND_SLAVE_AD_ACTOR/PARTNER_OPER_PORT_STATE only while the port
//     has an aggregator; the module reads them always. A port without one
//     (briefly, right after enslaving) shows 0 here.
//  5. 802.3ad actor_sys_prio, user_port_key and actor_system: sent only to
//     a receiver that is capable(CAP_NET_ADMIN) (in the initial user
//     namespace; for a notification, the task that caused it). Without
//     them this page keeps the previous page's values for the same bond,
//     else 0; the module always has them.
//  6. The member order is the caller's: the module's is the slave list.
//     rtnetlink dumps in ifindex order, so a caller must take the order
//     from sysfs bonding/slaves. The same-card rule compares with the
//     first member, so the order can change which member a refusal names
//     (not whether the bond complies or is a RoCE LAG).
//  7. A member's perm_addr for a non-Ethernet member: the module copies
//     the first 6 bytes of slave->perm_hwaddr; netlink sends addr_len
//     bytes, which the parser keeps only when they are 6. Such a member
//     breaks the member-type rule anyway.
//  8. A member whose message has no bond slave data (a race with its
//     enslaving) shows link down and role backup until it has.
//  9. Policy: see policy.hpp (bond/VLAN by link kind, VF ancestry from
//     sysfs, a driver name from ethtool's rtnl_link_ops kind fallback).
//     EXABOND_POLICY_F_NO_HOOK is never set here.
// 10. policy.last_refresh_ns and managed_since_ns come from @prev, as in
//     the module; the module also stores last_refresh_ns on each refresh
//     without a publication, which PageWriter has no way to do.
//
// Every message is the state at one instant under RTNL, but the bond's and
// each member's are separate messages: between them the page can combine
// two instants, which the next event's publication corrects. The module
// reads all of it under one RTNL hold.
#include <algorithm>
#include <cstring>

#include <linux/if.h>

#include "page_builder.hpp"

namespace exabond::monitor {

namespace {

// strscpy() into a page string: truncated, NUL-padded, last byte NUL.
template <std::size_t N> void put_str(char (&dst)[N], const std::string &src)
{
	std::memset(dst, 0, N);
	std::memcpy(dst, src.data(), std::min(src.size(), N - 1));
}

bool running(const rtnl::Link &l)
{
	return l.flags & IFF_UP;
}

// exabond_operstate(): rtnetlink already masks IFLA_OPERSTATE with
// netif_running(); IFF_UP is the same test for a message built under RTNL.
std::uint8_t operstate(const rtnl::Link &l)
{
	if (!running(l))
		return IF_OPER_DOWN;
	return l.operstate.value_or(std::uint8_t(IF_OPER_UNKNOWN));
}

// exabond_carrier(): running and netif_carrier_ok(); IFF_LOWER_UP says
// the same when IFLA_CARRIER is missing.
bool carrier(const rtnl::Link &l)
{
	if (!running(l))
		return false;
	return l.carrier ? *l.carrier != 0 : (l.flags & IFF_LOWER_UP) != 0;
}

bool uses_primary(std::uint32_t mode)
{
	return mode == EXABOND_MODE_ACTIVE_BACKUP ||
	       mode == EXABOND_MODE_BALANCE_TLB ||
	       mode == EXABOND_MODE_BALANCE_ALB;
}

const exabond_member *prev_member(const exabond_page &prev, int ifindex)
{
	const std::uint32_t n = std::min<std::uint32_t>(prev.bond.member_count,
							 EXABOND_MAX_MEMBERS);

	for (std::uint32_t i = 0; i < n; i++)
		if (prev.members[i].ifindex == ifindex)
			return &prev.members[i];
	return nullptr;
}

std::uint8_t member_link(const rtnl::Link &l)
{
	return l.bond_slave && l.bond_slave->mii_status ?
		       *l.bond_slave->mii_status : EXABOND_LINK_DOWN;
}

// bond_update_speed_duplex(): a speed of 0 or unknown, or a duplex other
// than half or full, makes both unknown.
tools::LinkSpeed bonding_view(const tools::LinkSpeed &s)
{
	if (s.speed == 0 || s.speed == EXABOND_SPEED_UNKNOWN ||
	    (s.duplex != EXABOND_DUPLEX_HALF &&
	     s.duplex != EXABOND_DUPLEX_FULL))
		return { EXABOND_SPEED_UNKNOWN, EXABOND_DUPLEX_UNKNOWN };
	return s;
}

// exabond_read_member().
void read_member(const rtnl::BondInfo &bi, std::uint32_t mode,
		 const MemberInput &in, exabond_member *e,
		 const exabond_member *old, std::uint64_t now)
{
	const rtnl::Link &l = *in.link;
	const rtnl::BondSlaveInfo sl =
		l.bond_slave.value_or(rtnl::BondSlaveInfo{});

	e->ifindex = l.ifindex;
	e->link = member_link(l);
	e->role = sl.state.value_or(EXABOND_ROLE_BACKUP);
	e->carrier = carrier(l);
	put_str(e->name, l.name);
	if (sl.perm_hwaddr)
		std::memcpy(e->perm_addr, sl.perm_hwaddr->data(),
			    EXABOND_ADDR_LEN);
	if (l.address)
		std::memcpy(e->addr, l.address->data(), EXABOND_ADDR_LEN);
	e->operstate = operstate(l);
	if (bi.primary && int(*bi.primary) == l.ifindex)
		e->flags |= EXABOND_MEMBER_F_PRIMARY;
	if (uses_primary(mode) && bi.active_slave &&
	    int(*bi.active_slave) == l.ifindex)
		e->flags |= EXABOND_MEMBER_F_ACTIVE;
	e->queue_id = sl.queue_id.value_or(0);
	e->link_failure_count = sl.link_failure_count.value_or(0);
	e->mtu = l.mtu.value_or(0);

	// Bonding's view of speed (see divergence 2 at the top).
	tools::LinkSpeed s{ EXABOND_SPEED_UNKNOWN, EXABOND_DUPLEX_UNKNOWN };

	if (old && (!running(l) || !in.speed))
		s = { old->speed, old->duplex };
	else if (in.speed)
		s = bonding_view(*in.speed);
	e->speed = s.speed;
	e->duplex = s.duplex;

	// The driver's own count, so flaps between publications count.
	e->carrier_changes = l.carrier_changes.value_or(0);
	if (old) {
		e->carrier_changed_ns = old->carrier_changed_ns;
		e->link_changed_ns = old->link_changed_ns;
		if (old->carrier != e->carrier)
			e->carrier_changed_ns = now;
		if (old->link != e->link)
			e->link_changed_ns = now;
	}
	// A member's driver and bus do not change while it is one: the
	// module keeps the first reading. An empty one is asked again,
	// since here the first ask can lose a race with the device.
	if (old && (old->driver[0] || old->bus_info[0])) {
		std::memcpy(e->driver, old->driver, sizeof(e->driver));
		std::memcpy(e->bus_info, old->bus_info, sizeof(e->bus_info));
	} else {
		put_str(e->driver, in.facts.driver);
		put_str(e->bus_info, in.facts.bus_info);
	}

	if (mode == EXABOND_MODE_8023AD) {
		// Divergence 4: the port states come with an aggregator only.
		e->ad_aggregator_id = sl.ad_aggregator_id.value_or(0);
		e->ad_actor_oper_port_state =
			sl.ad_actor_oper_port_state.value_or(0);
		e->ad_partner_oper_port_state =
			std::uint8_t(sl.ad_partner_oper_port_state.value_or(0));
	}
}

// exabond_read_ad(): IFLA_BOND_AD_INFO is bond_3ad_get_active_agg_info(),
// the module's own walk of the same aggregators.
void read_ad(const rtnl::Link &bond, const rtnl::BondInfo &bi,
	     const exabond_page &prev, exabond_page *st)
{
	exabond_ad *ad = &st->ad;
	const bool same_bond = prev.bond.ifindex == bond.ifindex &&
			       prev.bond.mode == EXABOND_MODE_8023AD;

	if (bi.ad_info && bi.ad_info->aggregator) {
		const rtnl::AdInfo &ai = *bi.ad_info;

		ad->aggregator_id = *ai.aggregator;
		ad->num_ports = ai.num_ports.value_or(0);
		ad->actor_key = ai.actor_key.value_or(0);
		ad->partner_key = ai.partner_key.value_or(0);
		if (ai.partner_mac)
			std::memcpy(ad->partner_mac, ai.partner_mac->data(),
				    EXABOND_ADDR_LEN);
		st->bond.flags |= EXABOND_BOND_F_AD_INFO_VALID;
	}
	ad->lacp_rate = bi.ad_lacp_rate.value_or(0);
	ad->ad_select = bi.ad_select.value_or(0);
	ad->lacp_active = bi.ad_lacp_active.value_or(0);

	// Divergence 5: CAP_NET_ADMIN-only attributes.
	ad->actor_sys_prio = bi.ad_actor_sys_prio.value_or(
		same_bond ? prev.ad.actor_sys_prio : 0);
	ad->user_port_key = bi.ad_user_port_key.value_or(
		same_bond ? prev.ad.user_port_key : 0);
	if (bi.ad_actor_system)
		std::memcpy(ad->actor_system, bi.ad_actor_system->data(),
			    EXABOND_ADDR_LEN);
	else if (same_bond)
		std::memcpy(ad->actor_system, prev.ad.actor_system,
			    EXABOND_ADDR_LEN);
}

// exabond_read_params().
void read_params(const rtnl::Link &bond, const rtnl::BondInfo &bi,
		 const std::vector<MemberInput> &members,
		 const BondContext &ctx, exabond_page *st)
{
	exabond_bond *b = &st->bond;
	const std::uint32_t mode = bi.mode.value_or(0);

	b->ifindex = bond.ifindex;
	b->netns_ino = ctx.netns_ino;
	b->netns_cookie = ctx.netns_cookie;
	put_str(b->name, bond.name);
	b->mode = std::uint8_t(mode);
	b->xmit_hash_policy = bi.xmit_hash_policy.value_or(0);
	b->operstate = operstate(bond);
	b->primary_reselect = bi.primary_reselect.value_or(0);
	if (running(bond))
		b->flags |= EXABOND_BOND_F_ADMIN_UP;
	if (carrier(bond))
		b->flags |= EXABOND_BOND_F_CARRIER;
	b->miimon = bi.miimon.value_or(0);
	b->arp_interval = bi.arp_interval.value_or(0);
	// bond_fill_info() sends the delays in ms already (params * miimon),
	// the module's very arithmetic.
	b->updelay = bi.updelay.value_or(0);
	b->downdelay = bi.downdelay.value_or(0);
	b->peer_notif_delay = bi.peer_notif_delay.value_or(0);
	b->primary_ifindex = int(bi.primary.value_or(0));

	// Divergence 1: the configured name is the primary member's name.
	std::string primary = ctx.primary_name;

	for (const auto &m : members)
		if (bi.primary && m.link && int(*bi.primary) == m.link->ifindex)
			primary = m.link->name;
	put_str(b->primary, primary);
	if (bond.address)
		std::memcpy(b->addr, bond.address->data(), EXABOND_ADDR_LEN);
	b->fail_over_mac = bi.fail_over_mac.value_or(0);
	b->arp_validate = std::uint8_t(bi.arp_validate.value_or(0));
	b->mtu = bond.mtu.value_or(0);
	b->active_ifindex =
		uses_primary(mode) ? int(bi.active_slave.value_or(0)) : 0;

	// Bonding keeps its targets packed from index 0; netlink sends the
	// non-zero ones in order.
	std::uint32_t i = 0;

	for (const std::uint32_t t : bi.arp_ip_target) {
		if (i == EXABOND_MAX_ARP_TARGETS || !t)
			break;
		b->arp_ip_target[i++] = t;
	}
	b->arp_ip_target_count = i;
	b->arp_all_targets = std::uint8_t(bi.arp_all_targets.value_or(0));
}

} // namespace

tools::MemberFacts member_facts(const rtnl::Link &link,
				const std::optional<tools::DrvInfo> &drv,
				tools::PciParent pci)
{
	tools::MemberFacts f;

	f.ifindex = link.ifindex;
	f.name = link.name;
	f.arphrd_type = link.type;
	f.kind = link.kind;
	if (drv) {
		f.driver = drv->driver;
		f.bus_info = drv->bus_info;
	}
	f.addr_len = link.address ? EXABOND_ADDR_LEN : 0;
	f.pci = pci;
	return f;
}

std::uint32_t refresh_needed(const rtnl::Link &bond,
			     const std::vector<MemberInput> &members)
{
	const rtnl::BondInfo bi = bond.bond.value_or(rtnl::BondInfo{});
	std::uint32_t need = 0;
	bool settling = false;

	if (!running(bond))
		need |= EXABOND_REFRESH_MODE;
	// exabond_link_settling(): the delays are 0 in ms exactly when they
	// are 0 in miimon periods, the only case this asks about.
	if (bi.miimon.value_or(0) &&
	    (bi.updelay.value_or(0) || bi.downdelay.value_or(0))) {
		for (const auto &m : members) {
			const std::uint8_t link = member_link(*m.link);

			if (link == EXABOND_LINK_FAIL ||
			    link == EXABOND_LINK_BACK ||
			    carrier(*m.link) != (link == EXABOND_LINK_UP))
				settling = true;
		}
	}
	if (bi.arp_interval.value_or(0) || settling)
		need |= EXABOND_REFRESH_LINK;
	switch (bi.mode.value_or(0)) {
	case EXABOND_MODE_8023AD:
		need |= EXABOND_REFRESH_AD;
		break;
	case EXABOND_MODE_BALANCE_TLB:
	case EXABOND_MODE_BALANCE_ALB:
		need |= EXABOND_REFRESH_ACTIVE;
		break;
	}
	// Divergence 3.
	if (!members.empty())
		need |= EXABOND_REFRESH_SPEED;
	return need;
}

void build_page(const rtnl::Link &bond, const std::vector<MemberInput> &members,
		const BondContext &ctx, const exabond_page &prev,
		std::uint64_t now_ns, exabond_page *out)
{
	const rtnl::BondInfo bi = bond.bond.value_or(rtnl::BondInfo{});
	const std::uint32_t mode = bi.mode.value_or(0);
	const auto n = std::uint32_t(members.size());
	std::vector<tools::MemberFacts> facts;

	std::memset(static_cast<void *>(out), 0, sizeof(*out));
	read_params(bond, bi, members, ctx, out);

	facts.reserve(members.size());
	for (std::uint32_t i = 0; i < n; i++) {
		facts.push_back(members[i].facts);
		if (i >= EXABOND_MAX_MEMBERS)
			continue;
		exabond_member *e = &out->members[i];

		read_member(bi, mode, members[i], e,
			    prev_member(prev, members[i].link->ifindex),
			    now_ns);
		// The rules judge what the entry shows, as the module's
		// exabond_bond_violations() takes driver and bus from it.
		facts.back().driver = std::string(e->driver,
			::strnlen(e->driver, sizeof(e->driver)));
		facts.back().bus_info = std::string(e->bus_info,
			::strnlen(e->bus_info, sizeof(e->bus_info)));
	}
	out->bond.members_total = n;
	out->bond.member_count =
		std::min<std::uint32_t>(n, EXABOND_MAX_MEMBERS);
	if (n > EXABOND_MAX_MEMBERS)
		out->bond.flags |= EXABOND_BOND_F_MEMBER_OVERFLOW;

	if (mode == EXABOND_MODE_8023AD)
		read_ad(bond, bi, prev, out);

	// exabond_read_policy().
	exabond_policy *pol = &out->policy;

	tools::apply_policy(ctx.policy, facts, out);
	pol->refreshed = refresh_needed(bond, members);
	pol->refresh_interval_ms = pol->refreshed ? refresh_interval_ms : 0;
	pol->last_refresh_ns = prev.policy.last_refresh_ns;
	pol->managed_since_ns = prev.policy.managed_since_ns ?
					prev.policy.managed_since_ns :
					ctx.managed_since_ns;
}

} // namespace exabond::monitor
