// SPDX-License-Identifier: GPL-2.0
//
// Seed corpus for page_fuzz: valid pages written by PageWriter, as the
// monitor and (byte for byte the same protocol) the kernel publish them.
//
//	page_fuzz_seeds DIR	writes DIR/seed-*, 4097 bytes each
//
// Each seed is page_fuzz's input: a control byte, 0 (the header is taken
// as it is), then the page.
//
// tests/fuzz/run.sh runs it into the build directory's corpus; nothing
// binary is committed.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <exabond/writer.hpp>

namespace {

template <std::size_t N> void set_str(char (&dst)[N], std::string_view s)
{
	std::memset(dst, 0, N);
	std::memcpy(dst, s.data(), s.size() < N - 1 ? s.size() : N - 1);
}

// A bond of @n members (of @total) in @mode, the first one active.
void stage(exabond_page &st, unsigned n, unsigned total, unsigned mode)
{
	std::memset(static_cast<void *>(&st), 0, sizeof(st));
	exabond_bond &b = st.bond;

	b.ifindex = 10;
	b.netns_ino = 4026531840u;
	set_str(b.name, "bond0");
	b.mode = std::uint8_t(mode);
	b.xmit_hash_policy = EXABOND_XMIT_LAYER34;
	b.operstate = 6;
	b.flags = EXABOND_BOND_F_ADMIN_UP | EXABOND_BOND_F_CARRIER;
	if (total > n)
		b.flags |= EXABOND_BOND_F_MEMBER_OVERFLOW;
	b.miimon = 100;
	b.updelay = 200;
	b.downdelay = 200;
	b.primary_ifindex = 11;
	set_str(b.primary, "eth0");
	for (unsigned i = 0; i < EXABOND_ADDR_LEN; i++)
		b.addr[i] = std::uint8_t(0x52 + i);
	b.mtu = 9000;
	b.member_count = n;
	b.members_total = total;
	const bool one_active = mode == EXABOND_MODE_ACTIVE_BACKUP ||
				mode == EXABOND_MODE_BALANCE_TLB ||
				mode == EXABOND_MODE_BALANCE_ALB;

	b.active_ifindex = one_active && n ? 11 : 0;
	b.arp_ip_target_count = 2;
	b.arp_ip_target[0] = 0x0100000a;
	b.arp_ip_target[1] = 0x0200000a;
	if (mode == EXABOND_MODE_8023AD) {
		b.flags |= EXABOND_BOND_F_AD_INFO_VALID;
		st.ad.aggregator_id = 1;
		st.ad.num_ports = std::uint16_t(n);
		st.ad.actor_key = 15;
		st.ad.partner_key = 33;
		st.ad.partner_mac[0] = 0x02;
		st.ad.lacp_rate = 1;
		st.ad.actor_sys_prio = 65535;
	}
	st.policy.flags =
		EXABOND_POLICY_F_COMPLIANT | EXABOND_POLICY_F_ROCE_LAG;
	st.policy.allowed_modes = 1u << mode;
	st.policy.max_members = 16;
	for (unsigned i = 0; i < n; i++) {
		exabond_member &m = st.members[i];

		m.ifindex = 11 + int(i);
		m.link = std::uint8_t(i % 4);
		m.role = i == 0 || !one_active ? EXABOND_ROLE_ACTIVE
					       : EXABOND_ROLE_BACKUP;
		m.carrier = i % 3 != 2;
		m.duplex = i % 5 == 4 ? EXABOND_DUPLEX_UNKNOWN
				      : EXABOND_DUPLEX_FULL;
		set_str(m.name, "eth" + std::to_string(i));
		m.operstate = 6;
		m.flags = i == 0 ? EXABOND_MEMBER_F_PRIMARY : 0;
		if (i == 0 && one_active)
			m.flags |= EXABOND_MEMBER_F_ACTIVE;
		m.speed = i % 5 == 4 ? EXABOND_SPEED_UNKNOWN : 25000;
		m.mtu = 9000;
		m.ad_aggregator_id = mode == EXABOND_MODE_8023AD ? 1 : 0;
		m.ad_actor_oper_port_state = 0x3d;
		m.link_failure_count = i;
		set_str(m.driver, i % 2 ? "mlx5_core" : "virtio_net");
		set_str(m.bus_info,
			"0000:0" + std::to_string(i % 10) + ":00.0");
		m.carrier_changes = 2 * i;
	}
}

bool write_seed(const std::string &dir, const char *name,
		const exabond_page *pg)
{
	const std::string path = dir + "/seed-" + name;
	FILE *f = std::fopen(path.c_str(), "wb");

	if (!f) {
		std::fprintf(stderr, "page_fuzz_seeds: %s: %s\n", path.c_str(),
			     std::strerror(errno));
		return false;
	}
	const bool ok = std::fputc(0, f) == 0 &&
			std::fwrite(pg, sizeof(*pg), 1, f) == 1;

	return std::fclose(f) == 0 && ok;
}

struct Seed {
	const char *name;
	std::uint16_t publisher;
	unsigned members, total, mode;
	bool final;
};

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	const Seed seeds[] = {
		{"kernel-1", EXABOND_PUBLISHER_KERNEL, 1, 1,
		 EXABOND_MODE_ACTIVE_BACKUP, false},
		{"monitor-2", EXABOND_PUBLISHER_MONITOR, 2, 2,
		 EXABOND_MODE_ACTIVE_BACKUP, false},
		{"kernel-16", EXABOND_PUBLISHER_KERNEL, 16, 20,
		 EXABOND_MODE_BALANCE_ALB, false},
		{"monitor-16-8023ad", EXABOND_PUBLISHER_MONITOR, 16, 16,
		 EXABOND_MODE_8023AD, false},
		{"kernel-4-8023ad", EXABOND_PUBLISHER_KERNEL, 4, 4,
		 EXABOND_MODE_8023AD, false},
		{"monitor-0", EXABOND_PUBLISHER_MONITOR, 0, 0,
		 EXABOND_MODE_BALANCE_RR, false},
		{"kernel-2-dead", EXABOND_PUBLISHER_KERNEL, 2, 2,
		 EXABOND_MODE_ACTIVE_BACKUP, true},
	};
	int rc = 0;

	for (const Seed &s : seeds) {
		auto *pg = static_cast<exabond_page *>(
			std::aligned_alloc(4096, sizeof(exabond_page)));

		if (!pg)
			return 1;
		std::memset(static_cast<void *>(pg), 0, sizeof(*pg));
		exabond_page st;

		stage(st, s.members, s.total, s.mode);
		{
			exabond::PageWriter w(pg, s.publisher);

			w.publish(st, EXABOND_EVENT_MANAGE, 10, 1000);
			// A second publication: a failover, so the hot
			// word's epoch and failover_count are not zero.
			if (s.members > 1 && st.bond.active_ifindex) {
				st.bond.active_ifindex = 12;
				st.members[0].flags &= ~EXABOND_MEMBER_F_ACTIVE;
				st.members[1].flags |= EXABOND_MEMBER_F_ACTIVE;
				w.publish(st, EXABOND_EVENT_MEMBER_LINK, 11,
					  2000);
			}
			if (s.final)
				w.publish_final(st, EXABOND_EVENT_BOND_DELETE,
						3000);
		}
		if (!write_seed(argv[1], s.name, pg))
			rc = 1;
		std::free(pg);
	}
	return rc;
}
