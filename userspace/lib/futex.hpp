// SPDX-License-Identifier: GPL-2.0
//
// The futex on a shared-memory page's generation (page.h: a user-space
// publisher wakes, its readers wait). Shared futexes, never
// FUTEX_PRIVATE_FLAG: the waiters are in other processes, on read-only
// mappings, which FUTEX_WAIT accepts.
#ifndef EXABOND_LIB_FUTEX_HPP
#define EXABOND_LIB_FUTEX_HPP

#include <climits>
#include <cstdint>
#include <ctime>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <exabond/page.h>

namespace exabond::detail {

// The 32-bit word holding the generation's low half.
inline const std::uint32_t *generation_word(const exabond_page *pg) noexcept
{
	const auto *w = reinterpret_cast<const std::uint32_t *>(&pg->generation);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return w + 1;
#else
	return w;
#endif
}

// FUTEX_WAIT while *word == @expected; @rel: relative timeout or nullptr.
// 0 when woken (or the word was already different: EAGAIN is folded into
// 0), -1 with errno ETIMEDOUT or EINTR otherwise.
inline int futex_wait(const std::uint32_t *word, std::uint32_t expected,
		      const struct timespec *rel) noexcept
{
	long r = syscall(SYS_futex, word, FUTEX_WAIT, expected, rel, nullptr, 0);

	if (r == -1 && errno == EAGAIN)
		return 0;
	return int(r);
}

inline void futex_wake_all(const std::uint32_t *word) noexcept
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

} // namespace exabond::detail

#endif // EXABOND_LIB_FUTEX_HPP
