// SPDX-License-Identifier: GPL-2.0
#include "audit.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace exabond::monitor {

namespace {

std::string num(std::uint64_t v)
{
	return std::to_string(v);
}

std::string mac(const std::uint8_t *a)
{
	char buf[18];

	std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", a[0],
		      a[1], a[2], a[3], a[4], a[5]);
	return buf;
}

std::string text(const char *s, std::size_t n)
{
	return std::string(s, strnlen(s, n));
}

class Differ {
public:
	explicit Differ(std::vector<FieldDiff> &out) : out_(out) {}

	void u(const std::string &f, std::uint64_t k, std::uint64_t m,
	       std::uint32_t refresh = 0)
	{
		if (k != m)
			out_.push_back({ f, num(k), num(m), refresh });
	}
	void s(const std::string &f, const char *k, const char *m,
	       std::size_t n, std::uint32_t refresh = 0)
	{
		std::string a = text(k, n), b = text(m, n);

		if (a != b)
			out_.push_back({ f, a, b, refresh });
	}
	void a(const std::string &f, const std::uint8_t *k,
	       const std::uint8_t *m, std::uint32_t refresh = 0)
	{
		if (std::memcmp(k, m, EXABOND_ADDR_LEN))
			out_.push_back({ f, mac(k), mac(m), refresh });
	}

private:
	std::vector<FieldDiff> &out_;
};

const exabond_member *find(const exabond_page &pg, int ifindex)
{
	for (std::uint32_t i = 0; i < pg.bond.member_count &&
				  i < EXABOND_MAX_MEMBERS; i++)
		if (pg.members[i].ifindex == ifindex)
			return &pg.members[i];
	return nullptr;
}

} // namespace

