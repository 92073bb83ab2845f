import Foundation
import Testing
import TrailFormat
@testable import Capture

/// The parts of capture that need no server: windows, the CA bundle, the endpoint, dedup.
/// (The stream itself is tested against the grpcio stand-in in Tests/python/test_capture.py.)
@Suite struct CaptureUnitTests {
    let now: Int64 = 1_795_747_507  // 2026-11-27T02:45:07Z

    @Test func theFirstRunTakesTheLatestWholeStreamedWindow() {
        let window = CaptureWindow.next(length: 900, resumeFrom: nil, now: now)
        #expect(window.end == 1_795_747_500 - 15)
        #expect(window.start == window.end - 900)
        #expect(window.captureFrom == window.start && window.gaps.isEmpty)
    }

    @Test func runsTileFromWhereTheArchiveEnds() {
        let resume: Int64 = 1_795_747_200
        let window = CaptureWindow.next(length: 900, resumeFrom: resume, now: now)
        #expect(window.start == resume && window.end == resume + 900)
        #expect(window.deadline(grace: 10) == resume + 900 - 15 + 30 + 10)
    }

    @Test func aRunThatIsBehindCatchesUp() {
        let resume = now - 2_400 - (now % 15)
        let window = CaptureWindow.next(length: 900, resumeFrom: resume, now: now)
        #expect(window.start == resume)
        #expect(window.end == BucketClock.bucketStart(containing: now) - 15)
        #expect(window.gaps.isEmpty)
    }

    @Test func aStartOlderThanTheRingIsAGap() {
        let resume = now - 7_200 - (now % 15)
        let window = CaptureWindow.next(length: 900, resumeFrom: resume, now: now)
        #expect(window.start == resume)
        #expect(window.captureFrom > now - CaptureWindow.replayableSeconds)
        #expect(window.captureFrom % 15 == 0)
        #expect(window.gaps.count == 1 && window.gaps[0].from == resume && window.gaps[0].to == window.captureFrom)
    }

    @Test func explicitWindowsAlignOutwardToBuckets() {
        let window = CaptureWindow.explicit(from: now - 600 + 7, to: now - 300 + 1, now: now)
        #expect(window.start % 15 == 0 && window.end % 15 == 0)
        #expect(window.start <= now - 600 + 7 && window.end >= now - 300 + 1)
    }

    @Test func theCABundleMayHoldCommentLines() throws {
        let bundle = """
            # certificate name: tigera-operator/tigera-ca-private
            -----BEGIN CERTIFICATE-----
            QUJD
            -----END CERTIFICATE-----

            # certificate name: calico-system/goldmane-key-pair
            -----BEGIN CERTIFICATE-----
            REVG
            -----END CERTIFICATE-----
            """
        let certificates = try PEMBundle.certificates(in: bundle, path: "ca.crt")
        #expect(certificates.count == 2)
        #expect(certificates.allSatisfy { !$0.contains("#") && $0.hasPrefix("-----BEGIN CERTIFICATE-----") })
        #expect(try PEMBundle.certificates(in: "# only a comment\n", path: "ca.crt").isEmpty)
    }

