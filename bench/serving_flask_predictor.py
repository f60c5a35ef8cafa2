"""The peer: SageMaker's classic bring-your-own-container predictor (Flask behind gunicorn and
nginx, as in the scikit_bring_your_own example), serving the same Linear Learner model with NumPy.

It reads the model.json our training wrote and answers /ping and /invocations for text/csv and
application/json ({"instances": [{"features": [...]}]}) in the built-in response shape.
"""
import io
import json
import os

import flask
import numpy as np

with open(os.path.join(os.environ["MODEL_DIR"], "model.json")) as f:
    model = json.load(f)
weights = np.asarray(model["weights"], dtype=np.float64)
mean = np.asarray(model["mean"], dtype=np.float64)
scale = np.asarray(model["scale"], dtype=np.float64)
d = model["feature_dim"]

app = flask.Flask(__name__)


@app.route("/ping", methods=["GET"])
def ping():
    return flask.Response(response="\n", status=200, mimetype="application/json")


@app.route("/invocations", methods=["POST"])
def invocations():
    content_type = flask.request.content_type or ""
    try:
        if content_type.startswith("text/csv"):
            x = np.loadtxt(io.StringIO(flask.request.data.decode("utf-8")), delimiter=",", ndmin=2)
        elif content_type.startswith("application/json"):
            x = np.asarray([row["features"] for row in flask.request.get_json()["instances"]], dtype=np.float64)
        else:
            return flask.Response(response=json.dumps({"error": f"unsupported {content_type}"}), status=415, mimetype="application/json")
        if x.ndim != 2 or x.shape[1] != d:
            raise ValueError(f"expected {d} features")
    except (ValueError, KeyError, TypeError) as error:
        return flask.Response(response=json.dumps({"error": str(error)}), status=400, mimetype="application/json")
    probability = 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + model["bias"])))
    predictions = [{"score": float(p), "predicted_label": int(p > 0.5)} for p in probability]
    return flask.Response(response=json.dumps({"predictions": predictions}), status=200, mimetype="application/json")
