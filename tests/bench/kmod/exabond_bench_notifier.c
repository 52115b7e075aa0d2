// SPDX-License-Identifier: GPL-2.0
/*
 * exabond_bench_notifier: for `make bench` only (tests/bench/scale.sh),
 * never installed. Times exabond's netdevice notifier from the outside,
 * without patching kernel text (ftrace's text patching stalled the
 * emulated guest).
 *
 * exabond's main notifier_block has priority -100 (kmod/events.c); in
 * 6.1's sources the other netdevice notifiers not at 0 are at 10, 5, -1,
 * -5 and -10. So a block here at -99 runs just before exabond's and one at
 * -101 just after it (pair 0); a second pair at -199 and -201 has nothing
 * between them (pair 1), and times what a pair costs by itself: two calls,
 * two clock reads, the chain's walk. Pair 0 minus pair 1 is exabond's
 * notifier.
 * exabond's other block (priority INT_MAX, a member's CHANGELOWERSTATE
 * only) is not timed.
 *
 * A pair's sample is one event's ktime_get_ns() difference, kept with the
 * device's ifindex and the event in a ring of each pair's last
 * PROBE_RING samples. /proc/exabond_bench_notifier lists them, one
 * "pair ifindex event ns" line each, oldest first; any write clears them.
 */
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/proc_fs.h>
#include <linux/rtnetlink.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#define PROBE_RING	65536	/* samples per pair, a power of 2 */
#define PROBE_PAIRS	2

struct probe_sample {
	u32 ifindex;
	u32 event;
	u64 ns;
};

/*
 * Every netdevice notifier runs under RTNL, which therefore protects all
 * of a pair but its notifier_blocks; the proc file takes RTNL to read or
 * clear.
 */
struct probe_pair {
	struct probe_sample *ring;
	u64 count;		/* samples taken since the last clear */
	const void *pending;	/* the event the start block saw, or NULL */
	unsigned long pending_event;
	u64 start_ns;
	struct notifier_block start;
	struct notifier_block end;
};

static struct probe_pair probe_pairs[PROBE_PAIRS];

static int probe_start(struct notifier_block *nb, unsigned long event,
		       void *ptr)
{
	struct probe_pair *p = container_of(nb, struct probe_pair, start);

	p->pending = ptr;
	p->pending_event = event;
	p->start_ns = ktime_get_ns();
	return NOTIFY_DONE;
}

static int probe_end(struct notifier_block *nb, unsigned long event,
		     void *ptr)
{
	u64 now = ktime_get_ns();
	struct probe_pair *p = container_of(nb, struct probe_pair, end);
	struct probe_sample *s;

	/*
	 * Not the event the start block saw (a veto stops the chain between
	 * them; registration replays events to one block only).
	 */
	if (p->pending != ptr || p->pending_event != event)
		return NOTIFY_DONE;
	p->pending = NULL;
	s = &p->ring[p->count & (PROBE_RING - 1)];
	s->ifindex = netdev_notifier_info_to_dev(ptr)->ifindex;
	s->event = event;
	s->ns = now - p->start_ns;
	p->count++;
	return NOTIFY_DONE;
}

static void probe_clear(void)
{
	int i;

	ASSERT_RTNL();
	for (i = 0; i < PROBE_PAIRS; i++) {
		probe_pairs[i].count = 0;
		probe_pairs[i].pending = NULL;
	}
}

/* The seq_file position runs over pair 0's kept samples, then pair 1's. */
static struct probe_sample *probe_at(loff_t pos, int *pair)
{
	int i;

	for (i = 0; i < PROBE_PAIRS; i++) {
		struct probe_pair *p = &probe_pairs[i];
		u64 kept = min_t(u64, p->count, PROBE_RING);

		if (pos < kept) {
			*pair = i;
			return &p->ring[(p->count - kept + pos) &
					(PROBE_RING - 1)];
		}
		pos -= kept;
	}
	return NULL;
}

