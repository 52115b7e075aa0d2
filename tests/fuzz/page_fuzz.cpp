// SPDX-License-Identifier: GPL-2.0
//
// libFuzzer target: a hostile page through every reader path.
//
// The input is a control byte, then the page: up to 4096 bytes copied into
// a zeroed, 64-byte aligned heap page (ASan catches a read past it), so
// the fuzzer controls every field. To get past the magic often, the control
// byte makes three inputs in four have a valid header; with the fourth the
// header is the input's own, so every header check is fuzzed too (the
// seeds, from page_fuzz_seeds, are valid pages with a control byte of 0).
// Then: the hot-path loads, the header
// and content checks, exabond_snapshot(), Snapshot::read() and, when the
// page is accepted, every Snapshot and Member accessor, member lookups and
// every names.hpp function on every enum field.
//
// Beyond "no crash, no out-of-bounds read", the reader's promises are
// checked and a broken one aborts (a crash for libFuzzer): the C and C++
// paths agree, an accepted page has its counts within their arrays, its
// strings terminated and its enums named, and no accessor points outside
// the snapshot.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <exabond/names.hpp>
#include <exabond/reader.h>
#include <exabond/snapshot.hpp>

namespace {

volatile std::size_t sink;

void use(std::string_view s) noexcept { sink = sink + s.size(); }
void use(std::uint64_t v) noexcept { sink = sink + std::size_t(v); }

[[noreturn]] void broken(const char *what) noexcept
{
	std::fprintf(stderr, "page_fuzz: reader promise broken: %s\n", what);
	std::abort();
}

#define PROMISE(cond)                                                       \
	do {                                                                \
		if (!(cond))                                                \
			broken(#cond);                                      \
	} while (0)

// @v lies within the array @a and stops before its end when @terminated.
template <std::size_t N>
void bounded(std::string_view v, const char (&a)[N], bool terminated) noexcept
{
	PROMISE(v.data() == a);
	PROMISE(v.size() <= (terminated ? N - 1 : N));
	PROMISE(v.size() == strnlen(a, N));
	use(v);
}

// Every name function, on any value: total, never empty.
void names(const exabond_page &p) noexcept
{
	using namespace exabond;
	const exabond_bond &b = p.bond;

	use(mode_name(b.mode));
	use(xmit_hash_policy_name(b.xmit_hash_policy));
	use(operstate_name(b.operstate));
	use(primary_reselect_name(b.primary_reselect));
	use(fail_over_mac_name(b.fail_over_mac));
	use(arp_validate_name(b.arp_validate));
	use(arp_all_targets_name(b.arp_all_targets));
	use(lacp_rate_name(p.ad.lacp_rate));
	use(ad_select_name(p.ad.ad_select));
	use(event_name(p.event));
	use(publisher_name(p.publisher));
	PROMISE(!mode_name(b.mode).empty());
	PROMISE(!event_name(p.event).empty());

	// mode_from_name() inverts mode_name() and takes any string.
	if (auto m = mode_from_name(mode_name(b.mode)))
		PROMISE(*m == b.mode);
	else
		PROMISE(b.mode > EXABOND_MODE_BALANCE_ALB);
	if (auto m = mode_from_name(detail::str(b.name)))
		PROMISE(*m <= EXABOND_MODE_BALANCE_ALB);

	for (const exabond_member &m : p.members) {
		use(link_name(m.link));
		use(link_proc_name(m.link));
		use(role_name(m.role));
		use(operstate_name(m.operstate));
		use(duplex_name(m.duplex));
	}
}

void members(const exabond::Snapshot &s) noexcept
{
	const exabond_page &r = s.raw();
	const exabond::Snapshot::Members ms = s.members();
	std::size_t i = 0;

	PROMISE(ms.size() == r.bond.member_count);
	PROMISE(ms.size() <= EXABOND_MAX_MEMBERS);
	PROMISE(ms.empty() == (ms.size() == 0));
	for (exabond::Member m : ms) {
		const exabond_member &e = r.members[i];

		PROMISE(&m.raw() == &e);
		PROMISE(&ms[i].raw() == &e);
		use(std::uint64_t(m.ifindex()));
		bounded(m.name(), e.name, true);
		bounded(m.driver(), e.driver, true);
		bounded(m.bus_info(), e.bus_info, true);
		PROMISE(m.link() <= EXABOND_LINK_BACK);
		PROMISE(m.link_name() != "unknown");
		PROMISE(m.role() <= EXABOND_ROLE_BACKUP);
		PROMISE(m.role_name() != "unknown");
		use(m.duplex_name());
		use(m.active() + 2 * m.primary() + 4 * m.carrier());
		use(m.carrier_changed_ns() + m.carrier_changes() +
		    m.link_changed_ns() + m.link_failure_count() +
		    m.operstate() + m.mtu() + m.queue_id() +
		    m.ad_aggregator_id() + m.ad_actor_oper_port_state() +
		    m.ad_partner_oper_port_state());
		if (auto sp = m.speed())
			PROMISE(*sp != EXABOND_SPEED_UNKNOWN);
		for (std::uint8_t b : m.perm_addr())
			use(b);
		for (std::uint8_t b : m.addr())
			use(b);

		// Lookups find a member (the first) with that key.
		auto by_name = s.member(m.name());
		auto by_index = s.member(m.ifindex());

		PROMISE(by_name && by_name->name() == m.name());
		PROMISE(by_index && by_index->ifindex() == m.ifindex());
		PROMISE(&by_name->raw() <= &e && &by_index->raw() <= &e);
		i++;
	}
	PROMISE(i == ms.size());
	PROMISE(ms.begin() == ms.begin() && !(ms.begin() != ms.begin()));

	// Keys no accepted page holds.
	PROMISE(!s.member(std::string_view("0123456789abcdef")));
	if (auto a = s.active_member())
		PROMISE(s.active_ifindex() &&
			a->ifindex() == s.active_ifindex());
	else
		PROMISE(!s.active_ifindex() || !s.member(s.active_ifindex()));
}

void accessors(const exabond::Snapshot &s) noexcept
{
	const exabond_page &r = s.raw();

	use(s.generation() + s.hot() + s.active_epoch() + s.dead() +
	    s.up() + s.event_ns() + s.publish_ns() + s.event() +
	    std::uint64_t(s.event_ifindex()) + s.publisher() + s.abi_minor());
	use(s.event_name());
	PROMISE(s.publisher() == EXABOND_PUBLISHER_KERNEL ||
		s.publisher() == EXABOND_PUBLISHER_MONITOR);
	use(std::uint64_t(s.ifindex()) + s.netns_ino() + s.mode() +
	    s.operstate() + s.admin_up() + s.carrier() + s.miimon() +
	    s.arp_interval() + s.updelay() + s.downdelay() + s.mtu() +
	    std::uint64_t(s.active_ifindex()) + s.failover_count() +
	    s.last_failover_ns() + s.members_total() + s.member_overflow());
	bounded(s.name(), r.bond.name, true);
	bounded(s.primary(), r.bond.primary, true);
	PROMISE(s.mode() <= EXABOND_MODE_BALANCE_ALB);
	PROMISE(s.mode_name() != "unknown");
	use(s.xmit_hash_policy_name());
	for (std::uint8_t b : s.addr())
		use(b);
	PROMISE(r.bond.arp_ip_target_count <= EXABOND_MAX_ARP_TARGETS);
	for (std::uint32_t i = 0; i < r.bond.arp_ip_target_count; i++)
		use(r.bond.arp_ip_target[i]);
	PROMISE(r.bond.member_count <= r.bond.members_total);

	use(s.ad_info_valid() + s.ad_partner_known() + s.ad().aggregator_id +
	    s.ad().num_ports);
	use(s.compliant() + s.roce_lag_eligible() + s.has_link_monitor() +
	    s.violations() + s.policy().allowed_modes);
	members(s);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
				      std::size_t size)
{
	auto *pg = static_cast<exabond_page *>(
		std::aligned_alloc(64, sizeof(exabond_page)));

	if (!pg)
		return 0;
	// Structure: three inputs in four get a header that passes, so the
	// content checks and the accessors see most of the executions.
	const std::uint8_t ctl = size ? data[0] : 0;

	if (size) {
		data++;
		size--;
	}
	std::memset(static_cast<void *>(pg), 0, sizeof(*pg));
	std::memcpy(pg, data, size < sizeof(*pg) ? size : sizeof(*pg));

	if (ctl & 3) {
		pg->magic = EXABOND_PAGE_MAGIC;
		pg->abi_major = EXABOND_ABI_MAJOR;
		if (pg->size < EXABOND_PAGE_SIZE_V1_0 ||
		    pg->size > EXABOND_PAGE_BYTES)
			pg->size = EXABOND_PAGE_SIZE_V1_0;
		pg->member_max = EXABOND_MAX_MEMBERS;
		pg->publisher = (ctl & 4) ? EXABOND_PUBLISHER_KERNEL
					  : EXABOND_PUBLISHER_MONITOR;
	}
	// An odd seq is a writer stuck mid-publication: exabond_snapshot()
	// spins 2^22 times and returns -EAGAIN, the same for any content.
	// The unit tests cover it; here it would only slow every such input
	// down by a fraction of a second.
	pg->seq &= ~1u;

	// Hot path: single loads, any value.
	use(exabond_hot(pg) + exabond_generation(pg) +
	    exabond_active_ifindex(pg) + std::uint64_t(exabond_dead(pg)));

	const char *why_h = nullptr, *why_c = nullptr, *why_s = nullptr;
	const int header = exabond_check_header(pg, &why_h);
	const int content = exabond_check_snapshot(pg, &why_c);

	PROMISE(header == 0 || header == -EPROTO);
	PROMISE((header == 0) == (why_h == nullptr));
	if (header)
		PROMISE(content == -EPROTO && why_c == why_h);
	PROMISE(content == 0 || content == -EPROTO || content == -EBADMSG);
	PROMISE((content == 0) == (why_c == nullptr));

	// The C snapshot: the same verdict as the checks on the page in
	// place (nothing changes it under us).
	auto *out = static_cast<exabond_page *>(
		std::aligned_alloc(64, sizeof(exabond_page)));

	if (!out)
		std::abort();
	std::memset(static_cast<void *>(out), 0, sizeof(*out));
	const int snap = exabond_snapshot(pg, out, &why_s);

	PROMISE(snap == content && why_s == why_c);
	std::free(out);

	// The C++ snapshot: the same again, then every accessor.
	exabond::Snapshot s;
	const exabond::Status st = s.read(pg);

	PROMISE(st.code == content && st.why == why_c);
	PROMISE(bool(st) == s.valid());
	// Names are total: any field of any page, accepted or not.
	names(s.raw());
	names(*pg);
	if (s.valid()) {
		accessors(s);
	} else {
		PROMISE(s.members().empty());
		PROMISE(!s.active_member());
		bounded(s.name(), s.raw().bond.name, false);
		bounded(s.primary(), s.raw().bond.primary, false);
	}

	std::free(pg);
	return 0;
}
