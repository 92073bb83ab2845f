import Testing
import TrailFormat
import TrailSupport
@testable import Load
@testable import TrailDatabase

/// The parts of the load that need no server: COPY escaping, secret redaction, and sorting
/// connection failures. (Everything else is tested against a real PostgreSQL in Tests/python.)
@Suite struct LoadUnitTests {
    @Test func copyTextEscapesWhatCopyTreatsSpecially() {
        var copy = CopyText()
        copy.field("tab\there")
        copy.field("new\nline\rcr")
        copy.field("back\\slash")
        copy.field("'; DROP TABLE edge;--")
        copy.field("naïve 🚀")
        copy.field(Int64(-42))
        copy.textArray(["2026-11-27", "a \"b\""])
        copy.endRow()
        let text = String(decoding: copy.bytes, as: UTF8.self)
        #expect(text == "tab\\there\tnew\\nline\\rcr\tback\\\\slash\t'; DROP TABLE edge;--\tnaïve 🚀\t-42\t{\"2026-11-27\",\"a \\\\\"b\\\\\"\"}\n")
    }

    @Test func passwordsAreFoundInEveryFormAndRedacted() {
        let uri = "postgresql://trail:p%40ss-w0rd@db.example:5432/goldmane_edges?sslmode=verify-full"
        let secrets = PostgresConnection.secrets(in: uri, environment: ["PGPASSWORD": "env-secret"])
        #expect(secrets.contains("p@ss-w0rd"))
        #expect(secrets.contains("env-secret"))
        let message = "FATAL: password authentication failed for user \"trail\" (p@ss-w0rd, p%40ss-w0rd, env-secret)"
        let redacted = SecretRedaction(secrets)(message)
        #expect(!redacted.contains("p@ss-w0rd") && !redacted.contains("p%40ss-w0rd") && !redacted.contains("env-secret"))
        #expect(redacted.contains("[redacted]"))
        let keyword = PostgresConnection.secrets(in: "host=db password='with space' dbname=x", environment: [:])
        #expect(keyword.contains("with space"))
    }

    /// URIs libpq cannot parse: its error quotes the URI, password and all.
    @Test(arguments: ["postgresql://trail:S3cr3t-pw@[::1/db", "postgresql://trail:S3cr3t-pw@[]/db", "postgresql://trail:S3cr3t-pw@[::1]x/db",
                      "postgres://trail:S3cr3t%2Dpw@host:badport/db"])
    func unparseableURIsAreRedacted(uri: String) {
        let redaction = SecretRedaction(PostgresConnection.secrets(in: uri, environment: [:]))
        for message in ["invalid URI query parameter: \"\(uri)\"", "missing \"=\" after \"\(uri)\" in connection info string",
                        "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"\(uri)\""] {
            let shown = redaction(message)
            #expect(!shown.contains("S3cr3t"), "\(shown)")
        }
    }

    @Test func credentialsInAnyURIOrKeywordAreScrubbed() {
        let text = "failed: postgresql://u:hunter22@db/x and host=db password='a b c' and password=plain123 and https://x:y-z-w@h/p"
        let shown = SecretRedaction.scrubCredentials(text)
        for secret in ["hunter22", "a b c", "plain123", "y-z-w"] { #expect(!shown.contains(secret), "\(shown)") }
        #expect(shown.contains("postgresql://[redacted]@db/x"))
    }

    @Test(arguments: [
        ("connection to server at \"127.0.0.1\", port 5 failed: Connection refused", DatabaseErrorCode.unreachable),
        ("connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file or directory", .unreachable),
        ("could not translate host name \"db\" to address: Name or service not known", .unreachable),
        ("FATAL:  password authentication failed for user \"trail\"", .authentication),
        ("FATAL:  no pg_hba.conf entry for host \"10.0.0.1\"", .authentication),
        ("FATAL:  database \"goldmane_edges\" does not exist", .missingDatabase),
        ("SSL error: certificate verify failed", .connection),
    ])
    func connectionFailuresAreSorted(message: String, code: DatabaseErrorCode) {
        #expect(DatabaseError.connectionFailure(message).code == code)
    }

    @Test func theMergeSQLAddsCountersAndKeepsTheEarliestAndLatest() {
        for merge in [ProjectionTables.mergeEdge, ProjectionTables.mergeEdgeDaily] {
            #expect(merge.contains("first_seen = LEAST(e.first_seen, EXCLUDED.first_seen)") || merge.contains("first_seen = LEAST(p.first_seen, EXCLUDED.first_seen)"))
            #expect(merge.contains("bytes_out = e.bytes_out + EXCLUDED.bytes_out") || merge.contains("bytes_out = p.bytes_out + EXCLUDED.bytes_out"))
        }
        // The all-time tables take the staged pieces grouped over their days.
        #expect(ProjectionTables.mergeEdge.contains("GROUP BY cluster, src_ns, dst_ns, action"))
        #expect(ProjectionTables.mergeWide.contains("array_agg(DISTINCT day ORDER BY day)"))
    }

    @Test func theMigrationsShipInTheBuild() throws {
        let migrations = try Migrator.bundled()
        #expect(migrations.map(\.version) == ["0001_edge", "0002_edge_wide", "0003_load_ledger", "0004_coverage", "0005_fillfactor", "0006_load_failures", "0007_ledger_settings", "0008_policy_flow",
                                                    "0009_history_by_cluster_and_day"])
        #expect(migrations[0].sql.contains("PRIMARY KEY (src_ns, dst_ns, action)"))
    }
}
