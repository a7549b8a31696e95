"""Log to a Trainyard (or any MLflow) tracking server from a training script, without mlflow.

Standard library only, Python >= 3.8. The API follows mlflow's fluent one::

    import trainyard

    with trainyard.start_run(run_name="baseline"):
        trainyard.log_params({"lr": 0.01, "epochs": 10})
        for epoch in range(10):
            trainyard.log_metrics({"loss": loss, "acc": acc}, step=epoch)
        trainyard.log_artifacts("outputs", artifact_path="model")

Settings come from the environment, as mlflow reads them: MLFLOW_TRACKING_URI (default
http://127.0.0.1:5000); MLFLOW_RUN_ID (log into that run, e.g. the one Trainyard created for a
training); MLFLOW_EXPERIMENT_ID or MLFLOW_EXPERIMENT_NAME (created when missing) for new runs,
else experiment "0"; MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and _PASSWORD.

Logging without start_run() starts (or attaches to) a run. A run this process created is ended
when the process exits: FINISHED, or FAILED after an uncaught exception (KILLED on Ctrl-C). A run
attached through MLFLOW_RUN_ID is left to its owner unless end_run() is called.
"""

import atexit
import base64
import getpass
import http.client
import json
import math
import mimetypes
import os
import sys
import threading
import time
import types
import urllib.parse

__all__ = [
    "TrainyardError", "ActiveRun", "get_tracking_uri", "set_tracking_uri", "set_experiment",
    "start_run", "active_run", "end_run", "log_param", "log_params", "log_metric", "log_metrics",
    "set_tag", "set_tags", "log_artifact", "log_artifacts",
]

