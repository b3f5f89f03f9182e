// libdeflate (Debian's libdeflate-dev): whole-buffer DEFLATE in the zlib format that HDF5's deflate filter stores,
// faster than zlib in both directions.
#include <libdeflate.h>
