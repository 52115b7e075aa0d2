// SPDX-License-Identifier: GPL-2.0
//
// exabondctl: exabond's admin CLI. See cli.hpp for the exit codes and
// cli.cpp for the subcommand table; `exabondctl --help` lists both.
#include <iostream>

#include "cli.hpp"

int main(int argc, char **argv)
{
	exabond::ctl::Args args(argv + 1, argv + argc);

	// Tied streams: stderr lines land after the stdout they follow.
	std::cerr.tie(&std::cout);
	return exabond::ctl::run(args, std::cout, std::cerr);
}
