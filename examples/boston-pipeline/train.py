"""Train: scikit-learn's MLPRegressor (inputs standardised) on the training split.

    python3 train.py --table table.pkl --l2 0.0001 --epochs 300 --out model.pkl
"""

import argparse
import pickle
import warnings

import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True)
    parser.add_argument("--l2", type=float, required=True, help="L2 penalty (MLPRegressor's alpha)")
    parser.add_argument("--epochs", type=int, required=True, help="MLPRegressor's max_iter")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    table = pd.read_pickle(args.table)
    train = table[table["split"] == "train"]
    x, y = train.drop(columns=["target", "split"]), train["target"]
    model = make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(64, 32), alpha=args.l2, max_iter=args.epochs, random_state=42),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    mlp = model[-1]
    for step, loss in enumerate(mlp.loss_curve_):
        print(f"::metric name=train_loss value={loss!r} step={step}")
    print(f"trained on {len(train)} rows for {mlp.n_iter_} epochs, final loss {mlp.loss_:.4f}")
    with open(args.out, "wb") as f:
        pickle.dump(model, f)


if __name__ == "__main__":
    main()
