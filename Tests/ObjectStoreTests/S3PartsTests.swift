import Testing

@testable import ObjectStore

/// The parts of the S3 client that need no server: URLs, settings from the environment,
/// request targets, and the XML answers (as Ceph RGW and AWS write them).
@Suite struct S3PartsTests {
    @Test func locationsParseAndNameTheirKeys() throws {
        let location = try S3Location(url: "s3://trail-archive/prod/eu//")
        #expect(location.bucket == "trail-archive" && location.prefix == "prod/eu")
        #expect(location.key("lab/2026-11-27/x.seg") == "prod/eu/lab/2026-11-27/x.seg")
        #expect(location.url(key: "prod/eu/a.seg") == "s3://trail-archive/prod/eu/a.seg")
        #expect(location.description == "s3://trail-archive/prod/eu")
        let whole = try S3Location(url: "s3://trail")
        #expect(whole.prefix == "" && whole.listPrefix == "" && whole.key("a.seg") == "a.seg")
        for bad in ["s3://", "s3://Upper", "s3://a", "s3://-leading/x", "s3://under_score", "http://trail/x"] {
            #expect(throws: ObjectStoreError.self, "\(bad)") { try S3Location(url: bad) }
        }
    }

    @Test func settingsComeFromTheEnvironmentAndNeverShowTheSecret() throws {
        let base = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s3cr3t-value"]
        let aws = try S3Settings.fromEnvironment(base)
        #expect(aws.endpoint == "https://s3.us-east-1.amazonaws.com" && !aws.pathStyle && aws.region == "us-east-1")
        let ceph = try S3Settings.fromEnvironment(base.merging(["AWS_ENDPOINT_URL": "http://127.0.0.1:7480/", "AWS_REGION": "eu-west-1"]) { $1 })
        #expect(ceph.endpoint == "http://127.0.0.1:7480" && ceph.pathStyle && ceph.region == "eu-west-1")
        #expect(!ceph.description.contains("s3cr3t") && !ceph.description.contains("AKID"))
        let virtual = try S3Settings.fromEnvironment(base.merging(["AWS_ENDPOINT_URL": "https://minio.example:9000", "GOLDMANE_TRAIL_S3_ADDRESSING": "virtual"]) { $1 })
        #expect(!virtual.pathStyle)
        do {
            _ = try S3Settings.fromEnvironment(["AWS_SECRET_ACCESS_KEY": "s3cr3t-value"])
            Issue.record("no key id was accepted")
        } catch {
            #expect(error.code == .configuration && error.message.contains("AWS_ACCESS_KEY_ID") && !error.message.contains("s3cr3t"))
        }
        #expect(throws: ObjectStoreError.self) { try S3Settings.fromEnvironment(base.merging(["AWS_ENDPOINT_URL": "ftp://x"]) { $1 }) }
        #expect(throws: ObjectStoreError.self) { try S3Settings.fromEnvironment(base.merging(["GOLDMANE_TRAIL_S3_ATTEMPTS": "0"]) { $1 }) }
    }

    @Test func requestTargetsArePathOrVirtualStyleWithKeysEncodedOnce() {
        let settings = S3Settings(accessKeyId: "k", secretAccessKey: "s", endpoint: "http://127.0.0.1:7480", pathStyle: true)
        let request = S3Client.Request(method: .GET, bucket: "trail", key: "arch/lab/a b+c$.seg", query: [("prefix", "a/b"), ("list-type", "2")])
        let path = S3Client(settings: settings).target(request)
        #expect(path.url == "http://127.0.0.1:7480/trail/arch/lab/a%20b%2Bc%24.seg")
        #expect(path.host == "127.0.0.1:7480" && path.path == "/trail/arch/lab/a%20b%2Bc%24.seg")
        #expect(path.query == "list-type=2&prefix=a%2Fb")
        var virtualSettings = settings
        virtualSettings.endpoint = "https://s3.us-east-1.amazonaws.com"
        virtualSettings.pathStyle = false
        let virtual = S3Client(settings: virtualSettings).target(S3Client.Request(method: .GET, bucket: "trail", key: nil))
        #expect(virtual.url == "https://trail.s3.us-east-1.amazonaws.com/" && virtual.host == "trail.s3.us-east-1.amazonaws.com" && virtual.path == "/")
    }

    @Test func listPagesAndErrorsAreRead() throws {
        let page = """
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>trail</Name>\
            <Prefix>arch/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>\
            <Contents><Key>arch/lab/a&amp;b.seg</Key><LastModified>2026-12-03T07:00:00.000Z</LastModified><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>128464</Size><StorageClass>STANDARD</StorageClass></Contents>\
            <Contents><Key>arch/lab/c.seg</Key><ETag>"92eb5ffee6ae2fec3ad71c777531578f"</ETag><Size>7</Size></Contents>\
            <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>
            """
        let parsed = try ListPage(xml: Array(page.utf8), describing: "s3://trail/arch/")
        #expect(parsed.objects == [S3Client.Object(key: "arch/lab/a&b.seg", size: 128_464, etag: "0cc175b9c0f1b6a831c399e269772661"),
                                   S3Client.Object(key: "arch/lab/c.seg", size: 7, etag: "92eb5ffee6ae2fec3ad71c777531578f")])
        #expect(parsed.isTruncated && parsed.nextToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
        #expect(throws: ObjectStoreError.self) { try ListPage(xml: Array("not xml <".utf8), describing: "x") }
        let error = ErrorBody(xml: Array("<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>x</BucketName></Error>".utf8))
        #expect(error == ErrorBody(code: "NoSuchBucket", message: "The specified bucket does not exist"))
        #expect(ErrorBody(xml: []) == nil)
    }
}
