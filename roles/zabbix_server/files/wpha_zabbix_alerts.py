# Managed by wpha. Auto-registration (PSK, actions linking templates by host metadata) and
# alerting (Zabbix's own Telegram webhook media type, the Admin user's Telegram media, the action
# that sends problems and recoveries) for wpha-zabbix-sync. Same rule as the objects: read,
# compare, write only what differs.
import re

TELEGRAM_URL = re.compile(r"url = '[^']*/bot' \+ Telegram\.token")


def conditions(action):
    return sorted((str(c["conditiontype"]), str(c["operator"]), c["value"]) for c in action["filter"]["conditions"])


def operations(ops):
    out = []
    for o in ops:
        msg = o.get("opmessage") or {}
        media = "" if str(msg.get("mediatypeid", "0")) == "0" else str(msg["mediatypeid"])
        out.append((str(o["operationtype"]),
                    tuple(sorted(g["groupid"] for g in o.get("opgroup", []))),
                    tuple(sorted(t["templateid"] for t in o.get("optemplate", []))),
                    tuple(sorted(u["userid"] for u in o.get("opmessage_usr", []))),
                    media))
    return sorted(out)


def ensure_action(api, wanted):
    found = api.call("action.get", {"filter": {"name": [wanted["name"]]}, "output": "extend", "selectFilter": "extend", "selectOperations": "extend", "selectRecoveryOperations": "extend"})
    if not found:
        api.write("action.create", wanted, "action %s" % wanted["name"])
        return
    have = found[0]
    same = (str(have["status"]) == str(wanted.get("status", 0)) and conditions(have) == conditions(wanted)
            and operations(have["operations"]) == operations(wanted["operations"])
            and operations(have.get("recovery_operations", [])) == operations(wanted.get("recovery_operations", [])))
    if not same:
        update = {k: v for k, v in wanted.items() if k != "eventsource"}
        api.write("action.update", dict(update, actionid=have["actionid"]), "action %s" % wanted["name"])


def registration_actions(api, templates, template_ids, groupid, vip_groups, group_ids):
    """One auto-registration action per template: metadata contains its word -> add, group, link."""
    for t in templates:
        ensure_action(api, {
            "name": "wpha: register %s" % t["name"], "eventsource": 2, "status": 0,
            "filter": {"evaltype": 0, "conditions": [{"conditiontype": 24, "operator": 2, "value": t["metadata"]}]},
            "operations": [{"operationtype": 2}, {"operationtype": 4, "opgroup": [{"groupid": groupid}]},
                           {"operationtype": 6, "optemplate": [{"templateid": template_ids[t["name"]]}]}],
        })
    for group in sorted(vip_groups):
        ensure_action(api, {
            "name": "wpha: register keepalived group %s" % group, "eventsource": 2, "status": 0,
            "filter": {"evaltype": 0, "conditions": [{"conditiontype": 24, "operator": 2, "value": ":keepalived@%s:" % group}]},
            "operations": [{"operationtype": 2}, {"operationtype": 4, "opgroup": [{"groupid": group_ids[group]}]}],
        })


def telegram(api, cfg, groupid):
    """Zabbix's Telegram webhook (shipped in the server's initial data) pointed at cfg's API URL."""
    found = api.call("mediatype.get", {"filter": {"name": ["Telegram"]}, "output": "extend"})
    if not found:
        raise SystemExit("The Telegram media type that Zabbix ships is missing from the database")
    mt = found[0]
    script = TELEGRAM_URL.sub("url = '%s/bot' + Telegram.token" % cfg["api_url"].rstrip("/").replace("'", "%27"), mt["script"])
    params = [p if p["name"] != "Token" else {"name": "Token", "value": cfg["token"]} for p in mt["parameters"]]
    if script != mt["script"] or params != mt["parameters"] or str(mt["status"]) != "0":
        api.write("mediatype.update", {"mediatypeid": mt["mediatypeid"], "script": script, "parameters": params, "status": 0}, "media type Telegram")
    admin = api.call("user.get", {"filter": {"username": ["Admin"]}, "output": ["userid"], "selectMedias": "extend"})[0]
    severity = sum(1 << s for s in range(int(cfg["min_severity"]), 6))
    media = {"mediatypeid": mt["mediatypeid"], "sendto": cfg["chat_id"], "active": "0", "severity": str(severity), "period": "1-7,00:00-24:00"}
    others = [{k: m[k] for k in ("mediatypeid", "sendto", "active", "severity", "period")} for m in admin["medias"] if m["mediatypeid"] != mt["mediatypeid"]]
    mine = [m for m in admin["medias"] if m["mediatypeid"] == mt["mediatypeid"]]
    if len(mine) != 1 or any(str(mine[0][k]) != v for k, v in media.items()):
        api.write("user.update", {"userid": admin["userid"], "medias": others + [media]}, "Telegram media of Admin")
    ensure_action(api, {
        "name": "wpha: Telegram", "eventsource": 0, "status": 0, "esc_period": "1h",
        "filter": {"evaltype": 0, "conditions": [{"conditiontype": 4, "operator": 5, "value": str(cfg["min_severity"])},
                                                 {"conditiontype": 0, "operator": 0, "value": groupid}]},
        "operations": [{"operationtype": 0, "esc_step_from": 1, "esc_step_to": 1,
                        "opmessage": {"default_msg": 1, "mediatypeid": mt["mediatypeid"]}, "opmessage_usr": [{"userid": admin["userid"]}]}],
        "recovery_operations": [{"operationtype": 11, "opmessage": {"default_msg": 1}}],
    })


def disable_default_host(api):
    """Debian's initial data polls an agent on 127.0.0.1 as "Zabbix server"; wpha hosts register themselves."""
    for h in api.call("host.get", {"filter": {"host": ["Zabbix server"]}, "output": ["hostid", "status"]}):
        if str(h["status"]) == "0":
            api.write("host.update", {"hostid": h["hostid"], "status": 1}, "host \"Zabbix server\" disabled")
