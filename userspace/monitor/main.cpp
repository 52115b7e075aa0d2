// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor: see `exabond-monitor --help` and daemon.hpp.
#include <csignal>
#include <cstdio>
#include <exception>

#include <pthread.h>

#include "daemon.hpp"
#include "logging.hpp"
#include "options.hpp"

int main(int argc, char **argv)
{
	using namespace exabond::monitor;

	ParseResult r = parse_options(argc, argv);

	switch (r.what) {
	case ParseResult::help:
		std::fputs(usage_text().c_str(), stdout);
		return 0;
	case ParseResult::version:
		std::printf("exabond-monitor %s\n", EXABOND_VERSION);
		return 0;
	case ParseResult::error:
		std::fprintf(stderr, "exabond-monitor: %s\n%s",
			     r.error_text.c_str(), usage_text().c_str());
		return 2;
	case ParseResult::run:
		break;
	}

	/*
	 * The signals the daemon takes through its signalfd are blocked
	 * before any thread starts (the logger's first), so none of them
	 * can be delivered to a thread that would die of it.
	 */
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, nullptr);

	auto log = make_logger(r.options.log_target, r.options.log_level);
	int status;

	try {
		Daemon d(r.options, log);

		status = d.run();
	} catch (const std::exception &e) {
		log->critical("{}", e.what());
		status = 1;
	}
	spdlog::shutdown();
	return status;
}
