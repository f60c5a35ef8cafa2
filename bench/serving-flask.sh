#!/usr/bin/env bash
# Serving: the companion Linear Learner's `serve` against SageMaker's classic bring-your-own stack
# (nginx -> gunicorn -> Flask + NumPy, laid out as in the scikit_bring_your_own example) serving the
# same trained model, same machine, same payloads, in one command. Appends a table to bench/RESULTS.md.
# Usage: bash bench/serving-flask.sh [seconds per case]      (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
if ! /usr/bin/python3 -c 'import flask, numpy' 2>/dev/null || ! command -v gunicorn >/dev/null || ! command -v nginx >/dev/null; then
  apt-get install -y -q python3-flask python3-numpy gunicorn nginx-light >/dev/null
fi
npm run build:native >/dev/null 2>&1
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; sleep 1; rm -rf "$work"; }
trap cleanup EXIT

# Both stacks serve the same trained model.
bash bench/train-serving-model.sh "$work"

node containers/dist/local.js serve linear-learner --model "$work/model.tar.gz" --port 18080 >/dev/null 2>&1 & pids+=($!)
MODEL_DIR="$work/model" gunicorn --chdir bench -k sync -w "$(nproc)" -b "unix:$work/gunicorn.sock" serving_flask_predictor:app >/dev/null 2>&1 & pids+=($!)
cat > "$work/nginx.conf" <<CONF
user $(id -un);
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx-body;
  proxy_temp_path $work/nginx-proxy;
  upstream gunicorn { server unix:$work/gunicorn.sock; }
  server {
    listen 127.0.0.1:18081 deferred;
    client_max_body_size 6m;
    keepalive_timeout 5;
    location ~ ^/(ping|invocations) {
      proxy_set_header Host \$http_host;
      proxy_redirect off;
      proxy_pass http://gunicorn;
    }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" 2>/dev/null & pids+=($!)
for port in 18080 18081; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ping" >/dev/null && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$port/ping" >/dev/null || { echo "nothing answers /ping on port $port" >&2; exit 1; }
done

peer="Flask $(/usr/bin/python3 -c 'import flask; print(flask.__version__)'), gunicorn $(gunicorn --version 2>&1 | grep -o '[0-9.]*' | head -1) ($(nproc) sync workers), $(nginx -v 2>&1 | sed 's#.*/##; s#^#nginx #'), NumPy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')"
node bench/serving-load.mjs "$seconds" http://127.0.0.1:18080 http://127.0.0.1:18081 "$peer" | tee -a bench/RESULTS.md
