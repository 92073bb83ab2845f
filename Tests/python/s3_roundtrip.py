#!/usr/bin/env python3
"""An archive through a bucket with a given build (`make sanitize` runs it with the
AddressSanitizer build, inside scripts/with-rgw.sh): upload with boto3, then `verify` and
`transform` from the bucket; the batch must equal the one transform made from the directory.
This drives the S3 client's streaming download into unnamed files under the sanitizer."""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from s3_support import Bucket  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--archive", required=True)
    parser.add_argument("--batch", required=True, help="the batch transform made from the directory")
    arguments = parser.parse_args()
    bucket = Bucket()
    keys = bucket.upload_tree(arguments.archive, "archive")
    subprocess.run([arguments.bin, "verify", bucket.url("archive")], check=True, capture_output=True)
    out = arguments.batch + ".from-bucket"
    subprocess.run([arguments.bin, "transform", bucket.url("archive"), "-o", out], check=True, capture_output=True)
    with open(out, "rb") as a, open(arguments.batch, "rb") as b:
        if a.read() != b.read():
            raise SystemExit(f"the batch from {bucket.url('archive')} differs from {arguments.batch}")
    print(f"{len(keys)} segments through s3://{bucket.name}: verify OK, batch identical")


if __name__ == "__main__":
    main()
