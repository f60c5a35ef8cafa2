"""scikit-learn's side of the quality benchmark (bench/quality/run.sh).

Loads scikit-learn's bundled real data sets (Debian's python3-sklearn ships them as files), makes
stratified folds (K-fold for the regression set), and scores scikit-learn on each fold: K-Means
(n_init=10) inertia and adjusted Rand index on the training rows; logistic regression accuracy and
macro-F1, ridge regression RMSE, on the held-out rows (features standardised on the training rows).
Writes the folds and the rows with scikit-learn's numbers as JSON, which run.ts reads to train the
companion images on exactly the same rows.
"""
import json
import sys

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, adjusted_rand_score, f1_score, mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

FOLDS = 5
SETS = {
    "iris": (datasets.load_iris, "classification"),
    "wine": (datasets.load_wine, "classification"),
    "breast_cancer": (datasets.load_breast_cancer, "classification"),
    "digits": (datasets.load_digits, "classification"),
    "diabetes": (datasets.load_diabetes, "regression"),
}


def main(out_path, only):
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "blas": [
        {k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")} for i in threadpool_info()], "sets": []}
    for name, (load, task) in SETS.items():
        if only and name not in only:
            continue
        data = load()
        x, y = data.data.astype(np.float64), data.target
        splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=0) if task == "classification" else KFold(FOLDS, shuffle=True, random_state=0)
        folds = []
        for train, test in splitter.split(x, y):
            fold = {"train": train.tolist(), "test": test.tolist()}
            scaler = StandardScaler().fit(x[train])
            xs_train, xs_test = scaler.transform(x[train]), scaler.transform(x[test])
            if task == "classification":
                model = LogisticRegression(max_iter=10000).fit(xs_train, y[train])
                predicted = model.predict(xs_test)
                fold["accuracy"] = accuracy_score(y[test], predicted)
                fold["macro_f1"] = f1_score(y[test], predicted, average="macro")
                k = len(np.unique(y))
                kmeans = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x[train])
                fold["k"] = int(k)
                fold["inertia"] = float(kmeans.inertia_)
                fold["ari"] = adjusted_rand_score(y[train], kmeans.labels_)
            else:
                model = Ridge(alpha=1.0).fit(xs_train, y[train])
                fold["rmse"] = float(np.sqrt(mean_squared_error(y[test], model.predict(xs_test))))
            folds.append(fold)
        out["sets"].append({"name": name, "task": task, "classes": int(len(np.unique(y))) if task == "classification" else 0,
                            "x": x.tolist(), "y": y.tolist(), "folds": folds})
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
