// SPDX-License-Identifier: GPL-2.0
//
// Bond names for the unit tests' shared-memory pages.
#ifndef EXABOND_TESTS_UNIQUE_NAME_HPP
#define EXABOND_TESTS_UNIQUE_NAME_HPP

#include <string>

#include <unistd.h>

// A bond name no other test or run uses (<= 15 characters).
inline std::string unique_name(const char *tag)
{
	static int counter;

	return std::string(tag) + std::to_string(getpid()) + "-" +
	       std::to_string(counter++);
}

#endif // EXABOND_TESTS_UNIQUE_NAME_HPP
