"""`supportbot train`: trains through the rasa executable only when the training inputs changed."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings
from bot.errors import SupportbotError
from tools import train

# Stands in for `rasa`: records its arguments and writes the model where --out says, or fails.
FAKE_RASA = """#!{python}
import json, os, sys
from pathlib import Path
here = Path(__file__).parent
with open(here / "calls.jsonl", "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd(), "use_tf": os.environ.get("USE_TF")}}) + "\\n")
if (here / "fail").exists():
    sys.exit(3)
out = Path(sys.argv[sys.argv.index("--out") + 1])
name = sys.argv[sys.argv.index("--fixed-model-name") + 1]
(out / (name + ".tar.gz")).write_bytes(b"model")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    home = tmp_path / "project"
    (home / "data" / "faq").mkdir(parents=True)
    (home / "config.yml").write_text("recipe: default.v1\n")
    (home / "domain.yml").write_text('version: "3.1"\n')
    (home / "data" / "nlu.yml").write_text('version: "3.1"\nnlu: []\n')
    (home / "data" / "faq" / "articles.yaml").write_text("articles: []\n")
    return home


@pytest.fixture
def rasa(tmp_path: Path) -> Path:
    path = tmp_path / "bin" / "rasa"
    path.parent.mkdir()
    path.write_text(FAKE_RASA.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def calls(rasa: Path) -> list[dict]:
    log = rasa.parent / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def settings_for(home: Path) -> Settings:
    return Settings(home=home, models_dir=Path("models"))


def test_trains_into_models_rasa_and_stamps_the_inputs(project: Path, rasa: Path) -> None:
    settings = settings_for(project)

    assert train.train_rasa(settings, rasa=rasa) is True

    [call] = calls(rasa)
    out = str(project / "models" / "rasa")
    assert call["argv"] == [
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        out,
        "--fixed-model-name",
        "supportbot",
    ]
    assert call["cwd"] == str(project)
    assert call["use_tf"] == "0"
    stamp = (project / "models" / "rasa" / ".stamp").read_text().strip()
    assert stamp == train.training_hash(project)
    assert train.model_is_current(settings)


def test_skips_when_current_and_retrains_on_change_or_force(project: Path, rasa: Path) -> None:
    settings = settings_for(project)
    train.train_rasa(settings, rasa=rasa)

    assert train.train_rasa(settings, rasa=rasa) is False
    assert len(calls(rasa)) == 1

    (project / "data" / "rules.yml").write_text('version: "3.1"\nrules: []\n')
    assert train.train_rasa(settings, rasa=rasa) is True
    assert train.train_rasa(settings, rasa=rasa, force=True) is True
    assert len(calls(rasa)) == 3


def test_the_corpus_and_other_files_do_not_trigger_training(project: Path, rasa: Path) -> None:
    settings = settings_for(project)
    train.train_rasa(settings, rasa=rasa)

    (project / "data" / "faq" / "articles.yaml").write_text("articles: [changed]\n")
    (project / "README.md").write_text("docs\n")

    assert train.train_rasa(settings, rasa=rasa) is False


def test_a_missing_model_is_retrained_even_with_a_matching_stamp(project: Path, rasa: Path) -> None:
    settings = settings_for(project)
    train.train_rasa(settings, rasa=rasa)
    (project / "models" / "rasa" / "supportbot.tar.gz").unlink()

    assert train.train_rasa(settings, rasa=rasa) is True


def test_a_failed_training_is_an_error_and_leaves_no_stamp(project: Path, rasa: Path) -> None:
    (rasa.parent / "fail").touch()

    with pytest.raises(SupportbotError, match=r"rasa train failed \(exit 3\)"):
        train.train_rasa(settings_for(project), rasa=rasa)

    assert not (project / "models" / "rasa" / ".stamp").exists()


def test_missing_training_files_are_named(project: Path, rasa: Path) -> None:
    (project / "domain.yml").unlink()

    with pytest.raises(SupportbotError, match=r"domain\.yml missing"):
        train.train_rasa(settings_for(project), rasa=rasa)
    assert calls(rasa) == []


def test_index_step_tolerates_a_missing_search_package(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "bot.search", None)

    train.build_faq_index(settings_for(project))

    assert "bot.search" in capsys.readouterr().err


def test_index_is_a_top_level_command_that_builds_encoder_and_index() -> None:
    args = cli.build_parser().parse_args(["index", "--force"])

    assert args.force is True
    assert args.func is train._index


def test_train_is_a_top_level_command_with_force() -> None:
    args = cli.build_parser().parse_args(["train", "--force"])

    assert args.force is True
    assert args.func is train._train


FEATURIZER_CONFIG = """\
recipe: default.v1
pipeline:
  - name: WhitespaceTokenizer
  - name: nlu_components.minilm_featurizer.MiniLMSentenceFeaturizer
    model: models/encoder
"""


def _stamp_encoder(home: Path, fingerprint: str) -> None:
    from bot.search import ENCODER_STAMP

    encoder = home / "models" / "encoder"
    encoder.mkdir(parents=True, exist_ok=True)
    (encoder / ENCODER_STAMP).write_text(json.dumps({"fingerprint": fingerprint}))


def test_a_featurizer_on_the_fine_tuned_encoder_retrains_when_the_encoder_changes(
    project: Path, rasa: Path
) -> None:
    (project / "config.yml").write_text(FEATURIZER_CONFIG)
    _stamp_encoder(project, "a" * 64)
    settings = settings_for(project)
    assert train.featurizer_models(project) == ["models/encoder"]
    train.train_rasa(settings, rasa=rasa)
    assert train.train_rasa(settings, rasa=rasa) is False

    _stamp_encoder(project, "b" * 64)

    assert train.train_rasa(settings, rasa=rasa) is True


def test_the_base_featurizer_does_not_depend_on_the_encoder(project: Path) -> None:
    (project / "config.yml").write_text(FEATURIZER_CONFIG.replace("models/encoder", "base"))

    assert train.featurizer_models(project) == []
    before = train.training_hash(project)
    _stamp_encoder(project, "c" * 64)
    assert train.training_hash(project) == before


def test_a_missing_encoder_stamp_names_the_command(project: Path, rasa: Path) -> None:
    (project / "config.yml").write_text(FEATURIZER_CONFIG)

    with pytest.raises(SupportbotError, match="supportbot index"):
        train.train_rasa(settings_for(project), rasa=rasa)
    assert calls(rasa) == []
