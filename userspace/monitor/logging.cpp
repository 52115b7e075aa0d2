// SPDX-License-Identifier: GPL-2.0
#include "logging.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/stat.h>

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>

namespace exabond::monitor {

bool stderr_is_journal()
{
	const char *js = std::getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	/* "<device>:<inode>" of the stream; stderr must be that stream. */
	if (!js || std::sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(2, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

std::shared_ptr<spdlog::logger> make_logger(LogTarget target,
					     spdlog::level::level_enum level,
					     std::size_t queue)
{
	spdlog::sink_ptr sink;
	bool journal = target == LogTarget::journal ||
		       (target == LogTarget::automatic && stderr_is_journal());

	if (journal) {
		/* The journal stamps time and the unit; the priority maps. */
		sink = std::make_shared<spdlog::sinks::systemd_sink_mt>(
			"exabond-monitor");
		sink->set_pattern("%v");
	} else {
		sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
		sink->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z %^%l%$ %v");
	}
	spdlog::init_thread_pool(queue, 1);
	auto log = std::make_shared<spdlog::async_logger>(
		"exabond-monitor", sink, spdlog::thread_pool(),
		spdlog::async_overflow_policy::overrun_oldest);
	log->set_level(level);
	/* Warnings and worse reach the sink without waiting for more. */
	log->flush_on(spdlog::level::warn);
	spdlog::set_default_logger(log);
	return log;
}

std::uint64_t log_dropped()
{
	auto tp = spdlog::thread_pool();

	return tp ? tp->overrun_counter() : 0;
}

} // namespace exabond::monitor
