#ifndef NORMSCOPE_CZLIB_SHIM_H
#define NORMSCOPE_CZLIB_SHIM_H
#include <zlib.h>
#endif
