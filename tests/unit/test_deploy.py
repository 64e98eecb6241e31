"""deploy/: every Kubernetes manifest against the Kubernetes schemas (kubernetes-validate, offline), and the
structure the multi-host roles rely on: probes backed by `datascan health`, one orchestrator, one image, every
secret reference declared, every ${VAR} of the job file provided, and a Dockerfile that builds the Cython core
and runs as a user other than root. Building the image itself needs a registry, which the tests do not have."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import click
import kubernetes_validate
import pytest
import yaml

from scanner.cli import main
from scanner.config import parse_job_text
from scanner.runtime.orchestrator import _STOP_GRACE_S

ROOT = Path(__file__).parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
IMAGE_USER = "10001"


def _docs() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for f in sorted(KUBE.glob("*.yaml")):
        out += [(f.name, d) for d in yaml.safe_load_all(f.read_text()) if d is not None]
    return out


DOCS = _docs()


def _one(kind: str, name: str) -> dict[str, Any]:
    (doc,) = [d for _, d in DOCS if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def _pod(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def _datascan_containers() -> list[tuple[str, dict[str, Any]]]:
    """(workload name, container) for every container that runs the datascan image (not Redis)."""
    out = []
    for _, d in DOCS:
        if d["kind"] in ("Deployment", "Job"):
            for c in _pod(d)["containers"]:
                if "datascan:" in c["image"]:
                    out.append((d["metadata"]["name"], c))
    return out


def _secrets() -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: d.get("stringData", {}) for _, d in DOCS if d["kind"] == "Secret"}


def _parse(args: list[str], env: dict[str, str]) -> click.Context:
    """Parse a datascan command line as click would (options exist, values are valid), without running it."""
    cmd = main.commands[args[0]]
    mp = pytest.MonkeyPatch()
    try:
        mp.delenv("DATASCAN_DB", raising=False)
        for k, v in env.items():
            mp.setenv(k, v)
        return cmd.make_context(args[0], list(args[1:]))
    finally:
        mp.undo()


def test_there_are_manifests_of_every_kind_needed():
    kinds = {(d["kind"], d["metadata"]["name"]) for _, d in DOCS}
    assert {("Deployment", "datascan-orchestrator"), ("Deployment", "datascan-worker"),
            ("HorizontalPodAutoscaler", "datascan-worker"), ("ConfigMap", "datascan-job"),
            ("Job", "datascan-submit")} <= kinds
    assert any(k == "Secret" for k, _ in kinds)


@pytest.mark.parametrize("fname,doc", DOCS, ids=[f"{f}:{d['kind']}/{d['metadata']['name']}" for f, d in DOCS])
def test_manifest_matches_the_kubernetes_schema(fname, doc):
    # strict: an unknown field (a typo such as ``livenesProbe``) is an error, not silently ignored.
    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_the_validator_does_catch_a_typo():
    doc = json.loads(json.dumps(_one("Deployment", "datascan-worker")))
    doc["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_one_orchestrator_never_two():
    orch = _one("Deployment", "datascan-orchestrator")
    assert orch["spec"]["replicas"] == 1
    assert orch["spec"]["strategy"]["type"] == "Recreate"  # a rollout never runs the old and the new at once


def test_every_datascan_container_runs_one_image_with_a_real_command():
    containers = _datascan_containers()
    assert {c["image"] for _, c in containers} == {"registry.example.com/datascan:0.1.0"}
    env = {"DATASCAN_DB": "postgresql+asyncpg://u@h/db"}
    roles = {}
    for workload, c in containers:
        ctx = _parse(c["args"], env)  # the image's ENTRYPOINT is datascan: args are a datascan command line
        roles[workload] = (c["args"][0], ctx.params)
    assert roles["datascan-orchestrator"][0] == "orchestrator"
    assert roles["datascan-worker"][0] == "worker"
    assert roles["datascan-submit"][0] == "submit"
    # The store URL comes from a Secret through $DATASCAN_DB, never as an argument (arguments are world-readable
    # in the process list).
    for _, c in containers:
        assert not any("postgresql" in a for a in c["args"])


def _probe_argv(cmd: list[str]) -> list[str]:
    if cmd[:2] == ["sh", "-c"]:
        argv = shlex.split(cmd[2])
        return argv[1:] if argv[0] == "exec" else argv
    return cmd


@pytest.mark.parametrize("name", ["datascan-orchestrator", "datascan-worker"])
def test_probes_run_datascan_health(name):
    (c,) = _pod(_one("Deployment", name))["containers"]
    alive = c["args"][c["args"].index("--alive-file") + 1]
    live = _probe_argv(c["livenessProbe"]["exec"]["command"])
    ready = _probe_argv(c["readinessProbe"]["exec"]["command"])
    for argv in (live, ready):
        assert argv[:2] == ["datascan", "health"], argv
        params = _parse(argv[1:], {}).params
        assert params["alive_file"] == alive  # the file the role touches
    # Ready also needs the store; liveness does not (a store outage must not restart every pod).
    assert _parse(ready[1:], {}).params["db"] == "$DATASCAN_DB"
    assert _parse(live[1:], {}).params["db"] is None
    assert c["readinessProbe"]["exec"]["command"][:2] == ["sh", "-c"]  # so that $DATASCAN_DB is expanded


def test_every_container_has_requests_and_a_memory_limit():
    for _, d in DOCS:
        if d["kind"] in ("Deployment", "Job"):
            for c in _pod(d)["containers"]:
                assert {"cpu", "memory"} <= set(c["resources"]["requests"]), (d["metadata"]["name"], c["name"])
                assert "memory" in c["resources"]["limits"], (d["metadata"]["name"], c["name"])


def test_pods_run_as_the_image_user_not_root():
    for workload, _ in _datascan_containers():
        kind = "Job" if workload == "datascan-submit" else "Deployment"
        sc = _pod(_one(kind, workload))["securityContext"]
        assert sc["runAsNonRoot"] is True and str(sc["runAsUser"]) == IMAGE_USER


def test_every_secret_reference_is_declared_in_the_example():
    secrets = _secrets()
    refs = 0
    for _, d in DOCS:
        if d["kind"] not in ("Deployment", "Job"):
            continue
        for c in _pod(d)["containers"]:
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs += 1
                    assert ref["name"] in secrets, ref
                    assert ref["key"] in secrets[ref["name"]], ref
            for src in c.get("envFrom", []):
                refs += 1
                assert src["secretRef"]["name"] in secrets, src
    assert refs >= 8


def _container_env(c: dict[str, Any]) -> set[str]:
    names = {e["name"] for e in c.get("env", [])}
    for src in c.get("envFrom", []):
        names |= set(_secrets()[src["secretRef"]["name"]])
    return names


def test_the_job_file_parses_and_every_variable_reaches_the_pods_that_parse_it():
    text = _one("ConfigMap", "datascan-job")["data"]["job.yaml"]
    wanted = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    assert {"SMB_PASSWORD", "REDIS_URL"} <= wanted
    env = {k: v for values in _secrets().values() for k, v in values.items()}
    cfg = parse_job_text(text, env, "configmap-job.yaml")  # the example values make a valid job
    assert cfg.coordinator is not None and cfg.coordinator.get_secret_value().startswith("redis://")
    # The worker parses the stored file with its own environment; submit validates it first.
    worker = dict(_datascan_containers())["datascan-worker"]
    submit = dict(_datascan_containers())["datascan-submit"]
    assert wanted <= _container_env(worker)
    assert wanted <= _container_env(submit)
    assert "DATASCAN_HMAC_KEY" in _container_env(worker)
    # The orchestrator needs the store only: no datasource credential is given to it.
    orch = dict(_datascan_containers())["datascan-orchestrator"]
    assert _container_env(orch) == {"DATASCAN_DB"}


def test_submit_mounts_the_job_file_it_names():
    job = _one("Job", "datascan-submit")
    (c,) = _pod(job)["containers"]
    path = Path(c["args"][c["args"].index("--job") + 1])
    (mount,) = [m for m in c["volumeMounts"] if Path(m["mountPath"]) == path.parent]
    (vol,) = [v for v in _pod(job)["volumes"] if v["name"] == mount["name"]]
    assert vol["configMap"]["name"] == "datascan-job"
    assert path.name in _one("ConfigMap", "datascan-job")["data"]


def test_worker_grace_period_covers_the_stop_and_the_hpa_scales_it():
    worker = _one("Deployment", "datascan-worker")
    # SIGTERM lets in-flight objects finish for _STOP_GRACE_S before releasing: Kubernetes must wait longer.
    assert _pod(worker)["terminationGracePeriodSeconds"] > _STOP_GRACE_S
    hpa = _one("HorizontalPodAutoscaler", "datascan-worker")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "datascan-worker"}
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ins, _, rest = line.partition(" ")
            out.append((ins.upper(), rest.strip()))
    return out


def test_dockerfile_builds_the_cython_core_and_runs_datascan_as_a_user():
    ins = _dockerfile()
    froms = [a for i, a in ins if i == "FROM"]
    assert froms and all(re.match(r"python:3\.11-slim(-bookworm)?(\s|$)", f) for f in froms), froms
    runs = " ".join(a for i, a in ins if i == "RUN")
    # The wheel is built from setup.py (build_ext compiles scanner/_fast), and the build checks the .so is in it.
    assert "pip wheel" in runs and "_prefilter" in runs and ".so" in runs
    copied = " ".join(a for i, a in ins if i == "COPY")
    assert "setup.py" in copied and "scanner/" in copied
    users = [a for i, a in ins if i == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert users[-1].split(":")[0] == IMAGE_USER  # what the pods' runAsUser says
    (entry,) = [a for i, a in ins if i == "ENTRYPOINT"]
    assert json.loads(entry) == ["datascan"]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv"} <= set(ignored)


def test_the_deploy_readme_covers_every_manifest():
    readme = (ROOT / "deploy" / "README.md").read_text()
    for f in KUBE.glob("*.yaml"):
        assert f.name in readme, f.name
    assert "datascan submit" in readme and "jobs show" in readme
