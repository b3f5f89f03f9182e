// The CBLAS interface of OpenBLAS. Debian installs cblas.h only under the openblas-pthread include directory,
// which pkg-config "openblas" puts on the include path.
#ifndef NORMSCOPE_CBLAS_SHIM_H
#define NORMSCOPE_CBLAS_SHIM_H
#include <cblas.h>
#endif
