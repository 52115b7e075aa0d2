// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note
//
// exabond::Snapshot: a consistent, checked copy of a bond's page, taken
// with Snapshot::read() (or Bond::snapshot()) under the page's seqlock, and
// read at leisure through typed accessors. Header-only; nothing here
// allocates or throws. Members are exabond::Member views into the
// snapshot, valid while it lives.
//
//	exabond::Snapshot s;
//	if (auto st = bond.snapshot(s); !st)
//		log("%s", st.why);
//	for (exabond::Member m : s.members())
//		printf("%.*s %.*s\n", int(m.name().size()), m.name().data(),
//		       int(m.link_name().size()), m.link_name().data());
//	if (auto m = s.member("eth1"); m && m->active()) ...
#ifndef EXABOND_SNAPSHOT_HPP
#define EXABOND_SNAPSHOT_HPP

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <exabond/names.hpp>
#include <exabond/reader.h>

namespace exabond {

using MacAddress = std::array<std::uint8_t, EXABOND_ADDR_LEN>;

// The result of a read: true when it succeeded. On failure, code is
// -EAGAIN (the writer is stuck mid-publication), -EPROTO (not a page of
// this ABI) or -EBADMSG (inconsistent content), and why says which check.
struct Status {
	int code = 0;
	const char *why = nullptr;

	explicit operator bool() const noexcept { return code == 0; }
};

namespace detail {
// A fixed-width, NUL-padded field as a string_view, never past its array.
template <std::size_t N>
constexpr std::string_view str(const char (&s)[N]) noexcept
{
	std::size_t n = 0;

	while (n < N && s[n])
		n++;
	return {s, n};
}

template <std::size_t N>
MacAddress mac(const std::uint8_t (&a)[N]) noexcept
{
	static_assert(N == EXABOND_ADDR_LEN, "Ethernet address");
	MacAddress m;

	std::memcpy(m.data(), a, N);
	return m;
}
} // namespace detail

class Member {
public:
	explicit Member(const exabond_member &m) noexcept : m_(&m) {}

	int ifindex() const noexcept { return m_->ifindex; }
	std::string_view name() const noexcept { return detail::str(m_->name); }

	// The bonding driver's view: EXABOND_LINK_* and EXABOND_ROLE_*.
	unsigned link() const noexcept { return m_->link; }
	std::string_view link_name() const noexcept
	{
		return exabond::link_name(m_->link);
	}
	unsigned role() const noexcept { return m_->role; }
	std::string_view role_name() const noexcept
	{
		return exabond::role_name(m_->role);
	}
	bool active() const noexcept { return m_->flags & EXABOND_MEMBER_F_ACTIVE; }
	bool primary() const noexcept
	{
		return m_->flags & EXABOND_MEMBER_F_PRIMARY;
	}

	// The NIC driver's raw carrier, ahead of bonding's decision.
	bool carrier() const noexcept { return m_->carrier; }
	std::uint64_t carrier_changed_ns() const noexcept
	{
		return m_->carrier_changed_ns;
	}
	std::uint32_t carrier_changes() const noexcept
	{
		return m_->carrier_changes;
	}
	std::uint64_t link_changed_ns() const noexcept
	{
		return m_->link_changed_ns;
	}
	std::uint32_t link_failure_count() const noexcept
	{
		return m_->link_failure_count;
	}
	unsigned operstate() const noexcept { return m_->operstate; }

