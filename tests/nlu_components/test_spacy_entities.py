"""The Rasa graph component around bot.entities, on real Rasa Message objects (see conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from nlu_components.spacy_entities import SupportbotEntityExtractor


def make(config: dict | None = None) -> SupportbotEntityExtractor:
    from nlu_components.spacy_entities import SupportbotEntityExtractor

    return SupportbotEntityExtractor.create(
        {**SupportbotEntityExtractor.get_default_config(), **(config or {})},
        model_storage=None,  # type: ignore[arg-type]  # not trainable: storage is never used
        resource=None,  # type: ignore[arg-type]
        execution_context=None,  # type: ignore[arg-type]
    )


def test_process_adds_entities_with_extractor_name(Message: Any) -> None:
    message = Message(data={"text": "refund $12.50 for order #1001, mail jane@example.com"})
    make().process([message])
    assert message.get("entities") == [
        {
            "entity": "amount",
            "value": "12.50 USD",
            "start": 7,
            "end": 13,
            "extractor": "SupportbotEntityExtractor",
        },
        {
            "entity": "order_id",
            "value": "1001",
            "start": 25,
            "end": 29,
            "extractor": "SupportbotEntityExtractor",
        },
        {
            "entity": "email",
            "value": "jane@example.com",
            "start": 36,
            "end": 52,
            "extractor": "SupportbotEntityExtractor",
        },
    ]
    # add_to_output: the entities reach the parse result Rasa returns
    assert "entities" in message.as_dict(only_output_properties=True)


def test_process_keeps_entities_from_earlier_components(Message: Any) -> None:
    earlier = {"entity": "order_id", "value": "7", "start": 0, "end": 1, "extractor": "Other"}
    message = Message(data={"text": "call +14155550134", "entities": [earlier]})
    make().process([message])
    assert message.get("entities")[0] == earlier
    assert [e["entity"] for e in message.get("entities")] == ["order_id", "phone"]


def test_process_handles_many_messages_and_odd_ones(Message: Any) -> None:
    messages = [
        Message(data={"text": "where is 8123456789012"}),
        Message(data={"text": ""}),
        Message(data={"text": "😀" * 50}),
        Message(data={"intent": "greet"}),  # an intent-only message from stories has no text
        Message(data={"text": "x" * 20_000 + " order 1001"}),
    ]
    make().process(messages)
    assert [e["value"] for e in messages[0].get("entities")] == ["8123456789012"]
    assert messages[1].get("entities") == []
    assert messages[2].get("entities") == []
    assert messages[3].get("entities") is None
    assert messages[4].get("entities") == []  # beyond the truncation limit


def test_config_can_narrow_the_labels(Message: Any) -> None:
    message = Message(data={"text": "order 1001 on 2026-03-01"})
    make({"entities": ["date"]}).process([message])
    assert [e["entity"] for e in message.get("entities")] == ["date"]


def test_unknown_label_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="unknown entity labels"):
        make({"entities": ["order_id", "postcode"]})


def test_registered_as_a_non_trainable_entity_extractor() -> None:
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe

    from nlu_components.spacy_entities import SupportbotEntityExtractor

    registered = DefaultV1Recipe._from_registry(SupportbotEntityExtractor.__name__)
    assert registered.clazz is SupportbotEntityExtractor
    assert registered.types == {DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR}
    assert registered.is_trainable is False
    # Rasa's own (model-based) SpacyEntityExtractor must still be the one under its name.
    assert DefaultV1Recipe._from_registry("SpacyEntityExtractor").clazz is not SupportbotEntityExtractor
