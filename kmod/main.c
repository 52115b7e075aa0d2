// SPDX-License-Identifier: GPL-2.0
/*
 * exabond.ko: a companion to the Linux bonding driver that places bonds
 * under management and publishes their state in a read-only page.
 *
 * Module entry and exit. Setup happens in a fixed order, so that nothing can
 * be managed before every part it needs exists, and teardown is its exact
 * reverse; each error label is named for the step that failed.
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

	BUILD_BUG_ON(PAGE_SIZE < EXABOND_PAGE_BYTES);

	err = exabond_table_init();
	if (err)
		goto err_table;
	err = exabond_node_init();
	if (err)
		goto err_node;
	err = exabond_events_init();
	if (err)
		goto err_events;
	err = exabond_hooks_init();
	if (err)
		goto err_hooks;
	/* Last: the control files are what lets anyone manage a bond. */
	err = exabond_control_init();
	if (err)
		goto err_control;

	pr_info("loaded, page ABI %u.%u\n", EXABOND_ABI_MAJOR,
		EXABOND_ABI_MINOR);
	return 0;

err_control:
	exabond_hooks_exit();
err_hooks:
	exabond_events_exit();
err_events:
	exabond_node_exit();
err_node:
	exabond_table_exit();
err_table:
	return err;
}

/*
 * Removing the control files releases every managed bond (pernet exit),
 * so the notifier, the nodes and the table are idle when they go.
 */
static void __exit exabond_exit(void)
{
	exabond_control_exit();
	exabond_hooks_exit();
	exabond_events_exit();
	exabond_node_exit();
	exabond_table_exit();
	pr_info("unloaded\n");
}

module_init(exabond_init);
module_exit(exabond_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bonding companion: managed bonds, read-only state pages");
MODULE_AUTHOR("The exabond developers");
