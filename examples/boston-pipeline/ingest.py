"""Ingest: the raw CSV becomes a typed table with a fixed train/test split, pickled.

    python3 ingest.py --csv data/boston_house_prices.csv --out table.pkl
"""

import argparse

import numpy as np
import pandas as pd


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    table = pd.read_csv(args.csv).astype("float64")
    # A fixed seed: every later step sees the same split, and the output is byte-for-byte stable.
    rng = np.random.RandomState(42)
    table["split"] = np.where(rng.rand(len(table)) < 0.8, "train", "test")
    table.to_pickle(args.out, protocol=4)
    counts = table["split"].value_counts()
    print(f"ingested {len(table)} rows ({counts['train']} train, {counts['test']} test), {table.shape[1] - 2} features")
    print(f"::metric name=rows value={len(table)} step=0")


if __name__ == "__main__":
    main()
