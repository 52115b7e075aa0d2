// SPDX-License-Identifier: GPL-2.0
//
// parse_link(): one RTM_NEWLINK / RTM_DELLINK message into a Link.
//
// The attribute types and sizes are those Linux 6.1 puts in the message:
// rtnl_fill_ifinfo() in net/core/rtnetlink.c for the IFLA_* level, and
// bond_fill_info() / bond_fill_slave_info() in
// drivers/net/bonding/bond_netlink.c for IFLA_INFO_DATA and
// IFLA_INFO_SLAVE_DATA. A fixed-size attribute of another size is an error,
// not a guess: it means the message is not what we think it is, and a
// truncated or padded integer read anyway would be a wrong value that
// looks right.
//
// Every attribute list (the message's, and each nest we descend into) is
// first walked once with mnl_attr_ok() to the end of its parent: libmnl's
// own walkers (mnl_attr_parse() and friends) stop quietly at the first
// attribute that does not fit, which would turn a corrupt message into a
// silently shorter one. After that, mnl_attr_parse*() collects the
// attributes into a table (the last of a repeated type wins, as in the
// kernel's nla_parse()), and each one we use is checked with
// mnl_attr_validate() / mnl_attr_validate2() before it is read.
#include "rtnl_link.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

namespace exabond::rtnl {

namespace {

// IFNAMSIZ, with the NUL: a name has at most 15 characters.
constexpr std::size_t ifnamsiz = 16;
constexpr std::size_t eth_alen = 6;

// The attributes of one list, by type; nullptr where absent. Types above
// Max are ones this parser does not use (newer kernels add them): ignored.
template <unsigned Max> struct Table {
	std::array<const nlattr *, Max + 1> at{};

	const nlattr *operator[](unsigned type) const noexcept
	{
		return at[type];
	}
};

template <unsigned Max> int collect(const nlattr *a, void *data)
{
	auto *tb = static_cast<Table<Max> *>(data);
	const unsigned type = mnl_attr_get_type(a);

	if (type <= Max)
		tb->at[type] = a;
	return MNL_CB_OK;
}

std::string num(std::size_t v) { return std::to_string(v); }

// The attributes in @nest, for a range-for: mnl_attr_for_each_nested()
// without its casts from const. Only after check_list() on the nest.
struct nested {
	const nlattr *nest;

	struct iter {
		const nlattr *a;
		const char *end;

		const nlattr *operator*() const noexcept { return a; }
		iter &operator++() noexcept
		{
			a = mnl_attr_next(a);
			return *this;
		}
		bool operator!=(const iter &) const noexcept
		{
			return mnl_attr_ok(a, int(end -
				reinterpret_cast<const char *>(a)));
		}
	};