	// Mb/s; std::nullopt when the driver does not know.
	std::optional<std::uint32_t> speed() const noexcept
	{
		if (m_->speed == EXABOND_SPEED_UNKNOWN)
			return std::nullopt;
		return m_->speed;
	}
	std::string_view duplex_name() const noexcept
	{
		return exabond::duplex_name(m_->duplex);
	}
	std::uint32_t mtu() const noexcept { return m_->mtu; }
	MacAddress perm_addr() const noexcept { return detail::mac(m_->perm_addr); }
	MacAddress addr() const noexcept { return detail::mac(m_->addr); }
	std::string_view driver() const noexcept
	{
		return detail::str(m_->driver);
	}
	std::string_view bus_info() const noexcept
	{
		return detail::str(m_->bus_info);
	}
	std::uint16_t queue_id() const noexcept { return m_->queue_id; }
	std::uint16_t ad_aggregator_id() const noexcept
	{
		return m_->ad_aggregator_id;
	}
	std::uint8_t ad_actor_oper_port_state() const noexcept
	{
		return m_->ad_actor_oper_port_state;
	}
	std::uint8_t ad_partner_oper_port_state() const noexcept
	{
		return m_->ad_partner_oper_port_state;
	}

	const exabond_member &raw() const noexcept { return *m_; }

private:
	const exabond_member *m_;
};

class Snapshot {
public:
	// Iterates the members the snapshot holds, in the bond's order.
	class Members {
	public:
		class iterator {
		public:
			explicit iterator(const exabond_member *p) noexcept : p_(p) {}
			Member operator*() const noexcept { return Member(*p_); }
			iterator &operator++() noexcept
			{
				++p_;
				return *this;
			}
			bool operator!=(const iterator &o) const noexcept
			{
				return p_ != o.p_;
			}
			bool operator==(const iterator &o) const noexcept
			{
				return p_ == o.p_;
			}

		private:
			const exabond_member *p_;
		};

		Members(const exabond_member *b, std::size_t n) noexcept
			: b_(b), n_(n) {}
		iterator begin() const noexcept { return iterator(b_); }
		iterator end() const noexcept { return iterator(b_ + n_); }
		std::size_t size() const noexcept { return n_; }
		bool empty() const noexcept { return n_ == 0; }
		Member operator[](std::size_t i) const noexcept
		{
			return Member(b_[i]);
		}

	private:
		const exabond_member *b_;
		std::size_t n_;
	};

	Snapshot() noexcept { std::memset(&pg_, 0, sizeof(pg_)); }

	// Copies @pg under its seqlock and checks the copy. On failure the
	// snapshot is empty: all zero, valid() false.
	Status read(const exabond_page *pg) noexcept
	{
		Status st;

		st.code = exabond_snapshot(pg, &pg_, &st.why);
		valid_ = st.code == 0;
		if (!valid_)
			std::memset(&pg_, 0, sizeof(pg_));
		return st;
	}

	bool valid() const noexcept { return valid_; }

	// Page header.
	std::uint64_t generation() const noexcept { return pg_.generation; }
	std::uint64_t hot() const noexcept { return pg_.hot; }
	std::uint16_t active_epoch() const noexcept
	{
		return EXABOND_HOT_EPOCH(pg_.hot);
	}
	bool dead() const noexcept { return pg_.hot & EXABOND_HOT_F_DEAD; }
	bool up() const noexcept { return pg_.hot & EXABOND_HOT_F_UP; }
	std::uint64_t event_ns() const noexcept { return pg_.event_ns; }
	std::uint64_t publish_ns() const noexcept { return pg_.publish_ns; }
	unsigned event() const noexcept { return pg_.event; }
	std::string_view event_name() const noexcept
	{
		return exabond::event_name(pg_.event);
	}
	int event_ifindex() const noexcept { return pg_.event_ifindex; }
	unsigned publisher() const noexcept { return pg_.publisher; }
	unsigned abi_minor() const noexcept { return pg_.abi_minor; }

