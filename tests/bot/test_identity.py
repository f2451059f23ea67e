"""bot.identity: widget proofs (hash, token, revocation) and the gateway's signed turns."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
import pytest

from bot.errors import Unauthenticated
from bot.identity import (
    REVOKED,
    TURN_MAX_AGE_SECONDS,
    WidgetIdentity,
    WidgetProof,
    customer_hash,
    customer_token,
    turn_metadata,
    verified_turn_customer,
)

SECRET = "widget-secret-for-the-identity-tests"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def identity(revoked: dict[str, datetime] | None = None) -> WidgetIdentity:
    return WidgetIdentity(
        SECRET,
        max_token_seconds=86_400,
        identities_valid_after=(revoked or {}).get,
        clock=lambda: NOW,
    )


def test_a_hash_verifies_its_customer_only() -> None:
    good = customer_hash(SECRET, "C1")
    assert identity().verify(WidgetProof("C1", good)) == "C1"
    assert identity().verify(WidgetProof("C1", good.upper())) == "C1"
    for proof in (
        WidgetProof("C2", good),
        WidgetProof("C1", good[:-1]),
        WidgetProof("C1\n", good),
        WidgetProof("C1\ud800", good),
        WidgetProof("C1", "é" * 64),
        WidgetProof("C1", None),
        WidgetProof(None, good),
    ):
        assert identity().verify(proof) is None, proof


def test_no_secret_verifies_nobody() -> None:
    unconfigured = WidgetIdentity(
        None, max_token_seconds=60, identities_valid_after=lambda _: None, clock=lambda: NOW
    )
    assert unconfigured.verify(WidgetProof("C1", customer_hash("", "C1"))) is None
    token = jwt.encode({"sub": "C1", "iat": 1772449200, "exp": 1772456400}, "x" * 32, algorithm="HS256")
    assert unconfigured.verify(WidgetProof(customer_token=token)) is None


def test_a_token_verifies_until_it_expires() -> None:
    token = customer_token(SECRET, "C1", issued_at=NOW - timedelta(minutes=30), lifetime_seconds=3600)
    assert identity().verify(WidgetProof(customer_token=token)) == "C1"
    assert identity().verify(WidgetProof("C1", customer_token=token)) == "C1"
    assert identity().verify(WidgetProof("C2", customer_token=token)) is None
    expired = customer_token(SECRET, "C1", issued_at=NOW - timedelta(hours=2), lifetime_seconds=3600)
    with pytest.raises(Unauthenticated):
        identity().verify(WidgetProof(customer_token=expired))


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "C1", "iat": 1772449200},  # no exp
        {"sub": "C1", "exp": 1772456400},  # no iat
        {"iat": 1772449200, "exp": 1772456400},  # no sub
        {"sub": "C1", "iat": True, "exp": 1772456400},
        {"sub": "C1", "iat": 1772449200, "exp": 1e400},
        {"sub": "C1", "iat": 1772449200, "exp": 1772456400, "nbf": 1772460000},
        {"sub": "x" * 65, "iat": 1772449200, "exp": 1772456400},
    ],
)
def test_a_malformed_token_verifies_nobody(claims: dict) -> None:
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    assert identity().verify(WidgetProof(customer_token=token)) is None


def test_other_algorithms_are_refused() -> None:
    claims = {"sub": "C1", "iat": 1772449200, "exp": 1772456400}
    for algorithm, key in (("HS512", SECRET * 2), ("none", None)):
        token = jwt.encode(claims, key, algorithm=algorithm)
        assert identity().verify(WidgetProof(customer_token=token)) is None, algorithm


def test_revocation_refuses_hashes_and_tokens_issued_until_then() -> None:
    revoked = identity({"C1": NOW - timedelta(minutes=10)})
    assert revoked.verify(WidgetProof("C1", customer_hash(SECRET, "C1"))) is None
    assert revoked.verify(WidgetProof("C2", customer_hash(SECRET, "C2"))) == "C2"
    before = customer_token(SECRET, "C1", issued_at=NOW - timedelta(minutes=20), lifetime_seconds=3600)
    with pytest.raises(Unauthenticated, match=REVOKED[:20]):
        revoked.verify(WidgetProof(customer_token=before))
    after = customer_token(SECRET, "C1", issued_at=NOW - timedelta(minutes=5), lifetime_seconds=3600)
    assert revoked.verify(WidgetProof(customer_token=after)) == "C1"


def test_a_signed_turn_verifies_for_its_conversation_customer_and_time_only() -> None:
    metadata = turn_metadata("s3cret", sender_id="web-1", channel="web", customer_id="C1", now=NOW)
    assert set(metadata) == {"customer_id", "channel", "issued_at", "signature"}
    assert verified_turn_customer("s3cret", metadata, sender_id="web-1", now=NOW) == "C1"
    assert verified_turn_customer("s3cret", metadata, sender_id="web-2", now=NOW) is None
    assert verified_turn_customer("other", metadata, sender_id="web-1", now=NOW) is None
    assert verified_turn_customer(None, metadata, sender_id="web-1", now=NOW) is None
    late = NOW + timedelta(seconds=TURN_MAX_AGE_SECONDS + 1)
    assert verified_turn_customer("s3cret", metadata, sender_id="web-1", now=late) is None
    for change in ({"customer_id": "C2"}, {"channel": "whatsapp"}, {"issued_at": metadata["issued_at"] + 1}):
        assert verified_turn_customer("s3cret", {**metadata, **change}, sender_id="web-1", now=NOW) is None


def test_without_a_secret_the_turn_is_sent_unsigned() -> None:
    assert turn_metadata(None, sender_id="web-1", channel="web", customer_id="C1", now=NOW) == {
        "customer_id": "C1",
        "channel": "web",
    }
