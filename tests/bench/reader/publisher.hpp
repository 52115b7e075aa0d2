// SPDX-License-Identifier: GPL-2.0
//
// The "writer on the other core" of the reader benchmarks: one thread,
// pinned to a CPU, that calls a publish step back to back while resumed
// and sleeps (on a condition variable, not spinning) while paused. The
// benchmarks resume it before their timed loop and pause it after, so the
// "idle" runs have a quiet page and a quiet core.
//
// The step is what makes the page's writer publish: on the host a
// PageWriter::publish() of the synthetic page; in the VM a write to a
// bonding option in sysfs, which exabond.ko publishes from its netdevice
// notifier in the writing thread's context.
#ifndef EXABOND_BENCH_PUBLISHER_HPP
#define EXABOND_BENCH_PUBLISHER_HPP

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "../bench_util.hpp"

namespace bench {

class Publisher {
public:
	// @step publishes once. @generation reads the page's generation; it
	// tells resume() that the step really publishes. @cpu < 0: not pinned.
	Publisher(std::function<void()> step,
		  std::function<std::uint64_t()> generation, int cpu);
	~Publisher();
	Publisher(const Publisher &) = delete;
	Publisher &operator=(const Publisher &) = delete;

	// Returns once the thread publishes (the generation moved); throws
	// std::runtime_error if it did not within a few seconds.
	void resume();
	// Returns once the thread has stopped publishing.
	void pause();

	// Publish steps taken since the start.
	std::uint64_t steps() const noexcept
	{
		return steps_.load(std::memory_order_relaxed);
	}
	bool pinned() const noexcept { return pinned_; }

private:
	void run();

	std::function<void()> step_;
	std::function<std::uint64_t()> generation_;
	int cpu_;
	std::mutex mu_;
	std::condition_variable cv_;
	std::uint64_t run_seq_ = 0;	// resume() calls
	std::uint64_t served_ = 0;	// the run the thread took last
	bool running_ = false, quit_ = false, pinned_ = false;
	bool started_ = false;
	std::atomic<bool> active_{false};
	std::atomic<std::uint64_t> steps_{0};
	std::thread thread_;
};

} // namespace bench

#endif // EXABOND_BENCH_PUBLISHER_HPP
