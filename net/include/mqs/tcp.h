/* mqs/tcp.h — non-blocking TCP helpers over IPv4 and IPv6.
 *
 * Thin wrappers that make the usual choices once: every socket is
 * non-blocking and close-on-exec, writes never raise SIGPIPE, EINTR is
 * retried, EWOULDBLOCK is reported as -EAGAIN. Errors are negative errno
 * values, never mqs_err codes (net knows nothing of the codec): strerror(-rc)
 * describes them. Each prototype lists those it may return; "-errno of
 * f(2)" means any error that system call documents. Name resolution uses
 * getaddrinfo(3) and so blocks; pass numeric addresses where that matters.
 * Its failures map to -ENXIO (no such host), -ETIMEDOUT (resolver did not
 * answer), -EAFNOSUPPORT (no address of a usable family), -ENOMEM. */
#ifndef MQS_TCP_H
#define MQS_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Room for any host that mqs_tcp_parse_hostport accepts (a DNS name is at
 * most 253 bytes), and for any "[v6addr]:port" that mqs_tcp_peer_name writes. */
#define MQS_TCP_HOST_MAX 256
#define MQS_TCP_NAME_MAX 64

/* Split "host:port" or "[v6addr]:port" (e.g. "localhost:1883",
 * "127.0.0.1:0", "[::1]:8883", "[fe80::1%eth0]:1883") into host (copied,
 * NUL-terminated, brackets removed) and port (0-65535; 0 is valid, for
 * listening on an ephemeral port). Nothing is resolved. Returns 0, or
 * -EINVAL (bad syntax) or -ENAMETOOLONG (host does not fit hostcap), with
 * *why (if why is not NULL) set to a static English message saying what
 * was expected, e.g. "IPv6 address must be in brackets, e.g. [::1]:1883". */
int mqs_tcp_parse_hostport(const char *s, char *host, size_t hostcap, uint16_t *port,
                           const char **why);

/* A listening socket on host:port, non-blocking and close-on-exec, with
 * SO_REUSEADDR. host is a name or a numeric IPv4 or IPv6 address (no
 * brackets); a name that resolves to several addresses listens on the first
 * that binds (call once per address family to have both). host NULL or ""
 * means every address: IPv6 "::" accepting IPv4 too, or "0.0.0.0" where
 * IPv6 is unavailable. Port 0 asks for an ephemeral port; the port bound is
 * stored in *bound_port if not NULL. backlog <= 0 means SOMAXCONN.
 * Returns the fd (>= 0), or the resolution errors above, or -errno of
 * socket(2), setsockopt(2), bind(2) (-EADDRINUSE, -EADDRNOTAVAIL, -EACCES),
 * listen(2) or getsockname(2). */
int mqs_tcp_listen(const char *host, uint16_t port, int backlog, uint16_t *bound_port);

/* Accept one pending connection on a listening fd. Returns the new fd
 * (>= 0, non-blocking, close-on-exec), or -EAGAIN when none is pending, or
 * -errno of accept4(2): -ECONNABORTED (the client gave up first: try
 * again), -EMFILE, -ENFILE, -ENOBUFS, -ENOMEM (out of resources: stop
 * accepting for a while, the loop would spin otherwise), -EINVAL. */
int mqs_tcp_accept(int listen_fd);

/* Start connecting to host:port without blocking (beyond name
 * resolution). Returns the fd (>= 0, non-blocking, close-on-exec) as soon as
 * the connection is under way; wait for it to be writable (MQS_LOOP_WRITE),
 * then call mqs_tcp_connect_result. Addresses are tried in getaddrinfo order
 * only while connect(2) fails at once; a failure reported later (refused,
 * timed out) comes from mqs_tcp_connect_result, with no fallback to the
 * next address. Returns -EINVAL (host NULL or empty), the resolution errors
 * above, or -errno of socket(2) or connect(2) (-ECONNREFUSED,
 * -ENETUNREACH, -EADDRNOTAVAIL, ...) for the last address tried. */
int mqs_tcp_connect(const char *host, uint16_t port);

/* After a non-blocking connect, once fd is writable (or reports ERROR or
 * HUP): returns 0 (connected), -EINPROGRESS (not yet: wait again), or the
 * connection's error (-ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH,
 * -ENETUNREACH, ...), or -errno of getsockopt(2) or getpeername(2). The
 * error is reported once: the kernel clears it as it tells us. */
int mqs_tcp_connect_result(int fd);

/* Set or clear TCP_NODELAY (send small writes at once, no Nagle delay).
 * Returns 0 or -errno of setsockopt(2) (-EBADF, -ENOTSOCK, -EOPNOTSUPP). */
int mqs_tcp_nodelay(int fd, int on);

/* Close fd so that the peer sees a reset (RST, then ECONNRESET on its next
 * read or write) instead of an orderly end of stream (SO_LINGER 0). fd is
 * closed whatever happens. Returns 0, or -errno of setsockopt(2) (the
 * close was then an ordinary one) or close(2). */
int mqs_tcp_abort(int fd);

/* Half-close: send FIN (the peer reads end of stream) and keep reading
 * what the peer still sends. Returns 0, or -errno of shutdown(2)
 * (-ENOTCONN, -EBADF, -ENOTSOCK). */
int mqs_tcp_shutdown_write(int fd);

/* Read up to len (> 0) bytes. Returns the number read (> 0), 0 at end of
 * stream, -EAGAIN when nothing is there yet, -EINVAL if len is 0, or -errno
 * of read(2): -ECONNRESET (the peer reset), -ETIMEDOUT, -EBADF, ... Works on
 * any descriptor, not only sockets. */
ssize_t mqs_tcp_read(int fd, void *buf, size_t len);

/* Write up to len bytes; may write fewer. Returns the number written (>= 0;
 * 0 only when len is 0), -EAGAIN when the send buffer is full, or -errno of
 * send(2): -EPIPE (we or the peer closed: no SIGPIPE is raised),
 * -ECONNRESET, -ENOTSOCK, ... */
ssize_t mqs_tcp_write(int fd, const void *buf, size_t len);
/* The same for iovcnt buffers, in order, in one system call (sendmsg(2));
 * -EINVAL if iovcnt exceeds IOV_MAX. */
ssize_t mqs_tcp_writev(int fd, const struct iovec *iov, int iovcnt);

/* The local port of a bound socket (> 0), or -errno of getsockname(2), or
 * -EAFNOSUPPORT if it is neither IPv4 nor IPv6. */
int mqs_tcp_local_port(int fd);
/* The peer's address as "1.2.3.4:5" or "[::1]:5" (the form that
 * mqs_tcp_parse_hostport reads) into buf; MQS_TCP_NAME_MAX is always enough.
 * Returns 0, -ENOSPC (cap too small), -EAFNOSUPPORT, or -errno of
 * getpeername(2) (-ENOTCONN). */
int mqs_tcp_peer_name(int fd, char *buf, size_t cap);

/* For tests: a TCP port on 127.0.0.1 that was free a moment ago (bind port
 * 0, read it, close). Another process may take it meanwhile; listening on
 * port 0 and asking mqs_tcp_local_port is race-free where it will do.
 * Returns the port (> 0), or -errno of socket(2), bind(2), getsockname(2). */
int mqs_tcp_free_port(void);

#endif
