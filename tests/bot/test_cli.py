import importlib

import pytest

from bot import cli


@pytest.mark.parametrize("module_name", cli.AREAS)
def test_every_area_registers_commands(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert callable(module.register)


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "supportbot" in capsys.readouterr().err


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err
