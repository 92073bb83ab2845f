#if canImport(Glibc)
import CLinux
#endif

/// The allocator's settings for a batch job, made once at start. glibc serves a large
/// allocation (a decompressed frame, a table as it grows) with its own mmap and unmaps it when
/// freed, so the next one faults every page in again; and once a thread decompresses frames
/// ahead, buffers change hands between threads and this happens per frame. A fixed mmap
/// threshold of 32 MiB keeps such buffers in the heap for reuse, and a trim threshold of 64 MiB
/// keeps freed heap for the next one. (Measured: a home-lab transform faulted 4.5x more pages
/// without it.)
package enum MemoryTuning {
    package static func apply() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
        #endif
    }
}
