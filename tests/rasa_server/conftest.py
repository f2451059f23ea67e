"""The Rasa-side code runs Rasa's own classes: every test here is ``slow`` (Rasa is imported
inside the tests, so a run that deselects them does not import it)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "rasa_server" in item.nodeid:
            item.add_marker(pytest.mark.slow)
