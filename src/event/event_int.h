/* event_int.h - private to the event module. */
#ifndef CANH_EVENT_INT_H
#define CANH_EVENT_INT_H

#include <stdint.h>

/* Slot ids in ascending order of field name. */
const uint16_t *canh_field_sorted(void);

#endif
