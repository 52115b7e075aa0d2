// SPDX-License-Identifier: GPL-2.0
//
// create, enslave and release, over rtnetlink with libnl-route-3.
//
// enslave and release are libnl's own rtnl_link_bond_enslave_ifindex()
// and rtnl_link_bond_release_ifindex(). libnl 3.7 has no bond options
// (mode, miimon, delays...), so create builds its RTM_NEWLINK with
// libnl's nlmsg/nla API: IFLA_LINKINFO { IFLA_INFO_KIND "bond",
// IFLA_INFO_DATA { IFLA_BOND_* } }, in one request, so the bond never
// exists with the wrong mode.
//
// Why a refusal was refused: exabond (and bonding) say it in the
// extended ack (NL_SET_ERR_MSG), and libnl 3.7 neither turns
// NETLINK_EXT_ACK on nor hands the text to anyone: its error callback gets
// the struct nlmsgerr alone. So the socket gets NETLINK_EXT_ACK (and
// NETLINK_CAP_ACK: the request is not echoed back) by setsockopt, and an
// NL_CB_MSG_IN callback, which libnl runs on every message received before
// its own handling, keeps the errno and NLMSGERR_ATTR_MSG of the latest
// NLMSG_ERROR. Every libnl call on the socket, including the ones inside
// rtnl_link_bond_enslave_ifindex(), goes through it.
#include <cerrno>
#include <cstring>
#include <memory>

#include <net/if.h>

#include <linux/if_link.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bonding.h>
#include <netlink/socket.h>

#include <nlohmann/json.hpp>

#include <exabond/names.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "netlink_admin.hpp"

namespace exabond::ctl {

namespace {

std::uint32_t parse_u32(const std::string &key, const std::string &v)
{
	std::size_t end = 0;
	unsigned long n = 0;

	try {
		if (!v.empty() && v[0] != '-')
			n = std::stoul(v, &end, 10);
	} catch (const std::exception &) {
		end = 0;
	}
	if (v.empty() || end != v.size() || n > 0xffffffffUL)
		throw UsageError(key + ": not a number of milliseconds: " + v);
	return std::uint32_t(n);
}

std::uint8_t parse_named(const std::string &key, const std::string &v,
			 std::string_view (*name)(unsigned), unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		if (v == name(i) || v == std::to_string(i))
			return std::uint8_t(i);

	std::string known;

	for (unsigned i = 0; i < count; i++)
		known += (i ? ", " : "") + std::string(name(i));
	throw UsageError(key + ": unknown value " + v + " (" + known + ")");
}

} // namespace

CreateRequest parse_create(const Args &ops)
{
	CreateRequest r;

	if (ops.empty())
		throw UsageError("create which bond?");
	r.bond = ops[0];
	check_ifname(r.bond, "bond");
	for (std::size_t i = 1; i < ops.size(); i += 2) {
		const std::string &k = ops[i];

		if (i + 1 >= ops.size())
			throw UsageError(k + ": missing value");
		const std::string &v = ops[i + 1];

		if (k == "mode")
			r.mode = parse_named(k, v, mode_name,
					     EXABOND_MODE_BALANCE_ALB + 1);
		else if (k == "miimon")
			r.miimon = parse_u32(k, v);
		else if (k == "updelay")
			r.updelay = parse_u32(k, v);
		else if (k == "downdelay")
			r.downdelay = parse_u32(k, v);
		else if (k == "primary") {
			check_ifname(v, "primary");
			r.primary = v;
		} else if (k == "xmit_hash_policy")
			r.xmit_hash_policy =
				parse_named(k, v, xmit_hash_policy_name,
					    EXABOND_XMIT_VLAN_SRCMAC + 1);
		else if (k == "lacp_rate")
			r.lacp_rate = parse_named(k, v, lacp_rate_name, 2);
		else
			throw UsageError("create: unknown option " + k);
	}
	return r;
}

namespace {

// The latest NLMSG_ERROR the socket received: errno and extack text.
struct Ack {
	int error = 0;
	std::string msg;
};

int on_msg_in(struct nl_msg *msg, void *arg)
{
	auto *ack = static_cast<Ack *>(arg);
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type != NLMSG_ERROR)
		return NL_OK;

	int len = nlmsg_datalen(h);

	if (len < int(sizeof(struct nlmsgerr)))
		return NL_OK;
	auto *e = static_cast<struct nlmsgerr *>(nlmsg_data(h));

	ack->error = -e->error;
	ack->msg.clear();
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_OK;

