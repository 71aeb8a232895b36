# Managed by wpha. Templates, items, triggers, host groups, global macros and the cluster host
# of wpha-zabbix-sync: each object is read, compared field by field with what the definitions
# say, and created, updated or deleted only when they differ (a second run writes nothing).
import hashlib

VALUE_TYPES = {"float": "0", "char": "1", "uint": "3", "text": "4"}
SEVERITIES = {"info": "1", "warning": "2", "average": "3", "high": "4", "disaster": "5"}
ITEM_FIELDS = ["name", "type", "value_type", "delay", "units", "history", "trends", "description", "params"]


def ensure_group(api, name):
    found = api.call("hostgroup.get", {"filter": {"name": [name]}, "output": ["groupid"]})
    if found:
        return found[0]["groupid"]
    return api.write("hostgroup.create", {"name": name}, "host group %s" % name)["groupids"][0]


def ensure_global_macros(api, wanted):
    current = {m["macro"]: m for m in api.call("usermacro.get", {"globalmacro": True, "output": ["globalmacroid", "macro", "value"]})}
    for macro, value in sorted(wanted.items()):
        value = str(value)
        have = current.get(macro)
        if have is None:
            api.write("usermacro.createglobal", {"macro": macro, "value": value}, "global macro %s" % macro)
        elif have["value"] != value:
            api.write("usermacro.updateglobal", {"globalmacroid": have["globalmacroid"], "value": value}, "global macro %s" % macro)


def item_params(d, calculated=False):
    """The API fields of one item definition (active agent item, or calculated on the cluster host)."""
    numeric = d.get("type", "uint") in ("uint", "float")
    p = {
        "key_": d["key"],
        "name": d["name"],
        "type": "15" if calculated else "7",
        "value_type": VALUE_TYPES[d.get("type", "uint")],
        "delay": str(d.get("delay", "{$WPHA.INTERVAL}")),
        "units": d.get("units", ""),
        "history": str(d.get("history", "7d")),
        "trends": str(d.get("trends", "30d")) if numeric else "0",
        "description": d.get("description", "").strip(),
        "params": d.get("formula", "") if calculated else "",
    }
    p["preprocessing"] = [{"type": "10", "params": "", "error_handler": "0", "error_handler_params": ""}] if d.get("per_second") else []
    return p


def sync_items(api, hostid, owner, definitions, calculated=False):
    current = {i["key_"]: i for i in api.call("item.get", {"hostids": [hostid], "output": ["itemid", "key_"] + ITEM_FIELDS, "selectPreprocessing": ["type", "params", "error_handler", "error_handler_params"]})}
    wanted = [item_params(d, calculated) for d in definitions]
    for p in wanted:
        have = current.pop(p["key_"], None)
        if have is None:
            api.write("item.create", dict(p, hostid=hostid), "item %s on %s" % (p["key_"], owner))
            continue
        differs = [f for f in ITEM_FIELDS if str(have.get(f, "")) != p[f]] + (["preprocessing"] if have.get("preprocessing", []) != p["preprocessing"] else [])
        if differs:
            update = {f: p[f] for f in ITEM_FIELDS if f != "type" and f != "value_type" or str(have.get(f)) != p[f]}
            update["preprocessing"] = p["preprocessing"]
            api.write("item.update", dict(update, itemid=have["itemid"]), "item %s on %s (%s)" % (p["key_"], owner, ", ".join(differs)))
    for key, have in sorted(current.items()):
        api.write("item.delete", [have["itemid"]], "item %s removed from %s" % (key, owner))


def sync_triggers(api, hostid, owner, definitions, state):
    """The API gives expressions back with user macros expanded, so what was written is compared
    through `state` (trigger id -> sha256 of the expression this program wrote)."""
    current = {t["description"]: t for t in api.call("trigger.get", {"hostids": [hostid], "output": ["triggerid", "description", "priority", "comments", "manual_close"], "inherited": False})}
    for d in definitions:
        p = {
            "description": d["name"],
            "expression": d["expression"].replace("/~/", "/%s/" % owner).strip(),
            "priority": SEVERITIES[d.get("severity", "average")],
            "comments": d.get("description", "").strip(),
            "manual_close": "1" if d.get("manual_close") else "0",
        }
        wanted = hashlib.sha256(p["expression"].encode()).hexdigest()
        have = current.pop(p["description"], None)
        if have is None:
            tid = api.write("trigger.create", p, "trigger \"%s\" on %s" % (p["description"], owner))["triggerids"][0]
            state[tid] = wanted
        elif state.get(have["triggerid"]) != wanted or any(str(have[f]) != p[f] for f in ("priority", "comments", "manual_close")):
            api.write("trigger.update", dict(p, triggerid=have["triggerid"]), "trigger \"%s\" on %s" % (p["description"], owner))
            state[have["triggerid"]] = wanted
    for name, have in sorted(current.items()):
        api.write("trigger.delete", [have["triggerid"]], "trigger \"%s\" removed from %s" % (name, owner))
        state.pop(have["triggerid"], None)


def ensure_template(api, name, groupid):
    found = api.call("template.get", {"filter": {"host": [name]}, "output": ["templateid"]})
    if found:
        return found[0]["templateid"]
    return api.write("template.create", {"host": name, "groups": [{"groupid": groupid}]}, "template %s" % name)["templateids"][0]


def sync_templates(api, definitions, groupid, state):
    """Every template of the definitions with its items and triggers; returns name -> templateid."""
    ids = {}
    for t in definitions:
        tid = ensure_template(api, t["name"], groupid)
        ids[t["name"]] = tid
        sync_items(api, tid, t["name"], t.get("items", []))
        sync_triggers(api, tid, t["name"], t.get("triggers", []), state)
    return ids


def sync_cluster_host(api, name, groupid, vip_groups, state):
    """A host without interfaces holding the cluster-wide checks: who holds each group's virtual IPs."""
    found = api.call("host.get", {"filter": {"host": [name]}, "output": ["hostid"]})
    hostid = found[0]["hostid"] if found else api.write("host.create", {"host": name, "groups": [{"groupid": groupid}]}, "host %s" % name)["hostids"][0]
    items, triggers = [], []
    for group, vips in sorted(vip_groups.items()):
        key = "wpha.vip.holders[%s]" % group
        items.append({"key": key, "name": "Virtual IPs of keepalived group %s held (sum over its hosts)" % group, "type": "uint",
                      "formula": 'sum(last_foreach(/*/wpha.keepalived.vips?[group="wpha keepalived %s"]))' % group})
        triggers.append({"name": "Virtual IP of keepalived group %s is held by no host" % group, "severity": "disaster",
                         "expression": "last(/~/%s)<%d" % (key, len(vips)),
                         "description": "Fewer of the group's %d virtual IP(s) %s are up than configured: clients cannot reach the service." % (len(vips), ", ".join(vips))})
        triggers.append({"name": "Virtual IP of keepalived group %s is held by several hosts" % group, "severity": "high",
                         "expression": "last(/~/%s)>%d" % (key, len(vips)),
                         "description": "Split brain: more than one host holds the same virtual IP (VRRP cut between the peers?)."})
    sync_items(api, hostid, name, items, calculated=True)
    sync_triggers(api, hostid, name, triggers, state)
