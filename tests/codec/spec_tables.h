/* tests/codec/spec_tables.h — tables copied by hand from the MQTT 5.0
 * specification, independent of the codec's own: the properties (table
 * 2-4, with the packets that allow each) and the reason codes (table 2-6,
 * with the packets that may carry each). The tests compare the codec's
 * tables and behaviour against these. */
#ifndef MQS_TEST_SPEC_TABLES_H
#define MQS_TEST_SPEC_TABLES_H

#include <stddef.h>
#include <stdint.h>

enum { T_BYTE, T_U16, T_U32, T_VBI, T_UTF8, T_BIN, T_PAIR };

typedef struct {
  uint8_t id;
  int type;         /* T_* */
  unsigned allowed; /* bit t: packet type t; bit 0: will properties */
  const char *name; /* as the specification names it */
} spec_prop;

extern const spec_prop spec_props[];
extern const size_t spec_props_count;

typedef struct {
  uint8_t code;
  unsigned packets; /* bit t: packet type t */
} spec_reason;

extern const spec_reason spec_reasons[];
extern const size_t spec_reasons_count;

#endif
