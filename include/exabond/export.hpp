// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note
//
// libexabond is built with hidden visibility; what carries EXABOND_API is
// its exported interface. Everything else, Boost's templates included,
// stays inside the library.
#ifndef EXABOND_EXPORT_HPP
#define EXABOND_EXPORT_HPP

#define EXABOND_API __attribute__((visibility("default")))

#endif // EXABOND_EXPORT_HPP
