// SPDX-License-Identifier: GPL-2.0
//
// SIOCETHTOOL and sysfs for the page's member facts. Every ioctl gets its
// own short-lived socket: the monitor asks only when a member changes or
// once per refresh, and a socket per question keeps these functions free
// of shared state and safe to call from any thread.
#include <cerrno>
#include <climits>
#include <cstring>

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exabond/error.hpp>

#include "ethtool.hpp"
#include "unique_fd.hpp"

namespace exabond::tools {

using exabond::detail::UniqueFd;

namespace {

// Any socket reaches dev_ioctl(): AF_INET as ethtool(8) uses, AF_UNIX
// for a kernel built without IPv4.
UniqueFd ioctl_socket()
{
	int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		throw Error("socket", "SIOCETHTOOL", errno);
	return UniqueFd(fd);
}

void check_name(const char *what, const std::string &ifname)
{
	if (ifname.empty() || ifname.size() >= IFNAMSIZ ||
	    ifname.find('\0') != std::string::npos)
		throw Error(what, ifname, EINVAL, "not a valid interface name");
}

// One SIOCETHTOOL request on @data; 0 or the errno.
int ethtool_ioctl(const UniqueFd &fd, const std::string &ifname, void *data)
{
	struct ifreq ifr = {};

	std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
	ifr.ifr_data = static_cast<char *>(data);
	return ::ioctl(fd.get(), SIOCETHTOOL, &ifr) ? errno : 0;
}

// The last path component of symlink @path's target, "" if none.
std::string link_basename(const std::string &path)
{
	char buf[PATH_MAX];
	const ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf) - 1);

	if (n <= 0)
		return {};
	std::string target(buf, std::size_t(n));
	const auto slash = target.rfind('/');

	return slash == std::string::npos ? target : target.substr(slash + 1);
}

// The kernel's strscpy() into a page field: at most @len - 1 bytes.
std::string bounded(const char *s, std::size_t len)
{
	return std::string(s, ::strnlen(s, len)).substr(0, len - 1);
}

std::uint32_t speed_of(std::uint32_t speed)
{
	// Drivers say "no idea" with SPEED_UNKNOWN, some with 0 (ethtool
	// prints both as "Unknown!").
	return speed == 0 || speed == std::uint32_t(SPEED_UNKNOWN) ?
		       EXABOND_SPEED_UNKNOWN : speed;
}

std::uint8_t duplex_of(std::uint8_t duplex)
{
	return duplex == DUPLEX_HALF || duplex == DUPLEX_FULL ?
		       duplex : EXABOND_DUPLEX_UNKNOWN;
}

bool exists(const std::string &path)
{
	struct stat st;

	return ::stat(path.c_str(), &st) == 0;
}

} // namespace

void drvinfo_sysfs_fallback(const std::string &ifname, DrvInfo *info,
			    const std::string &sysfs_net)
{
	const std::string dev = sysfs_net + "/" + ifname + "/device";

	// exabond_drvinfo(): the parent's driver, and the parent's name
	// (dev_name(), which is what the "device" link points at).
	if (info->driver.empty())
		info->driver = link_basename(dev + "/driver")
				       .substr(0, EXABOND_DRIVER_LEN - 1);
	if (info->bus_info.empty())
		info->bus_info = link_basename(dev)
					 .substr(0, EXABOND_BUS_INFO_LEN - 1);
}

std::optional<DrvInfo> drvinfo(const std::string &ifname)
{
	check_name("ETHTOOL_GDRVINFO", ifname);
	UniqueFd fd = ioctl_socket();
	struct ethtool_drvinfo di = {};
	DrvInfo info;

	di.cmd = ETHTOOL_GDRVINFO;
	switch (const int err = ethtool_ioctl(fd, ifname, &di)) {
	case 0:
		info.driver = bounded(di.driver, sizeof(di.driver));
		info.bus_info = bounded(di.bus_info, sizeof(di.bus_info));
		break;
	case ENODEV:
		return std::nullopt;
	case EOPNOTSUPP:
		// No get_drvinfo and no parent driver: the module finds
		// the same nothing, and still a parent's name if any.
		break;
	default:
		throw Error("SIOCETHTOOL ETHTOOL_GDRVINFO", ifname, err);
	}
	drvinfo_sysfs_fallback(ifname, &info);
	return info;
}

