// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor's log: spdlog, asynchronous so the event loop never waits
// for a write. Records go through a bounded queue to one logging thread;
// when the queue is full the oldest record is dropped (and counted) rather
// than blocking the loop that publishes pages.
//
// Sink: the journal (spdlog's systemd sink, with the priority per record)
// when the daemon runs under systemd with its output going to the journal
// ($JOURNAL_STREAM names stderr, as systemd.exec(5) says to check), else
// stderr with a monotonic-free wall-clock time stamp.
#ifndef EXABOND_MONITOR_LOGGING_HPP
#define EXABOND_MONITOR_LOGGING_HPP

#include <cstdint>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace exabond::monitor {

enum class LogTarget { automatic, journal, stderr_ };

// Creates the logger (name "exabond-monitor"), sets it as spdlog's default
// and returns it. @queue: records the queue holds.
std::shared_ptr<spdlog::logger> make_logger(LogTarget target,
					     spdlog::level::level_enum level,
					     std::size_t queue = 8192);

// Whether stderr is connected to the journal ($JOURNAL_STREAM).
bool stderr_is_journal();

// Records dropped because the queue was full.
std::uint64_t log_dropped();

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_LOGGING_HPP