	// The bond.
	int ifindex() const noexcept { return pg_.bond.ifindex; }
	std::string_view name() const noexcept
	{
		return detail::str(pg_.bond.name);
	}
	std::uint32_t netns_ino() const noexcept { return pg_.bond.netns_ino; }
	unsigned mode() const noexcept { return pg_.bond.mode; }
	std::string_view mode_name() const noexcept
	{
		return exabond::mode_name(pg_.bond.mode);
	}
	std::string_view xmit_hash_policy_name() const noexcept
	{
		return exabond::xmit_hash_policy_name(pg_.bond.xmit_hash_policy);
	}
	unsigned operstate() const noexcept { return pg_.bond.operstate; }
	bool admin_up() const noexcept
	{
		return pg_.bond.flags & EXABOND_BOND_F_ADMIN_UP;
	}
	bool carrier() const noexcept
	{
		return pg_.bond.flags & EXABOND_BOND_F_CARRIER;
	}
	std::uint32_t miimon() const noexcept { return pg_.bond.miimon; }
	std::uint32_t arp_interval() const noexcept
	{
		return pg_.bond.arp_interval;
	}
	std::uint32_t updelay() const noexcept { return pg_.bond.updelay; }
	std::uint32_t downdelay() const noexcept { return pg_.bond.downdelay; }
	std::string_view primary() const noexcept
	{
		return detail::str(pg_.bond.primary);
	}
	MacAddress addr() const noexcept { return detail::mac(pg_.bond.addr); }
	std::uint32_t mtu() const noexcept { return pg_.bond.mtu; }
	int active_ifindex() const noexcept { return pg_.bond.active_ifindex; }
	std::uint64_t failover_count() const noexcept
	{
		return pg_.bond.failover_count;
	}
	std::uint64_t last_failover_ns() const noexcept
	{
		return pg_.bond.last_failover_ns;
	}

	// Members: the first member_count of members_total (the page holds
	// at most EXABOND_MAX_MEMBERS; member_overflow() says some are not).
	Members members() const noexcept
	{
		return Members(pg_.members, pg_.bond.member_count);
	}
	std::uint32_t members_total() const noexcept
	{
		return pg_.bond.members_total;
	}
	bool member_overflow() const noexcept
	{
		return pg_.bond.flags & EXABOND_BOND_F_MEMBER_OVERFLOW;
	}
	std::optional<Member> member(std::string_view name) const noexcept
	{
		for (Member m : members())
			if (m.name() == name)
				return m;
		return std::nullopt;
	}
	std::optional<Member> member(int ifindex) const noexcept
	{
		for (Member m : members())
			if (m.ifindex() == ifindex)
				return m;
		return std::nullopt;
	}
	std::optional<Member> active_member() const noexcept
	{
		if (!pg_.bond.active_ifindex)
			return std::nullopt;
		return member(pg_.bond.active_ifindex);
	}

	// 802.3ad, when ad_info_valid().
	bool ad_info_valid() const noexcept
	{
		return pg_.bond.flags & EXABOND_BOND_F_AD_INFO_VALID;
	}
	const exabond_ad &ad() const noexcept { return pg_.ad; }
	bool ad_partner_known() const noexcept
	{
		for (auto b : pg_.ad.partner_mac)
			if (b)
				return true;
		return false;
	}

	// Policy.
	bool compliant() const noexcept
	{
		return pg_.policy.flags & EXABOND_POLICY_F_COMPLIANT;
	}
	bool roce_lag_eligible() const noexcept
	{
		return pg_.policy.flags & EXABOND_POLICY_F_ROCE_LAG;
	}
	bool has_link_monitor() const noexcept
	{
		return !(pg_.policy.flags & EXABOND_POLICY_F_NO_LINK_MON);
	}
	std::uint32_t violations() const noexcept
	{
		return pg_.policy.violations;
	}
	const exabond_policy &policy() const noexcept { return pg_.policy; }

	// Everything, as the ABI defines it. Entries past member_count and
	// the reserved tail are not copied by read(): they hold whatever an
	// earlier read left there.
	const exabond_page &raw() const noexcept { return pg_; }

private:
	alignas(64) exabond_page pg_;
	bool valid_ = false;
};

} // namespace exabond

#endif // EXABOND_SNAPSHOT_HPP
