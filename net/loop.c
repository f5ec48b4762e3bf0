/* net/loop.c — the event loop: epoll for descriptors, a binary min-heap for
 * timers.
 *
 * Descriptors live in an array indexed by fd, grown on demand (Redis's ae
 * fixes a set size at creation; we do not know ours). Each slot carries a
 * generation, bumped on add and on remove, which epoll hands back with every
 * event: an event collected before a callback removed (and maybe re-added)
 * its fd no longer matches and is dropped. Nothing is ever freed in the
 * middle of a pass, and nothing is held by pointer across a callback, since
 * any callback may grow (and so move) the arrays.
 *
 * Timers live in a slab of slots, with a free list; the heap holds slot
 * numbers and each slot knows its heap position, so cancelling is O(log n)
 * (Redis keeps an unsorted list: O(n) to find the next one). A timer's id is
 * its slot's generation and its slot number: an id whose timer has fired or
 * been cancelled no longer matches, even after the slot is reused. */
#include "mqs/loop.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define INTEREST (MQS_LOOP_READ | MQS_LOOP_WRITE)
#define EVENTS_MIN 64
#define EVENTS_MAX 4096 /* per epoll_wait; more ready fds just wait a pass */
#define GEN_MAX 0x7fffffffu /* so that gen << 32 | slot stays a positive int64_t */
#define NO_SLOT UINT32_MAX  /* ends the free list; slot numbers stay below it */

struct fdent {
  mqs_loop_fd_cb *cb;
  void *arg;
  unsigned mask;          /* MQS_LOOP_READ | MQS_LOOP_WRITE, or 0 */
  uint32_t gen;           /* travels with each epoll event; see top */
  unsigned char used;     /* registered */
  unsigned char in_epoll; /* mask != 0: a paused fd is out of epoll */
};

struct timer {
  uint64_t when; /* due at this mqs_loop_now_ms() */
  uint64_t seq;  /* order of addition: breaks ties on when */
  mqs_loop_timer_cb *cb;
  void *arg;
  uint32_t gen;  /* 1..GEN_MAX, bumped when the slot is freed */
  uint32_t pos;  /* index in heap while pending; next free slot otherwise */
  int pending;
};

struct mqs_loop {
  int epfd;
  int stop;
  int in_pass; /* inside run_once: a nested one would reuse events under our feet */
  uint64_t now; /* cached mqs_loop_now_ms(), see mqs_loop_time */

  struct fdent *fds;
  int nfds_cap;  /* fds has this many slots: valid fds are 0..nfds_cap-1 */
  int nactive;   /* registered with a non-zero interest */

  struct epoll_event *events;
  int nevents_cap;

  struct timer *timers; /* slab */
  uint32_t *heap;       /* slot numbers, min-heap on (when, seq) */
  uint32_t ntimers_cap; /* capacity of both timers and heap */
  uint32_t nheap;       /* pending timers */
  uint32_t free_slot;   /* head of the free list, or NO_SLOT */
  uint32_t nslots;      /* slots ever handed out (the rest are virgin) */
  uint64_t next_seq;
};