std::vector<FieldDiff> compare_pages(const exabond_page &k,
				     const exabond_page &m)
{
	std::vector<FieldDiff> out;
	Differ d(out);
	const exabond_bond &kb = k.bond, &mb = m.bond;
	const std::uint32_t ad = EXABOND_REFRESH_AD;

	d.u("bond.ifindex", kb.ifindex, mb.ifindex);
	d.u("bond.netns_ino", kb.netns_ino, mb.netns_ino);
	d.u("bond.netns_cookie", kb.netns_cookie, mb.netns_cookie);
	d.s("bond.name", kb.name, mb.name, sizeof(kb.name));
	d.u("bond.mode", kb.mode, mb.mode, EXABOND_REFRESH_MODE);
	d.u("bond.xmit_hash_policy", kb.xmit_hash_policy, mb.xmit_hash_policy);
	d.u("bond.operstate", kb.operstate, mb.operstate);
	d.u("bond.primary_reselect", kb.primary_reselect, mb.primary_reselect);
	d.u("bond.flags", kb.flags, mb.flags, ad);
	d.u("bond.miimon", kb.miimon, mb.miimon);
	d.u("bond.arp_interval", kb.arp_interval, mb.arp_interval);
	d.u("bond.updelay", kb.updelay, mb.updelay);
	d.u("bond.downdelay", kb.downdelay, mb.downdelay);
	d.u("bond.peer_notif_delay", kb.peer_notif_delay, mb.peer_notif_delay);
	d.u("bond.primary_ifindex", kb.primary_ifindex, mb.primary_ifindex);
	d.s("bond.primary", kb.primary, mb.primary, sizeof(kb.primary));
	d.a("bond.addr", kb.addr, mb.addr);
	d.u("bond.fail_over_mac", kb.fail_over_mac, mb.fail_over_mac);
	d.u("bond.arp_validate", kb.arp_validate, mb.arp_validate);
	d.u("bond.mtu", kb.mtu, mb.mtu);
	d.u("bond.member_count", kb.member_count, mb.member_count);
	d.u("bond.members_total", kb.members_total, mb.members_total);
	d.u("bond.active_ifindex", kb.active_ifindex, mb.active_ifindex,
	    EXABOND_REFRESH_ACTIVE);
	d.u("bond.arp_ip_target_count", kb.arp_ip_target_count,
	    mb.arp_ip_target_count);
	d.u("bond.arp_all_targets", kb.arp_all_targets, mb.arp_all_targets);
	for (unsigned i = 0; i < EXABOND_MAX_ARP_TARGETS; i++)
		d.u("bond.arp_ip_target[" + std::to_string(i) + "]",
		    kb.arp_ip_target[i], mb.arp_ip_target[i]);

	d.u("ad.aggregator_id", k.ad.aggregator_id, m.ad.aggregator_id, ad);
	d.u("ad.num_ports", k.ad.num_ports, m.ad.num_ports, ad);
	d.u("ad.actor_key", k.ad.actor_key, m.ad.actor_key, ad);
	d.u("ad.partner_key", k.ad.partner_key, m.ad.partner_key, ad);
	d.a("ad.partner_mac", k.ad.partner_mac, m.ad.partner_mac, ad);
	d.u("ad.lacp_rate", k.ad.lacp_rate, m.ad.lacp_rate);
	d.u("ad.ad_select", k.ad.ad_select, m.ad.ad_select);
	d.u("ad.actor_sys_prio", k.ad.actor_sys_prio, m.ad.actor_sys_prio);
	d.u("ad.user_port_key", k.ad.user_port_key, m.ad.user_port_key);
	d.a("ad.actor_system", k.ad.actor_system, m.ad.actor_system);
	d.u("ad.lacp_active", k.ad.lacp_active, m.ad.lacp_active);

	d.u("policy.flags", k.policy.flags & ~EXABOND_POLICY_F_NO_HOOK,
	    m.policy.flags & ~EXABOND_POLICY_F_NO_HOOK);
	d.u("policy.violations", k.policy.violations, m.policy.violations);
	d.u("policy.allowed_modes", k.policy.allowed_modes,
	    m.policy.allowed_modes);
	d.u("policy.max_members", k.policy.max_members, m.policy.max_members);

	{
		std::string ko, mo;

		for (std::uint32_t i = 0; i < kb.member_count &&
					  i < EXABOND_MAX_MEMBERS; i++)
			ko += (i ? "," : "") + text(k.members[i].name, 16);
		for (std::uint32_t i = 0; i < mb.member_count &&
					  i < EXABOND_MAX_MEMBERS; i++)
			mo += (i ? "," : "") + text(m.members[i].name, 16);
		if (ko != mo)
			out.push_back({ "members", ko, mo, 0 });
	}
	for (std::uint32_t i = 0; i < kb.member_count &&
				  i < EXABOND_MAX_MEMBERS; i++) {
		const exabond_member &x = k.members[i];
		const exabond_member *y = find(m, x.ifindex);
		const std::string f = "members[" + text(x.name, 16) + "].";
		const std::uint32_t link = EXABOND_REFRESH_LINK;

		if (!y)
			continue;	/* "members" above says it */
		d.u(f + "link", x.link, y->link, link);
		d.u(f + "role", x.role, y->role, ad | EXABOND_REFRESH_ACTIVE);
		d.u(f + "carrier", x.carrier, y->carrier);
		d.u(f + "duplex", x.duplex, y->duplex, EXABOND_REFRESH_SPEED);
		d.s(f + "name", x.name, y->name, sizeof(x.name));
		d.a(f + "perm_addr", x.perm_addr, y->perm_addr);
		d.a(f + "addr", x.addr, y->addr);
		d.u(f + "operstate", x.operstate, y->operstate);
		d.u(f + "flags", x.flags, y->flags, EXABOND_REFRESH_ACTIVE);
		d.u(f + "ad_aggregator_id", x.ad_aggregator_id,
		    y->ad_aggregator_id, ad);
		d.u(f + "ad_actor_oper_port_state", x.ad_actor_oper_port_state,
		    y->ad_actor_oper_port_state, ad);
		d.u(f + "ad_partner_oper_port_state",
		    x.ad_partner_oper_port_state, y->ad_partner_oper_port_state,
		    ad);
		d.u(f + "queue_id", x.queue_id, y->queue_id);
		d.u(f + "speed", x.speed, y->speed, EXABOND_REFRESH_SPEED);
		d.u(f + "link_failure_count", x.link_failure_count,
		    y->link_failure_count, link);
		d.u(f + "mtu", x.mtu, y->mtu);
		d.s(f + "driver", x.driver, y->driver, sizeof(x.driver));
		d.s(f + "bus_info", x.bus_info, y->bus_info,
		    sizeof(x.bus_info));
		d.u(f + "carrier_changes", x.carrier_changes,
		    y->carrier_changes);
	}
	return out;
}

std::uint64_t Auditor::bound(const FieldDiff &d, const exabond_page &k,
			     const exabond_page &m) const noexcept
{
	std::uint64_t b = grace_ns_;

	if (d.refresh & k.policy.refreshed)
		b += std::uint64_t(k.policy.refresh_interval_ms) * 1000000;
	if (d.refresh & m.policy.refreshed)
		b += std::uint64_t(m.policy.refresh_interval_ms) * 1000000;
	return b;
}

std::vector<Auditor::Report> Auditor::check(const exabond_page &k,
					    const exabond_page &m,
					    std::uint64_t now)
{
	std::vector<Report> out;
	std::map<std::string, Pending> next;

	for (FieldDiff &d : compare_pages(k, m)) {
		auto it = pending_.find(d.field);
		Pending p = it != pending_.end() ?
				    it->second :
				    Pending{ now, bound(d, k, m), false };

		if (!p.reported && now - p.since > p.bound) {
			p.reported = true;
			reported_total_++;
			out.push_back({ Report::diverged, d, now - p.since });
		}
		next.emplace(d.field, p);
	}
	for (auto &[field, p] : pending_)
		if (p.reported && !next.count(field))
			out.push_back({ Report::converged,
					FieldDiff{ field, "", "", 0 },
					now - p.since });
	pending_ = std::move(next);
	return out;
}

std::uint64_t Auditor::next_deadline() const noexcept
{
	std::uint64_t t = 0;

	for (const auto &[field, p] : pending_)
		if (!p.reported && (!t || p.since + p.bound < t))
			t = p.since + p.bound;
	return t;
}

} // namespace exabond::monitor
