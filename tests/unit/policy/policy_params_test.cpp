// SPDX-License-Identifier: GPL-2.0
//
// The policy parameters: every value the module's allowed_modes and
// allowed_drivers setters accept or refuse gets the same verdict here
// (the tables follow exabond_modes_set()/exabond_drivers_set() and the
// kernel's strim, strsep and kstrtouint), the printed forms, and reading
// /sys/module/exabond/parameters (a temporary directory stands in).

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <exabond/error.hpp>

#include "policy.hpp"

namespace {

using namespace exabond::tools;
using namespace std::string_literals;

constexpr std::uint32_t bit(int mode) { return 1u << mode; }

struct ModesCase {
	std::string text;
	bool ok;
	std::uint32_t modes;
	bool same_card;
};

TEST(AllowedModes, SetterVerdicts)
{
	const ModesCase cases[] = {
		{ "active-backup", true, bit(1), false },
		{ "1", true, bit(1), false },
		{ "0", true, bit(0), false },
		{ "6", true, bit(6), false },
		{ "balance-alb", true, bit(6), false },
		{ "balance-rr,802.3ad", true, bit(0) | bit(4), false },
		{ "balance-rr 802.3ad\tbalance-tlb", true,
		  bit(0) | bit(4) | bit(5), false },
		{ "  active-backup\n", true, bit(1), false },	// strim
		{ "active-backup,,1", true, bit(1), false },	// empty token
		{ "1,active-backup", true, bit(1), false },
		{ "+1", true, bit(1), false },			// kstrtouint
		{ "01", true, bit(1), false },
		{ "0000000000000000000000004", true, bit(4), false },
		{ "1\n,2", true, bit(1) | bit(2), false },	// one '\n' ends a number
		{ "roce-lag", true, bit(1) | bit(2) | bit(4), true },
		{ " roce-lag \n", true, bit(1) | bit(2) | bit(4), true },
		{ "roce-lag,", true, bit(1) | bit(2) | bit(4), true },
		{ "\xa0" "active-backup\xa0", true, bit(1), false }, // isspace(0xa0)
		{ "active-backup\0garbage"s, true, bit(1), false }, // a C string
		{ "active-backup" + std::string(114, ' '), true, bit(1), false },

		{ "", false, 0, false },
		{ "   ", false, 0, false },
		{ ",,,", false, 0, false },
		{ "\n", false, 0, false },
		{ "\0active-backup"s, false, 0, false },
		{ "7", false, 0, false },
		{ "-1", false, 0, false },
		{ "1a", false, 0, false },
		{ "0x1", false, 0, false },
		{ "4294967297", false, 0, false },
		{ "Active-Backup", false, 0, false },
		{ "active_backup", false, 0, false },
		{ "8023ad", false, 0, false },
		{ "roce-lag,1", false, 0, false },
		{ "active-backup roce-lag", false, 0, false },
		{ "roce-lag roce-lag", false, 0, false },
		{ "ROCE-LAG", false, 0, false },
		{ "1\n\n,2", false, 0, false },
		{ "802.3ad\n802.3ad", false, 0, false },	// '\n' is no separator
		{ "1;2", false, 0, false },
		{ "1 7", false, 0, false },
		{ "active-backup" + std::string(115, ' '), false, 0, false },
	};

	for (const auto &c : cases) {
		const auto r = parse_allowed_modes(c.text);

		SCOPED_TRACE("'" + c.text + "'");
		ASSERT_EQ(bool(r), c.ok) << r.error;
		if (c.ok) {
			EXPECT_EQ(r.value->modes, c.modes);
			EXPECT_EQ(r.value->same_card, c.same_card);
			EXPECT_TRUE(r.error.empty());
		} else {
			EXPECT_FALSE(r.error.empty());
		}
	}
}

TEST(AllowedModes, RefusalSaysWhy)
{
	EXPECT_NE(parse_allowed_modes("7").error.find("'7'"), std::string::npos);
	EXPECT_NE(parse_allowed_modes("roce-lag,1").error.find("roce-lag"),
		  std::string::npos);
	EXPECT_NE(parse_allowed_modes(std::string(200, 'a')).error.find("127"),
		  std::string::npos);
}

TEST(AllowedModes, FormatAsTheModulePrints)
{
	EXPECT_EQ(format_allowed_modes(bit(1), false), "active-backup");
	EXPECT_EQ(format_allowed_modes(bit(4) | bit(0), false),
		  "balance-rr,802.3ad");
	EXPECT_EQ(format_allowed_modes(0x7f, false),
		  "balance-rr,active-backup,balance-xor,broadcast,802.3ad,"
		  "balance-tlb,balance-alb");
	EXPECT_EQ(format_allowed_modes(bit(1) | bit(2) | bit(4), true),
		  "roce-lag");
	// Bits past the last mode are not modes.
	EXPECT_EQ(format_allowed_modes(bit(1) | bit(9), false), "active-backup");
	EXPECT_EQ(format_allowed_modes(PolicyParams::defaults()),
		  "active-backup");

	// What is printed reads back to the same policy.
	for (std::uint32_t m = 1; m < 0x80; m++) {
		const auto r = parse_allowed_modes(format_allowed_modes(m, false) + "\n");

		ASSERT_TRUE(r) << m;
		EXPECT_EQ(r.value->modes, m);
	}
}

TEST(AllowedDrivers, SetterVerdicts)
{
	const std::string d31(31, 'd');
	std::string sixteen, seventeen;

	for (int i = 0; i < 16; i++)
		sixteen += (i ? "," : "") + std::string("drv") + std::to_string(i);
	seventeen = sixteen + ",drv16";

	struct {
		std::string text;
		bool ok;
		std::vector<std::string> drivers;
	} const cases[] = {
		{ "", true, {} },
		{ "\n", true, {} },
		{ "mlx5_core", true, { "mlx5_core" } },
		{ "mlx5_core, ixgbe\n", true, { "mlx5_core", "ixgbe" } },
		{ "a,,b\tc", true, { "a", "b", "c" } },
		{ "virtio_net.x-1", true, { "virtio_net.x-1" } },
		{ d31, true, { d31 } },
		{ d31 + "d", false, {} },
		{ "bad/name", false, {} },
		{ "e1000e;ixgbe", false, {} },
		{ seventeen, false, {} },
		{ std::string(600, 'a'), false, {} },
	};

	for (const auto &c : cases) {
		const auto r = parse_allowed_drivers(c.text);

		SCOPED_TRACE("'" + c.text + "'");
		ASSERT_EQ(bool(r), c.ok) << r.error;
		if (c.ok) {
			EXPECT_EQ(*r.value, c.drivers);
		}
	}
	const auto r = parse_allowed_drivers(sixteen);

	ASSERT_TRUE(r) << r.error;
	EXPECT_EQ(r.value->size(), 16u);
	EXPECT_EQ(format_allowed_drivers(*r.value), sixteen);
	EXPECT_EQ(format_allowed_drivers({}), "");
}

TEST(PolicyParams, DefaultsAreTheModules)
{
	const PolicyParams p = PolicyParams::defaults();

	EXPECT_EQ(p.allowed_modes, bit(EXABOND_MODE_ACTIVE_BACKUP));
	EXPECT_FALSE(p.same_card);
	EXPECT_TRUE(p.allowed_drivers.empty());
	EXPECT_EQ(p.max_members, 0u);
	EXPECT_FALSE(p.require_link_monitor);
}

// A stand-in for /sys/module/exabond/parameters.
class ParamsDir : public ::testing::Test {
protected:
	void SetUp() override
	{
		char tmpl[] = "/tmp/exabond-params-XXXXXX";

		ASSERT_NE(::mkdtemp(tmpl), nullptr);
		dir_ = tmpl;
		put("allowed_modes", "active-backup\n");
		put("allowed_drivers", "\n");
		put("max_members", "0\n");
		put("require_link_monitor", "N\n");
	}
	void TearDown() override
	{
		std::system(("rm -rf '" + dir_ + "'").c_str());
	}
	void put(const std::string &name, const std::string &text)
	{
		std::ofstream(dir_ + "/" + name) << text;
	}

