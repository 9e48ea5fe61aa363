"""Documents in any S3-compatible object store, through the S3 API (boto3).

Objects are keyed `sha256/<hash>`. An upload is staged on local disk (hashed while written, so
neither memory nor the bucket ever holds a partial upload), then sent with boto3's managed
transfer: multipart in fixed-size parts, a bounded number at a time, so memory stays constant.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from axflow.config import Settings
from store.storage import BlobStore, StagedBlob, check_hash

# 8 MB parts, two in flight: about 16 MB of buffers at most, whatever the file's size.
TRANSFER = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024,
                          max_concurrency=2)
PREFIX = "sha256/"


class S3Store(BlobStore):
    name = "s3"

    def __init__(self, client: Any, bucket: str, staging: Path) -> None:
        self.client, self.bucket, self.staging = client, bucket, staging

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3Store":
        client = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id, aws_secret_access_key=settings.s3_secret_access_key,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path"}))
        return cls(client, settings.s3_bucket, settings.data_dir / "incoming")

    def create_bucket_if_missing(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            region = self.client.meta.region_name
            extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            self.client.create_bucket(Bucket=self.bucket, **extra)

    def key(self, sha256: str) -> str:
        return PREFIX + check_hash(sha256)

    def stage(self) -> StagedBlob:
        return StagedBlob(self.staging)

    def commit(self, staged: StagedBlob) -> None:
        sha256 = staged.finish()
        try:
            # Write-once: an object already under this hash holds these very bytes; leave it be.
            if not self.exists(sha256):
                self.client.upload_file(str(staged.path), self.bucket, self.key(sha256), Config=TRANSFER,
                                        ExtraArgs={"ContentType": "application/octet-stream"})
        finally:
            staged.discard()

    def open(self, sha256: str) -> BinaryIO:
        try:
            # boto3 has no types: the body is its StreamingBody, read as a binary file.
            body: BinaryIO = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
            return body
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(sha256) from err
            raise

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def _delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def hashes(self) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=PREFIX):
            for item in page.get("Contents", []):
                yield item["Key"].removeprefix(PREFIX)

    def staging_leftovers(self) -> list[str]:
        local = sorted(p.name for p in self.staging.glob("*")) if self.staging.is_dir() else []
        # An interrupted multipart transfer would leave parts behind in the bucket: count those too.
        pending = self.client.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        return local + [u["Key"] for u in pending]

    def all_keys(self) -> list[str]:
        """Every object in the bucket, whatever its prefix (tests check nothing stray is left)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]
