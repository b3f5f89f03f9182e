#if canImport(Glibc)
    import Glibc
#endif

/// How the C allocator treats the large buffers a training step frees and allocates again.
///
/// A step of the MLP allocates about 20 MB of matrices (activations, gradients, products) and frees them by the
/// next step. With glibc's defaults, buffers above its mmap threshold (128 KiB, raised as it goes up to 32 MiB) and
/// the free top of the heap (beyond 128 KiB) go back to the kernel, so the next step takes a page fault per 4 KiB
/// and the kernel zeroes each page again: a fifth of the MLP's step on this project's machine (24.6 → 18–20 ms, the
/// same run with `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_` raised). ``keepFreedBuffers()`` makes glibc
/// keep them for reuse instead, at the price of a process that holds on to its peak memory; a training process
/// would reach that peak again at its next step anyway.
public enum AllocatorTuning {
    /// Keeps freed buffers of up to 256 MiB in the process for reuse (glibc's `mallopt`; elsewhere it does
    /// nothing). The command-line tool calls it first thing; a program that trains through the library can too.
    /// Environment settings the user made (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`) win.
    public static func keepFreedBuffers() {
        #if canImport(Glibc)
            // Found at run time: Swift's Glibc module leaves out malloc.h. The option numbers are glibc's ABI.
            guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
            let (trimThreshold, mmapThreshold): (Int32, Int32) = (-1, -3)  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
            if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = mallopt(mmapThreshold, 256 << 20) }
            if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = mallopt(trimThreshold, 1 << 30) }
        #endif
    }
}
