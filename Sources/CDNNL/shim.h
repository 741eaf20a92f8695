#ifndef FUNNEL_CDNNL_SHIM_H
#define FUNNEL_CDNNL_SHIM_H
#include <oneapi/dnnl/dnnl.h>
#endif
