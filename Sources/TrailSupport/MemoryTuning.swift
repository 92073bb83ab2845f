#if canImport(Glibc)
import CLinux
#endif

/// The allocator's settings for a batch job, made once at start, and its release of freed
/// memory between phases. glibc serves a large allocation (a decompressed frame, a table as
/// it grows) with its own mmap and unmaps it when freed, so the next one faults every page in
/// again; once a thread decompresses frames ahead, buffers change hands between threads and
/// this happens per frame. A fixed mmap threshold of 32 MiB keeps such buffers in the heap for
/// reuse, and a trim threshold of 64 MiB keeps freed heap for the next one (measured: a
/// home-lab transform faulted 4.5x more pages without them). The heap a phase frees is then
/// given back at the end of the phase (`releaseFreedMemory`).
package enum MemoryTuning {
    package static func apply() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
        #endif
    }

    /// Gives the memory freed so far back to the system (`malloc_trim`): a job calls it when
    /// a phase has freed its tables (the fold's per-key tables before the projections), so
    /// that the next phase's peak is its own, not stacked on the last one's freed heap.
    package static func releaseFreedMemory() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