uint64_t mqs_loop_now_ms(void) {
  struct timespec ts;
  /* CLOCK_MONOTONIC cannot fail with a valid pointer; it is always present on Linux. */
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t mqs_loop_time(const mqs_loop *loop) { return loop->now; }

mqs_loop *mqs_loop_create(void) {
  mqs_loop *l = calloc(1, sizeof *l);
  if (l == NULL) return NULL;
  l->free_slot = NO_SLOT;
  l->events = malloc(EVENTS_MIN * sizeof *l->events);
  l->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (l->events == NULL || l->epfd < 0) goto fail;
  l->nevents_cap = EVENTS_MIN;
  return l;
fail:;
  int saved = l->events == NULL ? ENOMEM : errno;
  if (l->epfd >= 0) close(l->epfd);
  free(l->events);
  free(l);
  errno = saved;
  return NULL;
}

void mqs_loop_destroy(mqs_loop *loop) {
  if (loop == NULL) return;
  close(loop->epfd);
  free(loop->fds);
  free(loop->events);
  free(loop->timers);
  free(loop->heap);
  free(loop);
}

/* ---- descriptors ---- */

static int grow_fds(mqs_loop *l, int fd) {
  if (fd < l->nfds_cap) return 0;
  size_t cap = l->nfds_cap > 0 ? (size_t)l->nfds_cap : 64;
  while (cap <= (size_t)fd) cap *= 2;
  if (cap > INT_MAX) cap = (size_t)INT_MAX; /* fd < INT_MAX, so still > fd */
  struct fdent *n = realloc(l->fds, cap * sizeof *n);
  if (n == NULL) return -ENOMEM;
  memset(n + l->nfds_cap, 0, (cap - (size_t)l->nfds_cap) * sizeof *n);
  l->fds = n;
  l->nfds_cap = (int)cap;
  return 0;
}

static struct fdent *lookup(const mqs_loop *l, int fd) {
  if (fd < 0 || fd >= l->nfds_cap || !l->fds[fd].used) return NULL;
  return &l->fds[fd];
}

static int ctl(mqs_loop *l, int op, int fd, const struct fdent *e) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev); /* all of data, for valgrind */
  if (e->mask & MQS_LOOP_READ) ev.events |= EPOLLIN;
  if (e->mask & MQS_LOOP_WRITE) ev.events |= EPOLLOUT;
  ev.data.u64 = (uint64_t)e->gen << 32 | (uint32_t)fd;
  return epoll_ctl(l->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

/* Put fd in or out of epoll to match mask, then record mask. */
static int apply_mask(mqs_loop *l, int fd, struct fdent *e, unsigned mask) {
  unsigned old = e->mask;
  int rc = 0;
  e->mask = mask;
  if (mask == 0) {
    if (e->in_epoll) rc = ctl(l, EPOLL_CTL_DEL, fd, e);
    if (rc == 0 && e->in_epoll) {
      e->in_epoll = 0;
      l->nactive--;
    }
  } else if (e->in_epoll) {
    rc = ctl(l, EPOLL_CTL_MOD, fd, e);
  } else {
    rc = ctl(l, EPOLL_CTL_ADD, fd, e);
    if (rc == 0) {
      e->in_epoll = 1;
      l->nactive++;
    }
  }
  if (rc < 0) e->mask = old;
  return rc;
}

int mqs_loop_fd_add(mqs_loop *loop, int fd, unsigned mask, mqs_loop_fd_cb *cb, void *arg) {
  if (fd < 0) return -EBADF;
  if (cb == NULL || (mask & ~INTEREST)) return -EINVAL;
  int rc = grow_fds(loop, fd);
  if (rc < 0) return rc;
  struct fdent *e = &loop->fds[fd];
  if (e->used) return -EEXIST;
  e->gen++; /* wrapping is harmless: it only has to differ from the last one */
  e->mask = 0;
  e->in_epoll = 0;
  rc = apply_mask(loop, fd, e, mask);
  if (rc < 0) return rc;
  e->cb = cb;
  e->arg = arg;
  e->used = 1;
  return 0;
}

int mqs_loop_fd_modify(mqs_loop *loop, int fd, unsigned mask) {
  if (mask & ~INTEREST) return -EINVAL;
  struct fdent *e = lookup(loop, fd);
  if (e == NULL) return -ENOENT;
  return apply_mask(loop, fd, e, mask);
}

int mqs_loop_fd_remove(mqs_loop *loop, int fd) {
  struct fdent *e = lookup(loop, fd);
  if (e == NULL) return -ENOENT;
  /* Fails only if fd was closed first (EBADF) or closed and reopened
   * (ENOENT); either way epoll no longer watches it for us. */
  if (e->in_epoll) {
    (void)ctl(loop, EPOLL_CTL_DEL, fd, e);
    loop->nactive--;
  }
  e->used = 0;
  e->in_epoll = 0;
  e->mask = 0;
  e->cb = NULL;
  e->arg = NULL;
  e->gen++;
  return 0;
}

int mqs_loop_fd_mask(const mqs_loop *loop, int fd) {
  const struct fdent *e = lookup(loop, fd);
  return e == NULL ? -ENOENT : (int)e->mask;
}

/* ---- timers: a binary min-heap of slot numbers ---- */

static int before(const mqs_loop *l, uint32_t a, uint32_t b) {
  const struct timer *x = &l->timers[a], *y = &l->timers[b];
  return x->when < y->when || (x->when == y->when && x->seq < y->seq);
}

static void heap_put(mqs_loop *l, uint32_t pos, uint32_t slot) {
  l->heap[pos] = slot;
  l->timers[slot].pos = pos;
}

static void sift_up(mqs_loop *l, uint32_t pos) {
  uint32_t slot = l->heap[pos];
  while (pos > 0) {
    uint32_t parent = (pos - 1) / 2;
    if (!before(l, slot, l->heap[parent])) break;
    heap_put(l, pos, l->heap[parent]);
    pos = parent;
  }
  heap_put(l, pos, slot);
}

static void sift_down(mqs_loop *l, uint32_t pos) {
  uint32_t slot = l->heap[pos];
  for (;;) {
    uint32_t child = 2 * pos + 1;
    if (child >= l->nheap) break;
    if (child + 1 < l->nheap && before(l, l->heap[child + 1], l->heap[child])) child++;
    if (!before(l, l->heap[child], slot)) break;
    heap_put(l, pos, l->heap[child]);
    pos = child;
  }
  heap_put(l, pos, slot);
}

/* Take the entry at pos out of the heap: the last entry fills the hole and
 * moves up or down to where it belongs. O(log n). */
static void heap_remove(mqs_loop *l, uint32_t pos) {
  uint32_t last = l->heap[--l->nheap];
  if (pos == l->nheap) return;
  heap_put(l, pos, last);
  if (pos > 0 && before(l, last, l->heap[(pos - 1) / 2]))
    sift_up(l, pos);
  else
    sift_down(l, pos);
}

static int64_t timer_id(const mqs_loop *l, uint32_t slot) {
  return (int64_t)((uint64_t)l->timers[slot].gen << 32 | slot);
}

static void slot_free(mqs_loop *l, uint32_t slot) {
  struct timer *t = &l->timers[slot];
  t->pending = 0;
  t->cb = NULL;
  t->arg = NULL;
  t->gen = t->gen == GEN_MAX ? 1 : t->gen + 1;
  t->pos = l->free_slot;
  l->free_slot = slot;
}

static int grow_timers(mqs_loop *l) {
  if (l->ntimers_cap >= NO_SLOT) return -ENOMEM;
  uint64_t cap64 = l->ntimers_cap ? (uint64_t)l->ntimers_cap * 2 : 16;
  uint32_t cap = cap64 >= NO_SLOT ? NO_SLOT : (uint32_t)cap64;
  struct timer *t = realloc(l->timers, (size_t)cap * sizeof *t);
  if (t == NULL) return -ENOMEM;
  l->timers = t;
  uint32_t *h = realloc(l->heap, (size_t)cap * sizeof *h);
  if (h == NULL) return -ENOMEM; /* timers is merely bigger than it need be */
  l->heap = h;
  l->ntimers_cap = cap;
  return 0;
}

int64_t mqs_loop_timer_add(mqs_loop *loop, uint64_t ms, mqs_loop_timer_cb *cb, void *arg) {
  if (cb == NULL) return -EINVAL;
  uint32_t slot;
  if (loop->free_slot != NO_SLOT) {
    slot = loop->free_slot;
    loop->free_slot = loop->timers[slot].pos;
  } else {
    if (loop->nslots == loop->ntimers_cap) {
      int rc = grow_timers(loop);
      if (rc < 0) return rc;
    }
    slot = loop->nslots++;
    loop->timers[slot].gen = 1;
  }
  struct timer *t = &loop->timers[slot];
  /* From the clock, not the cached time: a long callback must not make
   * the timers it adds due early. */
  uint64_t now = mqs_loop_now_ms();
  t->when = ms > UINT64_MAX - now ? UINT64_MAX : now + ms;
  t->seq = loop->next_seq++;
  t->cb = cb;
  t->arg = arg;
  t->pending = 1;
  loop->heap[loop->nheap] = slot;
  loop->nheap++;
  sift_up(loop, loop->nheap - 1);
  return timer_id(loop, slot);
}

int mqs_loop_timer_cancel(mqs_loop *loop, int64_t id) {
  if (id <= 0) return -ENOENT;
  uint32_t slot = (uint32_t)((uint64_t)id & 0xffffffffu);
  uint32_t gen = (uint32_t)((uint64_t)id >> 32);
  if (slot >= loop->nslots) return -ENOENT;
  struct timer *t = &loop->timers[slot];
  if (!t->pending || t->gen != gen) return -ENOENT;
  heap_remove(loop, t->pos);
  slot_free(loop, slot);
  return 0;
}

/* ---- running ---- */

static unsigned from_epoll(uint32_t ev) {
  unsigned r = 0;
  if (ev & EPOLLIN) r |= MQS_LOOP_READ;
  if (ev & EPOLLOUT) r |= MQS_LOOP_WRITE;
  if (ev & EPOLLERR) r |= MQS_LOOP_ERROR;
  if (ev & EPOLLHUP) r |= MQS_LOOP_HUP;
  return r;
}

/* How long epoll_wait may sleep: max_wait_ms, cut short by the first timer. */
static int wait_ms(const mqs_loop *l, int max_wait_ms) {
  if (l->nheap == 0) return max_wait_ms < 0 ? -1 : max_wait_ms;
  uint64_t now = mqs_loop_now_ms(), when = l->timers[l->heap[0]].when;
  uint64_t d = when > now ? when - now : 0;
  if (max_wait_ms >= 0 && d > (uint64_t)max_wait_ms) d = (uint64_t)max_wait_ms;
  return d > INT_MAX ? INT_MAX : (int)d;
}

static int run_timers(mqs_loop *l) {
  /* Timers added from here on wait for the next pass (see timer_add). */
  uint64_t limit = l->next_seq;
  int n = 0;
  while (l->nheap > 0) {
    uint32_t slot = l->heap[0];
    const struct timer *t = &l->timers[slot];
    if (t->when > l->now || t->seq >= limit) break;
    mqs_loop_timer_cb *cb = t->cb;
    void *arg = t->arg;
    int64_t id = timer_id(l, slot);
    heap_remove(l, 0);
    slot_free(l, slot); /* before the call: it may cancel id, or add timers */
    cb(l, id, arg);
    n++;
  }
  return n;
}

int mqs_loop_run_once(mqs_loop *loop, int max_wait_ms) {
  if (loop->in_pass) return -EBUSY;
  if (loop->nevents_cap < loop->nactive && loop->nevents_cap < EVENTS_MAX) {
    int cap = loop->nevents_cap;
    while (cap < loop->nactive && cap < EVENTS_MAX) cap *= 2;
    struct epoll_event *ev = realloc(loop->events, (size_t)cap * sizeof *ev);
    if (ev != NULL) { /* else: smaller batches, no harm */
      loop->events = ev;
      loop->nevents_cap = cap;
    }
  }
  int n = epoll_wait(loop->epfd, loop->events, loop->nevents_cap, wait_ms(loop, max_wait_ms));
  if (n < 0) {
    if (errno != EINTR) return -errno;
    n = 0;
  }
  loop->now = mqs_loop_now_ms();
  loop->in_pass = 1;
  int called = 0;
  for (int i = 0; i < n; i++) {
    uint64_t data = loop->events[i].data.u64;
    int fd = (int)(uint32_t)data;
    struct fdent *e = lookup(loop, fd);
    if (e == NULL || e->gen != (uint32_t)(data >> 32)) continue; /* removed meanwhile */
    /* Only what is still of interest: an earlier callback may have changed it. */
    unsigned ev = from_epoll(loop->events[i].events);
    ev &= e->mask | MQS_LOOP_ERROR | MQS_LOOP_HUP;
    if (ev == 0 || e->mask == 0) continue;
    e->cb(loop, fd, ev, e->arg);
    called++;
  }
  called += run_timers(loop);
  loop->in_pass = 0;
  return called;
}

int mqs_loop_run(mqs_loop *loop) {
  if (loop->in_pass) return -EBUSY; /* before touching stop: the outer run owns it */
  loop->stop = 0;
  while (!loop->stop && (loop->nactive > 0 || loop->nheap > 0)) {
    int rc = mqs_loop_run_once(loop, -1);
    if (rc < 0) return rc;
  }
  return 0;
}

void mqs_loop_stop(mqs_loop *loop) { loop->stop = 1; }
