/* harness/bundled.c — starting and stopping the bundled broker. */
#include "bundled.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mqs/tcp.h"

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int find(mqs_bundled *b, char *err, size_t cap) {
  const char *env = getenv("MQSPEC_BROKER");
  if (env && *env) {
    snprintf(b->path, sizeof b->path, "%s", env);
    if (access(b->path, X_OK) == 0) return 0;
    snprintf(err, cap, "MQSPEC_BROKER=%s is not an executable: %s", env, strerror(errno));
    return -1;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    snprintf(err, cap, "cannot find this executable's directory; pass --broker HOST:PORT");
    return -1;
  }
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash) *slash = '\0';
  static const char *const where[] = {"%s/../broker/mqspec-broker", "%s/mqspec-broker"};
  for (size_t i = 0; i < 2; i++) {
    int w = snprintf(b->path, sizeof b->path, where[i], self);
    if (w > 0 && (size_t)w < sizeof b->path && access(b->path, X_OK) == 0) return 0;
  }
  snprintf(err, cap,
           "the bundled broker was not found (looked for %s/../broker/mqspec-broker and "
           "%s/mqspec-broker); build it, or pass --broker HOST:PORT to test a running broker",
           self, self);
  return -1;
}

/* The port in the line of buf that follows marker, or 0 (not there yet);
 * -1 when the line is complete but holds no port. */
static int port_after(const char *buf, const char *marker, uint16_t *port) {
  const char *at = strstr(buf, marker);
  const char *eol = at ? strchr(at, '\n') : NULL;
  if (!at || !eol) return 0;
  char hostport[128], host[MQS_TCP_HOST_MAX];
  at += strlen(marker);
  size_t hl = (size_t)(eol - at);
  if (hl >= sizeof hostport) hl = sizeof hostport - 1;
  memcpy(hostport, at, hl);
  hostport[hl] = '\0';
  char *sp = strpbrk(hostport, " \t\r");
  if (sp) *sp = '\0';
  return mqs_tcp_parse_hostport(hostport, host, sizeof host, port, NULL) == 0 && *port ? 1 : -1;
}

/* Read its output until the "listening" lines (TCP and WebSocket), 5 s at most. */
static int await_port(mqs_bundled *b, char *err, size_t cap) {
  char buf[8192];
  size_t len = 0;
  uint64_t deadline = now_ms() + 5000;
  for (;;) {
    uint64_t now = now_ms();
    if (now >= deadline) break;
    struct pollfd p = {b->out_fd, POLLIN, 0};
    int rc = poll(&p, 1, (int)(deadline - now));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) break;
    ssize_t n = read(b->out_fd, buf + len, sizeof buf - 1 - len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) {
      buf[len] = '\0';
      snprintf(err, cap, "%s exited before listening; its output:\n%s", b->path, buf);
      return -1;
    }
    len += (size_t)n;
    buf[len] = '\0';
    int tcp = port_after(buf, "listening on ", &b->port);
    int ws = port_after(buf, "listening for WebSocket (path any) at ", &b->ws_port);
    if (tcp < 0 || ws < 0) {
      snprintf(err, cap, "%s: cannot read the port in its output:\n%s", b->path, buf);
      return -1;
    }
    if (tcp > 0 && ws > 0) return 0;
    if (len == sizeof buf - 1) len = 0; /* a chatty start: keep looking */
  }
  snprintf(err, cap, "%s did not say 'listening on 127.0.0.1:PORT' (TCP and WebSocket) within 5 s",
           b->path);
  return -1;
}

/* The user the authentication scenarios log in as: `mqspec-broker passwd`
 * writes DIR/passwd with alice's salted hash (her password on its stdin). */
static int make_password_file(mqs_bundled *b, char *file, size_t fcap, char *err, size_t cap) {
  snprintf(b->dir, sizeof b->dir, "/tmp/mqspec-bundled-XXXXXX");
  if (!mkdtemp(b->dir)) {
    snprintf(err, cap, "mkdtemp: %s", strerror(errno));
    b->dir[0] = '\0';
    return -1;
  }
  snprintf(file, fcap, "%s/passwd", b->dir);
  int in[2];
  if (pipe(in) < 0) {
    snprintf(err, cap, "pipe: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    close(in[0]);
    close(in[1]);
    execl(b->path, b->path, "passwd", file, "alice", (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  if (pid > 0 && write(in[1], "secret\n", 7) != 7) pid = -1;
  close(in[1]);
  int status = -1;
  if (pid > 0) waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(err, cap, "%s passwd %s alice: failed (status 0x%x)", b->path, file, status);
    return -1;
  }
  return 0;
}

static void remove_password_file(mqs_bundled *b) {
  if (!b->dir[0]) return;
  char file[128];
  snprintf(file, sizeof file, "%s/passwd", b->dir);
  unlink(file);
  rmdir(b->dir);
  b->dir[0] = '\0';
}

int mqs_bundled_start(mqs_bundled *b, char *err, size_t cap) {
  memset(b, 0, sizeof *b);
  b->pid = -1;
  b->out_fd = -1;
  if (find(b, err, cap) < 0) return -1;
  char passwd[128];
  if (make_password_file(b, passwd, sizeof passwd, err, cap) < 0) {
    remove_password_file(b);
    return -1;
  }
  int fds[2];
  if (pipe(fds) < 0) {
    snprintf(err, cap, "pipe: %s", strerror(errno));
    remove_password_file(b);
    return -1;
  }
  /* Its writes never block: a full pipe loses log lines, not the broker. */
  fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(err, cap, "fork: %s", strerror(errno));
    close(fds[0]);
    close(fds[1]);
    remove_password_file(b);
    return -1;
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[1]);
    execl(b->path, b->path, "-p", "0", "--ws-listen", "127.0.0.1:0", "--password-file", passwd,
          (char *)NULL);
    fprintf(stderr, "exec %s: %s\n", b->path, strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  b->pid = pid;
  b->out_fd = fds[0];
  if (await_port(b, err, cap) < 0) {
    mqs_bundled_stop(b);
    return -1;
  }
  return 0;
}

int mqs_bundled_stop(mqs_bundled *b) {
  int status = -1;
  if (b->pid > 0) {
    kill(b->pid, SIGTERM);
    uint64_t deadline = now_ms() + 2000;
    for (;;) {
      pid_t w = waitpid(b->pid, &status, WNOHANG);
      if (w == b->pid) break;
      if (w < 0 && errno != EINTR) break;
      if (now_ms() >= deadline) {
        kill(b->pid, SIGKILL);
        waitpid(b->pid, &status, 0);
        break;
      }
      struct timespec ts = {0, 10 * 1000000L}; /* a process exit has no fd to wait on */
      nanosleep(&ts, NULL);
    }
    bool clean = (WIFEXITED(status) && WEXITSTATUS(status) == 0) || (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    if (!clean && b->out_fd >= 0) {
      char buf[4096];
      fcntl(b->out_fd, F_SETFL, fcntl(b->out_fd, F_GETFL) | O_NONBLOCK);
      ssize_t n = read(b->out_fd, buf, sizeof buf - 1);
      fprintf(stderr, "mqspec: the bundled broker ended abnormally (status 0x%x)%s\n", status,
              n > 0 ? "; its last output:" : "");
      if (n > 0) {
        buf[n] = '\0';
        fputs(buf, stderr);
      }
    }
  }
  if (b->out_fd >= 0) close(b->out_fd);
  b->pid = -1;
  b->out_fd = -1;
  remove_password_file(b);
  return status;
}
