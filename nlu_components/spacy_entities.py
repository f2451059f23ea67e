"""The spaCy rule-based entity extractor as a Rasa graph component.

All the rules live in ``bot.entities`` (framework-free, unit-tested on their own); this module
only adapts them to Rasa's message format. DIETClassifier runs with ``entity_recognition:
false``, so these are the only entities the assistant sees.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.entities import LABELS, entity_pipeline, extract_entities


# Not named SpacyEntityExtractor: the recipe registers components by class name, and that
# name belongs to Rasa's own (model-based) extractor.
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SupportbotEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds order_id, email, phone, amount and date entities found by ``bot.entities``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Which labels to keep; all of them unless a pipeline narrows it.
        return {"entities": list(LABELS)}

    def __init__(self, config: dict[str, Any]) -> None:
        wanted = config.get("entities") or list(LABELS)
        unknown = sorted(set(wanted) - set(LABELS))
        if unknown:
            raise ValueError(f"{self.name}: unknown entity labels {unknown}; known: {list(LABELS)}")
        self._wanted = frozenset(wanted)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SupportbotEntityExtractor:
        # Building the spaCy pipeline here moves its cost from the first user message to start-up.
        entity_pipeline()
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: entity.label,
                    ENTITY_ATTRIBUTE_VALUE: entity.value,
                    ENTITY_ATTRIBUTE_START: entity.start,
                    ENTITY_ATTRIBUTE_END: entity.end,
                }
                for entity in extract_entities(text)
                if entity.label in self._wanted
            ]
            message.set(
                ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True
            )
        return messages
