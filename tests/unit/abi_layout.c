// SPDX-License-Identifier: GPL-2.0
/*
 * The page ABI as a C compiler lays it out. Built twice, as C99 and C11 with
 * -pedantic, each time under its own table name (see CMakeLists.txt).
 */
#include <exabond/page.h>

#include "abi_layout.h"

const struct exabond_layout_row EXABOND_LAYOUT_TABLE[] = { EXABOND_LAYOUT_ROWS };
const size_t EXABOND_LAYOUT_COUNT =
	sizeof(EXABOND_LAYOUT_TABLE) / sizeof(EXABOND_LAYOUT_TABLE[0]);
