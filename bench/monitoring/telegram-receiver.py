#!/usr/bin/python3
# The only stand-in of the monitoring tests: the Telegram Bot API is not reachable from the lab,
# so Zabbix's real Telegram webhook posts to this receiver instead (zabbix_server_telegram_api_url).
# It answers like Telegram's sendMessage ({"ok": true, ...}) and appends one JSON line per
# message to the record file: the time it came, the bot path (token masked) and the message.
#   telegram-receiver.py PORT RECORD_FILE
import json
import re
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT, RECORD = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            msg = json.loads(body)
        except ValueError:
            msg = {"raw": body.decode("utf-8", "replace")}
        m = re.match(r"^/bot([^/]+)/sendMessage$", self.path)
        entry = {"at": time.time(), "method_ok": bool(m), "token_length": len(m.group(1)) if m else 0,
                 "token_sha_prefix": "", "chat_id": msg.get("chat_id"), "text": msg.get("text", "")}
        if m:
            import hashlib
            entry["token_sha_prefix"] = hashlib.sha256(m.group(1).encode()).hexdigest()[:12]
        with open(RECORD, "a") as f:
            f.write(json.dumps(entry) + "\n")
        out = json.dumps({"ok": True, "result": {"message_id": 1, "chat": {"id": msg.get("chat_id")}, "text": msg.get("text", "")}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
