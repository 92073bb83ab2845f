import Foundation
import GoldmaneAPI
import Testing
import TrailFormat
import TrailTestSupport
@testable import Transform

/// The policy projection: which hit decided each flow, read from the wire as Goldmane sends it,
/// checked against the reference fold (the generated decoder's reading) on the samples, on
/// traces built by hand, on copies with other labels and on traces that are not traces.
@Suite struct PolicyProjectionTests {
    static func hit(_ kind: Goldmane_PolicyKind, _ name: String, namespace: String = "", tier: String = "default",
                    action: Goldmane_Action, index: Int64, rule: Int64 = 0, trigger: Goldmane_PolicyHit? = nil) -> Goldmane_PolicyHit {
        var hit = Goldmane_PolicyHit()
        hit.kind = kind
        hit.name = name
        hit.namespace = namespace
        hit.tier = tier
        hit.action = action
        hit.policyIndex = index
        hit.ruleIndex = rule
        if let trigger { hit.trigger = trigger }
        return hit
    }

    static func fold(_ flows: [FlowFixture], windowEnd: Int64 = 1_795_745_700) -> EdgeBatch {
        LooseRecordFold.fold(flows.map(\.bytesOnWire), windowEnd: windowEnd)
    }

    @Test func theSamplesAgreeWithTheReferenceFold() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let archive = root.appendingPathComponent("samples/archive").path
        var records: [[UInt8]] = []
        let files = FileManager.default.enumerator(atPath: archive)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".seg") }.sorted()
        for file in files {
            let walker = try SegmentWalker(path: archive + "/" + file)
            while try walker.next() { records.append(Array(walker.record)) }
        }
        #expect(records.count > 50_000)
        let batch = LooseRecordFold.fold(records, windowEnd: 1_795_753_800)
        let reference = ReferenceFold(settings: TransformSettings()).rows(records)
        #expect(batch.policy == reference.policy)
        // Every path the samples exercise: staged pending hits, higher tiers, profiles, end of tier.
        let kinds = Set(batch.policy.map(\.identity.enforced.kind))
        #expect(kinds.isSuperset(of: ["CalicoNetworkPolicy", "GlobalNetworkPolicy", "Profile", "EndOfTier"]))
        #expect(batch.policy.contains { $0.identity.enforced.isDecidedAboveKubernetes() && $0.identity.enforced.tier == "security" })
        #expect(Set(batch.policy.compactMap(\.identity.pending.stagedPolicy)) ==
                ["crowdsec/deny-blocklist-mirrors", "technitium/dns-over-https-only", "uptime-kuma/allow-status-probes"])
    }

    @Test func theFirstAllowOrDenyInPolicyIndexOrderDecides() {
        // Listed out of order, as nothing guarantees it before Calico 3.32: a pass in the
        // security tier (index 0), the allow in default (index 1), a later deny (index 2).
        var trace = Goldmane_PolicyTrace()
        trace.enforcedPolicies = [
            Self.hit(.networkPolicy, "late", namespace: "backend", action: .deny, index: 2),
            Self.hit(.networkPolicy, "allow-api", namespace: "backend", action: .allow, index: 1, rule: 3),
            Self.hit(.globalNetworkPolicy, "screen", tier: "security", action: .pass, index: 0),
        ]
        let staged = Self.hit(.stagedKubernetesNetworkPolicy, "lockdown", namespace: "backend", action: .unspecified, index: 0)
        trace.pendingPolicies = [Self.hit(.endOfTier, "", action: .deny, index: 0, rule: -1, trigger: staged)]
        let batch = Self.fold([FlowFixture { $0.trace = trace }])
        let identity = batch.policy[0].identity
        #expect(identity.enforced == PolicyDecision(kind: "NetworkPolicy", tier: "default", policy: "backend/allow-api", rule: 3, action: .allow))
        #expect(!identity.enforced.isDecidedAboveKubernetes())
        #expect(identity.pending.kind == "EndOfTier" && identity.pending.rule == -1 && identity.pending.action == .deny)
        #expect(identity.pending.trigger == "StagedKubernetesNetworkPolicy backend/lockdown")
        #expect(identity.pending.stagedPolicy == "backend/lockdown")
        #expect(identity.pending.summary == "end of tier default: deny (StagedKubernetesNetworkPolicy backend/lockdown selects the endpoint, no rule matched)")
    }

    @Test func passesOnlyUnknownKindsAndHigherTiersAreNamedAsSuch() {
        var passes = Goldmane_PolicyTrace()
        passes.enforcedPolicies = [Self.hit(.globalNetworkPolicy, "screen", tier: "security", action: .pass, index: 0)]
        var unknown = Goldmane_PolicyTrace()
        unknown.enforcedPolicies = [Self.hit(Goldmane_PolicyKind(rawValue: 7)!, "anp", tier: "adminnetworkpolicy", action: .deny, index: 0)]
        var baseline = Goldmane_PolicyTrace()
        baseline.enforcedPolicies = [Self.hit(Goldmane_PolicyKind(rawValue: 8)!, "banp", tier: "baselineadminnetworkpolicy", action: .deny, index: 0)]
        let batch = Self.fold([
            FlowFixture { $0.trace = passes; $0.destPort = 1 },
            FlowFixture { $0.trace = unknown; $0.destPort = 2 },
            FlowFixture { $0.trace = baseline; $0.destPort = 3 },
        ])
        let byPort = Dictionary(uniqueKeysWithValues: batch.policy.map { ($0.identity.dstPort, $0.identity.enforced) })
        #expect(byPort[1] == PolicyDecision.none && byPort[1]?.summary == "no deciding policy in the trace")
        #expect(byPort[2]?.kind == "kind-7" && byPort[2]?.isDecidedAboveKubernetes() == true)
        #expect(byPort[3]?.kind == "kind-8" && byPort[3]?.isDecidedAboveKubernetes() == false, "the baseline tier comes after default")
    }

    @Test func aTraceThatIsNotATraceIsMarkedAndTheItemStillCounts() throws {
        let varint = Self.varint
        var message = FlowFixture().message
        message.flow.key.clearPolicies()
        // Field 15 holding bytes that are not a PolicyTrace: a hit whose length runs past the end.
        let garbage: [UInt8] = [0x0A, 0x05, 0x08, 0x01]
        let key: [UInt8] = try message.flow.key.serializedBytes() + [0x7A] + varint(garbage.count) + garbage
        var rest = message.flow
        rest.clearKey()
        let flow: [UInt8] = [0x0A] + varint(key.count) + key + (try rest.serializedBytes() as [UInt8])
        let record: [UInt8] = [0x08, 0x01, 0x12] + varint(flow.count) + flow
        let batch = LooseRecordFold.fold([record], windowEnd: 1_795_745_700)
        #expect(batch.policy.count == 1)
        #expect(batch.policy.first?.identity.enforced == PolicyDecision.malformed)
        #expect(batch.policy.first?.identity.pending == PolicyDecision.malformed)
        #expect(batch.wide.count == 1 && batch.header.items.folded == 1)
    }

    @Test func copiesWithOtherLabelsKeepTheSameIdentityInEitherOrder() {
        let a = FlowFixture { $0.sourceLabels = ["app=client", "pod-template-hash=6d9f8b7c54"] }
        let b = FlowFixture { $0.sourceLabels = ["app=client"] }
        let ab = Self.fold([a, b])
        let ba = Self.fold([b, a])
        #expect(ab.policy == ba.policy)
        #expect(ab.policy.count == 1 && ab.policy[0].flowCount == 1)
        #expect(ab.policy[0].identity.srcLabels.count == 2, "the copy with more labels is kept")
        // Labels are sorted and without repeats, whatever order Goldmane lists them in.
        let shuffled = Self.fold([FlowFixture { $0.sourceLabels = ["z=1", "a=2", "z=1"] }])
        #expect(shuffled.policy[0].identity.srcLabels == ["a=2", "z=1"])
    }

    /// Label fields that other fields split (not what Goldmane's encoder writes, but valid
    /// protobuf) give the same identity as the same labels written together.
    @Test func splitLabelFieldsGiveTheSameIdentity() throws {
        let fixture = FlowFixture { $0.sourceLabels = ["app=client", "tier=web"]; $0.destLabels = ["app=server"] }
        var flow = fixture.message.flow
        let together: [UInt8] = try fixture.message.serializedBytes()
        // The Flow again, with one source label repeated after the counters (field 12).
        let label = Array("app=client".utf8)
        flow.sourceLabels = ["tier=web"]
        let split: [UInt8] = try flow.serializedBytes() + [0x22, UInt8(label.count)] + label
        let record: [UInt8] = [0x08, 0x01, 0x12] + Self.varint(split.count) + split
        let a = LooseRecordFold.fold([together], windowEnd: 1_795_745_700)
        let b = LooseRecordFold.fold([record], windowEnd: 1_795_745_700)
        #expect(b.policy == a.policy)
        #expect(b.policy.first?.identity.srcLabels == ["app=client", "tier=web"])
    }

    static func varint(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest >= 0x80 { bytes.append(UInt8(rest & 0x7F) | 0x80); rest >>= 7 }
        return bytes + [UInt8(rest)]
    }

    @Test func rowsAreOnePerIdentityAndDay() {
        let day: Int64 = 86_400
        let flows = (0..<3).map { index in FlowFixture { $0.start = 1_795_744_800 + Int64(index) * day } }
            + [FlowFixture { $0.start = 1_795_744_815 }]
        let batch = Self.fold(flows, windowEnd: 1_795_744_800 + 3 * day)
        #expect(batch.policy.map(\.day) == ["2026-11-27", "2026-11-28", "2026-11-29"])
        #expect(batch.policy.map(\.flowCount) == [2, 1, 1])
        #expect(Set(batch.policy.map(\.flowID)).count == 1, "one identity")
        #expect(batch.policy[0].firstSeen == 1_795_744_800 && batch.policy[0].lastSeen == 1_795_744_830)
    }
}
