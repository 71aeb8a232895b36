# Managed by wpha. A small Zabbix API (JSON-RPC) client for wpha-zabbix-sync: standard library
# only, retries while the frontend is not up yet, and a log of every write it makes.
import json
import time
import urllib.error
import urllib.request


class ApiError(Exception):
    pass


class Api:
    def __init__(self, url, timeout=30):
        self.url = url
        self.timeout = timeout
        self.auth = None
        self.changes = []

    def call(self, method, params=None, auth=True):
        body = {"jsonrpc": "2.0", "method": method, "params": params if params is not None else {}, "id": 1}
        if auth and self.auth:
            body["auth"] = self.auth
        req = urllib.request.Request(self.url, json.dumps(body).encode(), {"Content-Type": "application/json-rpc"})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            answer = json.load(resp)
        if "error" in answer:
            e = answer["error"]
            raise ApiError("%s: %s %s" % (method, e.get("message", ""), e.get("data", "")))
        return answer["result"]

    def wait_ready(self, seconds):
        """The frontend answers only once nginx and PHP-FPM run: wait for apiinfo.version."""
        deadline = time.time() + seconds
        while True:
            try:
                return self.call("apiinfo.version", auth=False)
            except (OSError, urllib.error.URLError, ApiError, ValueError) as e:
                if time.time() > deadline:
                    raise ApiError("the Zabbix API at %s did not answer in %d s: %s" % (self.url, seconds, e))
                time.sleep(1)

    def login(self, user, password):
        self.auth = None
        self.auth = self.call("user.login", {"username": user, "password": password}, auth=False)

    def write(self, method, params, what):
        """A call that changes something: made, and remembered for the report."""
        result = self.call(method, params)
        self.changes.append(what)
        return result