std::optional<LinkSpeed> link_speed(const std::string &ifname)
{
	check_name("ETHTOOL_GLINKSETTINGS", ifname);
	UniqueFd fd = ioctl_socket();
	// The request and three bitmaps of at most 127 words (nwords is an
	// s8): the kernel writes the bitmaps after the base on success.
	alignas(8) unsigned char buf[sizeof(ethtool_link_settings) +
				     3 * 127 * sizeof(__u32)] = {};
	ethtool_link_settings req = {};
	int err;

	// Step one asks with nwords 0; the kernel answers how many it
	// wants, negated. Step two asks with that many.
	req.cmd = ETHTOOL_GLINKSETTINGS;
	std::memcpy(buf, &req, sizeof(req));
	err = ethtool_ioctl(fd, ifname, buf);
	if (err == ENODEV)
		return std::nullopt;
	std::memcpy(&req, buf, sizeof(req));
	if (!err && req.link_mode_masks_nwords < 0) {
		const auto nwords = std::int8_t(-req.link_mode_masks_nwords);

		std::memset(buf, 0, sizeof(buf));
		req = {};
		req.cmd = ETHTOOL_GLINKSETTINGS;
		req.link_mode_masks_nwords = nwords;
		std::memcpy(buf, &req, sizeof(req));
		err = ethtool_ioctl(fd, ifname, buf);
		if (err == ENODEV)
			return std::nullopt;
		std::memcpy(&req, buf, sizeof(req));
		if (!err && req.link_mode_masks_nwords == nwords)
			return LinkSpeed{ speed_of(req.speed),
					  duplex_of(req.duplex) };
	}
	if (err == EFAULT)
		throw Error("SIOCETHTOOL ETHTOOL_GLINKSETTINGS", ifname, err);

	// Before 4.9 there is no GLINKSETTINGS (EOPNOTSUPP, or a handshake
	// that never completes): the legacy request.
	struct ethtool_cmd cmd = {};

	cmd.cmd = ETHTOOL_GSET;
	err = ethtool_ioctl(fd, ifname, &cmd);
	if (err == ENODEV)
		return std::nullopt;
	if (err == EFAULT)
		throw Error("SIOCETHTOOL ETHTOOL_GSET", ifname, err);
	if (err)
		// bond_update_speed_duplex(): a driver that cannot say is
		// "unknown", whatever the reason.
		return LinkSpeed{ EXABOND_SPEED_UNKNOWN,
				  EXABOND_DUPLEX_UNKNOWN };
	return LinkSpeed{ speed_of(ethtool_cmd_speed(&cmd)),
			  duplex_of(cmd.duplex) };
}

std::optional<PciParent> pci_parent(const std::string &ifname,
				    const std::string &sysfs_net)
{
	const std::string entry = sysfs_net + "/" + ifname;
	char resolved[PATH_MAX];

	if (!exists(entry))
		return std::nullopt;
	// A virtual device has no parent at all.
	if (!::realpath((entry + "/device").c_str(), resolved))
		return PciParent::None;

	// dev->dev.parent, then its parents: sysfs nests a device's
	// directory in its parent's, up to /sys/devices.
	for (std::string dir = resolved; dir.size() > 1;) {
		if (link_basename(dir + "/subsystem") == "pci")
			return exists(dir + "/physfn") ?
				       PciParent::VirtualFunction :
				       PciParent::Function;
		const auto slash = dir.rfind('/');

		if (slash == std::string::npos || slash == 0)
			break;
		dir.resize(slash);
	}
	return PciParent::None;
}

} // namespace exabond::tools
