/* mqs/loop.h — the event loop: readiness of file descriptors (epoll) and
 * one-shot timers, on one thread.
 *
 * Shared by the reference broker and the harness's client engine; it knows
 * nothing of MQTT. Errors are negative errno values (-EBADF, -ENOMEM, ...),
 * never mqs_err codes: strerror(-rc) describes them. Each prototype lists
 * the ones it may return.
 *
 * Callbacks may add, modify and remove any file descriptor and add and
 * cancel any timer, their own included: an event already collected for a
 * descriptor removed (or removed and added again) in the meantime is
 * dropped, never delivered to the new registration. They must not call
 * mqs_loop_destroy, nor run the loop they are called from (that returns
 * -EBUSY). The loop is not thread-safe: one loop, one thread. */
#ifndef MQS_LOOP_H
#define MQS_LOOP_H

#include <stdint.h>

typedef struct mqs_loop mqs_loop;

/* Interest (mqs_loop_fd_add, mqs_loop_fd_modify) and readiness (the
 * callback's events). ERROR and HUP are only ever reported, never asked
 * for: they come whatever the interest, unless the interest is 0. On
 * either, a read or a write on the descriptor says what happened. */
#define MQS_LOOP_READ 0x1u
#define MQS_LOOP_WRITE 0x2u
#define MQS_LOOP_ERROR 0x4u
#define MQS_LOOP_HUP 0x8u

/* Called when fd is ready; events is a non-empty set of MQS_LOOP_* bits
 * within the fd's interest at the time of the call (plus ERROR and HUP). */
typedef void mqs_loop_fd_cb(mqs_loop *loop, int fd, unsigned events, void *arg);
/* Called once, when the timer is due. The timer is no longer pending:
 * cancelling id from here returns -ENOENT. Re-add to repeat. */
typedef void mqs_loop_timer_cb(mqs_loop *loop, int64_t id, void *arg);

/* A new loop, or NULL with errno set (ENOMEM, EMFILE, ENFILE). */
mqs_loop *mqs_loop_create(void);
/* Frees the loop. Registered descriptors are left open (the caller owns
 * them); pending timers are dropped without being called. NULL is a no-op.
 * Not from inside a callback of the same loop. */
void mqs_loop_destroy(mqs_loop *loop);

/* Watch fd for mask (MQS_LOOP_READ | MQS_LOOP_WRITE, or 0 to register it
 * paused) and call cb(loop, fd, events, arg) when ready. Level-triggered:
 * the callback comes again while the condition holds. Any number of
 * descriptors, any fd value. Remove fd before closing it.
 * Returns 0, or -EBADF (fd < 0), -EINVAL (cb NULL, unknown mask bits),
 * -EEXIST (fd already registered), -ENOMEM, -EPERM (fd does not support
 * polling, e.g. a regular file), or another -errno from epoll_ctl(2). */
int mqs_loop_fd_add(mqs_loop *loop, int fd, unsigned mask, mqs_loop_fd_cb *cb, void *arg);
/* Change the interest of a registered fd; callback and arg stay. Mask 0
 * pauses fd: it is taken out of epoll, so not even ERROR or HUP wake the
 * loop (a hung-up socket would otherwise spin it). Returns 0, or
 * -EINVAL (unknown mask bits), -ENOENT (fd not registered), -ENOMEM, or
 * another -errno from epoll_ctl(2) (-EBADF if fd was closed meanwhile). */
int mqs_loop_fd_modify(mqs_loop *loop, int fd, unsigned mask);
/* Stop watching fd; it is not closed. Pending events for it are dropped.
 * Returns 0, or -ENOENT (fd not registered). Succeeds even if fd was
 * already closed. */
int mqs_loop_fd_remove(mqs_loop *loop, int fd);
/* The interest of fd (>= 0), or -ENOENT if fd is not registered. */
int mqs_loop_fd_mask(const mqs_loop *loop, int fd);

/* Call cb(loop, id, arg) once, ms milliseconds from now (0: on the next
 * pass of the loop, never from inside the current one, so a timer that
 * re-adds itself with 0 cannot starve descriptors). Due timers fire in
 * order of due time, then of addition. Never early, measured in
 * mqs_loop_now_ms() ticks. Returns the timer's id (> 0, unique among
 * pending timers, and not reused before 2^31 timers have come and gone
 * in the same slot), or -EINVAL (cb NULL), -ENOMEM. O(log n). */
int64_t mqs_loop_timer_add(mqs_loop *loop, uint64_t ms, mqs_loop_timer_cb *cb, void *arg);
/* Cancel a pending timer: its callback will not be called. Returns 0, or
 * -ENOENT (already fired, already cancelled, or never an id). O(log n). */
int mqs_loop_timer_cancel(mqs_loop *loop, int64_t id);

/* Milliseconds on CLOCK_MONOTONIC: for intervals, not for dates. */
uint64_t mqs_loop_now_ms(void);
/* mqs_loop_now_ms() as of the latest wake-up of the loop: cheap, and the
 * same for every callback of one pass. 0 before the first pass. */
uint64_t mqs_loop_time(const mqs_loop *loop);

/* One pass: wait up to max_wait_ms (< 0: no limit; 0: do not block), less
 * if a timer is due sooner, for descriptors to become ready; call their
 * callbacks, then those of due timers. Returns the number of callbacks
 * called (0 on timeout or when a signal interrupted the wait), -EBUSY when
 * called from one of this loop's callbacks, or an -errno from epoll_wait(2)
 * other than EINTR (-EBADF, -EFAULT, -EINVAL: a bug). */
int mqs_loop_run_once(mqs_loop *loop, int max_wait_ms);
/* Run passes until mqs_loop_stop is called from a callback, or until there
 * is nothing left to wait for (no descriptor with a non-zero interest and
 * no pending timer). Returns 0, or the error of mqs_loop_run_once. */
int mqs_loop_run(mqs_loop *loop);
/* Make mqs_loop_run return once the current pass is over. Callbacks still
 * due in the current pass are called. */
void mqs_loop_stop(mqs_loop *loop);

#endif