    @Test func aCertificateBlockCutShortIsNamedWithItsLine() {
        let cut = "# certificate name: a\n-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n# b\n-----BEGIN CERTIFICATE-----\nREVG\n"
        #expect(throws: CaptureError.self) { try PEMBundle.certificates(in: cut, path: "ca.crt") }
        do {
            _ = try PEMBundle.certificates(in: cut, path: "ca.crt")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.hasPrefix("ca.crt:6: a certificate begins here"))
        }
        // A BEGIN inside an open block: the first one never ended.
        let nested = "-----BEGIN CERTIFICATE-----\nQUJD\n-----BEGIN CERTIFICATE-----\nREVG\n-----END CERTIFICATE-----\n"
        #expect(throws: CaptureError.self) { try PEMBundle.certificates(in: nested, path: "ca.crt") }
        let stray = "QUJD\n-----END CERTIFICATE-----\n"
        #expect(throws: CaptureError.self) { try PEMBundle.certificates(in: stray, path: "ca.crt") }
    }

    @Test func aWriteThatFailsAfterTheRenameSaysTheSegmentIsInPlace() {
        let error = SegmentError(.io, path: "/archive/lab", offset: nil, "fsync: Input/output error")
        let sealed = SegmentFiling.failure("/archive/lab/x.seg", error, sealedInPlace: true)
        #expect(sealed.message.contains("complete and in place") && !sealed.message.contains("nothing was left"))
        let lost = SegmentFiling.failure("/archive/lab/x.seg", error, sealedInPlace: false)
        #expect(lost.message.contains("nothing was left"))
    }

    @Test func theServerNameDefaultsToTheHostWithoutItsPort() throws {
        let plain = try GoldmaneEndpoint(hostPort: "goldmane.calico-system.svc:7443", serverName: nil, certificatePath: "c", keyPath: "k", caPath: "a", insecure: false)
        #expect(plain.host == "goldmane.calico-system.svc" && plain.port == 7443 && plain.serverName == "goldmane.calico-system.svc")
        let overridden = try GoldmaneEndpoint(hostPort: "10.0.0.5:17443", serverName: "goldmane.calico-system.svc", certificatePath: "c", keyPath: "k", caPath: "a", insecure: false)
        #expect(overridden.host == "10.0.0.5" && overridden.port == 17443 && overridden.serverName == "goldmane.calico-system.svc")
        let defaultPort = try GoldmaneEndpoint(hostPort: "goldmane", serverName: "", certificatePath: "c", keyPath: "k", caPath: "a", insecure: false)
        #expect(defaultPort.port == 7443 && defaultPort.serverName == "goldmane")
        let v6 = try GoldmaneEndpoint(hostPort: "[fd00::1]:7443", serverName: nil, certificatePath: "c", keyPath: "k", caPath: "a", insecure: false)
        #expect(v6.host == "fd00::1" && v6.port == 7443)
        #expect(throws: CaptureError.self) {
            _ = try GoldmaneEndpoint(hostPort: "goldmane:http", serverName: nil, certificatePath: "c", keyPath: "k", caPath: "a", insecure: false)
        }
    }

    /// Every gap code is documented where users look: the segment format and the README.
    @Test func everyGapCodeIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for document in ["docs/segment-format.md", "README.md", "docs/operations.md"] {
            let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
            for reason in GapReason.allCases {
                #expect(text.contains("`\(reason.rawValue)`"), "\(document) does not name \(reason.rawValue)")
            }
        }
    }

    /// A damaged footer whose gaps or captured ranges reach absurd times (Int64.max) is read
    /// only inside its own window: the planner never does arithmetic on them (it trapped).
    @Test func coverageOutsideItsSegmentsWindowIsIgnoredByThePlanner() throws {
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("trail-hostile-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let start = now - 1800 - now % 15
        let window = CaptureWindow(start: start, end: start + 300, captureFrom: start, gaps: [])
        let path = (archive as NSString).appendingPathComponent(SegmentNaming.relativePath(cluster: "lab", windowStart: start, windowEnd: start + 300))
        let coverage = Coverage(captured: [TimeRange(from: start, to: start + 300)],
                                gaps: [Coverage.Gap(from: start + 300, to: .max, reason: "stream_down: hostile"),
                                       Coverage.Gap(from: .min, to: start, reason: "interrupted: hostile")])
        _ = try SegmentFiling.write([], to: path, window: window, cluster: "lab", endpoint: "e", seal: .complete, coverage: coverage, stats: [:])
        let state = try ArchiveState.read(archive: archive, cluster: "lab")
        #expect(state.refillable.isEmpty && state.settledGaps.isEmpty)
        #expect(state.captured == [TimeRange(from: start, to: start + 300)])
        let windows = CapturePlan.windows(for: .length(900), state: state, now: now)
        #expect(windows.count == 1 && windows[0].start == start + 300)
    }
}
