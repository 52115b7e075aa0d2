// SPDX-License-Identifier: GPL-2.0
//
// The ways to learn a bond's active member that predate the page, as a
// program would use them in a loop: each read() call is one complete
// answer, and constructors do what a program does once (open, bind).
// Everything throws std::runtime_error on a failure to set up; read()
// returns a negative errno when a read fails.
#ifndef EXABOND_BENCH_LEGACY_HPP
#define EXABOND_BENCH_LEGACY_HPP

#include <cstddef>
#include <string>

struct mnl_socket;

namespace bench {

// A sysfs attribute through one kept descriptor: pread() at offset 0 runs
// the attribute's show function again each time. For
// /sys/class/net/<bond>/bonding/active_slave, the active member's name.
class SysfsAttr {
public:
	explicit SysfsAttr(const std::string &path);
	~SysfsAttr();
	SysfsAttr(const SysfsAttr &) = delete;
	SysfsAttr &operator=(const SysfsAttr &) = delete;

	// The value's first line into @value (NUL-terminated, "" for an
	// empty one); its length, or a negative errno.
	int read(char *value, std::size_t size) noexcept;

private:
	int fd_ = -1;
};

// /proc/net/bonding/<bond>: open, read to the end, close, and find the
// "Currently Active Slave: " line, every time.
class ProcNetBonding {
public:
	explicit ProcNetBonding(const std::string &bond);

	// The active member's name, as SysfsAttr::read.
	int read(char *name, std::size_t size) noexcept;

private:
	std::string path_;
	char buf_[16384];
};

// One RTM_GETLINK request and its reply on a kept NETLINK_ROUTE socket
// (libmnl), stats left out (RTEXT_FILTER_SKIP_STATS), parsed down to
// IFLA_LINKINFO / IFLA_INFO_DATA / IFLA_BOND_ACTIVE_SLAVE.
class RtnlGetLink {
public:
	explicit RtnlGetLink(const std::string &ifname);
	~RtnlGetLink();
	RtnlGetLink(const RtnlGetLink &) = delete;
	RtnlGetLink &operator=(const RtnlGetLink &) = delete;

	// The active member's ifindex (0: none, or not a bond), or a
	// negative errno.
	int read() noexcept;

	int ifindex() const noexcept { return ifindex_; }
	// Bytes of the last reply.
	std::size_t reply_bytes() const noexcept { return reply_bytes_; }

private:
	mnl_socket *nl_ = nullptr;
	unsigned portid_ = 0;
	unsigned seq_ = 0;
	int ifindex_ = 0;
	std::size_t reply_bytes_ = 0;
	char *buf_ = nullptr;
};

} // namespace bench

#endif // EXABOND_BENCH_LEGACY_HPP