	// The TLVs follow the error and, unless capped, the whole request.
	int off = sizeof(*e);

	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (off > len)
		return NL_OK;

	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	auto *attrs = reinterpret_cast<struct nlattr *>(
		reinterpret_cast<char *>(e) + off);

	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len - off, nullptr))
		return NL_OK;
	if (tb[NLMSGERR_ATTR_MSG]) {
		const char *s = static_cast<const char *>(
			nla_data(tb[NLMSGERR_ATTR_MSG]));

		ack->msg.assign(s, strnlen(s, nla_len(tb[NLMSGERR_ATTR_MSG])));
	}
	return NL_OK;	// libnl's own handling turns it into its error
}

struct SockDeleter {
	void operator()(struct nl_sock *s) const { nl_socket_free(s); }
};
struct LinkDeleter {
	void operator()(struct rtnl_link *l) const { rtnl_link_put(l); }
};
struct MsgDeleter {
	void operator()(struct nl_msg *m) const { nlmsg_free(m); }
};
using LinkPtr = std::unique_ptr<struct rtnl_link, LinkDeleter>;

class Rtnl {
public:
	Rtnl() : sk_(nl_socket_alloc())
	{
		int one = 1;

		if (!sk_)
			throw Failure(EXIT_SYSTEM, "nl_socket_alloc failed");
		if (int e = nl_connect(sk_.get(), NETLINK_ROUTE))
			throw Failure(EXIT_SYSTEM,
				      std::string("rtnetlink: ") +
					      nl_geterror(e));
		// Best effort: without them we still have the errno.
		setsockopt(nl_socket_get_fd(sk_.get()), SOL_NETLINK,
			   NETLINK_EXT_ACK, &one, sizeof(one));
		setsockopt(nl_socket_get_fd(sk_.get()), SOL_NETLINK,
			   NETLINK_CAP_ACK, &one, sizeof(one));
		nl_socket_modify_cb(sk_.get(), NL_CB_MSG_IN, NL_CB_CUSTOM,
				    on_msg_in, &ack_);
	}

	struct nl_sock *get() { return sk_.get(); }

	// Starts a request: forget the previous one's ack.
	void begin() { ack_ = Ack(); }
	const Ack &ack() const { return ack_; }

	// The link called @name; nullptr if there is none.
	LinkPtr link(const std::string &name)
	{
		struct rtnl_link *l = nullptr;

		begin();
		int e = rtnl_link_get_kernel(sk_.get(), 0, name.c_str(), &l);

		if (e == -NLE_OBJ_NOTFOUND || e == -NLE_NODEV ||
		    ack_.error == ENODEV)
			return nullptr;
		if (e < 0)
			throw Failure(EXIT_SYSTEM,
				      name + ": " + nl_geterror(e));
		return LinkPtr(l);
	}

	// A request failed: the errno (the kernel's when it sent one) and
	// the message, with the kernel's reason when it gave one.
	[[noreturn]] void fail(const std::string &what, int nlerr,
			       const std::string &hint = "")
	{
		int err = ack_.error ? ack_.error : 0;
		std::string m = what + ": ";

		if (err)
			m += std::strerror(err);
		else
			m += nl_geterror(nlerr);
		if (!ack_.msg.empty())
			m += ": " + ack_.msg;
		if (err == EOPNOTSUPP)
			m += " (see dmesg for exabond's reason)";
		m += hint;
		throw Failure(err ? exit_for_errno(err) : EXIT_SYSTEM, m);
	}

private:
	std::unique_ptr<struct nl_sock, SockDeleter> sk_;
	Ack ack_;
};

bool is_bond(struct rtnl_link *l)
{
	const char *type = rtnl_link_get_type(l);

	return type && !std::strcmp(type, "bond");
}

LinkPtr need_bond(Rtnl &nl, const std::string &name)
{
	LinkPtr b = nl.link(name);

	if (!b)
		throw Failure(EXIT_NOT_FOUND, name + ": no such interface");
	if (!is_bond(b.get()))
		throw Failure(EXIT_NOT_FOUND, name + ": not a bond");
	return b;
}

LinkPtr need_link(Rtnl &nl, const std::string &name)
{
	LinkPtr l = nl.link(name);

	if (!l)
		throw Failure(EXIT_NOT_FOUND, name + ": no such interface");
	return l;
}

void print_result(Context &ctx, const std::string &action,
		  const std::string &bond, const std::string &member,
		  const std::string &text)
{
	if (ctx.json) {
		nlohmann::ordered_json j;

		j["action"] = action;
		j["bond"] = bond;
		if (!member.empty())
			j["member"] = member;
		j["ok"] = true;
		ctx.out << j.dump() << '\n';
	} else {
		ctx.out << text << '\n';
	}
}

} // namespace