	std::string dir_;
};

TEST_F(ParamsDir, NotLoadedIsNullopt)
{
	EXPECT_FALSE(read_module_params(dir_ + "/nonexistent").has_value());
}

TEST_F(ParamsDir, DefaultsReadBack)
{
	const auto p = read_module_params(dir_);

	ASSERT_TRUE(p.has_value());
	EXPECT_EQ(p->allowed_modes, bit(1));
	EXPECT_FALSE(p->same_card);
	EXPECT_TRUE(p->allowed_drivers.empty());
	EXPECT_EQ(p->max_members, 0u);
	EXPECT_FALSE(p->require_link_monitor);
}

TEST_F(ParamsDir, EveryParameterRead)
{
	put("allowed_modes", "roce-lag\n");
	put("allowed_drivers", "mlx5_core,mlx4_en\n");
	put("max_members", "2\n");
	put("require_link_monitor", "Y\n");
	const auto p = read_module_params(dir_);

	ASSERT_TRUE(p.has_value());
	EXPECT_EQ(p->allowed_modes, roce_lag_modes);
	EXPECT_TRUE(p->same_card);
	EXPECT_EQ(p->allowed_drivers,
		  (std::vector<std::string>{ "mlx5_core", "mlx4_en" }));
	EXPECT_EQ(p->max_members, 2u);
	EXPECT_TRUE(p->require_link_monitor);
}

TEST_F(ParamsDir, GarbageThrowsWithThePath)
{
	put("max_members", "lots\n");
	try {
		read_module_params(dir_);
		FAIL() << "no exception";
	} catch (const exabond::Error &e) {
		EXPECT_EQ(e.path(), dir_ + "/max_members");
		EXPECT_EQ(e.errno_value(), EPROTO);
		EXPECT_NE(std::string(e.what()).find("lots"), std::string::npos);
	}
}

TEST_F(ParamsDir, UnreadableThrowsWithThePath)
{
	::unlink((dir_ + "/require_link_monitor").c_str());
	try {
		read_module_params(dir_);
		FAIL() << "no exception";
	} catch (const exabond::Error &e) {
		EXPECT_EQ(e.path(), dir_ + "/require_link_monitor");
		EXPECT_EQ(e.errno_value(), ENOENT);
	}
}

TEST_F(ParamsDir, NotADirectoryThrows)
{
	EXPECT_THROW(read_module_params(dir_ + "/max_members"), exabond::Error);
}

} // namespace
