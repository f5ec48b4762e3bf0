/* net/tcp.c — non-blocking TCP helpers: listen, accept, connect, read,
 * write, close in its three manners (orderly, half, abortive), and
 * "host:port" parsing. In the manner of Redis's anet.c, but returning
 * -errno instead of filling an error buffer. */

/* accept4(2) makes the accepted socket non-blocking and close-on-exec in
 * the same call: no window for a fork+exec to inherit it, one syscall
 * instead of three. It is a GNU (and BSD) extension. */
#define _GNU_SOURCE

#include "mqs/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* -errno, with EWOULDBLOCK folded into EAGAIN (the same value on Linux,
 * not everywhere). */
static int neg_errno(void) {
  int e = errno;
#if EWOULDBLOCK != EAGAIN
  if (e == EWOULDBLOCK) e = EAGAIN;
#endif
  return -e;
}

/* ---- "host:port" ---- */

static int bad(const char **why, const char *msg, int rc) {
  if (why != NULL) *why = msg;
  return rc;
}

int mqs_tcp_parse_hostport(const char *s, char *host, size_t hostcap, uint16_t *port,
                           const char **why) {
  const char *h, *p;
  size_t hlen;
  if (s == NULL || *s == '\0')
    return bad(why, "empty address: expected host:port or [v6addr]:port", -EINVAL);
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (close == NULL) return bad(why, "missing ']' after the IPv6 address", -EINVAL);
    h = s + 1;
    hlen = (size_t)(close - h);
    if (hlen == 0) return bad(why, "empty IPv6 address in brackets", -EINVAL);
    if (memchr(h, ':', hlen) == NULL)
      return bad(why, "brackets are only for IPv6 addresses, e.g. [::1]:1883", -EINVAL);
    if (memchr(h, '[', hlen) != NULL) return bad(why, "unexpected '[' inside brackets", -EINVAL);
    if (close[1] == '\0') return bad(why, "missing ':port' after ']'", -EINVAL);
    if (close[1] != ':') return bad(why, "expected ':port' right after ']'", -EINVAL);
    p = close + 2;
  } else {
    const char *colon = strrchr(s, ':');
    if (colon == NULL) return bad(why, "missing ':port': expected host:port", -EINVAL);
    h = s;
    hlen = (size_t)(colon - s);
    if (memchr(h, ':', hlen) != NULL)
      return bad(why, "IPv6 address must be in brackets, e.g. [::1]:1883", -EINVAL);
    if (hlen == 0) return bad(why, "missing host before ':port'", -EINVAL);
    if (memchr(h, '[', hlen) != NULL || memchr(h, ']', hlen) != NULL)
      return bad(why, "unbalanced brackets: expected [v6addr]:port", -EINVAL);
    p = colon + 1;
  }
  for (size_t i = 0; i < hlen; i++)
    if ((unsigned char)h[i] <= ' ' || h[i] == 0x7f)
      return bad(why, "host contains a space or control character", -EINVAL);
  if (*p == '\0') return bad(why, "missing port number after ':'", -EINVAL);
  unsigned long v = 0;
  for (const char *c = p; *c != '\0'; c++) {
    if (*c < '0' || *c > '9') return bad(why, "port must be decimal digits only", -EINVAL);
    v = v * 10 + (unsigned long)(*c - '0');
    if (v > 65535) return bad(why, "port out of range: expected 0-65535", -EINVAL);
  }
  if (host == NULL || hlen >= hostcap) return bad(why, "host name too long", -ENAMETOOLONG);
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  if (port != NULL) *port = (uint16_t)v;
  if (why != NULL) *why = NULL;
  return 0;
}

/* ---- resolving, listening, connecting ---- */

static int from_gai(int rc) {
  switch (rc) {
  case EAI_SYSTEM: return errno != 0 ? -errno : -EIO;
  case EAI_MEMORY: return -ENOMEM;
  case EAI_AGAIN: return -ETIMEDOUT;
  case EAI_FAMILY:
  case EAI_ADDRFAMILY: return -EAFNOSUPPORT;
  case EAI_SERVICE:
  case EAI_BADFLAGS:
  case EAI_SOCKTYPE: return -EINVAL;
  default: return -ENXIO; /* EAI_NONAME, EAI_NODATA, EAI_FAIL */
  }
}

static int resolve(const char *host, uint16_t port, int flags, struct addrinfo **res) {
  struct addrinfo hints;
  char serv[8];
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  /* Not AI_ADDRCONFIG: it hides ::1 and 127.0.0.1 on a host whose only
   * interface is loopback, which is where the tests run. */
  hints.ai_flags = AI_NUMERICSERV | flags;
  snprintf(serv, sizeof serv, "%u", (unsigned)port);
  errno = 0;
  int rc = getaddrinfo(host, serv, &hints, res);
  return rc == 0 ? 0 : from_gai(rc);
}