static void *probe_seq_start(struct seq_file *m, loff_t *pos)
{
	int pair;

	rtnl_lock();
	return probe_at(*pos, &pair) ? pos : NULL;
}

static void *probe_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	int pair;

	++*pos;
	return probe_at(*pos, &pair) ? pos : NULL;
}

static void probe_seq_stop(struct seq_file *m, void *v)
{
	rtnl_unlock();
}

static int probe_seq_show(struct seq_file *m, void *v)
{
	int pair;
	struct probe_sample *s = probe_at(*(loff_t *)v, &pair);

	if (s)
		seq_printf(m, "%d %u %u %llu\n", pair, s->ifindex, s->event,
			   s->ns);
	return 0;
}

static const struct seq_operations probe_seq_ops = {
	.start = probe_seq_start,
	.next = probe_seq_next,
	.stop = probe_seq_stop,
	.show = probe_seq_show,
};

static int probe_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &probe_seq_ops);
}

static ssize_t probe_write(struct file *file, const char __user *buf,
			   size_t len, loff_t *off)
{
	rtnl_lock();
	probe_clear();
	rtnl_unlock();
	return len;
}

static const struct proc_ops probe_proc_ops = {
	.proc_open = probe_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = seq_release,
	.proc_write = probe_write,
};

static const int probe_priorities[PROBE_PAIRS][2] = {
	{ -99, -101 },		/* around exabond's block (-100) */
	{ -199, -201 },		/* around nothing */
};

/* The first @ends end blocks and @starts start blocks, starts first. */
static void probe_unregister(int ends, int starts)
{
	while (starts-- > 0)
		unregister_netdevice_notifier(&probe_pairs[starts].start);
	/* What unregistering a start replayed is not to be ended. */
	rtnl_lock();
	probe_clear();
	rtnl_unlock();
	while (ends-- > 0)
		unregister_netdevice_notifier(&probe_pairs[ends].end);
}

static void probe_free_rings(void)
{
	int i;

	for (i = 0; i < PROBE_PAIRS; i++) {
		kvfree(probe_pairs[i].ring);
		probe_pairs[i].ring = NULL;
	}
}

static int __init probe_init(void)
{
	int ends = 0, starts = 0, i, err;

	BUILD_BUG_ON(!is_power_of_2(PROBE_RING));

	for (i = 0; i < PROBE_PAIRS; i++) {
		struct probe_pair *p = &probe_pairs[i];

		p->ring = kvcalloc(PROBE_RING, sizeof(*p->ring), GFP_KERNEL);
		if (!p->ring) {
			err = -ENOMEM;
			goto err_free;
		}
		p->start.notifier_call = probe_start;
		p->start.priority = probe_priorities[i][0];
		p->end.notifier_call = probe_end;
		p->end.priority = probe_priorities[i][1];
	}
	/*
	 * The ends first: what registering a start replays is then left
	 * pending, and cleared below, never ended.
	 */
	for (; ends < PROBE_PAIRS; ends++) {
		err = register_netdevice_notifier(&probe_pairs[ends].end);
		if (err)
			goto err_unregister;
	}
	for (; starts < PROBE_PAIRS; starts++) {
		err = register_netdevice_notifier(&probe_pairs[starts].start);
		if (err)
			goto err_unregister;
	}
	rtnl_lock();
	probe_clear();
	rtnl_unlock();

	if (!proc_create("exabond_bench_notifier", 0600, NULL,
			 &probe_proc_ops)) {
		err = -ENOMEM;
		goto err_unregister;
	}
	return 0;

err_unregister:
	probe_unregister(ends, starts);
err_free:
	probe_free_rings();
	return err;
}

static void __exit probe_exit(void)
{
	remove_proc_entry("exabond_bench_notifier", NULL);
	probe_unregister(PROBE_PAIRS, PROBE_PAIRS);
	probe_free_rings();
}

module_init(probe_init);
module_exit(probe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("exabond benchmarks: times exabond's netdevice notifier");
