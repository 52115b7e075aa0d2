// SPDX-License-Identifier: GPL-2.0
//
// parse_link() on messages built here with libmnl: a well-formed bond and
// bond member message first (so each broken variant below differs from one
// that parses by the one thing it breaks), then every way a message can be
// wrong, each with -EINVAL and a `why` naming the fault.
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>

#include "rtnl_link.hpp"

namespace exabond::rtnl {
namespace {

// A message under construction, in an aligned buffer.
class Msg {
public:
	explicit Msg(std::uint16_t type = RTM_NEWLINK)
	{
		nlh_ = mnl_nlmsg_put_header(buf_);
		nlh_->nlmsg_type = type;
		auto *ifi = static_cast<ifinfomsg *>(
			mnl_nlmsg_put_extra_header(nlh_, sizeof(ifinfomsg)));
		ifi->ifi_index = 7;
		ifi->ifi_type = 1;
		ifi->ifi_flags = IFF_UP | IFF_MASTER;
	}

	nlmsghdr *nlh() { return nlh_; }
	std::size_t len() const { return nlh_->nlmsg_len; }
	std::uint8_t *bytes() { return reinterpret_cast<std::uint8_t *>(buf_); }

	int parse(Link *l, std::string *why)
	{
		return parse_link(buf_, len(), l, why);
	}

