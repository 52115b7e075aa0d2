// SPDX-License-Identifier: GPL-2.0
/*
 * exabond.ko: a companion to the Linux bonding driver that places bonds
 * under management and publishes their state in a read-only page.
 *
 * Module entry and exit. Setup happens in a fixed order and teardown is its
 * exact reverse; each error label is named for the step that failed.
 */
#include <linux/module.h>
#include <linux/kernel.h>

#include <exabond/page.h>

#include "exabond.h"

/*
 * The hot word is one 64-bit store and one 64-bit load; only a 64-bit
 * kernel makes that single-copy atomic.
 */
#if BITS_PER_LONG != 64
#error "exabond needs a 64-bit kernel: the page's hot word is one 64-bit store"
#endif

static int __init exabond_init(void)
{
	int err;

	err = exabond_control_init();
	if (err)
		goto err_control;

	pr_info("loaded, page ABI %u.%u\n", EXABOND_ABI_MAJOR,
		EXABOND_ABI_MINOR);
	return 0;

err_control:
	return err;
}

static void __exit exabond_exit(void)
{
	exabond_control_exit();
	pr_info("unloaded\n");
}

module_init(exabond_init);
module_exit(exabond_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bonding companion: managed bonds, read-only state pages");
MODULE_AUTHOR("The exabond developers");
