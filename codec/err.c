/* codec/err.c — mqs_strerror() and mqs_errname(), generated from the one table. */
#include "mqs/err.h"

const char *mqs_strerror(int err) {
  switch (err) {
#define MQS_ERR_MSG(name, value, msg) \
  case value:                         \
    return msg;
    MQS_ERR_TABLE(MQS_ERR_MSG)
#undef MQS_ERR_MSG
  }
  return "unknown error";
}

const char *mqs_errname(int err) {
  switch (err) {
#define MQS_ERR_NAME(name, value, msg) \
  case value:                          \
    return #name;
    MQS_ERR_TABLE(MQS_ERR_NAME)
#undef MQS_ERR_NAME
  }
  return "MQS_UNKNOWN";
}
