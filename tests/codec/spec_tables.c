/* tests/codec/spec_tables.c — see spec_tables.h. */
#include "codec/spec_tables.h"

#define W    (1u << 0)
#define P(t) (1u << (t))

const spec_prop spec_props[] = {
    {0x01, T_BYTE, P(3) | W, "Payload Format Indicator"},
    {0x02, T_U32, P(3) | W, "Message Expiry Interval"},
    {0x03, T_UTF8, P(3) | W, "Content Type"},
    {0x08, T_UTF8, P(3) | W, "Response Topic"},
    {0x09, T_BIN, P(3) | W, "Correlation Data"},
    {0x0B, T_VBI, P(3) | P(8), "Subscription Identifier"},
    {0x11, T_U32, P(1) | P(2) | P(14), "Session Expiry Interval"},
    {0x12, T_UTF8, P(2), "Assigned Client Identifier"},
    {0x13, T_U16, P(2), "Server Keep Alive"},
    {0x15, T_UTF8, P(1) | P(2) | P(15), "Authentication Method"},
    {0x16, T_BIN, P(1) | P(2) | P(15), "Authentication Data"},
    {0x17, T_BYTE, P(1), "Request Problem Information"},
    {0x18, T_U32, W, "Will Delay Interval"},
    {0x19, T_BYTE, P(1), "Request Response Information"},
    {0x1A, T_UTF8, P(2), "Response Information"},
    {0x1C, T_UTF8, P(2) | P(14), "Server Reference"},
    {0x1F, T_UTF8, P(2) | P(4) | P(5) | P(6) | P(7) | P(9) | P(11) | P(14) | P(15),
     "Reason String"},
    {0x21, T_U16, P(1) | P(2), "Receive Maximum"},
    {0x22, T_U16, P(1) | P(2), "Topic Alias Maximum"},
    {0x23, T_U16, P(3), "Topic Alias"},
    {0x24, T_BYTE, P(2), "Maximum QoS"},
    {0x25, T_BYTE, P(2), "Retain Available"},
    {0x26, T_PAIR, 0xCFFE | W, "User Property"}, /* not PINGREQ, PINGRESP */
    {0x27, T_U32, P(1) | P(2), "Maximum Packet Size"},
    {0x28, T_BYTE, P(2), "Wildcard Subscription Available"},
    {0x29, T_BYTE, P(2), "Subscription Identifier Available"},
    {0x2A, T_BYTE, P(2), "Shared Subscription Available"},
};
const size_t spec_props_count = sizeof spec_props / sizeof spec_props[0];

#define CONNACK    P(2)
#define PUBACK     P(4)
#define PUBREC     P(5)
#define PUBREL     P(6)
#define PUBCOMP    P(7)
#define SUBACK     P(9)
#define UNSUBACK   P(11)
#define DISCONNECT P(14)
#define AUTH       P(15)

const spec_reason spec_reasons[] = {
    {0x00, CONNACK | PUBACK | PUBREC | PUBREL | PUBCOMP | UNSUBACK | AUTH | DISCONNECT | SUBACK},
    {0x01, SUBACK},
    {0x02, SUBACK},
    {0x04, DISCONNECT},
    {0x10, PUBACK | PUBREC},
    {0x11, UNSUBACK},
    {0x18, AUTH},
    {0x19, AUTH},
    {0x80, CONNACK | PUBACK | PUBREC | SUBACK | UNSUBACK | DISCONNECT},
    {0x81, CONNACK | DISCONNECT},
    {0x82, CONNACK | DISCONNECT},
    {0x83, CONNACK | PUBACK | PUBREC | SUBACK | UNSUBACK | DISCONNECT},
    {0x84, CONNACK},
    {0x85, CONNACK},
    {0x86, CONNACK},
    {0x87, CONNACK | PUBACK | PUBREC | SUBACK | UNSUBACK | DISCONNECT},
    {0x88, CONNACK},
    {0x89, CONNACK | DISCONNECT},
    {0x8A, CONNACK},
    {0x8B, DISCONNECT},
    {0x8C, CONNACK | DISCONNECT},
    {0x8D, DISCONNECT},
    {0x8E, DISCONNECT},
    {0x8F, SUBACK | UNSUBACK | DISCONNECT},
    {0x90, CONNACK | PUBACK | PUBREC | DISCONNECT},
    {0x91, PUBACK | PUBREC | SUBACK | UNSUBACK},
    {0x92, PUBREL | PUBCOMP},
    {0x93, DISCONNECT},
    {0x94, DISCONNECT},
    {0x95, CONNACK | DISCONNECT},
    {0x96, DISCONNECT},
    {0x97, CONNACK | PUBACK | PUBREC | SUBACK | DISCONNECT},
    {0x98, DISCONNECT},
    {0x99, CONNACK | PUBACK | PUBREC | DISCONNECT},
    {0x9A, CONNACK | DISCONNECT},
    {0x9B, CONNACK | DISCONNECT},
    {0x9C, CONNACK | DISCONNECT},
    {0x9D, CONNACK | DISCONNECT},
    {0x9E, SUBACK | DISCONNECT},
    {0x9F, CONNACK | DISCONNECT},
    {0xA0, DISCONNECT},
    {0xA1, SUBACK | DISCONNECT},
    {0xA2, SUBACK | DISCONNECT},
};
const size_t spec_reasons_count = sizeof spec_reasons / sizeof spec_reasons[0];
