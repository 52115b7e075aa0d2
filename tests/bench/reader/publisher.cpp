// SPDX-License-Identifier: GPL-2.0
//
// The background publisher of the reader benchmarks (publisher.hpp).
#include <chrono>
#include <stdexcept>

#include "publisher.hpp"

namespace bench {

Publisher::Publisher(std::function<void()> step,
		     std::function<std::uint64_t()> generation, int cpu)
	: step_(std::move(step)), generation_(std::move(generation)), cpu_(cpu)
{
	thread_ = std::thread([this] { run(); });
	std::unique_lock<std::mutex> lk(mu_);

	cv_.wait(lk, [this] { return started_; });
}

Publisher::~Publisher()
{
	active_.store(false);
	{
		std::lock_guard<std::mutex> lk(mu_);

		quit_ = true;
	}
	cv_.notify_all();
	thread_.join();
}

void Publisher::run()
{
	std::unique_lock<std::mutex> lk(mu_);

	pinned_ = cpu_ >= 0 && pin_to_cpu(cpu_);
	started_ = true;
	cv_.notify_all();
	for (;;) {
		// State, not wake-ups: a resume() is a new run_seq_, served
		// exactly once, whenever this thread gets here.
		cv_.wait(lk, [this] { return quit_ || run_seq_ != served_; });
		if (quit_)
			return;
		served_ = run_seq_;
		running_ = true;
		cv_.notify_all();
		lk.unlock();
		while (active_.load(std::memory_order_relaxed)) {
			step_();
			steps_.fetch_add(1, std::memory_order_relaxed);
		}
		lk.lock();
		running_ = false;
		cv_.notify_all();
	}
}

void Publisher::resume()
{
	const std::uint64_t g0 = generation_();
	{
		std::unique_lock<std::mutex> lk(mu_);

		const std::uint64_t seq = ++run_seq_;

		active_.store(true);
		cv_.notify_all();
		cv_.wait(lk, [this, seq] { return running_ && served_ == seq; });
	}
	const auto deadline =
		std::chrono::steady_clock::now() + std::chrono::seconds(10);

	while (generation_() == g0) {
		if (std::chrono::steady_clock::now() > deadline) {
			pause();
			throw std::runtime_error(
				"the writer runs but the page's generation "
				"does not move");
		}
		std::this_thread::yield();
	}
}

void Publisher::pause()
{
	active_.store(false);
	std::unique_lock<std::mutex> lk(mu_);

	cv_.wait(lk, [this] { return !running_; });
}

} // namespace bench