static int listen_on(const struct addrinfo *ai, int backlog, int dual_stack) {
  int one = 1, v6only = 0, rc;
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return -errno;
  /* Restart at once on a port whose previous connections are in TIME_WAIT. */
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) goto fail;
  if (dual_stack && ai->ai_family == AF_INET6 &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) < 0)
    goto fail;
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) goto fail;
  if (listen(fd, backlog) < 0) goto fail;
  return fd;
fail:
  rc = -errno;
  close(fd);
  return rc;
}

int mqs_tcp_listen(const char *host, uint16_t port, int backlog, uint16_t *bound_port) {
  struct addrinfo *res = NULL;
  int dual = host == NULL || *host == '\0';
  int rc = resolve(dual ? "::" : host, port, AI_PASSIVE, &res);
  if (backlog <= 0) backlog = SOMAXCONN;
  if (rc == 0) {
    rc = -EADDRNOTAVAIL;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
      if ((rc = listen_on(ai, backlog, dual)) >= 0) break;
    freeaddrinfo(res);
  }
  if (dual && (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL)) { /* no IPv6 here: IPv4 alone */
    if (resolve("0.0.0.0", port, AI_PASSIVE, &res) == 0) {
      rc = listen_on(res, backlog, 0);
      freeaddrinfo(res);
    }
  }
  if (rc < 0) return rc;
  int fd = rc;
  if (bound_port != NULL) {
    rc = mqs_tcp_local_port(fd);
    if (rc < 0) {
      close(fd);
      return rc;
    }
    *bound_port = (uint16_t)rc;
  }
  return fd;
}

int mqs_tcp_accept(int listen_fd) {
  for (;;) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != EINTR) return neg_errno();
  }
}

int mqs_tcp_connect(const char *host, uint16_t port) {
  struct addrinfo *res = NULL;
  if (host == NULL || *host == '\0') return -EINVAL;
  int rc = resolve(host, port, 0, &res);
  if (rc < 0) return rc;
  rc = -EADDRNOTAVAIL;
  for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      rc = -errno;
      continue;
    }
    /* EINTR on a non-blocking connect: it goes on in the background, as for EINPROGRESS. */
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS || errno == EINTR) {
      rc = fd;
      break;
    }
    rc = neg_errno();
    close(fd);
  }
  freeaddrinfo(res);
  return rc;
}

int mqs_tcp_connect_result(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
  if (err != 0) return -err;
  /* SO_ERROR is 0 both when connected and when still connecting. */
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0) return errno == ENOTCONN ? -EINPROGRESS : -errno;
  return 0;
}

/* ---- options and closing ---- */

int mqs_tcp_nodelay(int fd, int on) {
  int v = on != 0;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0 ? -errno : 0;
}

int mqs_tcp_abort(int fd) {
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  int rc = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0 ? -errno : 0;
  /* Not retried on EINTR: Linux has released fd by then, and it may already
   * be someone else's. */
  if (close(fd) < 0 && rc == 0) rc = -errno;
  return rc;
}

int mqs_tcp_shutdown_write(int fd) { return shutdown(fd, SHUT_WR) < 0 ? -errno : 0; }

/* ---- reading and writing ---- */

ssize_t mqs_tcp_read(int fd, void *buf, size_t len) {
  if (len == 0) return -EINVAL; /* 0 would be taken for end of stream */
  for (;;) {
    ssize_t n = read(fd, buf, len);
    if (n >= 0) return n;
    if (errno != EINTR) return neg_errno();
  }
}

ssize_t mqs_tcp_write(int fd, const void *buf, size_t len) {
  for (;;) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno != EINTR) return neg_errno();
  }
}

ssize_t mqs_tcp_writev(int fd, const struct iovec *iov, int iovcnt) {
  struct msghdr msg;
  if (iovcnt < 0 || iovcnt > IOV_MAX) return -EINVAL;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = (struct iovec *)iov; /* sendmsg does not write through it */
  msg.msg_iovlen = (size_t)iovcnt;
  for (;;) {
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno != EINTR) return neg_errno();
  }
}

/* ---- addresses ---- */

int mqs_tcp_local_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) return -errno;
  if (ss.ss_family == AF_INET) return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
  return -EAFNOSUPPORT;
}

int mqs_tcp_peer_name(int fd, char *buf, size_t cap) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  char a[INET6_ADDRSTRLEN];
  int n;
  if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0) return -errno;
  if (ss.ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &v4->sin_addr, a, sizeof a);
    n = snprintf(buf, cap, "%s:%u", a, (unsigned)ntohs(v4->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof a);
    n = snprintf(buf, cap, "[%s]:%u", a, (unsigned)ntohs(v6->sin6_port));
  } else {
    return -EAFNOSUPPORT;
  }
  return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
}

int mqs_tcp_free_port(void) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = bind(fd, (const struct sockaddr *)&sin, sizeof sin) < 0 ? -errno : mqs_tcp_local_port(fd);
  close(fd);
  return rc;
}
