import ArgumentParser
import Foundation
import SampleGenerator
import TrailFormat

struct SamplesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samples",
        abstract: "Write a synthetic archive of a home-lab cluster (for samples/, tests and benchmarks).",
        discussion: "The same options always give byte-identical segments.")

    @Option(help: "Archive directory to write into.")
    var out: String

    @Option(help: "Start of the first window (RFC 3339 UTC or Unix seconds), aligned to the window.")
    var start = TimeArgument(argument: "2026-11-27T01:30:00Z")!

    @Option(help: "How many consecutive windows.")
    var windows = 12

    @Option(help: "Window length in minutes.")
    var windowMinutes = 15

    @Option(help: "Copies of the application namespaces (1 = about forty namespaces).")
    var scale = 1

    @Option(help: "Multiplies every conversation's chance of traffic in a bucket.")
    var activity = 1.0

    @Option(help: "Random seed.")
    var seed: UInt64 = 2026

    @Option(help: "The cluster name the segments carry (the same seed gives the same flows under another name).")
    var cluster = "homelab"

    @Option(help: ArgumentHelp("The cluster's policies (files or a directory): every flow's policy trace is their evaluation.",
                               valueName: "dir"))
    var policies: String?

    @Option(help: "Benchmarks: a busy cluster instead of the home lab, with this many distinct FlowKeys (with --items).")
    var distinctKeys: Int?

    @Option(help: "With --distinct-keys: how many items in all (item i has key i mod distinct-keys).")
    var items = 10_000_000

    @Option(help: "With --distinct-keys: items per 15-second bucket.")
    var itemsPerBucket = 8_400

    func validate() throws {
        guard windows > 0, windowMinutes > 0, scale > 0, activity > 0 else { throw ValidationError("--windows, --window-minutes, --scale and --activity must be positive") }
        guard start.seconds % (Int64(windowMinutes) * 60) == 0 else { throw ValidationError("--start must be aligned to the window length") }
    }

    func run() throws {
        if let distinctKeys {
            guard distinctKeys > 0, items > 0, itemsPerBucket > 0 else { throw ValidationError("--distinct-keys, --items and --items-per-bucket must be positive") }
            let summary = try HighCardinalityArchive(start: start.seconds, distinctKeys: distinctKeys, items: items, itemsPerBucket: itemsPerBucket).write(to: out)
            print("wrote \(summary.segments.count) segments, \(summary.items) items over \(distinctKeys) distinct keys, \(summary.bytes) bytes under \(out)")
            return
        }
        var spec = SampleArchive.Spec(cluster: cluster, start: start.seconds, windows: windows, windowSeconds: Int64(windowMinutes) * 60, scale: scale, seed: seed, activity: activity)
        if let policies { spec.policies = policies }
        let summary = try SampleArchive(spec: spec).write(to: out)
        print("wrote \(summary.segments.count) segments, \(summary.items) items, \(summary.bytes) bytes (\(String(format: "%.1f", Double(summary.bytes) / Double(max(summary.items, 1)))) bytes per item) under \(out)")
    }
}
