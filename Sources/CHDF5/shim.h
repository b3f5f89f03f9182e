// HDF5's type, property-list and flag "constants" are function-like macros (they call H5open() and read a global),
// which Swift's Clang importer cannot import. Each getter below exposes one of them as a static inline function;
// nothing else belongs in this header but the one call that must precede the library's initialization.
#ifndef NORMSCOPE_CHDF5_SHIM_H
#define NORMSCOPE_CHDF5_SHIM_H

#include <hdf5.h>
#include <hdf5_hl.h>

// Every getter below may be the process's first HDF5 call, which initializes the library; HDF5's clean-up at exit
// must be turned off before that (H5dont_atexit has no effect afterwards). Why it is off: HDF5Library.swift.
static inline void chdf5_before_first_call(void) { (void)H5dont_atexit(); }

// Debian's libhdf5 is the thread-safe build, whose automatic error printing is set per thread: each thread that
// calls HDF5 turns it off for itself, once, or a failure on a writer thread prints HDF5-DIAG blocks to stderr.
static inline void chdf5_silence_this_thread(void) {
    static _Thread_local int silenced = 0;
    if (!silenced) {
        silenced = 1;
        (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    }
}

// MARK: - Native and standard datatypes
static inline hid_t chdf5_native_float(void) { chdf5_before_first_call(); return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { chdf5_before_first_call(); return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_int8(void) { chdf5_before_first_call(); return H5T_NATIVE_INT8; }
static inline hid_t chdf5_native_int32(void) { chdf5_before_first_call(); return H5T_NATIVE_INT32; }
static inline hid_t chdf5_native_int64(void) { chdf5_before_first_call(); return H5T_NATIVE_INT64; }
static inline hid_t chdf5_native_uint8(void) { chdf5_before_first_call(); return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_native_uint64(void) { chdf5_before_first_call(); return H5T_NATIVE_UINT64; }
static inline hid_t chdf5_c_s1(void) { chdf5_before_first_call(); return H5T_C_S1; }
static inline size_t chdf5_variable(void) { chdf5_before_first_call(); return H5T_VARIABLE; }

// MARK: - Property list classes and the default list
static inline hid_t chdf5_p_default(void) { chdf5_before_first_call(); return H5P_DEFAULT; }
static inline hid_t chdf5_p_file_create(void) { chdf5_before_first_call(); return H5P_FILE_CREATE; }
static inline hid_t chdf5_p_file_access(void) { chdf5_before_first_call(); return H5P_FILE_ACCESS; }
static inline hid_t chdf5_p_dataset_create(void) { chdf5_before_first_call(); return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_dataset_access(void) { chdf5_before_first_call(); return H5P_DATASET_ACCESS; }
static inline hid_t chdf5_p_link_create(void) { chdf5_before_first_call(); return H5P_LINK_CREATE; }
static inline hid_t chdf5_p_object_copy(void) { chdf5_before_first_call(); return H5P_OBJECT_COPY; }

// MARK: - File access flags
static inline unsigned chdf5_f_acc_rdonly(void) { chdf5_before_first_call(); return H5F_ACC_RDONLY; }
static inline unsigned chdf5_f_acc_rdwr(void) { chdf5_before_first_call(); return H5F_ACC_RDWR; }
static inline unsigned chdf5_f_acc_trunc(void) { chdf5_before_first_call(); return H5F_ACC_TRUNC; }
static inline unsigned chdf5_f_acc_excl(void) { chdf5_before_first_call(); return H5F_ACC_EXCL; }
static inline unsigned chdf5_f_acc_swmr_write(void) { chdf5_before_first_call(); return H5F_ACC_SWMR_WRITE; }
static inline unsigned chdf5_f_acc_swmr_read(void) { chdf5_before_first_call(); return H5F_ACC_SWMR_READ; }
static inline unsigned chdf5_f_obj_all(void) { chdf5_before_first_call(); return H5F_OBJ_ALL; }
static inline H5F_libver_t chdf5_libver_latest(void) { chdf5_before_first_call(); return H5F_LIBVER_LATEST; }

// MARK: - Dataspaces and the error stack
static inline hid_t chdf5_s_all(void) { chdf5_before_first_call(); return H5S_ALL; }
static inline hsize_t chdf5_s_unlimited(void) { chdf5_before_first_call(); return H5S_UNLIMITED; }
static inline hid_t chdf5_e_default(void) { chdf5_before_first_call(); return H5E_DEFAULT; }

#endif
