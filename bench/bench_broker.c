/* bench/bench_broker.c — mqspec-broker against mosquitto, side by side in
 * one run: QoS 1 messages end to end through each (one publisher, one
 * subscriber, the client of tests/broker/flood.c on plain sockets, every
 * message checked complete and in order), MQTT 3.1.1 and 5.0, best of a
 * few runs, and each broker's peak resident memory (VmHWM) afterwards.
 * Both brokers run with their defaults, except that mosquitto (Debian's
 * binary: `listener PORT 127.0.0.1`, `allow_anonymous true`) gets
 * `max_inflight_messages 100`, mqspec-broker's default max-inflight, so
 * that the ratio compares brokers rather than their in-flight limits
 * (mosquitto's default, 20, makes its QoS 1 stream wait on round trips).
 *
 * Usage: bench_broker [--count N] [--runs R] [--mosquitto PATH]
 * Prints figures; asserts nothing about them (a message lost still fails). */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flood.h"
#include "netclient.h"

static uint16_t free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || getsockname(fd, (struct sockaddr *)&a, &len)) {
    if (fd >= 0) close(fd);
    return 0;
  }
  close(fd);
  return ntohs(a.sin_port);
}

/* mosquitto on a free port; waits until it accepts connections (5 s). */
static pid_t start_mosquitto(const char *exe, char *dir, uint16_t *port) {
  char conf[256];
  if (!mkdtemp(dir)) return -1;
  snprintf(conf, sizeof conf, "%s/mosquitto.conf", dir);
  *port = free_port();
  FILE *f = fopen(conf, "w");
  if (!f || !*port) return -1;
  fprintf(f, "listener %u 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 100\nset_tcp_nodelay true\n", *port);
  fclose(f);
  pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execl(exe, exe, "-c", conf, (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 250 && pid > 0; i++) { /* a process start has no fd to wait on */
    nc *c = nc_open("127.0.0.1", *port, MQS_V311);
    if (c) {
      nc_close(c);
      return pid;
    }
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return -1;
}

/* Peak resident set size of pid in KiB, from /proc (0 if unknown). */
static unsigned long peak_rss_kib(pid_t pid) {
  char path[64], line[256];
  unsigned long kib = 0;
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "VmHWM: %lu kB", &kib) == 1) break;
  if (f) fclose(f);
  return kib;
}

typedef struct {
  const char *name;
  uint16_t port;
  pid_t pid;
  double best[2]; /* msg/s, [0] 3.1.1, [1] 5.0 */
  unsigned long rss_kib;
} subject;

static int measure(subject *s, uint32_t n, int runs) {
  for (int k = 0; k < 2; k++) {
    mqs_version v = k ? MQS_V5 : MQS_V311;
    for (int r = 0; r < runs; r++) {
      char prefix[48];
      double sec = 0;
      snprintf(prefix, sizeof prefix, "bench%d%d", k, r);
      if (flood_run(s->port, v, n, prefix, &sec)) {
        fprintf(stderr, "bench_broker: %s lost or reordered messages (MQTT %s)\n", s->name,
                k ? "5.0" : "3.1.1");
        return -1;
      }
      double rate = (double)n / sec;
      if (rate > s->best[k]) s->best[k] = rate;
    }
  }
  s->rss_kib = peak_rss_kib(s->pid);
  return 0;
}

int main(int argc, char **argv) {
  uint32_t n = 100000;
  int runs = 3;
  const char *mosquitto = "/usr/sbin/mosquitto";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--count") && i + 1 < argc) n = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--mosquitto") && i + 1 < argc) mosquitto = argv[++i];
    else {
      fprintf(stderr, "usage: bench_broker [--count N] [--runs R] [--mosquitto PATH]\n");
      return 2;
    }
  }
  if (n == 0 || runs < 1) return 2;
  signal(SIGPIPE, SIG_IGN);
  broker_proc bp;
  if (bp_start(&bp, NULL)) return 1;
  char dir[] = "/tmp/bench-broker-XXXXXX";
  subject s[2] = {{"mqspec-broker", bp.port, bp.pid, {0, 0}, 0}, {"mosquitto", 0, -1, {0, 0}, 0}};
  s[1].pid = start_mosquitto(mosquitto, dir, &s[1].port);
  int rc = 0;
  if (s[1].pid < 0) {
    fprintf(stderr, "bench_broker: cannot start %s\n", mosquitto);
    rc = 1;
  }
  if (!rc) rc = measure(&s[0], n, runs) || measure(&s[1], n, runs);
  bp_stop(&bp, 5000);
  if (s[1].pid > 0) {
    kill(s[1].pid, SIGTERM);
    waitpid(s[1].pid, NULL, 0);
  }
  char conf[256];
  snprintf(conf, sizeof conf, "%s/mosquitto.conf", dir);
  unlink(conf);
  rmdir(dir);
  if (rc) return 1;
  printf("bench_broker (%s build, %s): %u QoS 1 messages end to end, 1 publisher, 1 "
         "subscriber, best of %d runs\n",
         MQS_BENCH_BUILD_TYPE, MQS_BENCH_C_FLAGS, n, runs);
  printf("%-22s %14s %14s %8s\n", "", "mqspec-broker", "mosquitto", "ratio");
  for (int k = 0; k < 2; k++)
    printf("%-22s %14.0f %14.0f %8.2f\n", k ? "MQTT 5.0   msg/s" : "MQTT 3.1.1 msg/s",
           s[0].best[k], s[1].best[k], s[0].best[k] / s[1].best[k]);
  printf("%-22s %14lu %14lu %8.2f\n", "peak RSS KiB", s[0].rss_kib, s[1].rss_kib,
         s[1].rss_kib ? (double)s[0].rss_kib / (double)s[1].rss_kib : 0.0);
  return 0;
}