int cmd_create(Context &ctx, const Args &args)
{
	CreateRequest r = parse_create(take_options(ctx, args, {}));
	Rtnl nl;
	int primary = 0;

	if (r.primary) {
		LinkPtr p = need_link(nl, *r.primary);

		primary = rtnl_link_get_ifindex(p.get());
	}

	std::unique_ptr<struct nl_msg, MsgDeleter> msg(
		nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
	struct ifinfomsg ifi = {};
	struct nlattr *info, *data;

	ifi.ifi_family = AF_UNSPEC;
	if (!msg || nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) ||
	    nla_put_string(msg.get(), IFLA_IFNAME, r.bond.c_str()) ||
	    !(info = nla_nest_start(msg.get(), IFLA_LINKINFO)) ||
	    nla_put_string(msg.get(), IFLA_INFO_KIND, "bond") ||
	    !(data = nla_nest_start(msg.get(), IFLA_INFO_DATA)))
		throw Failure(EXIT_SYSTEM, "create: out of memory");

	int e = 0;

	if (r.mode)
		e |= nla_put_u8(msg.get(), IFLA_BOND_MODE, *r.mode);
	if (r.miimon)
		e |= nla_put_u32(msg.get(), IFLA_BOND_MIIMON, *r.miimon);
	if (r.updelay)
		e |= nla_put_u32(msg.get(), IFLA_BOND_UPDELAY, *r.updelay);
	if (r.downdelay)
		e |= nla_put_u32(msg.get(), IFLA_BOND_DOWNDELAY, *r.downdelay);
	if (primary)
		e |= nla_put_u32(msg.get(), IFLA_BOND_PRIMARY, primary);
	if (r.xmit_hash_policy)
		e |= nla_put_u8(msg.get(), IFLA_BOND_XMIT_HASH_POLICY,
				*r.xmit_hash_policy);
	if (r.lacp_rate)
		e |= nla_put_u8(msg.get(), IFLA_BOND_AD_LACP_RATE,
				*r.lacp_rate);
	if (e)
		throw Failure(EXIT_SYSTEM, "create: out of memory");
	nla_nest_end(msg.get(), data);
	nla_nest_end(msg.get(), info);

	nl.begin();
	// nl_send_sync() frees the message, whatever happens.
	e = nl_send_sync(nl.get(), msg.release());
	if (e < 0)
		nl.fail("create " + r.bond, e);
	print_result(ctx, "create", r.bond, "",
		     r.bond + ": created, mode " +
			     std::string(mode_name(r.mode.value_or(0))));
	return EXIT_OK;
}

int cmd_enslave(Context &ctx, const Args &args)
{
	Args ops = take_options(ctx, args, {});

	if (ops.size() < 2)
		throw UsageError("enslave <bond> <member>...");
	for (const std::string &n : ops)
		check_ifname(n, "interface");

	Rtnl nl;
	LinkPtr bond = need_bond(nl, ops[0]);
	int bix = rtnl_link_get_ifindex(bond.get());

	for (std::size_t i = 1; i < ops.size(); i++) {
		LinkPtr m = need_link(nl, ops[i]);
		int mix = rtnl_link_get_ifindex(m.get());
		bool up = rtnl_link_get_flags(m.get()) & IFF_UP;

		if (rtnl_link_get_master(m.get()) == bix) {
			print_result(ctx, "enslave", ops[0], ops[i],
				     ops[i] + ": already a member of " +
					     ops[0]);
			continue;
		}
		nl.begin();
		int e = rtnl_link_bond_enslave_ifindex(nl.get(), bix, mix);

		if (e < 0)
			nl.fail("enslave " + ops[i] + " to " + ops[0], e,
				up && nl.ack().error == EPERM
					? " (bonding takes only a device that "
					  "is down: ip link set " +
						  ops[i] +
						  " down; it is brought up "
						  "once enslaved)"
					: "");
		print_result(ctx, "enslave", ops[0], ops[i],
			     ops[i] + ": enslaved to " + ops[0]);
	}
	return EXIT_OK;
}

int cmd_release(Context &ctx, const Args &args)
{
	Args ops = take_options(ctx, args, {});

	if (ops.size() < 2)
		throw UsageError("release <bond> <member>...");
	for (const std::string &n : ops)
		check_ifname(n, "interface");

	Rtnl nl;
	LinkPtr bond = need_bond(nl, ops[0]);
	int bix = rtnl_link_get_ifindex(bond.get());

	for (std::size_t i = 1; i < ops.size(); i++) {
		LinkPtr m = need_link(nl, ops[i]);

		if (rtnl_link_get_master(m.get()) != bix)
			throw Failure(EXIT_NOT_FOUND,
				      ops[i] + ": not a member of " + ops[0]);
		nl.begin();
		int e = rtnl_link_bond_release_ifindex(
			nl.get(), rtnl_link_get_ifindex(m.get()));

		if (e < 0)
			nl.fail("release " + ops[i] + " from " + ops[0], e);
		print_result(ctx, "release", ops[0], ops[i],
			     ops[i] + ": released from " + ops[0]);
	}
	return EXIT_OK;
}

} // namespace exabond::ctl
