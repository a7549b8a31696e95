"""Predict red-wine quality with ElasticNet.

    python3 train.py [--alpha 0.5] [--l1-ratio 0.1] [--data data/winequality-red.csv] [--output-dir output]

Logs params alpha and l1_ratio, metrics rmse, mae and r2 (on a held-out quarter of the data), and
under model/: the pickled model plus head_input.pkl / head_output.pkl, a sample of the model's
input and output that later packaging uses to infer types. See track.py for where they go.
Each metric is also printed as `name=value` with every digit, to compare with what was recorded.
"""

import argparse
import os
import pickle
import tempfile
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import ElasticNet
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

from track import Tracker


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Kept as text: logged exactly as given, so they equal the training's hyper-parameters.
    parser.add_argument("--alpha", default="0.5")
    parser.add_argument("--l1-ratio", default="0.1")
    parser.add_argument("--data", default="data/winequality-red.csv")
    parser.add_argument("--output-dir", default=os.environ.get("TRAINYARD_OUTPUT_DIR") or "output")
    args = parser.parse_args()
    alpha, l1_ratio = float(args.alpha), float(args.l1_ratio)

    warnings.filterwarnings("ignore")
    data = pd.read_csv(args.data, sep=";")
    train, test = train_test_split(data, test_size=0.25, random_state=42)
    train_x, test_x = train.drop(columns=["quality"]), test.drop(columns=["quality"])
    train_y, test_y = train["quality"], test["quality"]

    model = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, random_state=42)
    model.fit(train_x, train_y)
    predicted = model.predict(test_x)
    metrics = {
        "rmse": float(np.sqrt(mean_squared_error(test_y, predicted))),
        "mae": float(mean_absolute_error(test_y, predicted)),
        "r2": float(r2_score(test_y, predicted)),
    }

    tracker = Tracker(args.output_dir)
    print(f"ElasticNet(alpha={alpha}, l1_ratio={l1_ratio}) on {len(train)} rows, logging with {tracker.kind}")
    tracker.log_params({"alpha": args.alpha, "l1_ratio": args.l1_ratio})
    tracker.log_metrics(metrics)
    for name, value in metrics.items():
        print(f"{name}={value!r}")

    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "model.pkl": model,
            "head_input.pkl": train_x.head(),
            "head_output.pkl": pd.DataFrame({"quality": model.predict(train_x.head())}),
        }
        for name, obj in files.items():
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                pickle.dump(obj, f)
            tracker.log_artifact(path, "model")
    print("Logged model/model.pkl, model/head_input.pkl, model/head_output.pkl")


if __name__ == "__main__":
    main()
