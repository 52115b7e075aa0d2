// SPDX-License-Identifier: GPL-2.0
/*
 * The page ABI as a C compiler lays it out. Built twice, as C99 and C11 with
 * -pedantic, each time under its own table name (see CMakeLists.txt).
 */
#include <exabond/page.h>
#include <exabond/reader.h>

#include "abi_layout.h"

const struct exabond_layout_row EXABOND_LAYOUT_TABLE[] = { EXABOND_LAYOUT_ROWS };
const size_t EXABOND_LAYOUT_COUNT =
	sizeof(EXABOND_LAYOUT_TABLE) / sizeof(EXABOND_LAYOUT_TABLE[0]);

/*
 * The C reader compiles as strict C99 and C11 too, and a snapshot into an
 * uninitialised page draws no warning (-Werror): this is how C users call it.
 */
int EXABOND_READER_USE(const struct exabond_page *pg);
int EXABOND_READER_USE(const struct exabond_page *pg)
{
	struct exabond_page out;
	const char *why;

	if (exabond_snapshot(pg, &out, &why))
		return -1;
	return (int)out.bond.member_count + (int)exabond_active_ifindex(pg);
}
