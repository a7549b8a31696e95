"""Evaluate: MSE, MAE and RMSE on the test split, and a residual plot.

    python3 evaluate.py --table table.pkl --model model.pkl --out-dir report
Writes report/metrics.json and report/residuals.png; prints each metric as `name=value` and as a
`::metric` line (Trainyard records those into the task's run).
"""

import argparse
import json
import os
import pickle

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import mean_absolute_error, mean_squared_error  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args()

    table = pd.read_pickle(args.table)
    test = table[table["split"] == "test"]
    x, y = test.drop(columns=["target", "split"]), test["target"].to_numpy()
    with open(args.model, "rb") as f:
        model = pickle.load(f)
    predicted = model.predict(x)
    mse = float(mean_squared_error(y, predicted))
    metrics = {"mse": mse, "mae": float(mean_absolute_error(y, predicted)), "rmse": float(np.sqrt(mse))}

    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
    residual_plot(y, predicted, metrics["rmse"], os.path.join(args.out_dir, "residuals.png"))
    for name, value in metrics.items():
        print(f"{name}={value!r}")
        print(f"::metric name={name} value={value!r} step=0")


def residual_plot(actual, predicted, rmse, path):
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.scatter(predicted, actual - predicted, s=12, alpha=0.7)
    ax.axhline(0, color="grey", linewidth=1)
    ax.set_xlabel("predicted price ($1000s)")
    ax.set_ylabel("actual - predicted")
    ax.set_title(f"Residuals on the test set (RMSE {rmse:.2f})")
    fig.tight_layout()
    # No timestamp in the file: the same residuals give the same bytes, so dependants stay cached.
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    main()
