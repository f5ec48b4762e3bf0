/* tests/broker/netclient.c — broker process and socket clients for tests. */
#include "netclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MQS_BROKER_BIN
#error "MQS_BROKER_BIN must name the mqspec-broker binary"
#endif

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int bp_start(broker_proc *bp, const char *const *args) {
  int out[2];
  if (pipe(out)) return -1;
  const char *argv[64];
  int n = 0;
  argv[n++] = MQS_BROKER_BIN;
  argv[n++] = "-p";
  argv[n++] = "0";
  for (int i = 0; args && args[i] && n < 62; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a test that dies takes its broker along */
    dup2(out[1], 1);                  /* stderr stays the test's: ctest shows it on failure */
    close(out[0]);
    execv(argv[0], (char *const *)argv);
    perror("exec mqspec-broker");
    _exit(127);
  }
  close(out[1]);
  bp->pid = pid;
  bp->out_fd = out[0];
  bp->port = 0;
  /* Read the first line: "mqspec-broker: listening on 127.0.0.1:PORT". */
  char line[256];
  size_t len = 0;
  uint64_t deadline = now_ms() + 5000;
  while (len < sizeof line - 1) {
    uint64_t t = now_ms();
    if (t >= deadline) break;
    struct pollfd p = {out[0], POLLIN, 0};
    if (poll(&p, 1, (int)(deadline - t)) <= 0) break;
    ssize_t r = read(out[0], line + len, 1);
    if (r <= 0) break;
    if (line[len] == '\n') {
      line[len] = 0;
      char *colon = strrchr(line, ':');
      if (strstr(line, "listening on 127.0.0.1:") && colon) bp->port = (uint16_t)atoi(colon + 1);
      if (bp->port) return 0;
      len = 0;
      continue;
    }
    len++;
  }
  fprintf(stderr, "broker did not say where it listens\n");
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return -1;
}

int bp_stop(broker_proc *bp, int timeout_ms) {
  kill(bp->pid, SIGTERM);
  uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
  int st = 0, rc = -1;
  for (;;) {
    pid_t r = waitpid(bp->pid, &st, WNOHANG);
    if (r == bp->pid) {
      rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (now_ms() >= deadline) {
      kill(bp->pid, SIGKILL);
      waitpid(bp->pid, &st, 0);
      break;
    }
    /* No child-exit event to poll on portably: the broker's stdout pipe
     * closes when it exits, so wait on that. */
    struct pollfd p = {bp->out_fd, POLLIN, 0};
    char tmp[256];
    if (poll(&p, 1, 50) > 0 && read(bp->out_fd, tmp, sizeof tmp) <= 0) {
      /* EOF: the process is ending; waitpid will see it. */
      waitpid(bp->pid, &st, 0);
      rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
  }
  close(bp->out_fd);
  return rc;
}

nc *nc_open(const char *host, uint16_t port, mqs_version v) {
  struct addrinfo hints = {0}, *ai = NULL;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  char ps[8];
  snprintf(ps, sizeof ps, "%u", port);
  if (getaddrinfo(host, ps, &hints, &ai)) return NULL;
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
    if (fd >= 0) close(fd);
    freeaddrinfo(ai);
    return NULL;
  }
  freeaddrinfo(ai);
  nc *c = calloc(1, sizeof *c);
  c->fd = fd;
  c->v = v;
  return c;
}

void nc_close(nc *c) {
  if (!c) return;
  if (c->fd >= 0) close(c->fd);
  for (size_t i = 0; i < c->n_olds; i++)
    free(c->olds[i]);
  free(c->olds);
  free(c->buf);
  free(c);
}

int nc_send_raw(nc *c, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

int nc_send(nc *c, const mqs_packet *p) {
  ssize_t size = mqs_encode_size(p, c->v, 0);
  if (size < 0) return -1;
  uint8_t *buf = malloc((size_t)size);
  ssize_t n = mqs_encode(p, c->v, 0, buf, (size_t)size);
  int rc = n < 0 ? -1 : nc_send_raw(c, buf, (size_t)n);
  free(buf);
  return rc;
}

/* Read what is there (waiting up to timeout_ms for something). 1, 0, -1. */
static int fill(nc *c, int timeout_ms) {
  struct pollfd p = {c->fd, POLLIN, 0};
  int r = poll(&p, 1, timeout_ms);
  if (r == 0) return 0;
  if (r < 0) return -1;
  if (c->cap - c->len < 65536) {
    size_t cap = c->cap ? c->cap * 2 : 131072;
    uint8_t *nb = malloc(cap);
    if (c->len) memcpy(nb, c->buf, c->len);
    c->olds = realloc(c->olds, (c->n_olds + 1) * sizeof *c->olds);
    c->olds[c->n_olds++] = c->buf;
    c->buf = nb;
    c->cap = cap;
  }
  ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
  if (n <= 0) return -1;
  c->len += (size_t)n;
  return 1;
}

int nc_recv(nc *c, mqs_packet *out, int timeout_ms) {
  uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
  for (;;) {
    if (c->off < c->len) {
      mqs_decode_opts o = {.version = c->v, .from = MQS_FROM_SERVER};
      mqs_violation why;
      ssize_t n = mqs_decode_ex(c->buf + c->off, c->len - c->off, &o, out, &why);
      if (n > 0) {
        c->off += (size_t)n;
        return 1;
      }
      if (n != MQS_INCOMPLETE) {
        fprintf(stderr, "undecodable packet from the broker: %s\n", why.what ? why.what : "?");
        return -1;
      }
    }
    uint64_t t = now_ms();
    if (t >= deadline) return 0;
    int r = fill(c, (int)(deadline - t));
    if (r <= 0) return r;
  }
}

bool nc_wait_closed(nc *c, int timeout_ms) {
  uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
  for (;;) {
    uint64_t t = now_ms();
    if (t >= deadline) return false;
    int r = fill(c, (int)(deadline - t));
    if (r < 0) return true;
    if (r == 0) return false;
    c->off = c->len; /* skip what came before the close */
  }
}

int nc_connect(nc *c, const char *id, bool clean, uint16_t ka, mqs_packet *connack) {
  mqs_packet p, tmp;
  if (!connack) connack = &tmp;
  memset(&p, 0, sizeof p);
  p.type = MQS_CONNECT;
  p.connect.level = (uint8_t)c->v;
  p.connect.client_id = (mqs_str){(const uint8_t *)id, (uint32_t)strlen(id)};
  p.connect.clean_start = clean;
  p.connect.keep_alive = ka;
  if (nc_send(c, &p)) return -1;
  if (nc_recv(c, connack, 3000) != 1 || connack->type != MQS_CONNACK) return -1;
  return connack->connack.reason;
}