DEFAULT_TRACKING_URI = "http://127.0.0.1:5000"
_API = "/api/2.0/mlflow"
_ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
_RETRY_STATUSES = (429, 500, 502, 503, 504)
_RETRIES = 3  # after the first attempt; waits 0.25 s, 0.5 s, 1 s
_BACKOFF_S = 0.25
_UPLOAD_BLOCK = 1 << 20  # files are sent in blocks of this size, never read whole
_METRICS_PER_BATCH = 1000
_PARAMS_TAGS_PER_BATCH = 100
# Used when an error answer is not MLflow's JSON (a proxy's page, a plain-text 503).
_CODE_FOR_STATUS = {
    400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "ENDPOINT_NOT_FOUND",
    405: "ENDPOINT_NOT_FOUND", 409: "RESOURCE_CONFLICT", 429: "REQUEST_LIMIT_EXCEEDED",
    501: "NOT_IMPLEMENTED", 503: "TEMPORARILY_UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}


class TrainyardError(Exception):
    """An error answer from the tracking server, or a failure to reach it or use it."""

    def __init__(self, error_code, message, status=None):
        super().__init__("%s: %s" % (error_code, message))
        self.error_code = error_code
        self.message = message
        self.status = status


class _Client:
    """JSON over one kept-alive HTTP connection, with short retries for transient failures."""

    def __init__(self, uri):
        parts = urllib.parse.urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TrainyardError("INVALID_PARAMETER_VALUE", "MLFLOW_TRACKING_URI must be an http(s) URL, got %r" % uri)
        self.uri = uri
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/")
        self._headers = _auth_headers()
        self._conn = None
        self._lock = threading.Lock()

    def call(self, method, path, body=None, query=None):
        """One API call; returns the decoded JSON answer."""
        url = self._prefix + path
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        headers = dict(self._headers, Accept="application/json")
        data = None
        if body is not None:
            data = json.dumps(body, allow_nan=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        raw = self._send(method, url, headers, lambda: data)
        try:
            return json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except ValueError:
            raise TrainyardError("BAD_RESPONSE", "%s %s answered with something that is not JSON: %r" % (method, path, raw[:200]))

    def upload(self, path, local_file):
        """PUTs a file as the raw request body, streamed from disk in blocks."""
        headers = dict(self._headers)
        headers["Content-Type"] = mimetypes.guess_type(local_file)[0] or "application/octet-stream"
        headers["Content-Length"] = str(os.path.getsize(local_file))
        opened = []

        def body():  # reopened on every attempt, so a retry sends the whole file again
            opened.append(open(local_file, "rb"))
            return opened[-1]

        try:
            self._send("PUT", self._prefix + path, headers, body)
        finally:
            for f in opened:
                f.close()

    def _send(self, method, url, headers, body):
        attempt = 0
        while True:
            with self._lock:
                payload = body()  # outside the try: a local file error is not a network error
                reused = self._conn is not None
                try:
                    conn = self._connection()
                    conn.request(method, url, body=payload, headers=headers)
                    resp = conn.getresponse()
                    status, raw = resp.status, resp.read()
                    if resp.will_close:
                        self._close()
                except (OSError, http.client.HTTPException) as err:
                    self._close()
                    # The server may have closed an idle kept-alive connection: reconnect at once.
                    if reused:
                        continue
                    if attempt >= _RETRIES:
                        raise TrainyardError(
                            "TEMPORARILY_UNAVAILABLE", "cannot reach %s (%s %s): %s" % (self.uri, method, url, err)
                        ) from err
                    status = None
            if status is not None and 200 <= status < 300:
                return raw
            if status is not None and (status not in _RETRY_STATUSES or attempt >= _RETRIES):
                raise _error_of(status, raw)
            time.sleep(_BACKOFF_S * 2 ** attempt)
            attempt += 1

    def _connection(self):
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=300, blocksize=_UPLOAD_BLOCK)
        return self._conn

    def _close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _error_of(status, raw):
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error_code"), str):
        return TrainyardError(body["error_code"], str(body.get("message", "")), status)
    code = _CODE_FOR_STATUS.get(status, "INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST")
    text = " ".join(raw.decode("utf-8", "replace").split())[:300]
    return TrainyardError(code, text or "HTTP %d" % status, status)


def _auth_headers():
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        return {"Authorization": "Bearer " + token}
    user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password:
        pair = ("%s:%s" % (user, password)).encode("utf-8")
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    return {}


class ActiveRun:
    """The run this process logs to. As a context manager it ends the run on leaving the block."""

    def __init__(self, info, owned):
        self.info = types.SimpleNamespace(**dict({"end_time": None}, **info))
        self._owned = owned  # created here, so ended at process exit if nobody ends it

    @property
    def run_id(self):
        return self.info.run_id

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if _state.active is self:
            end_run(_status_for(exc_type))
        return False


_state = types.SimpleNamespace(lock=threading.RLock(), uri=None, client=None, experiment_id=None,
                               active=None, uncaught=None, exit_hooks=False)


def get_tracking_uri():
    return _state.uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def set_tracking_uri(uri):
    with _state.lock:
        _state.uri, _state.client = uri, None


def _api():
    with _state.lock:
        uri = get_tracking_uri().rstrip("/")
        if _state.client is None or _state.client.uri != uri:
            _state.client = _Client(uri)
        return _state.client


def set_experiment(experiment_name=None, experiment_id=None):
    """Makes new runs go to this experiment (created by name when missing); returns its id."""
    if experiment_id is None and not experiment_name:
        raise TrainyardError("INVALID_PARAMETER_VALUE", "set_experiment needs experiment_name or experiment_id")
    exp_id = str(experiment_id) if experiment_id is not None else _experiment_by_name(experiment_name)
    _state.experiment_id = exp_id
    return exp_id


def _experiment_by_name(name):
    for attempt in (1, 2):
        try:
            exp = _api().call("GET", _API + "/experiments/get-by-name", query={"experiment_name": name})["experiment"]
        except TrainyardError as err:
            if err.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        else:
            if exp.get("lifecycle_stage") == "deleted":
                raise TrainyardError("INVALID_PARAMETER_VALUE", "Experiment %r is deleted; restore it or use another name" % name)
            return exp["experiment_id"]
        try:
            return _api().call("POST", _API + "/experiments/create", {"name": name})["experiment_id"]
        except TrainyardError as err:  # created meanwhile by another process: look it up again
            if err.error_code != "RESOURCE_ALREADY_EXISTS" or attempt == 2:
                raise


def _default_experiment_id():
    if _state.experiment_id is not None:
        return _state.experiment_id
    if os.environ.get("MLFLOW_EXPERIMENT_ID"):
        return os.environ["MLFLOW_EXPERIMENT_ID"]
    if os.environ.get("MLFLOW_EXPERIMENT_NAME"):
        return set_experiment(os.environ["MLFLOW_EXPERIMENT_NAME"])
    return "0"


def start_run(run_name=None, experiment_id=None, run_id=None, tags=None):
    """Starts a run, or attaches to `run_id` / MLFLOW_RUN_ID. Returns the ActiveRun."""
    with _state.lock:
        if _state.active is not None:
            raise TrainyardError("INVALID_STATE", "Run %s is already active; call end_run() first" % _state.active.run_id)
        api = _api()
        run_id = run_id or os.environ.get("MLFLOW_RUN_ID")
        if run_id:
            info = api.call("GET", _API + "/runs/get", query={"run_id": run_id})["run"]["info"]
            if info["status"] != "RUNNING" or run_name:
                update = {"run_id": run_id, "run_uuid": run_id, "status": "RUNNING"}
                if run_name:
                    update["run_name"] = run_name
                info = api.call("POST", _API + "/runs/update", update)["run_info"]
            run = ActiveRun(info, owned=False)
        else:
            user = _user()
            source = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else "<console>"
            all_tags = {"mlflow.user": user, "mlflow.source.name": source, "mlflow.source.type": "LOCAL"}
            all_tags.update(tags or {})
            body = {"experiment_id": str(experiment_id) if experiment_id is not None else _default_experiment_id(),
                    "user_id": user, "start_time": _now_ms()}
            if run_name:
                body["run_name"] = all_tags["mlflow.runName"] = run_name
            body["tags"] = _key_values(all_tags)
            run = ActiveRun(api.call("POST", _API + "/runs/create", body)["run"]["info"], owned=True)
            _install_exit_hooks()
        if run_id and tags:
            _log_batch(run.run_id, tags=_key_values(tags))
        _state.active = run
        return run


def active_run():
    """The ActiveRun, or None."""
    return _state.active


def end_run(status="FINISHED"):
    """Ends the active run with `status` (FINISHED, FAILED or KILLED) and the current time."""
    with _state.lock:
        run, _state.active = _state.active, None
    if run is not None:
        body = {"run_id": run.run_id, "run_uuid": run.run_id, "status": status, "end_time": _now_ms()}
        _api().call("POST", _API + "/runs/update", body)


def _current_run():
    with _state.lock:
        return _state.active or start_run()


def log_param(key, value):
    run = _current_run()
    _api().call("POST", _API + "/runs/log-parameter", {"run_id": run.run_id, "run_uuid": run.run_id, "key": key, "value": str(value)})


def log_params(params):
    _log_batch(_current_run().run_id, params=_key_values(params))


def log_metric(key, value, step=None, timestamp=None):
    run = _current_run()
    body = {"run_id": run.run_id, "run_uuid": run.run_id, "key": key, "value": _double(value),
            "timestamp": _now_ms() if timestamp is None else int(timestamp), "step": 0 if step is None else int(step)}
    _api().call("POST", _API + "/runs/log-metric", body)


def log_metrics(metrics, step=None, timestamp=None):
    ts = _now_ms() if timestamp is None else int(timestamp)
    s = 0 if step is None else int(step)
    points = [{"key": k, "value": _double(v), "timestamp": ts, "step": s} for k, v in metrics.items()]
    _log_batch(_current_run().run_id, metrics=points)


def set_tag(key, value):
    run = _current_run()
    _api().call("POST", _API + "/runs/set-tag", {"run_id": run.run_id, "run_uuid": run.run_id, "key": key, "value": str(value)})


def set_tags(tags):
    _log_batch(_current_run().run_id, tags=_key_values(tags))


def _log_batch(run_id, metrics=(), params=(), tags=()):
    # One kind per request keeps every request far below the server's 1 MB batch limit.
    for kind, items, size in (("params", params, _PARAMS_TAGS_PER_BATCH), ("tags", tags, _PARAMS_TAGS_PER_BATCH),
                              ("metrics", metrics, _METRICS_PER_BATCH)):
        for i in range(0, len(items), size):
            _api().call("POST", _API + "/runs/log-batch", {"run_id": run_id, kind: list(items[i:i + size])})


def log_artifact(local_path, artifact_path=None):
    """Uploads one file into the run's artifacts, under `artifact_path` when given."""
    if os.path.isdir(local_path):
        raise TrainyardError("INVALID_PARAMETER_VALUE", "%r is a folder; use log_artifacts() for folders" % local_path)
    root = _artifact_root(_current_run())
    _api().upload(_artifact_url(root, artifact_path, os.path.basename(local_path)), local_path)


def log_artifacts(local_dir, artifact_path=None):
    """Uploads every file below `local_dir`, keeping its subfolders, under `artifact_path`."""
    if not os.path.isdir(local_dir):
        raise TrainyardError("INVALID_PARAMETER_VALUE", "%r is not a folder" % local_dir)
    root = _artifact_root(_current_run())
    for folder, dirs, files in os.walk(local_dir):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, local_dir).replace(os.sep, "/")
            _api().upload(_artifact_url(root, artifact_path, rel), path)