	// Appends raw bytes to the message (past its attributes).
	void raw(const void *p, std::size_t n)
	{
		std::memcpy(bytes() + nlh_->nlmsg_len, p, n);
		nlh_->nlmsg_len += std::uint32_t(n);
	}

private:
	alignas(4) char buf_[8192] = {};
	nlmsghdr *nlh_;
};

const Mac mac1 = {0x02, 0, 0, 0, 0, 0x01};
const Mac mac2 = {0x02, 0, 0, 0, 0, 0x02};

// A bond in 802.3ad mode with an aggregator. @data_extra appends to
// IFLA_INFO_DATA (a repeated type replaces the first: the last one wins),
// @ad_extra to IFLA_BOND_AD_INFO.
void put_bond(Msg &m, const std::function<void(nlmsghdr *)> &data_extra = {},
	      const std::function<void(nlmsghdr *)> &ad_extra = {})
{
	nlmsghdr *n = m.nlh();
	mnl_attr_put_strz(n, IFLA_IFNAME, "bond0");
	mnl_attr_put(n, IFLA_ADDRESS, 6, mac1.data());
	mnl_attr_put_u32(n, IFLA_MTU, 9000);
	mnl_attr_put_u8(n, IFLA_OPERSTATE, 6);
	mnl_attr_put_u8(n, IFLA_CARRIER, 1);
	mnl_attr_put_u32(n, IFLA_CARRIER_CHANGES, 3);
	mnl_attr_put_u32(n, IFLA_EVENT, IFLA_EVENT_BONDING_FAILOVER);
	nlattr *li = mnl_attr_nest_start(n, IFLA_LINKINFO);
	mnl_attr_put_strz(n, IFLA_INFO_KIND, "bond");
	nlattr *d = mnl_attr_nest_start(n, IFLA_INFO_DATA);
	mnl_attr_put_u8(n, IFLA_BOND_MODE, 4);
	mnl_attr_put_u32(n, IFLA_BOND_ACTIVE_SLAVE, 8);
	mnl_attr_put_u32(n, IFLA_BOND_MIIMON, 100);
	nlattr *t = mnl_attr_nest_start(n, IFLA_BOND_ARP_IP_TARGET);
	mnl_attr_put_u32(n, 0, htonl(0x0a000001));
	mnl_attr_put_u32(n, 1, htonl(0x0a000002));
	mnl_attr_nest_end(n, t);
	mnl_attr_put_u16(n, IFLA_BOND_AD_ACTOR_SYS_PRIO, 65535);
	mnl_attr_put(n, IFLA_BOND_AD_ACTOR_SYSTEM, 6, mac1.data());
	nlattr *ad = mnl_attr_nest_start(n, IFLA_BOND_AD_INFO);
	mnl_attr_put_u16(n, IFLA_BOND_AD_INFO_AGGREGATOR, 1);
	mnl_attr_put_u16(n, IFLA_BOND_AD_INFO_NUM_PORTS, 2);
	mnl_attr_put(n, IFLA_BOND_AD_INFO_PARTNER_MAC, 6, mac2.data());
	if (ad_extra)
		ad_extra(n);
	mnl_attr_nest_end(n, ad);
	if (data_extra)
		data_extra(n);
	mnl_attr_nest_end(n, d);
	mnl_attr_nest_end(n, li);
}

void put_member(Msg &m,
		const std::function<void(nlmsghdr *)> &slave_extra = {})
{
	nlmsghdr *n = m.nlh();
	mnl_attr_put_strz(n, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(n, IFLA_MASTER, 7);
	nlattr *li = mnl_attr_nest_start(n, IFLA_LINKINFO);
	mnl_attr_put_strz(n, IFLA_INFO_SLAVE_KIND, "bond");
	nlattr *d = mnl_attr_nest_start(n, IFLA_INFO_SLAVE_DATA);
	mnl_attr_put_u8(n, IFLA_BOND_SLAVE_STATE, 0);
	mnl_attr_put_u8(n, IFLA_BOND_SLAVE_MII_STATUS, 0);
	mnl_attr_put_u32(n, IFLA_BOND_SLAVE_LINK_FAILURE_COUNT, 2);
	mnl_attr_put(n, IFLA_BOND_SLAVE_PERM_HWADDR, 6, mac2.data());
	mnl_attr_put_u16(n, IFLA_BOND_SLAVE_AD_AGGREGATOR_ID, 1);
	mnl_attr_put_u8(n, IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE, 0x3d);
	mnl_attr_put_u16(n, IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE, 0x3f);
	if (slave_extra)
		slave_extra(n);
	mnl_attr_nest_end(n, d);
	mnl_attr_nest_end(n, li);
}

// @m must fail with -EINVAL and a `why` containing @want; *out untouched.
void expect_invalid(const void *buf, std::size_t len, const std::string &want)
{
	Link l;
	l.name = "untouched";
	std::string why;
	EXPECT_EQ(parse_link(buf, len, &l, &why), -EINVAL);
	EXPECT_NE(why.find(want), std::string::npos)
		<< "why: '" << why << "', want '" << want << "'";
	EXPECT_EQ(l.name, "untouched");
}

void expect_invalid(Msg &m, const std::string &want)
{
	expect_invalid(m.bytes(), m.len(), want);
}

TEST(RtnlBuilt, BondParses)
{
	Msg m;
	put_bond(m);
	Link l;
	std::string why;
	ASSERT_EQ(m.parse(&l, &why), 0) << why;
	EXPECT_EQ(l.msg_type, RTM_NEWLINK);
	EXPECT_EQ(l.ifindex, 7);
	EXPECT_EQ(l.flags, unsigned(IFF_UP | IFF_MASTER));
	EXPECT_EQ(l.name, "bond0");
	EXPECT_EQ(l.address, mac1);
	EXPECT_EQ(l.mtu, 9000u);
	EXPECT_EQ(l.operstate, 6);
	EXPECT_EQ(l.carrier, 1);
	EXPECT_EQ(l.carrier_changes, 3u);
	EXPECT_EQ(l.event, std::uint32_t(IFLA_EVENT_BONDING_FAILOVER));
	EXPECT_TRUE(l.is_bond());
	ASSERT_TRUE(l.bond);
	EXPECT_EQ(l.bond->mode, 4);
	EXPECT_EQ(l.bond->active_slave, 8u);
	EXPECT_EQ(l.bond->miimon, 100u);
	EXPECT_FALSE(l.bond->updelay) << "not sent, not invented";
	ASSERT_EQ(l.bond->arp_ip_target.size(), 2u);
	EXPECT_EQ(l.bond->arp_ip_target[1], htonl(0x0a000002));
	EXPECT_EQ(l.bond->ad_actor_sys_prio, 65535);
	EXPECT_EQ(l.bond->ad_actor_system, mac1);
	ASSERT_TRUE(l.bond->ad_info);
	EXPECT_EQ(l.bond->ad_info->aggregator, 1);
	EXPECT_EQ(l.bond->ad_info->num_ports, 2);
	EXPECT_FALSE(l.bond->ad_info->actor_key);
	EXPECT_EQ(l.bond->ad_info->partner_mac, mac2);
	EXPECT_FALSE(l.bond_slave);
}

TEST(RtnlBuilt, MemberParses)
{
	Msg m(RTM_DELLINK);
	put_member(m);
	Link l;
	std::string why;
	ASSERT_EQ(m.parse(&l, &why), 0) << why;
	EXPECT_EQ(l.msg_type, RTM_DELLINK);
	EXPECT_EQ(l.master, 7);
	EXPECT_EQ(l.kind, "");
	EXPECT_EQ(l.slave_kind, "bond");
	ASSERT_TRUE(l.bond_slave);
	EXPECT_EQ(l.bond_slave->state, 0);
	EXPECT_EQ(l.bond_slave->link_failure_count, 2u);
	EXPECT_EQ(l.bond_slave->perm_hwaddr, mac2);
	EXPECT_EQ(l.bond_slave->ad_aggregator_id, 1);
	EXPECT_EQ(l.bond_slave->ad_actor_oper_port_state, 0x3d);
	EXPECT_EQ(l.bond_slave->ad_partner_oper_port_state, 0x3f);
	EXPECT_FALSE(l.bond_slave->queue_id);
}

TEST(RtnlBuilt, MisalignedBufferParses)
{
	Msg m;
	put_bond(m);
	std::vector<std::uint8_t> shifted(m.len() + 1);
	std::memcpy(shifted.data() + 1, m.bytes(), m.len());
	Link l;
	std::string why;
	ASSERT_EQ(parse_link(shifted.data() + 1, m.len(), &l, &why), 0) << why;
	EXPECT_EQ(l.name, "bond0");
	EXPECT_EQ(l.bond->ad_info->partner_mac, mac2);
	// Misaligned and too long for its buffer still fails as such.
	expect_invalid(shifted.data() + 1, m.len() - 1, "exceeds");
}

TEST(RtnlBuilt, FirstOfSeveralMessages)
{
	Msg m;
	put_bond(m);
	const std::size_t one = m.len();
	Link l;
	std::string why;
	// The buffer holds more than the message: only nlmsg_len is read.
	ASSERT_EQ(parse_link(m.bytes(), one + 64, &l, &why), 0) << why;
	EXPECT_EQ(l.name, "bond0");
}

TEST(RtnlBuilt, UnknownAttributesAreIgnored)
{
	Msg m;
	put_bond(m, [](nlmsghdr *n) {
		mnl_attr_put_u64(n, IFLA_BOND_MAX + 5, 1);	// future bond
	});
	mnl_attr_put_u64(m.nlh(), IFLA_MAX + 7, 1);	// future IFLA_*
	Link l;
	std::string why;
	EXPECT_EQ(m.parse(&l, &why), 0) << why;
}

TEST(RtnlBuilt, OtherAddressLengthsAreNotMacs)
{
	for (std::size_t n : {0, 4, 20}) {
		Msg m;
		std::uint8_t a[20] = {1, 2, 3};
		mnl_attr_put(m.nlh(), IFLA_ADDRESS, n, a);
		put_member(m, [](nlmsghdr *) {});
		Link l;
		std::string why;
		ASSERT_EQ(m.parse(&l, &why), 0) << n << ": " << why;
		EXPECT_FALSE(l.address) << n;
	}
}

TEST(RtnlBuilt, OtherKindsDataIsNotRead)
{
	Msg m;
	nlmsghdr *n = m.nlh();
	mnl_attr_put_strz(n, IFLA_IFNAME, "v0");
	nlattr *li = mnl_attr_nest_start(n, IFLA_LINKINFO);
	mnl_attr_put_strz(n, IFLA_INFO_KIND, "vlan");
	// A vlan's IFLA_VLAN_ID is IFLA_BOND_MODE's number, and a u16.
	nlattr *d = mnl_attr_nest_start(n, IFLA_INFO_DATA);
	mnl_attr_put_u16(n, 1, 100);
	mnl_attr_nest_end(n, d);
	mnl_attr_nest_end(n, li);
	Link l;
	std::string why;
	ASSERT_EQ(m.parse(&l, &why), 0) << why;
	EXPECT_EQ(l.kind, "vlan");
	EXPECT_FALSE(l.bond);
}

// --- the message ------------------------------------------------------------

TEST(RtnlMalformed, TruncatedHeader)
{
	Msg m;
	put_bond(m);
	expect_invalid(m.bytes(), 10, "truncated: 10 bytes");
	expect_invalid(m.bytes(), 0, "truncated: 0 bytes");
	expect_invalid(nullptr, 0, "truncated");
}

TEST(RtnlMalformed, NlmsgLenBeyondBuffer)
{
	Msg m;
	put_bond(m);
	expect_invalid(m.bytes(), m.len() - 4, "exceeds the");
	// libmnl's mnl_nlmsg_ok() reads these as negative ints and says
	// yes; the parser must not.
	for (std::uint32_t huge : {0x80000000u, 0xfffffff0u, 0xffffffffu}) {
		Msg h;
		put_bond(h);
		const std::size_t len = h.len();
		h.nlh()->nlmsg_len = huge;
		expect_invalid(h.bytes(), len, "nlmsg_len " +
						       std::to_string(huge) +
						       " exceeds the");
		EXPECT_FALSE(message_ok(h.bytes(), len));
	}
	EXPECT_TRUE(message_ok(m.bytes(), m.len()));
	EXPECT_FALSE(message_ok(m.bytes(), m.len() - 1));
	EXPECT_FALSE(message_ok(nullptr, 100));
}

TEST(RtnlMalformed, NlmsgLenBelowHeader)
{
	Msg m;
	m.nlh()->nlmsg_len = 8;
	expect_invalid(m.bytes(), 64, "shorter than nlmsghdr");
}

TEST(RtnlMalformed, NoRoomForIfinfomsg)
{
	Msg m;
	m.nlh()->nlmsg_len = 20;
	expect_invalid(m, "want at least 32 for nlmsghdr and ifinfomsg");
}

TEST(RtnlMalformed, NotALinkMessage)
{
	for (int t : {int(RTM_NEWADDR), int(RTM_GETLINK), NLMSG_DONE,
		      NLMSG_ERROR}) {
		Msg m{std::uint16_t(t)};
		put_bond(m);
		expect_invalid(m, "not a link message: nlmsg_type " +
					  std::to_string(t));
	}
}

// --- attribute structure ----------------------------------------------------

TEST(RtnlMalformed, AttributeOverrunsTheMessage)
{
	Msg m;
	put_bond(m);
	mnl_attr_put_u32(m.nlh(), IFLA_MTU, 1500);
	// The last attribute now claims 4 more bytes than the message has.
	auto *last = reinterpret_cast<nlattr *>(m.bytes() + m.len() - 8);
	last->nla_len = 12;
	expect_invalid(m, "IFLA: attribute type 4 has nla_len 12, 8 bytes "
			  "left: overruns its parent");
}

TEST(RtnlMalformed, AttributeShorterThanItsHeader)
{
	Msg m;
	put_bond(m);
	const nlattr bad = {2, IFLA_MTU};
	m.raw(&bad, sizeof(bad));
	expect_invalid(m, "nla_len 2, less than its header");
}

TEST(RtnlMalformed, TrailingBytes)
{
	Msg m;
	put_bond(m);
	const std::uint8_t junk[2] = {};
	m.raw(junk, sizeof(junk));
	expect_invalid(m, "IFLA: 2 trailing bytes");
}

TEST(RtnlMalformed, NestOverrunsItsParent)
{
	// IFLA_INFO_DATA's last attribute reaching past IFLA_INFO_DATA,
	// still within the message: caught at the nest, not the message.
	Msg m;
	put_bond(m, [](nlmsghdr *n) {
		mnl_attr_put_u32(n, IFLA_BOND_MIN_LINKS, 1);
	});
	mnl_attr_put_u32(m.nlh(), IFLA_MTU, 1500);
	auto *min_links = reinterpret_cast<nlattr *>(m.bytes() + m.len() -
						     16);
	ASSERT_EQ(mnl_attr_get_type(min_links), IFLA_BOND_MIN_LINKS);
	min_links->nla_len = 16;
	expect_invalid(m, "IFLA_INFO_DATA: attribute type 18 has nla_len 16");
}

// --- names --------------------------------------------------------------

TEST(RtnlMalformed, IfnameWithoutNul)
{
	Msg m;
	mnl_attr_put(m.nlh(), IFLA_IFNAME, 5, "bond0");
	expect_invalid(m, "IFLA_IFNAME: no NUL in its 5 bytes");
}

TEST(RtnlMalformed, IfnameTooLong)
{
	Msg m;
	mnl_attr_put_strz(m.nlh(), IFLA_IFNAME, "abcdefghijklmnop");
	expect_invalid(m, "IFLA_IFNAME: 16 characters, want fewer than 16");
	// 15 is the longest a name can be.
	Msg ok;
	mnl_attr_put_strz(ok.nlh(), IFLA_IFNAME, "abcdefghijklmno");
	Link l;
	std::string why;
	ASSERT_EQ(ok.parse(&l, &why), 0) << why;
	EXPECT_EQ(l.name, "abcdefghijklmno");
}

TEST(RtnlMalformed, KindWithoutNul)
{
	Msg m;
	nlattr *li = mnl_attr_nest_start(m.nlh(), IFLA_LINKINFO);
	mnl_attr_put(m.nlh(), IFLA_INFO_KIND, 4, "bond");
	mnl_attr_nest_end(m.nlh(), li);
	expect_invalid(m, "IFLA_INFO_KIND: no NUL");
}

// --- sizes --------------------------------------------------------------

TEST(RtnlMalformed, WrongSizeBondMode)
{
	Msg m;
	put_bond(m, [](nlmsghdr *n) {
		mnl_attr_put_u32(n, IFLA_BOND_MODE, 1);	// last one wins
	});
	expect_invalid(m, "IFLA_BOND_MODE: 4 bytes, want 1");
}

TEST(RtnlMalformed, WrongSizeMiimon)
{
	Msg m;
	put_bond(m, [](nlmsghdr *n) {
		mnl_attr_put_u16(n, IFLA_BOND_MIIMON, 100);
	});
	expect_invalid(m, "IFLA_BOND_MIIMON: 2 bytes, want 4");
}

TEST(RtnlMalformed, WrongSizeEvent)
{
	Msg m;
	mnl_attr_put_u16(m.nlh(), IFLA_EVENT, 3);
	expect_invalid(m, "IFLA_EVENT: 2 bytes, want 4");
}

TEST(RtnlMalformed, WrongSizeMtuAndMaster)
{
	Msg m;
	mnl_attr_put_u64(m.nlh(), IFLA_MTU, 1500);
	expect_invalid(m, "IFLA_MTU: 8 bytes, want 4");
	Msg m2;
	mnl_attr_put_u8(m2.nlh(), IFLA_MASTER, 7);
	expect_invalid(m2, "IFLA_MASTER: 1 bytes, want 4");
}

TEST(RtnlMalformed, WrongSizeArpTarget)
{
	Msg m;
	put_bond(m, [](nlmsghdr *n) {
		nlattr *t = mnl_attr_nest_start(n, IFLA_BOND_ARP_IP_TARGET);
		mnl_attr_put_u16(n, 0, 1);
		mnl_attr_nest_end(n, t);
	});
	expect_invalid(m, "IFLA_BOND_ARP_IP_TARGET[0]: 2 bytes, want 4");
}

TEST(RtnlMalformed, WrongSizeActorSystem)
{
	Msg m;
	put_bond(m, [](nlmsghdr *n) {
		mnl_attr_put(n, IFLA_BOND_AD_ACTOR_SYSTEM, 8, "12345678");
	});
	expect_invalid(m, "IFLA_BOND_AD_ACTOR_SYSTEM: 8 bytes, want 6");
}

TEST(RtnlMalformed, WrongSizePartnerPortState)
{
	Msg m;
	put_member(m, [](nlmsghdr *n) {
		mnl_attr_put_u8(n, IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE,
				0x3f);
	});
	expect_invalid(m,
		       "IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE: 1 bytes, "
		       "want 2");
}

TEST(RtnlMalformed, WrongSizeSlaveState)
{
	Msg m;
	put_member(m, [](nlmsghdr *n) {
		mnl_attr_put_u32(n, IFLA_BOND_SLAVE_STATE, 0);
	});
	expect_invalid(m, "IFLA_BOND_SLAVE_STATE: 4 bytes, want 1");
}

// --- IFLA_BOND_AD_INFO ------------------------------------------------------

TEST(RtnlMalformed, AdInfoTooShortForANest)
{
	Msg m;
	put_bond(m, [](nlmsghdr *n) {
		mnl_attr_put_u16(n, IFLA_BOND_AD_INFO, 0);
	});
	expect_invalid(m, "IFLA_BOND_AD_INFO: 2 bytes, want 0 or at least 4");
}

TEST(RtnlMalformed, AdInfoAttributeOverruns)
{
	// AD_INFO holding one attribute that claims more than AD_INFO.
	Msg m2;
	put_bond(m2, [](nlmsghdr *n) {
		nlattr *ad = mnl_attr_nest_start(n, IFLA_BOND_AD_INFO);
		mnl_attr_put_u16(n, IFLA_BOND_AD_INFO_AGGREGATOR, 1);
		mnl_attr_nest_end(n, ad);
		// Claim 8 bytes of payload: past the 4 + 8 byte nest.
		static_cast<nlattr *>(mnl_attr_get_payload(ad))->nla_len = 12;
		mnl_attr_put_u32(n, IFLA_BOND_MIN_LINKS, 0);
	});
	expect_invalid(m2, "IFLA_BOND_AD_INFO: attribute type 1 has nla_len "
			   "12, 8 bytes left: overruns its parent");
}

TEST(RtnlMalformed, AdInfoWrongSizes)
{
	Msg m;
	put_bond(m, {}, [](nlmsghdr *n) {
		mnl_attr_put_u32(n, IFLA_BOND_AD_INFO_AGGREGATOR, 1);
	});
	expect_invalid(m, "IFLA_BOND_AD_INFO_AGGREGATOR: 4 bytes, want 2");
	Msg m2;
	put_bond(m2, {}, [](nlmsghdr *n) {
		mnl_attr_put(n, IFLA_BOND_AD_INFO_PARTNER_MAC, 4, "\1\2\3\4");
	});
	expect_invalid(m2, "IFLA_BOND_AD_INFO_PARTNER_MAC: 4 bytes, want 6");
}

TEST(RtnlMalformed, NullWhyIsAllowed)
{
	Msg m;
	mnl_attr_put_u16(m.nlh(), IFLA_EVENT, 3);
	Link l;
	EXPECT_EQ(parse_link(m.bytes(), m.len(), &l, nullptr), -EINVAL);
}

} // namespace
} // namespace exabond::rtnl
