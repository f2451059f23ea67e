"""The action server registers exactly the custom actions the domain names.

rasa-sdk instantiates every concrete ``Action`` subclass it finds at start-up; an intermediate
class that is not abstract crashes the whole action server before it serves anything.
"""

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def test_the_action_server_registers_every_domain_action_and_nothing_else() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {name for name in domain["actions"] if name.startswith(("action_", "validate_"))}
    assert set(executor.actions) == custom