def _artifact_root(run):
    """The artifact-proxy path behind the run's artifact_uri, e.g. mlflow-artifacts:/1/<run>/artifacts -> 1/<run>/artifacts."""
    uri = run.info.artifact_uri
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme == "mlflow-artifacts":
        return parts.path.strip("/")
    marker = _ARTIFACTS + "/"
    if parts.scheme in ("http", "https") and marker in parts.path:
        return urllib.parse.unquote(parts.path.split(marker, 1)[1]).strip("/")
    raise TrainyardError("INVALID_PARAMETER_VALUE", "The run's artifact_uri %r is not served by the tracking server's "
                         "artifact proxy (mlflow-artifacts:/...); this module can only upload through it" % uri)


def _artifact_url(*parts):
    path = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    return _ARTIFACTS + "/" + urllib.parse.quote(path, safe="/")


def _key_values(mapping):
    """mlflow stringifies param and tag values; so does this module."""
    return [{"key": k, "value": str(v)} for k, v in mapping.items()]


def _double(value):
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _now_ms():
    return int(time.time() * 1000)


def _user():
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _status_for(exc_type):
    if exc_type is None:
        return "FINISHED"
    return "KILLED" if issubclass(exc_type, KeyboardInterrupt) else "FAILED"


def _install_exit_hooks():
    if _state.exit_hooks:
        return
    _state.exit_hooks = True
    previous = sys.excepthook

    def record_uncaught(exc_type, exc, tb):
        _state.uncaught = exc_type
        previous(exc_type, exc, tb)

    sys.excepthook = record_uncaught
    atexit.register(_end_owned_run_at_exit)


def _end_owned_run_at_exit():
    run = _state.active
    if run is None or not run._owned:
        return
    try:
        end_run(_status_for(_state.uncaught))
    except Exception as err:  # the process is exiting; say why the run stays RUNNING
        sys.stderr.write("trainyard: could not end run %s: %s\n" % (run.run_id, err))
