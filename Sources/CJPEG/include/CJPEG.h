#ifndef FUNNEL_CJPEG_H
#define FUNNEL_CJPEG_H
#include <stddef.h>

/// A libjpeg-turbo decompressor whose fatal errors return to the caller instead of exiting.
///
/// libjpeg reports a fatal error through `error_exit`, which must not return. Swift cannot
/// `setjmp`, so every libjpeg call is made here, under a `setjmp` that `error_exit` jumps back to;
/// the decompressor is then reset with `jpeg_abort_decompress` and stays usable.
typedef struct funnel_jpeg funnel_jpeg;

/// The outcome of a call; the message (`funnel_jpeg_message`) explains the errors.
typedef enum {
    FUNNEL_JPEG_OK = 0,
    FUNNEL_JPEG_FATAL = 1,          ///< libjpeg gave up: not a JPEG it can decode.
    FUNNEL_JPEG_WARNING = 2,        ///< decoded, but libjpeg warned of damaged data (filled with grey).
    FUNNEL_JPEG_SIZE_MISMATCH = 3,  ///< the header's size is not the one asked for; nothing decoded.
    FUNNEL_JPEG_TOO_LARGE = 4,      ///< width * height * 3 does not fit the destination's size type.
} funnel_jpeg_status;

/// A new decompressor, or NULL if memory ran out.
funnel_jpeg *funnel_jpeg_create(void);
void funnel_jpeg_destroy(funnel_jpeg *decoder);

/// Reads the header of the `count` bytes at `data` into `*width` and `*height`.
funnel_jpeg_status funnel_jpeg_size(funnel_jpeg *decoder, const unsigned char *data, size_t count,
                                    int *width, int *height);

/// Decodes into `destination`, `height` rows of `width * 3` bytes of RGB, if the header says
/// `width` x `height`; `*found_width` and `*found_height` receive the header's size either way.
funnel_jpeg_status funnel_jpeg_decode(funnel_jpeg *decoder, const unsigned char *data, size_t count,
                                      int width, int height, unsigned char *destination,
                                      int *found_width, int *found_height);

/// libjpeg's text for the last error or the first warning of the last call.
const char *funnel_jpeg_message(const funnel_jpeg *decoder);

#endif
