import CLibPQ
import Foundation
import TrailSupport

/// One libpq connection. The target comes from `DATABASE_URL` (a libpq URI or keyword
/// string, sslmode and all) or, when that is unset, from the `PG*` variables: exactly as
/// psql reads them. Nothing here ever prints the connection string or the password.
package final class PostgresConnection {
    private let connection: OpaquePointer
    private let redact: SecretRedaction

    /// Connects to `conninfo`, or to what `DATABASE_URL` / `PG*` name when nil.
    package init(conninfo: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws(DatabaseError) {
        let info = conninfo ?? environment["DATABASE_URL"] ?? ""
        redact = SecretRedaction(Self.secrets(in: info, environment: environment))
        guard let connection = PQconnectdb(info) else {
            throw DatabaseError(.connection, "libpq could not allocate a connection")
        }
        self.connection = connection
        guard PQstatus(connection) == CONNECTION_OK else {
            let text = redact(String(cString: PQerrorMessage(connection))).trimmingCharacters(in: .whitespacesAndNewlines)
            // libpq's own flag first; its text only for what it has no flag for.
            if PQconnectionNeedsPassword(connection) == 1 {
                throw DatabaseError(.authentication, "database authentication failed: the server asks for a password and none was given: \(text) (set it in DATABASE_URL or PGPASSWORD)",
                                    cause: LibPQError(sqlState: nil, message: text))
            }
            throw DatabaseError.connectionFailure(text)
        }
        _ = try? execute("SET application_name = 'goldmane-trail'")
        _ = try? execute("SET client_min_messages = warning")
    }

    /// Also runs when `init` throws after connecting failed: PQfinish frees the attempt.
    deinit { PQfinish(connection) }

    /// Runs one statement with text parameters bound as `$1`, `$2`, ... (never interpolated).
    @discardableResult
    package func execute(_ sql: String, _ parameters: [String?] = []) throws(DatabaseError) -> QueryResult {
        let result = CStrings.with(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try check(result, sql: sql)
    }

    /// Runs several statements without parameters (migrations).
    package func executeScript(_ sql: String) throws(DatabaseError) {
        let result = PQexec(connection, sql)
        _ = try check(result, sql: sql)
    }

    /// `COPY <table> FROM STDIN` with `data` in COPY's text format.
    package func copy(_ copyStatement: String, data: [UInt8]) throws(DatabaseError) {
        guard let start = PQexec(connection, copyStatement) else { throw failure("COPY could not start") }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            _ = try check(start, sql: copyStatement)
            throw DatabaseError(.query, "COPY did not enter copy mode")
        }
        PQclear(start)
        let chunk = 1 << 20
        var offset = 0
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            let sent = data[offset..<end].withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
            }
            guard sent == 1 else { throw failure("COPY data could not be sent") }
            offset = end
        }
        guard PQputCopyEnd(connection, nil) == 1 else { throw failure("COPY could not be finished") }
        var firstError: DatabaseError?
        while let result = PQgetResult(connection) {
            do throws(DatabaseError) { _ = try check(result, sql: copyStatement) } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    private func check(_ result: OpaquePointer?, sql: String) throws(DatabaseError) -> QueryResult {
        guard let result else { throw failure("no result") }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let text = redact(String(cString: PQresultErrorMessage(result))).trimmingCharacters(in: .whitespacesAndNewlines)
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { redact(String(cString: $0)) } ?? text
            PQclear(result)
            let cause = LibPQError(sqlState: state, message: primary)
            // No SQLSTATE: the failure happened on the client side (the connection broke).
            if PQstatus(connection) != CONNECTION_OK || state == nil {
                throw DatabaseError(.unreachable, "lost the database connection: \(text)", cause: cause)
            }
            let statement = sql.split(separator: "\n").first.map(String.init) ?? ""
            throw DatabaseError(.query, "\(text) (in: \(statement.prefix(80)))", cause: cause)
        }
        return QueryResult(result)
    }

    private func failure(_ what: String) -> DatabaseError {
        let text = redact(String(cString: PQerrorMessage(connection))).trimmingCharacters(in: .whitespacesAndNewlines)
        return DatabaseError(PQstatus(connection) == CONNECTION_OK ? .query : .unreachable, "\(what): \(text)",
                             cause: LibPQError(sqlState: nil, message: text))
    }

    /// The password in a connection string, and PGPASSWORD: text that must never be shown
    /// (`SecretRedaction` adds their encoded forms). When libpq cannot parse the string, its
    /// user information (`user:password` of a URI) is taken as text, so that the error libpq
    /// gives, which quotes the string, does not show it either.
    static func secrets(in conninfo: String, environment: [String: String]) -> [String] {
        var found: [String] = []
        if let password = environment["PGPASSWORD"], !password.isEmpty { found.append(password) }
        var error: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(conninfo, &error) {
            var option = options
            while let keyword = option.pointee.keyword {
                if String(cString: keyword) == "password", let value = option.pointee.val {
                    found.append(String(cString: value))
                }
                option += 1
            }
            PQconninfoFree(options)
        } else if let scheme = conninfo.range(of: "://") {
            let rest = conninfo[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                found.append(String(userInfo))
                if let colon = userInfo.firstIndex(of: ":") { found.append(String(userInfo[userInfo.index(after: colon)...])) }
            }
        }
        if let error { PQfreemem(error) }
        return found.filter { !$0.isEmpty }
    }
}

/// The rows of a query, as text (the few result sets the jobs read are small).
package struct QueryResult {
    package let rows: [[String?]]
    package let affectedRows: Int

    init(_ result: OpaquePointer) {
        var rows: [[String?]] = []
        let count = PQntuples(result)
        let fields = PQnfields(result)
        rows.reserveCapacity(Int(count))
        for row in 0..<count {
            rows.append((0..<fields).map { field in
                PQgetisnull(result, row, field) == 1 ? nil : String(cString: PQgetvalue(result, row, field))
            })
        }
        self.rows = rows
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        PQclear(result)
    }
}

/// C string arrays for libpq's parameter lists.
enum CStrings {
    static func with<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
        defer { pointers.forEach { free($0) } }
        return pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
