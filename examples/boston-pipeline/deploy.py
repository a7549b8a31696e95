"""Deploy: register the trained model as a new version in the model registry, if it is good enough.

    python3 deploy.py --model model.pkl --report report/metrics.json --name boston-pipeline --max-rmse 8 --out deployed.json

Inside a Trainyard pipeline, MLFLOW_TRACKING_URI and MLFLOW_RUN_ID name the server and this task's
run: the model is logged as the run's `model/model.pkl` and registered from there, with plain
MLflow REST calls (no client library needed). Run by hand without MLFLOW_TRACKING_URI, it only
checks the metrics and writes deployed.json.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def call(method, path, body=None):
    base = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read() or b"{}")
    except urllib.error.HTTPError as err:
        payload = json.loads(err.read() or b"{}")
        raise RuntimeError(f"{method} {path}: {payload.get('error_code')}: {payload.get('message')}") from None


def upload(run, local, artifact_path):
    root = run["info"]["artifact_uri"]  # mlflow-artifacts:/<experiment>/<run>/artifacts
    path = urllib.parse.quote(root.split(":", 1)[1].lstrip("/") + "/" + artifact_path)
    base = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
    with open(local, "rb") as f:
        req = urllib.request.Request(f"{base}/api/2.0/mlflow-artifacts/artifacts/{path}", data=f.read(), method="PUT")
    urllib.request.urlopen(req, timeout=60).read()
    return f"{root}/{artifact_path.rsplit('/', 1)[0]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--max-rmse", type=float, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    with open(args.report) as f:
        metrics = json.load(f)
    if metrics["rmse"] > args.max_rmse:
        print(f"not deploying: test RMSE {metrics['rmse']:.3f} is above {args.max_rmse}", file=sys.stderr)
        sys.exit(2)

    deployed = {"name": args.name, "rmse": metrics["rmse"], "version": None}
    run_id = os.environ.get("MLFLOW_RUN_ID")
    if os.environ.get("MLFLOW_TRACKING_URI") and run_id:
        run = call("GET", f"/api/2.0/mlflow/runs/get?run_id={run_id}")["run"]
        source = upload(run, args.model, "model/model.pkl")
        try:
            call("POST", "/api/2.0/mlflow/registered-models/create", {"name": args.name})
        except RuntimeError as err:
            if "RESOURCE_ALREADY_EXISTS" not in str(err):
                raise
        version = call("POST", "/api/2.0/mlflow/model-versions/create", {"name": args.name, "source": source, "run_id": run_id})
        deployed["version"] = version["model_version"]["version"]
        print(f"registered {args.name} version {deployed['version']} from {source}")
    with open(args.out, "w") as f:
        json.dump(deployed, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
