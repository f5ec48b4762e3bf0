/* harness/json_read.h — a compact JSON reader for `mqspec report`, which
 * renders runs from the JSON that `mqspec run --json` wrote.
 *
 * RFC 8259 values: objects, arrays, strings (every escape, surrogate pairs
 * joined; strings are UTF-8 and may hold NUL, so each has its length),
 * numbers (as double), true, false, null. Nesting is limited to
 * MQS_JSON_MAX_DEPTH; anything after the value but white space is an error. */
#ifndef MQS_JSON_READ_H
#define MQS_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#define MQS_JSON_MAX_DEPTH 256

typedef enum {
  MQS_JSON_NULL,
  MQS_JSON_BOOL,
  MQS_JSON_NUMBER,
  MQS_JSON_STRING,
  MQS_JSON_ARRAY,
  MQS_JSON_OBJECT,
} mqs_json_type;

typedef struct mqs_json mqs_json;
struct mqs_json {
  mqs_json_type type;
  bool b;       /* BOOL */
  double num;   /* NUMBER */
  char *str;    /* STRING: NUL-terminated, len bytes */
  size_t len;
  mqs_json *items; /* ARRAY and OBJECT: n values, in order */
  char **keys;     /* OBJECT: the key of each item */
  size_t n;
};

/* Parse text[0..len). NULL on error, with a message such as
 * "line 3, column 7: expected ':'" in err (when errcap > 0). */
mqs_json *mqs_json_parse(const char *text, size_t len, char *err, size_t errcap);
/* Read and parse a file; the message then names the file or the errno. */
mqs_json *mqs_json_parse_file(const char *path, char *err, size_t errcap);
void mqs_json_free(mqs_json *v);

/* The member of an object named key (the first, if repeated); NULL when v
 * is not an object or has no such member. */
const mqs_json *mqs_json_get(const mqs_json *v, const char *key);
/* The string, or NULL when v is NULL or not a string. */
const char *mqs_json_string(const mqs_json *v);
/* The number, or dflt when v is NULL or not a number. */
double mqs_json_number(const mqs_json *v, double dflt);

#endif
