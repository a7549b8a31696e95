"""Predict Boston house prices with a small neural network (scikit-learn's MLPRegressor).

    python3 train.py [--hidden-layers 64,32] [--max-iter 500] [--alpha 0.0001] [--data data/boston_house_prices.csv] [--output-dir output]

Logs params, metrics mse, mae and rmse (on a held-out fifth of the data), the pickled model under
model/, and a residual plot (plots/residuals.png). See track.py for where they go. Each metric is
also printed as `name=value` with every digit, to compare with what was recorded.
"""

import argparse
import os
import pickle
import tempfile
import warnings

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import mean_absolute_error, mean_squared_error  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from track import Tracker  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Kept as text: logged exactly as given, so they equal the training's hyper-parameters.
    parser.add_argument("--hidden-layers", default="64,32", help="neurons per hidden layer, comma-separated")
    parser.add_argument("--max-iter", default="500")
    parser.add_argument("--alpha", default="0.0001", help="L2 penalty")
    parser.add_argument("--data", default="data/boston_house_prices.csv")
    parser.add_argument("--output-dir", default=os.environ.get("TRAINYARD_OUTPUT_DIR") or "output")
    args = parser.parse_args()
    layers = tuple(int(n) for n in args.hidden_layers.split(",") if n.strip())

    data = pd.read_csv(args.data)
    x, y = data.drop(columns=["target"]), data["target"]
    train_x, test_x, train_y, test_y = train_test_split(x, y, test_size=0.2, random_state=42)

    model = make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=layers, max_iter=int(args.max_iter), alpha=float(args.alpha), random_state=42),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(train_x, train_y)
    predicted = model.predict(test_x)
    mse = float(mean_squared_error(test_y, predicted))
    metrics = {"mse": mse, "mae": float(mean_absolute_error(test_y, predicted)), "rmse": float(np.sqrt(mse))}

    tracker = Tracker(args.output_dir)
    print(f"MLPRegressor(hidden_layers={layers}) on {len(train_x)} rows, logging with {tracker.kind}")
    tracker.log_params({"hidden_layers": args.hidden_layers, "max_iter": args.max_iter, "alpha": args.alpha})
    tracker.log_metrics(metrics)
    for name, value in metrics.items():
        print(f"{name}={value!r}")

    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.pkl")
        with open(model_path, "wb") as f:
            pickle.dump(model, f)
        tracker.log_artifact(model_path, "model")

        plot_path = os.path.join(tmp, "residuals.png")
        residual_plot(test_y.to_numpy(), predicted, metrics["rmse"], plot_path)
        tracker.log_artifact(plot_path, "plots")
    print("Logged model/model.pkl and plots/residuals.png")


def residual_plot(actual, predicted, rmse, path):
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.scatter(predicted, actual - predicted, s=12, alpha=0.7)
    ax.axhline(0, color="grey", linewidth=1)
    ax.set_xlabel("predicted price ($1000s)")
    ax.set_ylabel("actual - predicted")
    ax.set_title(f"Residuals on the test set (RMSE {rmse:.2f})")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