	iter begin() const noexcept
	{
		const char *p = static_cast<const char *>(
			mnl_attr_get_payload(nest));
		return {reinterpret_cast<const nlattr *>(p),
			p + mnl_attr_get_payload_len(nest)};
	}
	iter end() const noexcept { return {nullptr, nullptr}; }
};

// The attribute list of @len bytes at @p must end exactly at its parent's
// end: every attribute fits (mnl_attr_ok), and nothing but the last one's
// alignment padding may follow. (The kernel pads every attribute; we allow
// a last one without its padding, which nla_parse() accepts as well.)
int check_list(const void *p, std::size_t len, const char *parent,
	       std::string *why)
{
	const char *cur = static_cast<const char *>(p);
	std::size_t rem = len;

	while (rem >= MNL_ATTR_HDRLEN) {
		const auto *a = reinterpret_cast<const nlattr *>(cur);

		if (!mnl_attr_ok(a, int(rem))) {
			*why = std::string(parent) + ": attribute type " +
			       num(mnl_attr_get_type(a)) + " has nla_len " +
			       num(a->nla_len) + ", " + num(rem) +
			       " bytes left: overruns its parent";
			if (a->nla_len < MNL_ATTR_HDRLEN)
				*why = std::string(parent) +
				       ": attribute type " +
				       num(mnl_attr_get_type(a)) +
				       " has nla_len " + num(a->nla_len) +
				       ", less than its header";
			return -EINVAL;
		}
		const std::size_t step = MNL_ALIGN(a->nla_len);
		if (step >= rem)
			return 0;
		cur += step;
		rem -= step;
	}
	if (rem) {
		*why = std::string(parent) + ": " + num(rem) +
		       " trailing bytes, too few for an attribute";
		return -EINVAL;
	}
	return 0;
}

// The attributes nested in @nest, checked, into @tb.
template <unsigned Max>
int parse_nest(const nlattr *nest, const char *name, Table<Max> *tb,
	       std::string *why)
{
	// An empty nest is fine (mnl_attr_validate accepts it); 1 to 3
	// bytes cannot hold an attribute.
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0) {
		*why = std::string(name) + ": " +
		       num(mnl_attr_get_payload_len(nest)) +
		       " bytes, want 0 or at least 4";
		return -EINVAL;
	}
	int err = check_list(mnl_attr_get_payload(nest),
			     mnl_attr_get_payload_len(nest), name, why);
	if (err)
		return err;
	mnl_attr_parse_nested(nest, collect<Max>, tb);
	return 0;
}

int wrong_size(const nlattr *a, const char *name, const char *want,
	       std::string *why)
{
	*why = std::string(name) + ": " + num(mnl_attr_get_payload_len(a)) +
	       " bytes, want " + want;
	return -EINVAL;
}

template <typename T> struct mnl_type_of;
template <> struct mnl_type_of<std::uint8_t> {
	static constexpr auto type = MNL_TYPE_U8;
	static constexpr const char *want = "1";
};
template <> struct mnl_type_of<std::uint16_t> {
	static constexpr auto type = MNL_TYPE_U16;
	static constexpr const char *want = "2";
};
template <> struct mnl_type_of<std::uint32_t> {
	static constexpr auto type = MNL_TYPE_U32;
	static constexpr const char *want = "4";
};
template <> struct mnl_type_of<std::int32_t> {
	static constexpr auto type = MNL_TYPE_U32;	// nla_put_s32
	static constexpr const char *want = "4";
};

// A fixed-size integer, in host byte order (nla_put_u*), into @out.
template <typename T>
int take(const nlattr *a, const char *name, std::optional<T> *out,
	 std::string *why)
{
	if (!a)
		return 0;
	if (mnl_attr_validate(a, mnl_type_of<T>::type) < 0)
		return wrong_size(a, name, mnl_type_of<T>::want, why);
	T v;
	std::memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	*out = v;
	return 0;
}

// An ifindex (u32) into an int field, 0 meaning "none" as in the header.
int take_index(const nlattr *a, const char *name, int *out, std::string *why)
{
	std::optional<std::uint32_t> v;
	int err = take(a, name, &v, why);

	if (err || !v)
		return err;
	if (*v > unsigned(INT_MAX)) {
		*why = std::string(name) + ": ifindex " + num(*v) +
		       " out of range";
		return -EINVAL;
	}
	*out = int(*v);
	return 0;
}

// A MAC that the kernel always sends as ETH_ALEN bytes
// (IFLA_BOND_AD_ACTOR_SYSTEM, IFLA_BOND_AD_INFO_PARTNER_MAC).
int take_mac(const nlattr *a, const char *name, std::optional<Mac> *out,
	     std::string *why)
{
	if (!a)
		return 0;
	if (mnl_attr_validate2(a, MNL_TYPE_BINARY, eth_alen) < 0)
		return wrong_size(a, name, "6", why);
	Mac m;
	std::memcpy(m.data(), mnl_attr_get_payload(a), m.size());
	*out = m;
	return 0;
}

// A hardware address of the device's addr_len (IFLA_ADDRESS,
// IFLA_BOND_SLAVE_PERM_HWADDR): an Ethernet one is kept; another length
// (loopback's, a tunnel's, InfiniBand's 20 bytes) is valid but not a Mac.
void take_hwaddr(const nlattr *a, std::optional<Mac> *out)
{
	if (!a || mnl_attr_get_payload_len(a) != eth_alen)
		return;
	Mac m;
	std::memcpy(m.data(), mnl_attr_get_payload(a), m.size());
	*out = m;
}

// A string the kernel sends with nla_put_string(): NUL-terminated within
// its payload. What follows the first NUL is ignored, as strlen would.
int take_string(const nlattr *a, const char *name, std::size_t max,
		std::string *out, std::string *why)
{
	const char *s = static_cast<const char *>(mnl_attr_get_payload(a));
	const std::size_t len = mnl_attr_get_payload_len(a);
	const std::size_t n = strnlen(s, len);

	if (n == len) {
		*why = std::string(name) + ": no NUL in its " + num(len) +
		       " bytes";
		return -EINVAL;
	}
	if (max && n >= max) {
		*why = std::string(name) + ": " + num(n) +
		       " characters, want fewer than " + num(max);
		return -EINVAL;
	}
	out->assign(s, n);
	return 0;
}

int take_string(const nlattr *a, const char *name,
		std::optional<std::string> *out, std::string *why)
{
	if (!a)
		return 0;
	std::string s;
	int err = take_string(a, name, 0, &s, why);
	if (!err)
		*out = std::move(s);
	return err;
}

// Every call below names the attribute by its constant, and the error by
// the same spelling.
#define TAKE(tb, attr, out)                                                 \
	do {                                                                \
		int err_ = take((tb)[attr], #attr, (out), why);             \
		if (err_)                                                   \
			return err_;                                        \
	} while (0)

#define TAKE_MAC(tb, attr, out)                                             \
	do {                                                                \
		int err_ = take_mac((tb)[attr], #attr, (out), why);         \
		if (err_)                                                   \
			return err_;                                        \
	} while (0)

// IFLA_BOND_ARP_IP_TARGET: a nest of be32, the attribute type being the
// target's slot (0..15), sent only when there is a target.
int parse_arp_targets(const nlattr *nest, BondInfo *b, std::string *why)
{
	Table<0> unused;
	int err = parse_nest(nest, "IFLA_BOND_ARP_IP_TARGET", &unused, why);
	if (err)
		return err;

	for (const nlattr *a : nested{nest}) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
			const std::string name = "IFLA_BOND_ARP_IP_TARGET[" +
						 num(mnl_attr_get_type(a)) +
						 "]";
			return wrong_size(a, name.c_str(), "4", why);
		}
		std::uint32_t ip;
		std::memcpy(&ip, mnl_attr_get_payload(a), sizeof(ip));
		b->arp_ip_target.push_back(ip);
	}
	return 0;
}

// IFLA_BOND_NS_IP6_TARGET: a nest of in6_addr, likewise.
int parse_ns_targets(const nlattr *nest, BondInfo *b, std::string *why)
{
	Table<0> unused;
	int err = parse_nest(nest, "IFLA_BOND_NS_IP6_TARGET", &unused, why);
	if (err)
		return err;

	for (const nlattr *a : nested{nest}) {
		if (mnl_attr_validate2(a, MNL_TYPE_BINARY, 16) < 0) {
			const std::string name = "IFLA_BOND_NS_IP6_TARGET[" +
						 num(mnl_attr_get_type(a)) +
						 "]";
			return wrong_size(a, name.c_str(), "16", why);
		}
		std::array<std::uint8_t, 16> ip;
		std::memcpy(ip.data(), mnl_attr_get_payload(a), ip.size());
		b->ns_ip6_target.push_back(ip);
	}
	return 0;
}

int parse_ad_info(const nlattr *nest, AdInfo *ad, std::string *why)
{
	Table<IFLA_BOND_AD_INFO_MAX> tb;
	int err = parse_nest(nest, "IFLA_BOND_AD_INFO", &tb, why);
	if (err)
		return err;

	TAKE(tb, IFLA_BOND_AD_INFO_AGGREGATOR, &ad->aggregator);
	TAKE(tb, IFLA_BOND_AD_INFO_NUM_PORTS, &ad->num_ports);
	TAKE(tb, IFLA_BOND_AD_INFO_ACTOR_KEY, &ad->actor_key);
	TAKE(tb, IFLA_BOND_AD_INFO_PARTNER_KEY, &ad->partner_key);
	TAKE_MAC(tb, IFLA_BOND_AD_INFO_PARTNER_MAC, &ad->partner_mac);
	return 0;
}

// IFLA_INFO_DATA of a bond: bond_fill_info().
int parse_bond(const nlattr *nest, BondInfo *b, std::string *why)
{
	Table<IFLA_BOND_MAX> tb;
	int err = parse_nest(nest, "IFLA_INFO_DATA", &tb, why);
	if (err)
		return err;

	TAKE(tb, IFLA_BOND_MODE, &b->mode);
	TAKE(tb, IFLA_BOND_ACTIVE_SLAVE, &b->active_slave);
	TAKE(tb, IFLA_BOND_MIIMON, &b->miimon);
	TAKE(tb, IFLA_BOND_UPDELAY, &b->updelay);
	TAKE(tb, IFLA_BOND_DOWNDELAY, &b->downdelay);
	TAKE(tb, IFLA_BOND_PEER_NOTIF_DELAY, &b->peer_notif_delay);
	TAKE(tb, IFLA_BOND_USE_CARRIER, &b->use_carrier);
	TAKE(tb, IFLA_BOND_ARP_INTERVAL, &b->arp_interval);
	if (tb[IFLA_BOND_ARP_IP_TARGET]) {
		err = parse_arp_targets(tb[IFLA_BOND_ARP_IP_TARGET], b, why);
		if (err)
			return err;
	}
	if (tb[IFLA_BOND_NS_IP6_TARGET]) {
		err = parse_ns_targets(tb[IFLA_BOND_NS_IP6_TARGET], b, why);
		if (err)
			return err;
	}
	TAKE(tb, IFLA_BOND_ARP_VALIDATE, &b->arp_validate);
	TAKE(tb, IFLA_BOND_ARP_ALL_TARGETS, &b->arp_all_targets);
	TAKE(tb, IFLA_BOND_PRIMARY, &b->primary);
	TAKE(tb, IFLA_BOND_PRIMARY_RESELECT, &b->primary_reselect);
	TAKE(tb, IFLA_BOND_FAIL_OVER_MAC, &b->fail_over_mac);
	TAKE(tb, IFLA_BOND_XMIT_HASH_POLICY, &b->xmit_hash_policy);
	TAKE(tb, IFLA_BOND_RESEND_IGMP, &b->resend_igmp);
	TAKE(tb, IFLA_BOND_NUM_PEER_NOTIF, &b->num_peer_notif);
	TAKE(tb, IFLA_BOND_ALL_SLAVES_ACTIVE, &b->all_slaves_active);
	TAKE(tb, IFLA_BOND_MIN_LINKS, &b->min_links);
	TAKE(tb, IFLA_BOND_LP_INTERVAL, &b->lp_interval);
	TAKE(tb, IFLA_BOND_PACKETS_PER_SLAVE, &b->packets_per_slave);
	TAKE(tb, IFLA_BOND_AD_LACP_ACTIVE, &b->ad_lacp_active);
	TAKE(tb, IFLA_BOND_AD_LACP_RATE, &b->ad_lacp_rate);
	TAKE(tb, IFLA_BOND_AD_SELECT, &b->ad_select);
	TAKE(tb, IFLA_BOND_TLB_DYNAMIC_LB, &b->tlb_dynamic_lb);
	TAKE(tb, IFLA_BOND_MISSED_MAX, &b->missed_max);
	TAKE(tb, IFLA_BOND_COUPLED_CONTROL, &b->coupled_control);
	// The next three only in 802.3ad mode and only to CAP_NET_ADMIN.
	TAKE(tb, IFLA_BOND_AD_ACTOR_SYS_PRIO, &b->ad_actor_sys_prio);
	TAKE(tb, IFLA_BOND_AD_USER_PORT_KEY, &b->ad_user_port_key);
	TAKE_MAC(tb, IFLA_BOND_AD_ACTOR_SYSTEM, &b->ad_actor_system);
	// Only while the bond has an active aggregator.
	if (tb[IFLA_BOND_AD_INFO]) {
		AdInfo ad;
		err = parse_ad_info(tb[IFLA_BOND_AD_INFO], &ad, why);
		if (err)
			return err;
		b->ad_info = ad;
	}
	return 0;
}

// IFLA_INFO_SLAVE_DATA of a bond's member: bond_fill_slave_info().
int parse_bond_slave(const nlattr *nest, BondSlaveInfo *s, std::string *why)
{
	Table<IFLA_BOND_SLAVE_MAX> tb;
	int err = parse_nest(nest, "IFLA_INFO_SLAVE_DATA", &tb, why);
	if (err)
		return err;

	TAKE(tb, IFLA_BOND_SLAVE_STATE, &s->state);
	TAKE(tb, IFLA_BOND_SLAVE_MII_STATUS, &s->mii_status);
	TAKE(tb, IFLA_BOND_SLAVE_LINK_FAILURE_COUNT, &s->link_failure_count);
	// The member's addr_len bytes: not 6 for a non-Ethernet member.
	take_hwaddr(tb[IFLA_BOND_SLAVE_PERM_HWADDR], &s->perm_hwaddr);
	TAKE(tb, IFLA_BOND_SLAVE_QUEUE_ID, &s->queue_id);
	TAKE(tb, IFLA_BOND_SLAVE_PRIO, &s->prio);
	// 802.3ad only; the first five only while the port has an
	// aggregator.
	TAKE(tb, IFLA_BOND_SLAVE_AD_AGGREGATOR_ID, &s->ad_aggregator_id);
	TAKE(tb, IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE,
	     &s->ad_actor_oper_port_state);
	TAKE(tb, IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE,
	     &s->ad_partner_oper_port_state);
	TAKE(tb, IFLA_BOND_SLAVE_AD_CHURN_ACTOR_STATE,
	     &s->ad_churn_actor_state);
	TAKE(tb, IFLA_BOND_SLAVE_AD_CHURN_PARTNER_STATE,
	     &s->ad_churn_partner_state);
	TAKE(tb, IFLA_BOND_SLAVE_ACTOR_PORT_PRIO, &s->actor_port_prio);
	return 0;
}

// IFLA_LINKINFO: the kind names how to read the data. Another kind's data
// (a VLAN's, a veth's) is not ours to check and is skipped whole.
int parse_linkinfo(const nlattr *nest, Link *l, std::string *why)
{
	Table<IFLA_INFO_MAX> tb;
	int err = parse_nest(nest, "IFLA_LINKINFO", &tb, why);
	if (err)
		return err;

	if (tb[IFLA_INFO_KIND]) {
		err = take_string(tb[IFLA_INFO_KIND], "IFLA_INFO_KIND", 0,
				  &l->kind, why);
		if (err)
			return err;
	}
	if (tb[IFLA_INFO_SLAVE_KIND]) {
		err = take_string(tb[IFLA_INFO_SLAVE_KIND],
				  "IFLA_INFO_SLAVE_KIND", 0, &l->slave_kind,
				  why);
		if (err)
			return err;
	}
	if (l->kind == "bond" && tb[IFLA_INFO_DATA]) {
		BondInfo b;
		err = parse_bond(tb[IFLA_INFO_DATA], &b, why);
		if (err)
			return err;
		l->bond = std::move(b);
	}
	if (l->slave_kind == "bond" && tb[IFLA_INFO_SLAVE_DATA]) {
		BondSlaveInfo s;
		err = parse_bond_slave(tb[IFLA_INFO_SLAVE_DATA], &s, why);
		if (err)
			return err;
		l->bond_slave = s;
	}
	return 0;
}

int parse_aligned(const nlmsghdr *nlh, std::size_t len, Link *l,
		  std::string *why)
{
	// mnl_nlmsg_ok() takes an int; a longer buffer holds the same
	// message.
	const int ilen = int(std::min<std::size_t>(len, INT_MAX));

	if (len < sizeof(nlmsghdr)) {
		*why = "truncated: " + num(len) + " bytes, want at least " +
		       num(sizeof(nlmsghdr)) + " for nlmsghdr";
		return -EINVAL;
	}
	// message_ok() first: mnl_nlmsg_ok() alone takes an nlmsg_len of
	// 2^31 or more for a negative int, and so for a short one.
	if (!message_ok(nlh, len) || !mnl_nlmsg_ok(nlh, ilen)) {
		if (nlh->nlmsg_len < sizeof(nlmsghdr))
			*why = "nlmsg_len " + num(nlh->nlmsg_len) +
			       " is shorter than nlmsghdr";
		else
			*why = "nlmsg_len " + num(nlh->nlmsg_len) +
			       " exceeds the " + num(len) + " bytes given";
		return -EINVAL;
	}
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) {
		*why = "not a link message: nlmsg_type " +
		       num(nlh->nlmsg_type);
		return -EINVAL;
	}
	const std::size_t want =
		MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(ifinfomsg));
	if (nlh->nlmsg_len < want) {
		*why = "truncated: nlmsg_len " + num(nlh->nlmsg_len) +
		       ", want at least " + num(want) +
		       " for nlmsghdr and ifinfomsg";
		return -EINVAL;
	}

	const auto *ifi =
		static_cast<const ifinfomsg *>(mnl_nlmsg_get_payload(nlh));
	l->msg_type = nlh->nlmsg_type;
	l->msg_flags = nlh->nlmsg_flags;
	l->ifindex = ifi->ifi_index;
	l->type = ifi->ifi_type;
	l->flags = ifi->ifi_flags;
	l->change = ifi->ifi_change;

	const void *attrs = mnl_nlmsg_get_payload_offset(nlh,
							 sizeof(ifinfomsg));
	int err = check_list(attrs, nlh->nlmsg_len - want, "IFLA", why);
	if (err)
		return err;
	Table<IFLA_MAX> tb;
	mnl_attr_parse(nlh, sizeof(ifinfomsg), collect<IFLA_MAX>, &tb);

	if (tb[IFLA_IFNAME]) {
		err = take_string(tb[IFLA_IFNAME], "IFLA_IFNAME", ifnamsiz,
				  &l->name, why);
		if (err)
			return err;
	}
	take_hwaddr(tb[IFLA_ADDRESS], &l->address);
	TAKE(tb, IFLA_MTU, &l->mtu);
	TAKE(tb, IFLA_OPERSTATE, &l->operstate);
	TAKE(tb, IFLA_CARRIER, &l->carrier);
	TAKE(tb, IFLA_CARRIER_CHANGES, &l->carrier_changes);
	TAKE(tb, IFLA_CARRIER_UP_COUNT, &l->carrier_up_count);
	TAKE(tb, IFLA_CARRIER_DOWN_COUNT, &l->carrier_down_count);
	err = take_index(tb[IFLA_MASTER], "IFLA_MASTER", &l->master, why);
	if (err)
		return err;
	err = take_index(tb[IFLA_LINK], "IFLA_LINK", &l->link, why);
	if (err)
		return err;
	TAKE(tb, IFLA_EVENT, &l->event);
	TAKE(tb, IFLA_LINK_NETNSID, &l->link_netnsid);
	err = take_string(tb[IFLA_PARENT_DEV_NAME], "IFLA_PARENT_DEV_NAME",
			  &l->parent_dev_name, why);
	if (err)
		return err;
	err = take_string(tb[IFLA_PARENT_DEV_BUS_NAME],
			  "IFLA_PARENT_DEV_BUS_NAME", &l->parent_dev_bus, why);
	if (err)
		return err;
	if (tb[IFLA_LINKINFO]) {
		err = parse_linkinfo(tb[IFLA_LINKINFO], l, why);
		if (err)
			return err;
	}
	return 0;
}

} // namespace

