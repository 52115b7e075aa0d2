// SPDX-License-Identifier: GPL-2.0
//
// The page ABI is a contract with programs built against older and newer
// copies of include/exabond/page.h, and with the kernel module. These tests
// pin it: every field's offset and size is written out below by hand, and
// the C99, C11 and C++17 layouts must all equal that table.

#include <exabond/page.h>

#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/if_bonding.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "abi_layout.h"

namespace {

struct Row {
	std::string field;
	size_t offset;
	size_t size;
	bool operator==(const Row &o) const
	{
		return field == o.field && offset == o.offset && size == o.size;
	}
};

std::ostream &operator<<(std::ostream &os, const Row &r)
{
	return os << r.field << " @" << r.offset << " +" << r.size;
}

// ABI 1.0, written out by hand. Changing a number here is an ABI break.
const std::vector<Row> kPinned = {
	{"exabond_page.magic", 0, 4},
	{"exabond_page.abi_major", 4, 2},
	{"exabond_page.abi_minor", 6, 2},
	{"exabond_page.size", 8, 4},
	{"exabond_page.publisher", 12, 2},
	{"exabond_page.member_max", 14, 2},
	{"exabond_page.seq", 16, 4},
	{"exabond_page.__pad0", 20, 4},
	{"exabond_page.generation", 24, 8},
	{"exabond_page.hot", 32, 8},
	{"exabond_page.event_ns", 40, 8},
	{"exabond_page.publish_ns", 48, 8},
	{"exabond_page.event", 56, 4},
	{"exabond_page.event_ifindex", 60, 4},
	{"exabond_page.bond", 64, 192},
	{"exabond_page.ad", 256, 64},
	{"exabond_page.policy", 320, 64},
	{"exabond_page.members", 384, 16 * 160},
	{"exabond_page.__reserved", 2944, 1152},
	{"exabond_bond.ifindex", 0, 4},
	{"exabond_bond.netns_ino", 4, 4},
	{"exabond_bond.netns_cookie", 8, 8},
	{"exabond_bond.name", 16, 16},
	{"exabond_bond.mode", 32, 1},
	{"exabond_bond.xmit_hash_policy", 33, 1},
	{"exabond_bond.operstate", 34, 1},
	{"exabond_bond.primary_reselect", 35, 1},
	{"exabond_bond.flags", 36, 4},
	{"exabond_bond.miimon", 40, 4},
	{"exabond_bond.arp_interval", 44, 4},
	{"exabond_bond.updelay", 48, 4},
	{"exabond_bond.downdelay", 52, 4},
	{"exabond_bond.peer_notif_delay", 56, 4},
	{"exabond_bond.primary_ifindex", 60, 4},
	{"exabond_bond.primary", 64, 16},
	{"exabond_bond.addr", 80, 6},
	{"exabond_bond.fail_over_mac", 86, 1},
	{"exabond_bond.arp_validate", 87, 1},
	{"exabond_bond.mtu", 88, 4},
	{"exabond_bond.member_count", 92, 4},
	{"exabond_bond.members_total", 96, 4},
	{"exabond_bond.active_ifindex", 100, 4},
	{"exabond_bond.failover_count", 104, 8},
	{"exabond_bond.last_failover_ns", 112, 8},
	{"exabond_bond.arp_ip_target_count", 120, 4},
	{"exabond_bond.arp_all_targets", 124, 1},
	{"exabond_bond.__pad0", 125, 3},
	{"exabond_bond.arp_ip_target", 128, 64},
	{"exabond_ad.aggregator_id", 0, 2},
	{"exabond_ad.num_ports", 2, 2},
	{"exabond_ad.actor_key", 4, 2},
	{"exabond_ad.partner_key", 6, 2},
	{"exabond_ad.partner_mac", 8, 6},
	{"exabond_ad.lacp_rate", 14, 1},
	{"exabond_ad.ad_select", 15, 1},
	{"exabond_ad.actor_sys_prio", 16, 2},
	{"exabond_ad.user_port_key", 18, 2},
	{"exabond_ad.actor_system", 20, 6},
	{"exabond_ad.lacp_active", 26, 1},
	{"exabond_ad.__pad0", 27, 5},
	{"exabond_ad.__reserved", 32, 32},
	{"exabond_policy.flags", 0, 4},
	{"exabond_policy.violations", 4, 4},
	{"exabond_policy.refreshed", 8, 4},
	{"exabond_policy.refresh_interval_ms", 12, 4},
	{"exabond_policy.last_refresh_ns", 16, 8},
	{"exabond_policy.managed_since_ns", 24, 8},
	{"exabond_policy.allowed_modes", 32, 4},
	{"exabond_policy.max_members", 36, 4},
	{"exabond_policy.__reserved", 40, 24},
	{"exabond_member.ifindex", 0, 4},
	{"exabond_member.link", 4, 1},
	{"exabond_member.role", 5, 1},
	{"exabond_member.carrier", 6, 1},
	{"exabond_member.duplex", 7, 1},
	{"exabond_member.name", 8, 16},
	{"exabond_member.perm_addr", 24, 6},
	{"exabond_member.addr", 30, 6},
	{"exabond_member.operstate", 36, 1},
	{"exabond_member.flags", 37, 1},
	{"exabond_member.ad_aggregator_id", 38, 2},
	{"exabond_member.ad_actor_oper_port_state", 40, 1},
	{"exabond_member.ad_partner_oper_port_state", 41, 1},
	{"exabond_member.queue_id", 42, 2},
	{"exabond_member.speed", 44, 4},
	{"exabond_member.link_failure_count", 48, 4},
	{"exabond_member.mtu", 52, 4},
	{"exabond_member.carrier_changed_ns", 56, 8},
	{"exabond_member.link_changed_ns", 64, 8},
	{"exabond_member.driver", 72, 32},
	{"exabond_member.bus_info", 104, 32},
	{"exabond_member.carrier_changes", 136, 4},
	{"exabond_member.__pad0", 140, 4},
	{"exabond_member.__reserved", 144, 16},
};

const exabond_layout_row kCxx[] = {EXABOND_LAYOUT_ROWS};

std::vector<Row> rows(const exabond_layout_row *t, size_t n)
{
	std::vector<Row> v;
	for (size_t i = 0; i < n; i++)
		v.push_back({t[i].field, t[i].offset, t[i].size});
	return v;
}

TEST(AbiLayout, PageIsExactlyOnePage)
{
	EXPECT_EQ(sizeof(exabond_page), 4096u);
	EXPECT_EQ(EXABOND_PAGE_BYTES, 4096);
	EXPECT_EQ(EXABOND_PAGE_SIZE_V1_0, 2944u);
	EXPECT_EQ(sizeof(exabond_member), 160u);
	EXPECT_EQ(EXABOND_ABI_MAJOR, 1);
	EXPECT_EQ(EXABOND_ABI_MINOR, 1);
}

TEST(AbiLayout, CxxMatchesPinnedTable)
{
	EXPECT_EQ(rows(kCxx, std::size(kCxx)), kPinned);
}

TEST(AbiLayout, C99MatchesPinnedTable)
{
	EXPECT_EQ(rows(exabond_layout_c99, exabond_layout_c99_count), kPinned);
}

TEST(AbiLayout, C11MatchesPinnedTable)
{
	EXPECT_EQ(rows(exabond_layout_c11, exabond_layout_c11_count), kPinned);
}

// Every byte of every struct belongs to exactly one named field: no hole the
// compiler could fill differently elsewhere, no field missing from the table.
TEST(AbiLayout, NoImplicitPaddingAndEveryFieldListed)
{
	const std::map<std::string, size_t> sizes = {
		{"exabond_page", sizeof(exabond_page)},
		{"exabond_bond", sizeof(exabond_bond)},
		{"exabond_ad", sizeof(exabond_ad)},
		{"exabond_policy", sizeof(exabond_policy)},
		{"exabond_member", sizeof(exabond_member)},
	};
	for (const auto &[type, size] : sizes) {
		size_t next = 0;
		for (const Row &r : kPinned) {
			if (r.field.compare(0, type.size() + 1, type + ".") != 0)
				continue;
			EXPECT_EQ(r.offset, next) << "hole or overlap before " << r;
			next = r.offset + r.size;
		}
		EXPECT_EQ(next, size) << type << " has unlisted bytes at its end";
	}
}

TEST(AbiLayout, NestedStructsSitWhereThePageSays)
{
	EXPECT_EQ(offsetof(exabond_page, bond) + offsetof(exabond_bond, name), 80u);
	EXPECT_EQ(offsetof(exabond_page, ad) + offsetof(exabond_ad, partner_mac), 264u);
	EXPECT_EQ(offsetof(exabond_page, members) + 15 * sizeof(exabond_member) +
			  offsetof(exabond_member, bus_info),
		  384u + 15 * 160 + 104);
}

TEST(AbiLayout, HotWordAndGenerationAreSingleLockFreeLoads)
{
	EXPECT_EQ(alignof(exabond_page), 8u);
	EXPECT_EQ(offsetof(exabond_page, hot) % 8, 0u);
	EXPECT_EQ(offsetof(exabond_page, generation) % 8, 0u);
	EXPECT_EQ(sizeof(exabond_page::hot), sizeof(std::uint64_t));
	EXPECT_TRUE(std::atomic<std::uint64_t>::is_always_lock_free);
	// The low half of the generation is a valid futex word.
	EXPECT_EQ(offsetof(exabond_page, generation) % 4, 0u);
}

TEST(AbiLayout, MagicReadsExbdInMemory)
{
	exabond_page pg{};
	pg.magic = EXABOND_PAGE_MAGIC;
	char bytes[4];
	std::memcpy(bytes, &pg.magic, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	EXPECT_EQ(std::string(bytes, 4), "EXBD");
#else
	EXPECT_EQ(std::string(bytes, 4), "DBXE");
#endif
}

TEST(AbiConstants, MatchTheKernelsNumbering)
{
	EXPECT_EQ(EXABOND_MODE_BALANCE_RR, BOND_MODE_ROUNDROBIN);
	EXPECT_EQ(EXABOND_MODE_ACTIVE_BACKUP, BOND_MODE_ACTIVEBACKUP);
	EXPECT_EQ(EXABOND_MODE_BALANCE_XOR, BOND_MODE_XOR);
	EXPECT_EQ(EXABOND_MODE_BROADCAST, BOND_MODE_BROADCAST);
	EXPECT_EQ(EXABOND_MODE_8023AD, BOND_MODE_8023AD);
	EXPECT_EQ(EXABOND_MODE_BALANCE_TLB, BOND_MODE_TLB);
	EXPECT_EQ(EXABOND_MODE_BALANCE_ALB, BOND_MODE_ALB);

	EXPECT_EQ(EXABOND_XMIT_LAYER2, BOND_XMIT_POLICY_LAYER2);
	EXPECT_EQ(EXABOND_XMIT_LAYER34, BOND_XMIT_POLICY_LAYER34);
	EXPECT_EQ(EXABOND_XMIT_LAYER23, BOND_XMIT_POLICY_LAYER23);
	EXPECT_EQ(EXABOND_XMIT_ENCAP23, BOND_XMIT_POLICY_ENCAP23);
	EXPECT_EQ(EXABOND_XMIT_ENCAP34, BOND_XMIT_POLICY_ENCAP34);
	EXPECT_EQ(EXABOND_XMIT_VLAN_SRCMAC, BOND_XMIT_POLICY_VLAN_SRCMAC);

	EXPECT_EQ(EXABOND_LINK_UP, BOND_LINK_UP);
	EXPECT_EQ(EXABOND_LINK_FAIL, BOND_LINK_FAIL);
	EXPECT_EQ(EXABOND_LINK_DOWN, BOND_LINK_DOWN);
	EXPECT_EQ(EXABOND_LINK_BACK, BOND_LINK_BACK);
	EXPECT_EQ(EXABOND_ROLE_ACTIVE, BOND_STATE_ACTIVE);
	EXPECT_EQ(EXABOND_ROLE_BACKUP, BOND_STATE_BACKUP);

	EXPECT_EQ(EXABOND_DUPLEX_HALF, DUPLEX_HALF);
	EXPECT_EQ(EXABOND_DUPLEX_FULL, DUPLEX_FULL);
	EXPECT_EQ(EXABOND_DUPLEX_UNKNOWN, DUPLEX_UNKNOWN);
	EXPECT_EQ(EXABOND_SPEED_UNKNOWN, static_cast<std::uint32_t>(SPEED_UNKNOWN));

	EXPECT_EQ(EXABOND_NAME_LEN, IFNAMSIZ);
	EXPECT_EQ(EXABOND_DRIVER_LEN, sizeof(ethtool_drvinfo::driver));
	EXPECT_EQ(EXABOND_BUS_INFO_LEN, sizeof(ethtool_drvinfo::bus_info));
}

TEST(AbiHotWord, FieldsDoNotOverlap)
{
	const std::uint64_t flags = EXABOND_HOT_F_HAS_ACTIVE | EXABOND_HOT_F_UP |
				    EXABOND_HOT_F_DEAD | EXABOND_HOT_F_NONCOMPLIANT;
	EXPECT_EQ(flags & EXABOND_HOT_IFINDEX_MASK, 0u);
	EXPECT_EQ(flags >> EXABOND_HOT_EPOCH_SHIFT, 0u);
	EXPECT_EQ(flags & ((1ULL << EXABOND_HOT_FLAGS_SHIFT) - 1), 0u);
}

TEST(AbiHotWord, DecodesIfindexFlagsAndEpoch)
{
	const std::uint64_t hot = (std::uint64_t{0xbeef} << EXABOND_HOT_EPOCH_SHIFT) |
				  EXABOND_HOT_F_HAS_ACTIVE | EXABOND_HOT_F_UP |
				  0x7fffffffu;
	EXPECT_EQ(EXABOND_HOT_IFINDEX(hot), 0x7fffffffu);
	EXPECT_EQ(EXABOND_HOT_EPOCH(hot), 0xbeefu);
	EXPECT_TRUE(hot & EXABOND_HOT_F_HAS_ACTIVE);
	EXPECT_FALSE(hot & EXABOND_HOT_F_DEAD);
	// An epoch that wraps leaves the flags and the ifindex alone.
	const std::uint64_t wrapped = hot + (std::uint64_t{0x4111} << EXABOND_HOT_EPOCH_SHIFT);
	EXPECT_EQ(EXABOND_HOT_EPOCH(wrapped), 0x0000u);
	EXPECT_EQ(EXABOND_HOT_IFINDEX(wrapped), 0x7fffffffu);
	EXPECT_EQ(wrapped & ~EXABOND_HOT_IFINDEX_MASK & ((1ULL << 48) - 1),
		  EXABOND_HOT_F_HAS_ACTIVE | EXABOND_HOT_F_UP);
}

} // namespace
