/* SPDX-License-Identifier: GPL-2.0 */
/* One row per field of the page ABI, as a C or C++ compiler lays it out. */
#ifndef EXABOND_TESTS_ABI_LAYOUT_H
#define EXABOND_TESTS_ABI_LAYOUT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exabond_layout_row {
	const char *field;	/* "struct.member" */
	size_t offset;
	size_t size;
};

extern const struct exabond_layout_row exabond_layout_c99[];
extern const size_t exabond_layout_c99_count;
extern const struct exabond_layout_row exabond_layout_c11[];
extern const size_t exabond_layout_c11_count;

#ifdef __cplusplus
}
#endif

/*
 * Every field of the ABI, in declaration order. Shared by the C and the C++
 * side so a field added to page.h but forgotten here fails the coverage test.
 */
#define EXABOND_LAYOUT_ROW(s, m) \
	{ #s "." #m, offsetof(struct s, m), sizeof(((struct s *)0)->m) }

#define EXABOND_LAYOUT_ROWS                                                   \
	EXABOND_LAYOUT_ROW(exabond_page, magic),                              \
	EXABOND_LAYOUT_ROW(exabond_page, abi_major),                          \
	EXABOND_LAYOUT_ROW(exabond_page, abi_minor),                          \
	EXABOND_LAYOUT_ROW(exabond_page, size),                               \
	EXABOND_LAYOUT_ROW(exabond_page, publisher),                          \
	EXABOND_LAYOUT_ROW(exabond_page, member_max),                         \
	EXABOND_LAYOUT_ROW(exabond_page, seq),                                \
	EXABOND_LAYOUT_ROW(exabond_page, __pad0),                             \
	EXABOND_LAYOUT_ROW(exabond_page, generation),                         \
	EXABOND_LAYOUT_ROW(exabond_page, hot),                                \
	EXABOND_LAYOUT_ROW(exabond_page, event_ns),                           \
	EXABOND_LAYOUT_ROW(exabond_page, publish_ns),                         \
	EXABOND_LAYOUT_ROW(exabond_page, event),                              \
	EXABOND_LAYOUT_ROW(exabond_page, event_ifindex),                      \
	EXABOND_LAYOUT_ROW(exabond_page, bond),                               \
	EXABOND_LAYOUT_ROW(exabond_page, ad),                                 \
	EXABOND_LAYOUT_ROW(exabond_page, policy),                             \
	EXABOND_LAYOUT_ROW(exabond_page, members),                            \
	EXABOND_LAYOUT_ROW(exabond_page, __reserved),                         \
	EXABOND_LAYOUT_ROW(exabond_bond, ifindex),                            \
	EXABOND_LAYOUT_ROW(exabond_bond, netns_ino),                          \
	EXABOND_LAYOUT_ROW(exabond_bond, netns_cookie),                       \
	EXABOND_LAYOUT_ROW(exabond_bond, name),                               \
	EXABOND_LAYOUT_ROW(exabond_bond, mode),                               \
	EXABOND_LAYOUT_ROW(exabond_bond, xmit_hash_policy),                   \
	EXABOND_LAYOUT_ROW(exabond_bond, operstate),                          \
	EXABOND_LAYOUT_ROW(exabond_bond, primary_reselect),                   \
	EXABOND_LAYOUT_ROW(exabond_bond, flags),                              \
	EXABOND_LAYOUT_ROW(exabond_bond, miimon),                             \
	EXABOND_LAYOUT_ROW(exabond_bond, arp_interval),                       \
	EXABOND_LAYOUT_ROW(exabond_bond, updelay),                            \
	EXABOND_LAYOUT_ROW(exabond_bond, downdelay),                          \
	EXABOND_LAYOUT_ROW(exabond_bond, peer_notif_delay),                   \
	EXABOND_LAYOUT_ROW(exabond_bond, primary_ifindex),                    \
	EXABOND_LAYOUT_ROW(exabond_bond, primary),                            \
	EXABOND_LAYOUT_ROW(exabond_bond, addr),                               \
	EXABOND_LAYOUT_ROW(exabond_bond, fail_over_mac),                      \
	EXABOND_LAYOUT_ROW(exabond_bond, arp_validate),                       \
	EXABOND_LAYOUT_ROW(exabond_bond, mtu),                                \
	EXABOND_LAYOUT_ROW(exabond_bond, member_count),                       \
	EXABOND_LAYOUT_ROW(exabond_bond, members_total),                      \
	EXABOND_LAYOUT_ROW(exabond_bond, active_ifindex),                     \
	EXABOND_LAYOUT_ROW(exabond_bond, failover_count),                     \
	EXABOND_LAYOUT_ROW(exabond_bond, last_failover_ns),                   \
	EXABOND_LAYOUT_ROW(exabond_bond, arp_ip_target_count),                \
	EXABOND_LAYOUT_ROW(exabond_bond, arp_all_targets),                    \
	EXABOND_LAYOUT_ROW(exabond_bond, __pad0),                             \
	EXABOND_LAYOUT_ROW(exabond_bond, arp_ip_target),                      \
	EXABOND_LAYOUT_ROW(exabond_ad, aggregator_id),                        \
	EXABOND_LAYOUT_ROW(exabond_ad, num_ports),                            \
	EXABOND_LAYOUT_ROW(exabond_ad, actor_key),                            \
	EXABOND_LAYOUT_ROW(exabond_ad, partner_key),                          \
	EXABOND_LAYOUT_ROW(exabond_ad, partner_mac),                          \
	EXABOND_LAYOUT_ROW(exabond_ad, lacp_rate),                            \
	EXABOND_LAYOUT_ROW(exabond_ad, ad_select),                            \
	EXABOND_LAYOUT_ROW(exabond_ad, actor_sys_prio),                       \
	EXABOND_LAYOUT_ROW(exabond_ad, user_port_key),                        \
	EXABOND_LAYOUT_ROW(exabond_ad, actor_system),                         \
	EXABOND_LAYOUT_ROW(exabond_ad, lacp_active),                          \
	EXABOND_LAYOUT_ROW(exabond_ad, __pad0),                               \
	EXABOND_LAYOUT_ROW(exabond_ad, __reserved),                           \
	EXABOND_LAYOUT_ROW(exabond_policy, flags),                            \
	EXABOND_LAYOUT_ROW(exabond_policy, violations),                       \
	EXABOND_LAYOUT_ROW(exabond_policy, refreshed),                        \
	EXABOND_LAYOUT_ROW(exabond_policy, refresh_interval_ms),              \
	EXABOND_LAYOUT_ROW(exabond_policy, last_refresh_ns),                  \
	EXABOND_LAYOUT_ROW(exabond_policy, managed_since_ns),                 \
	EXABOND_LAYOUT_ROW(exabond_policy, allowed_modes),                    \
	EXABOND_LAYOUT_ROW(exabond_policy, max_members),                      \
	EXABOND_LAYOUT_ROW(exabond_policy, __reserved),                       \
	EXABOND_LAYOUT_ROW(exabond_member, ifindex),                          \
	EXABOND_LAYOUT_ROW(exabond_member, link),                             \
	EXABOND_LAYOUT_ROW(exabond_member, role),                             \
	EXABOND_LAYOUT_ROW(exabond_member, carrier),                          \
	EXABOND_LAYOUT_ROW(exabond_member, duplex),                           \
	EXABOND_LAYOUT_ROW(exabond_member, name),                             \
	EXABOND_LAYOUT_ROW(exabond_member, perm_addr),                        \
	EXABOND_LAYOUT_ROW(exabond_member, addr),                             \
	EXABOND_LAYOUT_ROW(exabond_member, operstate),                        \
	EXABOND_LAYOUT_ROW(exabond_member, flags),                            \
	EXABOND_LAYOUT_ROW(exabond_member, ad_aggregator_id),                 \
	EXABOND_LAYOUT_ROW(exabond_member, ad_actor_oper_port_state),         \
	EXABOND_LAYOUT_ROW(exabond_member, ad_partner_oper_port_state),       \
	EXABOND_LAYOUT_ROW(exabond_member, queue_id),                         \
	EXABOND_LAYOUT_ROW(exabond_member, speed),                            \
	EXABOND_LAYOUT_ROW(exabond_member, link_failure_count),               \
	EXABOND_LAYOUT_ROW(exabond_member, mtu),                              \
	EXABOND_LAYOUT_ROW(exabond_member, carrier_changed_ns),               \
	EXABOND_LAYOUT_ROW(exabond_member, link_changed_ns),                  \
	EXABOND_LAYOUT_ROW(exabond_member, driver),                           \
	EXABOND_LAYOUT_ROW(exabond_member, bus_info),                         \
	EXABOND_LAYOUT_ROW(exabond_member, carrier_changes),                  \
	EXABOND_LAYOUT_ROW(exabond_member, __pad0),                           \
	EXABOND_LAYOUT_ROW(exabond_member, __reserved)

#endif /* EXABOND_TESTS_ABI_LAYOUT_H */
