// SPDX-License-Identifier: GPL-2.0
//
// ethtool.hpp on what a host without bonding has: lo, a name that does
// not exist, the host's own NIC when it has one with a device, and a fake
// sysfs tree for the fallbacks and the PCI walk.

#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <exabond/error.hpp>

#include "ethtool.hpp"

namespace {

using namespace exabond::tools;

const char *const missing = "exabondnx0";

TEST(Ethtool, MissingInterfaceIsNullopt)
{
	EXPECT_FALSE(drvinfo(missing).has_value());
	EXPECT_FALSE(link_speed(missing).has_value());
	EXPECT_FALSE(pci_parent(missing).has_value());
}

TEST(Ethtool, InvalidNameThrowsWithTheName)
{
	for (const std::string &name : { std::string(), std::string(16, 'x'),
					std::string("a\0b", 3) }) {
		try {
			drvinfo(name);
			ADD_FAILURE() << "no exception for '" << name << "'";
		} catch (const exabond::Error &e) {
			EXPECT_EQ(e.errno_value(), EINVAL);
			EXPECT_EQ(e.path(), name);
			EXPECT_NE(std::string(e.what()).find("ETHTOOL_GDRVINFO"),
				  std::string::npos);
		}
		EXPECT_THROW(link_speed(name), exabond::Error);
	}
}

TEST(Ethtool, Loopback)
{
	// lo has no get_drvinfo, no parent and no link kind: the module
	// records two empty strings, and so does this.
	const auto di = drvinfo("lo");

	ASSERT_TRUE(di.has_value());
	EXPECT_EQ(di->driver, "");
	EXPECT_EQ(di->bus_info, "");

	// No link settings at all: unknown, as bonding would record it.
	const auto ls = link_speed("lo");

	ASSERT_TRUE(ls.has_value());
	EXPECT_EQ(ls->speed, EXABOND_SPEED_UNKNOWN);
	EXPECT_EQ(ls->duplex, EXABOND_DUPLEX_UNKNOWN);

	EXPECT_EQ(pci_parent("lo"), PciParent::None);
}

// The first interface with a parent device, if the host has one.
std::string host_nic()
{
	for (const char *name : { "eth0", "ens3", "enp0s3", "ens4", "eno1" }) {
		struct stat st;

		if (!::stat(("/sys/class/net/" + std::string(name) + "/device").c_str(),
			    &st))
			return name;
	}
	return {};
}

std::string link_base(const std::string &path)
{
	char buf[PATH_MAX];
	const ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf) - 1);

	if (n <= 0)
		return {};
	std::string s(buf, std::size_t(n));
	return s.substr(s.rfind('/') + 1);
}

TEST(Ethtool, HostNic)
{
	const std::string nic = host_nic();

	if (nic.empty())
		GTEST_SKIP() << "no NIC with a parent device";
	const auto di = drvinfo(nic);

	ASSERT_TRUE(di.has_value());
	EXPECT_FALSE(di->driver.empty());
	EXPECT_FALSE(di->bus_info.empty());
	EXPECT_LT(di->driver.size(), std::size_t(EXABOND_DRIVER_LEN));
	// Every driver names itself as its parent's driver does, except
	// virtio, whose netdev's parent is the virtio device.
	const std::string parent_driver =
		link_base("/sys/class/net/" + nic + "/device/driver");
	if (!parent_driver.empty()) {
		EXPECT_EQ(di->driver, parent_driver);
	}

	const auto ls = link_speed(nic);

	ASSERT_TRUE(ls.has_value());
	EXPECT_TRUE(ls->duplex == EXABOND_DUPLEX_HALF ||
		    ls->duplex == EXABOND_DUPLEX_FULL ||
		    ls->duplex == EXABOND_DUPLEX_UNKNOWN);
	EXPECT_NE(ls->speed, 0u);

	char real[PATH_MAX];
	ASSERT_NE(::realpath(("/sys/class/net/" + nic + "/device").c_str(), real),
		  nullptr);
	const auto pp = pci_parent(nic);
	ASSERT_TRUE(pp.has_value());
	if (std::string(real).find("/pci") != std::string::npos) {
		EXPECT_TRUE(*pp == PciParent::Function ||
			    *pp == PciParent::VirtualFunction);
	} else {
		EXPECT_EQ(*pp, PciParent::None);
	}
}

