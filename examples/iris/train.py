"""Train an iris classifier: python3 train.py INPUT_DIR OUTPUT_DIR [--c 1.0] [--max-iter 200]

Reads INPUT_DIR/iris.csv, fits a logistic regression on 80 % of it, reports accuracy on the rest,
and writes OUTPUT_DIR/model.pkl. Accuracy is printed as a `::metric` line, which Trainyard
records into the training's run; no client library is needed.
"""

import argparse
import os
import pickle

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input_dir")
    parser.add_argument("output_dir")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--max-iter", type=int, default=200)
    args = parser.parse_args()

    data = pd.read_csv(os.path.join(args.input_dir, "iris.csv"))
    x = data.drop(columns=["species"])
    y = data["species"]
    train_x, test_x, train_y, test_y = train_test_split(x, y, test_size=0.2, random_state=42, stratify=y)

    model = LogisticRegression(C=args.c, max_iter=args.max_iter)
    model.fit(train_x, train_y)
    accuracy = accuracy_score(test_y, model.predict(test_x))

    print(f"::metric name=accuracy value={accuracy!r}")
    print(f"accuracy={accuracy!r}")

    os.makedirs(args.output_dir, exist_ok=True)
    path = os.path.join(args.output_dir, "model.pkl")
    with open(path, "wb") as f:
        pickle.dump(model, f)
    print(f"Trained on {len(train_x)} rows, tested on {len(test_x)}: accuracy {accuracy:.3f}; wrote {path}")


if __name__ == "__main__":
    main()
