#!/usr/bin/python3
# Test helper run on the Zabbix server host: one Zabbix API call as Admin, with the URL and the
# password the zabbix_server role wrote (root only), through the role's own API module.
#   zbx-api.py METHOD 'JSON_PARAMS'   -> the result as JSON on stdout
import json
import sys

sys.path.insert(0, "/usr/local/lib/wpha/zabbix-server")
from wpha_zabbix_api import Api  # noqa: E402

cfg = json.load(open("/etc/zabbix/wpha/api.json"))
api = Api(cfg["url"])
api.login("Admin", cfg["admin_password"])
print(json.dumps(api.call(sys.argv[1], json.loads(sys.argv[2]))))
