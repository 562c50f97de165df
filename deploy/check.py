"""Checks the Kubernetes manifests: renders every overlay with kustomize, validates each object
against the Kubernetes API schema (kubernetes-validate, strict: unknown fields are errors), and
checks the rules our deployments depend on (probes, non-root, rolling updates that keep serving,
resources, references between objects). Run by `cargo xtask deploy-check`, which passes the
kubectl to render with and runs this file in the project's Python environment.

Before checking the real manifests it proves, on broken copies, that both the schema validation
and each rule fail when they should.
"""

import copy
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.31.0"
OVERLAYS = ["staging", "production"]
HERE = Path(__file__).resolve().parent


def render(kubectl: str, overlay: str) -> list[dict]:
    out = subprocess.run(
        [kubectl, "kustomize", str(HERE / "k8s" / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def schema_errors(doc: dict) -> list[str]:
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        where = "/".join(str(p) for p in e.path)
        return [f"{doc['kind']}/{doc['metadata']['name']}: {where}: {e.message}"]
    return []


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(doc: dict) -> dict:
    return doc["spec"]["template"]["spec"]


def rule_errors(docs: list[dict]) -> list[str]:
    errors = []
    deployments = by_kind(docs, "Deployment")
    services = by_kind(docs, "Service")
    for name in ["pocket-portal", "pocket-worker"]:
        if name not in deployments:
            errors.append(f"Deployment {name} is missing")
        if name not in services:
            errors.append(f"Service {name} is missing")
    for name, d in deployments.items():
        rolling = d["spec"].get("strategy", {}).get("rollingUpdate", {})
        if d["spec"].get("strategy", {}).get("type") != "RollingUpdate" or rolling.get("maxUnavailable") != 0:
            errors.append(f"Deployment {name}: a rolling update must keep every pod serving (maxUnavailable 0)")
        spec = pod_spec(d)
        errors += pod_errors(f"Deployment {name}", spec, needs_probes=True)
        grace = spec.get("terminationGracePeriodSeconds", 30)
        if grace < 30:
            errors.append(f"Deployment {name}: the grace period is too short to drain ({grace} s)")
    jobs = by_kind(docs, "Job")
    migrate = [j for j in jobs.values() if pod_spec(j)["containers"][0].get("args") == ["migrate"]]
    if not migrate:
        errors.append("no Job runs `pocket migrate`")
    for name, j in jobs.items():
        errors += pod_errors(f"Job {name}", pod_spec(j), needs_probes=False)
    for name, h in by_kind(docs, "HorizontalPodAutoscaler").items():
        target = h["spec"]["scaleTargetRef"]["name"]
        if target not in deployments:
            errors.append(f"HorizontalPodAutoscaler {name} scales a missing Deployment {target}")
        elif h["spec"]["minReplicas"] < 2:
            errors.append(f"HorizontalPodAutoscaler {name}: fewer than 2 replicas cannot roll without a gap")
    budgets = by_kind(docs, "PodDisruptionBudget")
    for name in deployments:
        if not any(b["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name") == name for b in budgets.values()):
            errors.append(f"Deployment {name} has no PodDisruptionBudget")
    policies = by_kind(docs, "NetworkPolicy")
    if not any(p["spec"]["podSelector"] == {} and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} for p in policies.values()):
        errors.append("no default-deny NetworkPolicy")
    for ing in by_kind(docs, "Ingress").values():
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                svc = path["backend"]["service"]["name"]
                if svc not in services:
                    errors.append(f"Ingress {ing['metadata']['name']} routes to a missing Service {svc}")
        if not ing["spec"].get("tls"):
            errors.append(f"Ingress {ing['metadata']['name']} serves without TLS")
    configmaps = by_kind(docs, "ConfigMap")
    for kind_name, spec in [(f"Deployment {n}", pod_spec(d)) for n, d in deployments.items()] + [
        (f"Job {n}", pod_spec(j)) for n, j in jobs.items()
    ]:
        for c in spec["containers"]:
            for source in c.get("envFrom", []):
                ref = source.get("configMapRef")
                if ref and ref["name"] not in configmaps:
                    errors.append(f"{kind_name} reads a missing ConfigMap {ref['name']}")
    for kind_name, spec in [(f"Deployment {n}", pod_spec(d)) for n, d in deployments.items()] + [
        (f"Job {n}", pod_spec(j)) for n, j in jobs.items()
    ]:
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for v in volumes.values():
            ref = v.get("configMap")
            # A ConfigMap that the manifests do not ship is IT's (the desktop update manifests):
            # a pod must start without it, or the first deployment waits for a release.
            if ref and ref["name"] not in configmaps and not ref.get("optional"):
                errors.append(f"{kind_name} mounts a ConfigMap {ref['name']} that nothing ships and that is not optional")
        for c in spec["containers"]:
            mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
            for env in c.get("env", []):
                if env["name"].endswith("_DIR") and env.get("value") and env["value"] not in mounts:
                    errors.append(f"{kind_name}/{c['name']}: {env['name']} names {env['value']}, which is not mounted (the root is read-only)")
    portal = deployments.get("pocket-portal")
    if portal and not any(
        e["name"] == "POCKET_UPDATES_DIR" for c in pod_spec(portal)["containers"] for e in c.get("env", [])
    ):
        errors.append("Deployment pocket-portal: POCKET_UPDATES_DIR is not set, so no desktop update is ever offered")
    return errors


def pod_errors(what: str, spec: dict, needs_probes: bool) -> list[str]:
    errors = []
    pod_security = spec.get("securityContext", {})
    if not pod_security.get("runAsNonRoot"):
        errors.append(f"{what}: pods must run as a non-root user")
    if spec.get("serviceAccountName") is None:
        errors.append(f"{what}: no service account")
    for c in spec["containers"]:
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False or not sc.get("readOnlyRootFilesystem"):
            errors.append(f"{what}/{c['name']}: must not escalate privileges and must have a read-only root")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            errors.append(f"{what}/{c['name']}: must drop all capabilities")
        resources = c.get("resources", {})
        if "requests" not in resources or "memory" not in resources.get("limits", {}):
            errors.append(f"{what}/{c['name']}: needs resource requests and a memory limit")
        if needs_probes:
            for probe in ["readinessProbe", "livenessProbe"]:
                if probe not in c:
                    errors.append(f"{what}/{c['name']}: no {probe}")
        if c["image"].endswith(":latest") or ":" not in c["image"]:
            errors.append(f"{what}/{c['name']}: the image needs a version tag ({c['image']})")
    return errors


def self_test(docs: list[dict]) -> None:
    """The checks must fail on broken manifests, or passing them proves nothing."""
    broken = copy.deepcopy(docs)
    portal = by_kind(broken, "Deployment")["pocket-portal"]
    portal["spec"]["replicas"] = "three"
    if not any(schema_errors(d) for d in broken):
        sys.exit("self-test: the schema validation accepted replicas: \"three\"")
    broken = copy.deepcopy(docs)
    by_kind(broken, "Deployment")["pocket-portal"]["spec"]["template"]["spec"]["containers"][0]["bogus"] = 1
    if not any(schema_errors(d) for d in broken):
        sys.exit("self-test: the strict schema validation accepted an unknown field")
    mutations = {
        "no readiness probe": lambda b: pod_spec(by_kind(b, "Deployment")["pocket-worker"])["containers"][0].pop("readinessProbe"),
        "root user": lambda b: pod_spec(by_kind(b, "Deployment")["pocket-portal"])["securityContext"].pop("runAsNonRoot"),
        "unavailable during rollout": lambda b: by_kind(b, "Deployment")["pocket-portal"]["spec"]["strategy"]["rollingUpdate"].update(maxUnavailable=1),
        "no migration job": lambda b: b.remove(next(iter(by_kind(b, "Job").values()))),
        "no disruption budget": lambda b: b.remove(by_kind(b, "PodDisruptionBudget")["pocket-worker"]),
        "latest image": lambda b: pod_spec(by_kind(b, "Deployment")["pocket-portal"])["containers"][0].update(image="x/pocket:latest"),
        "the update manifests unmounted": lambda b: pod_spec(by_kind(b, "Deployment")["pocket-portal"])["containers"][0]["volumeMounts"].pop(),
        "a required ConfigMap nobody ships": lambda b: pod_spec(by_kind(b, "Deployment")["pocket-portal"])["volumes"][-1]["configMap"].pop("optional"),
        "no update folder": lambda b: pod_spec(by_kind(b, "Deployment")["pocket-portal"])["containers"][0].update(
            env=[e for e in pod_spec(by_kind(b, "Deployment")["pocket-portal"])["containers"][0]["env"] if e["name"] != "POCKET_UPDATES_DIR"]),
    }
    for name, mutate in mutations.items():
        broken = copy.deepcopy(docs)
        mutate(broken)
        if not rule_errors(broken):
            sys.exit(f"self-test: the rules accepted a manifest with {name}")


def main() -> None:
    kubectl = sys.argv[1] if len(sys.argv) > 1 else "kubectl"
    failed = False
    for overlay in OVERLAYS:
        docs = render(kubectl, overlay)
        self_test(docs)
        errors = [e for d in docs for e in schema_errors(d)] + rule_errors(docs)
        kinds = sorted({d["kind"] for d in docs})
        if errors:
            failed = True
            print(f"{overlay}: {len(errors)} problem(s)")
            for e in errors:
                print(f"  {e}")
        else:
            print(f"{overlay}: {len(docs)} objects valid against Kubernetes {KUBERNETES_VERSION} ({', '.join(kinds)})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
