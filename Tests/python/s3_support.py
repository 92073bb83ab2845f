"""Helpers of the S3 tests: boto3 (an independent S3 client) against the RADOS Gateway that
scripts/with-rgw.sh started (`make test` runs the tests inside it)."""
import os
import uuid

import pytest


def client():
    if "AWS_ENDPOINT_URL" not in os.environ:
        pytest.fail("no S3 gateway: run the tests through `make test` (scripts/with-rgw.sh starts a throwaway Ceph RADOS Gateway)")
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}))


class Bucket:
    """A fresh bucket of its own for one test."""

    def __init__(self):
        self.s3 = client()
        self.name = "t-" + uuid.uuid4().hex[:16]
        self.s3.create_bucket(Bucket=self.name)

    def url(self, prefix=""):
        return f"s3://{self.name}/{prefix}" if prefix else f"s3://{self.name}"

    def upload_tree(self, directory, prefix):
        """Every file under `directory`, as `aws s3 sync` would put it; returns the keys."""
        keys = []
        for root, _, files in os.walk(directory):
            for name in files:
                path = os.path.join(root, name)
                key = f"{prefix}/{os.path.relpath(path, directory)}"
                self.s3.upload_file(path, self.name, key)
                keys.append(key)
        return sorted(keys)

    def keys(self, prefix=""):
        found = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix):
            found += [item["Key"] for item in page.get("Contents", [])]
        return sorted(found)

    def get(self, key):
        return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def download(self, key, path):
        with open(path, "wb") as handle:
            handle.write(self.get(key))
        return path
