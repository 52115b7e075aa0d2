// SPDX-License-Identifier: GPL-2.0
//
// The ethtool facts exabond puts in a member's page entry: driver name and
// bus id (`ethtool -i`, the same-card rule's input), speed and duplex, and
// the device-tree fact the same-card rule needs (is the nearest PCI
// ancestor a virtual function). SIOCETHTOOL ioctls on a datagram socket and
// sysfs reads; both see the calling thread's network namespace only, so a
// caller that watches another namespace enters it first.
//
// The ioctls take a name, not an ifindex: a rename between a netlink
// message and the call makes the name miss (std::nullopt), which the
// caller's next event corrects. A device that is gone is std::nullopt, not
// an error: in a monitor that is a race, not a fault. Anything else that
// fails throws exabond::Error naming the request and the interface.
#ifndef EXABOND_TOOLS_ETHTOOL_HPP
#define EXABOND_TOOLS_ETHTOOL_HPP

#include <cstdint>
#include <optional>
#include <string>

#include <exabond/page.h>

namespace exabond::tools {

struct DrvInfo {
	std::string driver;
	std::string bus_info;
};

// What the kernel module's exabond_drvinfo() reads for @ifname:
// ETHTOOL_GDRVINFO's driver and bus-info, an empty driver replaced by the
// parent device's driver, an empty bus-info by the parent device's name.
// A device that has neither (lo) gives two empty strings. One case differs
// from the module and cannot be told apart from user space: a device with
// no get_drvinfo, no parent driver and rtnl_link_ops gets its link kind as
// driver from the ioctl, where the module records "".
std::optional<DrvInfo> drvinfo(const std::string &ifname);

// The sysfs half of that: fills an empty @info->driver from
// <sysfs_net>/<ifname>/device/driver and an empty @info->bus_info from
// <sysfs_net>/<ifname>/device (their link targets' last components).
void drvinfo_sysfs_fallback(const std::string &ifname, DrvInfo *info,
			    const std::string &sysfs_net = "/sys/class/net");

struct LinkSpeed {
	std::uint32_t speed;	// Mb/s, or EXABOND_SPEED_UNKNOWN
	std::uint8_t duplex;	// EXABOND_DUPLEX_*
};

// The link's speed and duplex: ETHTOOL_GLINKSETTINGS (after its
// link_mode_masks_nwords handshake), else ETHTOOL_GSET for kernels before
// 4.9. A speed of 0 or SPEED_UNKNOWN is EXABOND_SPEED_UNKNOWN, a duplex
// other than half or full EXABOND_DUPLEX_UNKNOWN; a driver that reports no
// link settings, or fails to, gives both unknown (as bonding records it).
std::optional<LinkSpeed> link_speed(const std::string &ifname);

// The nearest PCI ancestor of a network device, as the module's same-card
// rule walks dev->dev.parent up to it.
enum class PciParent : std::uint8_t {
	Unknown,	// not looked up: the bus id alone decides
	Function,	// a physical function: the device is a card's port
	VirtualFunction,	// an SR-IOV VF: no port of its own
	None,		// no PCI ancestor (virtual device, USB...)
};

// Reads <sysfs_net>/<ifname>/device and its ancestors: the first that is a
// PCI device (its "subsystem" is the pci bus) decides, a VF being one with
// a "physfn" link. std::nullopt if @ifname has no sysfs entry (gone, or
// in another network namespace).
std::optional<PciParent>
pci_parent(const std::string &ifname,
	   const std::string &sysfs_net = "/sys/class/net");

} // namespace exabond::tools

#endif // EXABOND_TOOLS_ETHTOOL_HPP
