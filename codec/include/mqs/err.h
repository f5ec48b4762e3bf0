/* mqs/err.h — the one table of mqspec error codes, and mqs_strerror(). */
#ifndef MQS_ERR_H
#define MQS_ERR_H

/* X(name, value, message). Values are negative so functions can return
 * either a count (>= 0) or an error in one ssize_t. */
#define MQS_ERR_TABLE(X)                                                      \
  X(MQS_OK, 0, "success")                                                     \
  X(MQS_INCOMPLETE, -1, "incomplete: more input is needed")                  \
  X(MQS_EMALFORMED, -2, "malformed packet")                                   \
  X(MQS_EPROTOCOL, -3, "packet breaks a protocol rule")                       \
  X(MQS_ETOOLARGE, -4, "packet too large")                                    \
  X(MQS_ENOSPC, -5, "output buffer too small")                                \
  X(MQS_EINVAL, -6, "invalid argument")                                       \
  X(MQS_ENOMEM, -7, "out of memory")                                          \
  X(MQS_EIO, -8, "input/output error")                                        \
  X(MQS_ESYNTAX, -9, "syntax error in user input")

typedef enum {
#define MQS_ERR_ENUM(name, value, msg) name = value,
  MQS_ERR_TABLE(MQS_ERR_ENUM)
#undef MQS_ERR_ENUM
} mqs_err;

/* A static English message for err; "unknown error" for values not in the table. */
const char *mqs_strerror(int err);
/* The symbolic name ("MQS_EMALFORMED"), or "MQS_UNKNOWN". */
const char *mqs_errname(int err);

#endif
