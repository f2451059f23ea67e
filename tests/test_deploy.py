"""deploy/ agrees with the code: settings it sets exist, the Rasa endpoints match what
`supportbot supervise` writes, and the probes and commands point at real routes and modules.
(Schema validation of the manifests and the compose file is `make deploy-check`.)"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import yaml

from bot.config import Settings
from tools.supervise import endpoints

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
MANIFESTS = sorted(
    path for path in (DEPLOY / "kubernetes").glob("*.yaml") if path.name != "kustomization.yaml"
)
# Read by Rasa (endpoints file, lock lifetime) rather than by Settings.
RASA_SIDE = {"SUPPORTBOT_TRACKER_DB_URL", "TICKET_LOCK_LIFETIME"}


def documents() -> list[dict[str, Any]]:
    found = []
    for path in MANIFESTS:
        found.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return found


def containers() -> list[dict[str, Any]]:
    found = []
    for doc in documents():
        spec = doc.get("spec", {})
        template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
        if template:
            found.extend(template["spec"]["containers"])
    return found


def setting_names() -> set[str]:
    names = set()
    for name, field in Settings.__fields__.items():
        names.add(str(field.field_info.extra.get("env") or f"SUPPORTBOT_{name.upper()}"))
    return names


def test_every_supportbot_variable_in_deploy_is_a_setting() -> None:
    text = "\n".join(path.read_text() for path in [*MANIFESTS, DEPLOY / "compose.yaml"])
    used = set(re.findall(r"\b(SUPPORTBOT_[A-Z_]+|TICKET_LOCK_LIFETIME)\b", text)) - {"SUPPORTBOT_IMAGE"}
    unknown = used - setting_names() - RASA_SIDE
    assert not unknown


def test_the_rasa_endpoints_are_the_replicated_layout_of_supervise() -> None:
    expected = endpoints(Settings(redis_url="redis://r:6379/0"), DEPLOY.parent / "endpoints.yml")  # type: ignore[call-arg]
    assert yaml.safe_load((DEPLOY / "endpoints.yml").read_text()) == expected
    [config] = [doc for doc in documents() if doc["metadata"]["name"] == "supportbot-rasa-endpoints"]
    assert yaml.safe_load(config["data"]["endpoints.yml"]) == expected


def test_probes_use_the_gateway_and_action_server_routes() -> None:
    from api.main import create_app

    routes = {getattr(route, "path", None) for route in create_app(Settings(env="test")).routes}  # type: ignore[call-arg]
    [gateway] = [c for c in containers() if c["name"] == "gateway"]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz/live"
    assert {"/healthz/ready", "/healthz/live"} <= routes
    [actions] = [c for c in containers() if c["name"] == "actions"]
    assert actions["command"][:3] == ["python", "-m", "actions.server"]
    assert importlib.util.find_spec("actions.server") is not None


def test_the_rasa_url_names_one_replica_per_statefulset_pod() -> None:
    [rasa] = [
        doc
        for doc in documents()
        if doc["kind"] == "StatefulSet" and doc["metadata"]["name"] == "supportbot-rasa"
    ]
    [config] = [doc for doc in documents() if doc["metadata"]["name"] == "supportbot-config"]
    urls = config["data"]["SUPPORTBOT_RASA_URL"].split(",")
    assert urls == [
        f"http://supportbot-rasa-{n}.supportbot-rasa:5005" for n in range(rasa["spec"]["replicas"])
    ]


def test_no_secret_value_is_committed() -> None:
    for doc in documents():
        assert doc["kind"] != "Secret"
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service in compose["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if any(word in name for word in ("SECRET", "TOKEN", "PASSWORD")):
                assert str(value).startswith("${"), name


# The secrets each program needs, all from the Secret `supportbot` (one value for every replica).
SHARED_SECRETS = {
    "gateway": {
        "SUPPORTBOT_WIDGET_SECRET",
        "SUPPORTBOT_ADMIN_TOKEN",
        "SUPPORTBOT_ACTIONS_SECRET",
        "SUPPORTBOT_RASA_TOKEN",
    },
    "actions": {"SUPPORTBOT_ACTIONS_SECRET"},
    "rasa": {"SUPPORTBOT_RASA_TOKEN"},
}


def test_every_process_gets_its_secrets_from_the_secret() -> None:
    by_name = {c["name"]: c for c in containers()}
    for name, secrets in SHARED_SECRETS.items():
        env = {item["name"]: item for item in by_name[name].get("env", [])}
        for secret in secrets:
            assert env[secret]["valueFrom"]["secretKeyRef"]["name"] == "supportbot", (name, secret)
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service in ("gateway", "actions", "rasa-0", "rasa-1"):
        environment = compose["services"][service]["environment"]
        for secret in set().union(*SHARED_SECRETS.values()):
            assert environment[secret] == f"${{{secret}:?set {secret}}}", (service, secret)


def test_rasa_runs_with_its_api_token_off_the_command_line_everywhere() -> None:
    [rasa] = [c for c in containers() if c["name"] == "rasa"]
    assert rasa["command"][:3] == ["python", "-m", "tools.rasa_server"]
    assert "--enable-api" in rasa["command"]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service in ("rasa-0", "rasa-1"):
        command = compose["services"][service]["command"]
        assert command.startswith("python -m tools.rasa_server --enable-api ")
    for command in [
        " ".join(rasa["command"]),
        *(compose["services"][s]["command"] for s in ("rasa-0", "rasa-1")),
    ]:
        assert "--auth-token" not in command
        assert "SUPPORTBOT_RASA_TOKEN" not in command


def test_probes_need_no_token_and_use_an_allowed_host() -> None:
    from bot.rasa_client import GATEWAY_WEBHOOK

    readiness = GATEWAY_WEBHOOK.rsplit("/", 1)[0] + "/"
    [rasa] = [c for c in containers() if c["name"] == "rasa"]
    assert rasa["startupProbe"]["httpGet"]["path"] == readiness
    assert rasa["readinessProbe"]["httpGet"]["path"] == readiness
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert f"127.0.0.1:5005{readiness}'" in " ".join(compose["services"]["rasa-0"]["healthcheck"]["test"])
    allowed = Settings(env="production", host="0.0.0.0").trusted_hosts  # type: ignore[call-arg]
    [gateway] = [c for c in containers() if c["name"] == "gateway"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        headers = {h["name"]: h["value"] for h in gateway[probe]["httpGet"].get("httpHeaders", [])}
        assert headers.get("Host") in allowed, probe


def test_the_gateway_and_the_action_servers_share_one_faq_index() -> None:
    """An admin's article edit is rebuilt by one gateway and must reach every process answering
    buyers: they all read the index from one volume at the image's SUPPORTBOT_MODELS_DIR."""
    found = re.search(r"SUPPORTBOT_MODELS_DIR=(\S+)", (DEPLOY / "Dockerfile").read_text())
    assert found is not None
    models_dir = found.group(1)
    [claim] = [doc for doc in documents() if doc["kind"] == "PersistentVolumeClaim"]
    assert "ReadWriteMany" in claim["spec"]["accessModes"]
    for name in ("supportbot-gateway", "supportbot-actions"):
        [deployment] = [d for d in documents() if d["kind"] == "Deployment" and d["metadata"]["name"] == name]
        pod = deployment["spec"]["template"]["spec"]
        [volume] = [v for v in pod["volumes"] if v.get("persistentVolumeClaim")]
        assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        [container] = pod["containers"]
        assert {"name": volume["name"], "mountPath": models_dir} in container["volumeMounts"]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service in ("gateway", "actions"):
        assert f"faq-index:{models_dir}" in compose["services"][service]["volumes"]
    assert "faq-index" in compose["volumes"]
