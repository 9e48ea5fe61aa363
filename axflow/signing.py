"""HMAC-SHA256 signatures of the finance system's webhooks (shared by the simulator and the API)."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Axflow-Signature"
TIMESTAMP_HEADER = "X-Axflow-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
