"""Every test here runs Rasa's own classes: they are all ``slow``, and Rasa (TensorFlow with it) is
imported only when a test asks for it, so a run that deselects slow tests does not import it."""

from __future__ import annotations

from typing import Any

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "nlu_components" in item.nodeid:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def Message() -> Any:  # Rasa's class, under its own name so the tests read as Rasa code does
    from rasa.shared.nlu.training_data.message import Message as RasaMessage

    return RasaMessage
