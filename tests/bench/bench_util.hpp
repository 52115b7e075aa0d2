// SPDX-License-Identifier: GPL-2.0
//
// What every benchmark program here needs: the clock the page's times are
// in, pinning a thread, and a fatal error with the program's name.
#ifndef EXABOND_BENCH_UTIL_HPP
#define EXABOND_BENCH_UTIL_HPP

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <pthread.h>
#include <sched.h>

namespace bench {

// CLOCK_MONOTONIC in nanoseconds: the clock of the page's event_ns,
// publish_ns and the members' change times.
inline std::uint64_t now_ns() noexcept
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

// Pins the calling thread to @cpu; false (errno set) if it cannot.
inline bool pin_to_cpu(int cpu) noexcept
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE) {
		errno = EINVAL;
		return false;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	// (an error number returned, not set in errno)
	const int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err)
		errno = err;
	return !err;
}

// "@what: " and the text of errno.
inline std::string errno_text(const std::string &what)
{
	return what + ": " + std::strerror(errno);
}

// "@tool: @what" on stderr, exit status 1. Callable from any thread: the
// output is flushed and the process ends without running destructors,
// which other threads may still be using.
[[noreturn]] inline void die(const char *tool, const std::string &what)
{
	std::fprintf(stderr, "%s: %s\n", tool, what.c_str());
	std::fflush(nullptr);
	std::_Exit(1);
}

} // namespace bench

#endif