bool message_ok(const void *buf, std::size_t len) noexcept
{
	std::uint32_t nlmsg_len;

	if (!buf || len < sizeof(nlmsghdr))
		return false;
	std::memcpy(&nlmsg_len, buf, sizeof(nlmsg_len));
	return nlmsg_len >= sizeof(nlmsghdr) && nlmsg_len <= len;
}

int parse_link(const void *buf, std::size_t len, Link *out, std::string *why)
{
	std::string ignored;
	if (!why)
		why = &ignored;
	if (!buf && len) {
		*why = "no buffer";
		return -EINVAL;
	}
	if (!buf || len < sizeof(nlmsghdr)) {
		*why = "truncated: " + num(len) + " bytes, want at least " +
		       num(sizeof(nlmsghdr)) + " for nlmsghdr";
		return -EINVAL;
	}

	// libmnl reads nlmsghdr and nlattr in place, which needs 4-byte
	// alignment. A receive buffer is aligned; a caller's arbitrary
	// pointer gets an aligned copy of the one message rather than a
	// misaligned read.
	std::vector<std::uint32_t> copy;
	const void *msg = buf;
	if (reinterpret_cast<std::uintptr_t>(buf) % alignof(nlmsghdr)) {
		std::uint32_t nlmsg_len;
		std::memcpy(&nlmsg_len, buf, sizeof(nlmsg_len));
		// Never more than @len; a too-long nlmsg_len fails below.
		const std::size_t n = std::min<std::size_t>(
			len, std::max<std::size_t>(nlmsg_len,
						   sizeof(nlmsghdr)));
		copy.resize((n + 3) / 4);
		std::memcpy(copy.data(), buf, n);
		msg = copy.data();
		// A copy cut at nlmsg_len still shows "exceeds" correctly:
		// keep @len as given for the check.
		if (n < len)
			len = n;
	}

	Link l;
	int err = parse_aligned(static_cast<const nlmsghdr *>(msg), len, &l,
				why);
	if (err)
		return err;
	*out = std::move(l);
	return 0;
}

} // namespace exabond::rtnl
