"""Logging that works wherever the example runs.

1. `mlflow`, when installed: logs into the run named by MLFLOW_RUN_ID (set by Trainyard for a
   training), or into ./mlruns when run by hand.
2. Trainyard's dependency-free `trainyard` module, when importable and MLFLOW_TRACKING_URI is set.
3. Otherwise, `::param` / `::metric` lines on stdout (Trainyard records them into the run), and
   artifacts copied into the output folder (Trainyard packs it into the result archive).

The same file is in examples/wine and examples/boston, so each example folder stands alone.
"""

import json
import os
import shutil
import sys


def _client():
    try:
        import mlflow

        return mlflow
    except ImportError:
        pass
    if os.environ.get("MLFLOW_TRACKING_URI"):
        try:
            import trainyard

            return trainyard
        except ImportError:
            pass
    return None


class Tracker:
    def __init__(self, output_dir):
        self.output_dir = output_dir
        self.client = _client()

    @property
    def kind(self):
        return self.client.__name__ if self.client else "::metric lines"

    def log_params(self, params):
        """Params as strings, exactly as received, so they match the training's hyper-parameters."""
        if self.client:
            self.client.log_params(params)
            return
        for key, value in params.items():
            print(f"::param name={key} value={json.dumps(str(value))}")

    def log_metrics(self, metrics, step=0):
        if self.client:
            self.client.log_metrics(metrics, step=step)
            return
        for key, value in metrics.items():
            # repr() keeps every digit, so the recorded value equals the computed one.
            print(f"::metric name={key} value={float(value)!r} step={step}")
        sys.stdout.flush()

    def log_artifact(self, local_path, artifact_path=None):
        if self.client:
            self.client.log_artifact(local_path, artifact_path)
            return
        target = os.path.join(self.output_dir, artifact_path or "")
        os.makedirs(target, exist_ok=True)
        shutil.copy2(local_path, target)
