#ifndef FUNNEL_CCODECS_SHIM_H
#define FUNNEL_CCODECS_SHIM_H
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>
#endif
