"""deploy/kubernetes: valid against the Kubernetes 1.28 schemas (offline, kubernetes-validate,
unknown fields rejected), consistent with itself (services, ports, secrets, config), and with
the code: every variable it sets is one the code reads, every command is a real `inclubot`
command, and the Rasa servers it describes get a shared PostgreSQL tracker store and a Redis
lock store."""
import re
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List

import kubernetes_validate
import pytest
import yaml

from bot import servers
from bot.endpoints import endpoints_text

DEPLOY = servers.PROJECT_ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.28.0"
MANIFESTS = sorted(p for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml")
# Variables for the images of PostgreSQL and Redis, and the secrets composed into URLs.
NOT_READ_BY_INCLUBOT = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "PGDATA", "REDIS_PASSWORD"}


def documents() -> List[Dict]:
    return [doc for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def named(kind: str) -> Dict[str, Dict]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


def pod_specs() -> Iterator[Dict]:
    for doc in documents():
        spec = doc.get("spec", {})
        if doc["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        if "template" in spec:
            yield spec["template"]["spec"]


def containers() -> Iterator[Dict]:
    for spec in pod_specs():
        yield from spec["containers"]


@pytest.mark.parametrize("document", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_manifest_is_valid_kubernetes(document):
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_validation_would_catch_a_mistake():
    rasa = named("Deployment")["inclubot-rasa"]
    broken = yaml.safe_load(yaml.safe_dump(rasa))
    broken["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapReff"] = {"name": "x"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_applies_every_manifest_but_the_secret_template():
    listed = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in MANIFESTS if p.name != "secret.example.yaml")


def test_services_ingresses_secrets_and_config_refer_to_what_exists():
    workloads = [d for d in documents() if d["kind"] in ("Deployment", "StatefulSet")]
    services = named("Service")
    for name, service in services.items():
        selected = [w for w in workloads
                    if service["spec"]["selector"].items() <= w["spec"]["template"]["metadata"]["labels"].items()]
        assert selected, f"Service {name} selects no pods"
        port_names = {p["name"] for w in selected for c in w["spec"]["template"]["spec"]["containers"] for p in c["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names, f"Service {name}: no container port {port['targetPort']}"
    for name, ingress in named("Ingress").items():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] in services, f"Ingress {name} → {backend['name']}"
                assert backend["port"]["name"] in {p["name"] for p in services[backend["name"]]["spec"]["ports"]}

    secret_keys = set(named("Secret")["inclubot-secrets"]["stringData"])
    config_maps = named("ConfigMap")
    for container in containers():
        for variable in container.get("env", []):
            reference = variable.get("valueFrom", {}).get("secretKeyRef")
            if reference:
                assert reference["name"] == "inclubot-secrets" and reference["key"] in secret_keys, variable
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] in config_maps


def variable_names() -> set:
    names = set(named("ConfigMap")["inclubot-config"]["data"]) | set(named("Secret")["inclubot-secrets"]["stringData"])
    return names | {v["name"] for c in containers() for v in c.get("env", [])}


def test_every_variable_set_is_one_the_code_reads():
    code = "\n".join(
        p.read_text(encoding="utf-8") for folder in ("bot", "knowledge", "web", "actions")
        for p in (servers.PROJECT_ROOT / folder).rglob("*.py")
    )
    rasa_source = "\n".join(p.read_text(encoding="utf-8") for p in Path(__import__("rasa").__file__).parent.rglob("*.py"))
    unread = [n for n in variable_names() - NOT_READ_BY_INCLUBOT if f'"{n}"' not in code and f'"{n}"' not in rasa_source]
    assert unread == []


def test_the_readme_documents_every_variable():
    readme = (servers.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Production deployment"):]
    assert [n for n in sorted(variable_names() - {"PGDATA", "POSTGRES_DB", "POSTGRES_USER"}) if n not in section] == []


@pytest.mark.slow  # runs the inclubot command as a process
def test_every_command_is_an_inclubot_command():
    commands = {tuple(c["command"]) for c in containers() if c.get("command", [""])[0] == "inclubot"}
    assert {("inclubot", "serve", "rasa"), ("inclubot", "serve", "actions"), ("inclubot", "serve", "web"),
            ("inclubot", "db", "upgrade"), ("inclubot", "privacy", "purge")} <= commands
    for command in commands:
        result = subprocess.run([str(servers.BIN / "inclubot"), *command[1:], "--help"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (command, result.stderr)


def environment_of(container: Dict, secrets: Dict[str, str]) -> Dict[str, str]:
    """The container's environment as Kubernetes builds it ($(VAR) expanded)."""
    environment = dict(named("ConfigMap")["inclubot-config"]["data"]) if container.get("envFrom") else {}
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = re.sub(r"\$\((\w+)\)", lambda m: environment[m.group(1)], variable["value"])
        else:
            environment[variable["name"]] = secrets[variable["valueFrom"]["secretKeyRef"]["key"]]
    return environment


def test_the_rasa_servers_share_conversations_and_locks_and_protect_their_api():
    rasa = named("Deployment")["inclubot-rasa"]
    assert rasa["spec"]["replicas"] >= 2 and named("Deployment")["inclubot-actions"]["spec"]["replicas"] >= 2
    environment = environment_of(rasa["spec"]["template"]["spec"]["containers"][0], named("Secret")["inclubot-secrets"]["stringData"])
    assert environment["INCLUBOT_HOST"] == "0.0.0.0" and environment["INCLUBOT_API_TOKEN"]
    assert environment["INCLUBOT_TRACKER_STORE_URL"].startswith("postgresql://")
    assert environment["INCLUBOT_DATABASE_URL"].startswith("postgresql://")
    assert environment["ACTION_SERVER_URL"] == "http://inclubot-actions:5055/webhook"
    endpoints = yaml.safe_load(endpoints_text(environment))
    assert endpoints["tracker_store"]["type"] == "bot.tracker_store.ScrubbingTrackerStore"
    assert endpoints["lock_store"]["type"] == "bot.lock_store.RedisTicketLockStore"
    assert endpoints["lock_store"]["url"] == "inclubot-redis" and endpoints["lock_store"]["password"]


def test_only_the_telegram_webhook_and_socketio_are_public():
    """Not the REST channel (any sender), nor the Rasa HTTP API."""
    public = set()
    for ingress in named("Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                if path["backend"]["service"]["name"] == "inclubot-rasa":
                    public.add(path["path"])
    assert public == {"/webhooks/telegram/", "/socket.io/"}


def test_network_policies_let_each_server_be_reached_only_by_those_that_use_it():
    """Issue 14.9: rasa -> actions, rasa -> redis, only the servers that use it -> postgres,
    nothing but Rasa -> the action server; the rest is refused by a default deny."""
    policies = named("NetworkPolicy")
    assert any(p["spec"]["podSelector"] == {} and p["spec"]["policyTypes"] == ["Ingress"] and not p["spec"].get("ingress")
               for p in policies.values()), "a default deny"
    allowed = {}
    for policy in policies.values():
        target = policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
        for rule in policy["spec"].get("ingress", []):
            for source in rule["from"]:
                if "namespaceSelector" in source:
                    names = [source["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]]
                elif "matchLabels" in source["podSelector"]:
                    names = [source["podSelector"]["matchLabels"]["app.kubernetes.io/name"]]
                else:
                    names = next(e["values"] for e in source["podSelector"]["matchExpressions"] if e["key"] == "app.kubernetes.io/name")
                allowed.setdefault(target, set()).update(names)
    assert allowed == {
        "rasa": {"ingress-nginx"}, "web": {"ingress-nginx"}, "actions": {"rasa"}, "redis": {"rasa"},
        "postgres": {"rasa", "actions", "web", "migrate", "retention"},
    }
    # Every pod that reaches PostgreSQL carries the label the policy names.
    labelled = {doc["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
                for doc in documents() if doc["kind"] in ("Deployment", "Job")}
    labelled |= {doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
                 for doc in documents() if doc["kind"] == "CronJob"}
    assert allowed["postgres"] <= labelled


@pytest.mark.parametrize("name", ["inclubot-rasa", "inclubot-actions", "inclubot-web"])
def test_each_server_is_taken_out_of_service_when_it_hangs_and_restarted(name):
    """What `inclubot run`'s supervisor does on one machine (bot/supervisor.py), Kubernetes
    does through probes: not ready -> no traffic; not alive -> the container is restarted."""
    container = named("Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
    readiness, liveness = container.get("readinessProbe"), container.get("livenessProbe")
    assert readiness and liveness, name
    assert readiness["httpGet"]["path"] == liveness["httpGet"]["path"]
    port = container["ports"][0]
    assert readiness["httpGet"]["port"] in (port["name"], port["containerPort"])
    # A hung server answers no probe: it must fail within seconds, and a restart come
    # within a minute, not the 5 minutes a person's message would otherwise wait.
    assert liveness.get("timeoutSeconds", 1) <= 5 and readiness.get("timeoutSeconds", 1) <= 5
    assert liveness.get("periodSeconds", 10) * liveness.get("failureThreshold", 3) <= 60
