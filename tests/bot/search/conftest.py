from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import Settings, get_settings


@pytest.fixture(scope="session")
def search_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose models/ is a private copy: tests may break and rebuild the index freely."""
    from bot.search import build_index, encoder_dir, index_dir, index_status

    models = tmp_path_factory.mktemp("models")
    settings = Settings(models_dir=models)
    default = get_settings()
    if index_status(default) == "ok":  # `make pytest` builds both first; copying saves minutes
        if encoder_dir(default).is_dir():
            shutil.copytree(encoder_dir(default), encoder_dir(settings))
        shutil.copytree(index_dir(default), index_dir(settings))
    else:
        build_index(settings)
    return settings


@pytest.fixture(scope="session")
def searcher(search_settings: Settings):
    from bot.search import load_searcher

    return load_searcher(search_settings, rebuild=False)


@pytest.fixture
def scratch_settings(search_settings: Settings, tmp_path: Path) -> Settings:
    """A copy of the built index in a fresh models dir, for tests that damage it."""
    from bot.search import encoder_dir, index_dir

    settings = Settings(models_dir=tmp_path / "models")
    if encoder_dir(search_settings).is_dir():
        shutil.copytree(encoder_dir(search_settings), encoder_dir(settings))
    shutil.copytree(index_dir(search_settings), index_dir(settings))
    return settings