// A sysfs tree: class/net/<if> entries pointing into devices/, with a PCI
// function whose child is a virtio device that is the netdev's parent.
class FakeSysfs : public ::testing::Test {
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/exabond-sysfs-XXXXXX";

		ASSERT_NE(::mkdtemp(tmpl), nullptr);
		root_ = tmpl;
		pci_ = root_ + "/devices/pci0000:00/0000:00:03.0";
		mkdirs(pci_ + "/virtio5");
		mkdirs(root_ + "/bus/pci");
		mkdirs(root_ + "/bus/virtio/drivers/virtio_net");
		mkdirs(root_ + "/class/net");
		mkdirs(root_ + "/devices/virtual/net/dummy0");
		link(root_ + "/bus/pci", pci_ + "/subsystem");
		link(root_ + "/bus/virtio", pci_ + "/virtio5/subsystem");
		link(root_ + "/bus/virtio/drivers/virtio_net",
		     pci_ + "/virtio5/driver");
		mkdirs(pci_ + "/virtio5/net/eth9");
		link(pci_ + "/virtio5", pci_ + "/virtio5/net/eth9/device");
		link(pci_ + "/virtio5/net/eth9", root_ + "/class/net/eth9");
		link(root_ + "/devices/virtual/net/dummy0",
		     root_ + "/class/net/dummy0");
	}
	void TearDown() override
	{
		std::system(("rm -rf '" + root_ + "'").c_str());
	}
	static void mkdirs(const std::string &path)
	{
		ASSERT_EQ(std::system(("mkdir -p '" + path + "'").c_str()), 0);
	}
	static void link(const std::string &target, const std::string &at)
	{
		ASSERT_EQ(::symlink(target.c_str(), at.c_str()), 0) << at;
	}
	std::string net() const { return root_ + "/class/net"; }

	std::string root_, pci_;
};

TEST_F(FakeSysfs, DrvinfoFallback)
{
	DrvInfo di;

	drvinfo_sysfs_fallback("eth9", &di, net());
	EXPECT_EQ(di.driver, "virtio_net");
	EXPECT_EQ(di.bus_info, "virtio5");	// dev_name(parent)

	// What the driver said is kept.
	DrvInfo given{ "mine", "0000:00:03.0" };
	drvinfo_sysfs_fallback("eth9", &given, net());
	EXPECT_EQ(given.driver, "mine");
	EXPECT_EQ(given.bus_info, "0000:00:03.0");

	// Only the empty one is filled.
	DrvInfo half{ "", "0000:00:03.0" };
	drvinfo_sysfs_fallback("eth9", &half, net());
	EXPECT_EQ(half.driver, "virtio_net");
	EXPECT_EQ(half.bus_info, "0000:00:03.0");

	// No parent: nothing to fall back on.
	DrvInfo none;
	drvinfo_sysfs_fallback("dummy0", &none, net());
	EXPECT_EQ(none.driver, "");
	EXPECT_EQ(none.bus_info, "");
}

TEST_F(FakeSysfs, PciParentWalksUp)
{
	EXPECT_EQ(pci_parent("eth9", net()), PciParent::Function);
	EXPECT_EQ(pci_parent("dummy0", net()), PciParent::None);
	EXPECT_FALSE(pci_parent("eth10", net()).has_value());

	// A VF has a physfn link to its PF.
	link(root_ + "/devices/pci0000:00", pci_ + "/physfn");
	EXPECT_EQ(pci_parent("eth9", net()), PciParent::VirtualFunction);
}

TEST_F(FakeSysfs, NoPciAncestor)
{
	// A USB NIC whose ancestors (here) include no PCI device.
	const std::string usb = root_ + "/devices/usb1/1-1";

	mkdirs(usb + "/net/eth11");
	mkdirs(root_ + "/bus/usb");
	link(root_ + "/bus/usb", usb + "/subsystem");
	link(usb, usb + "/net/eth11/device");
	link(usb + "/net/eth11", root_ + "/class/net/eth11");
	EXPECT_EQ(pci_parent("eth11", net()), PciParent::None);
}

} // namespace
