#include "CJPEG.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

struct funnel_jpeg {
    struct jpeg_decompress_struct info;
    struct jpeg_error_mgr errors;
    jmp_buf fatal;       // where error_exit returns to
    int warned;          // a warning was seen in the current call
    char message[JMSG_LENGTH_MAX];
};

static void on_fatal(j_common_ptr common) {
    funnel_jpeg *decoder = (funnel_jpeg *)common->client_data;
    common->err->format_message(common, decoder->message);
    longjmp(decoder->fatal, 1);
}

// libjpeg calls this for warnings (and trace messages, at levels we never enable); the first is kept.
static void on_message(j_common_ptr common) {
    funnel_jpeg *decoder = (funnel_jpeg *)common->client_data;
    if (!decoder->warned) {
        common->err->format_message(common, decoder->message);
        decoder->warned = 1;
    }
}

funnel_jpeg *funnel_jpeg_create(void) {
    funnel_jpeg *decoder = calloc(1, sizeof *decoder);
    if (!decoder) return NULL;
    decoder->info.err = jpeg_std_error(&decoder->errors);
    decoder->errors.error_exit = on_fatal;
    decoder->errors.output_message = on_message;
    decoder->info.client_data = decoder;
    if (setjmp(decoder->fatal)) { // only out of memory can fail here
        jpeg_destroy_decompress(&decoder->info);
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->info);
    decoder->info.client_data = decoder; // jpeg_create_decompress clears everything but err
    return decoder;
}

void funnel_jpeg_destroy(funnel_jpeg *decoder) {
    if (!decoder) return;
    jpeg_destroy_decompress(&decoder->info);
    free(decoder);
}

const char *funnel_jpeg_message(const funnel_jpeg *decoder) { return decoder->message; }

static void begin(funnel_jpeg *decoder, const unsigned char *data, size_t count) {
    decoder->warned = 0;
    decoder->message[0] = 0;
    decoder->errors.num_warnings = 0;
    jpeg_mem_src(&decoder->info, data, (unsigned long)count);
    jpeg_read_header(&decoder->info, TRUE);
}

funnel_jpeg_status funnel_jpeg_size(funnel_jpeg *decoder, const unsigned char *data, size_t count,
                                    int *width, int *height) {
    if (setjmp(decoder->fatal)) {
        jpeg_abort_decompress(&decoder->info);
        return FUNNEL_JPEG_FATAL;
    }
    begin(decoder, data, count);
    *width = (int)decoder->info.image_width;
    *height = (int)decoder->info.image_height;
    jpeg_abort_decompress(&decoder->info);
    return FUNNEL_JPEG_OK;
}

funnel_jpeg_status funnel_jpeg_decode(funnel_jpeg *decoder, const unsigned char *data, size_t count,
                                      int width, int height, unsigned char *destination,
                                      int *found_width, int *found_height) {
    if (setjmp(decoder->fatal)) {
        jpeg_abort_decompress(&decoder->info);
        return FUNNEL_JPEG_FATAL;
    }
    begin(decoder, data, count);
    struct jpeg_decompress_struct *info = &decoder->info;
    *found_width = (int)info->image_width;
    *found_height = (int)info->image_height;
    if (*found_width != width || *found_height != height) {
        jpeg_abort_decompress(info);
        return FUNNEL_JPEG_SIZE_MISMATCH;
    }
    size_t row_bytes = (size_t)width * 3;
    if (width <= 0 || height <= 0 || row_bytes / 3 != (size_t)width) {
        jpeg_abort_decompress(info);
        return FUNNEL_JPEG_TOO_LARGE;
    }
    info->out_color_space = JCS_RGB; // libjpeg-turbo expands greyscale to RGB
    jpeg_start_decompress(info);
    if (info->output_width != (JDIMENSION)width || info->output_components != 3) {
        jpeg_abort_decompress(info); // a colour space libjpeg cannot turn into RGB at this size
        snprintf(decoder->message, sizeof decoder->message, "cannot decode to %dx%d RGB", width, height);
        return FUNNEL_JPEG_FATAL;
    }
    while (info->output_scanline < info->output_height) {
        JSAMPROW row = destination + (size_t)info->output_scanline * row_bytes;
        jpeg_read_scanlines(info, &row, 1);
    }
    jpeg_finish_decompress(info);
    return decoder->warned ? FUNNEL_JPEG_WARNING : FUNNEL_JPEG_OK;
}
