// What the kernels' register blocks are sized by, for the Swift side's choice of kernels.
#include "CKernels.h"
#include "vectors.h"

int funnel_cpu_wide_registers(void) { return WIDE_REGISTERS() ? 1 : 0; }
