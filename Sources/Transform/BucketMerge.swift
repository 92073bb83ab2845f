import TrailFormat

/// Feeds the fold every record of a set of segments in bucket order. Segments are opened
/// when the merge reaches their first bucket and closed when exhausted, so only segments
/// whose windows overlap are open together, and the items of one bucket from all of them
/// meet in the fold, where copies within a cluster are folded once.
enum BucketMerge {
    struct Input {
        var path: String
        var minStart: Int64
        /// The input group whose rows the fold counts (`EdgeFold.beginGroup`); 0 when it counts none.
        var group: Int32 = 0
    }

    static func run(_ inputs: [Input], into fold: EdgeFold, progress: (Int64) -> Void = { _ in }) throws(SegmentError) {
        var pending = inputs.sorted { ($0.minStart, $0.path) < ($1.minStart, $1.path) }[...]
        // Open cursors, kept in cluster order so that within a bucket each cluster's items
        // reach the fold together (its duplicate check is per cluster).
        var active: [(cluster: Int32, group: Int32, cursor: SegmentCursor)] = []
        while true {
            let next = active.lazy.map(\.cursor.start).min()
            if let waiting = pending.first, waiting.minStart <= (next ?? .max) {
                pending.removeFirst()
                let cursor = try SegmentCursor(path: waiting.path, fold: fold)
                if !cursor.isExhausted {
                    let index = fold.clusterIndex(cursor.reader.header.cluster)
                    let position = active.firstIndex { $0.cluster > index } ?? active.endIndex
                    active.insert((index, waiting.group, cursor), at: position)
                }
                continue
            }
            guard let bucket = next else { return }
            fold.beginBucket(bucket)
            for (cluster, group, cursor) in active {
                fold.beginCluster(cluster)
                fold.beginGroup(group)
                try cursor.foldBucket(bucket)
            }
            fold.endBucket()
            active.removeAll { $0.cursor.isExhausted }
            progress(bucket)
        }
    }
}
