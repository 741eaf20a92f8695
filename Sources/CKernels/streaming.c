// The sizes from which kernels stream their outputs past the caches (see vectors.h).
#include "CKernels.h"
#include "vectors.h"

long funnel_stream_min_bytes = 8L << 20;
long funnel_stream_read_later_min_bytes = 0;

long funnel_stream_min_bytes_get(void) { return funnel_stream_min_bytes; }
void funnel_stream_min_bytes_set(long bytes) { funnel_stream_min_bytes = bytes; }
long funnel_stream_read_later_min_bytes_get(void) { return funnel_stream_read_later_min_bytes; }
void funnel_stream_read_later_min_bytes_set(long bytes) { funnel_stream_read_later_min_bytes = bytes; }
