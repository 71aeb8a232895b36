# retention.awk: which backups to keep. A pure function of its input (installed by wpha's
# backup role as /usr/local/lib/wpha-backup/retention.awk; unit-tested on the controller).
#
#   awk -v now=EPOCH -v hours=H -v days=D -f retention.awk < sets
#
# Input, one backup per line: ID STATUS BASE
#   ID      YYYYmmddTHHMMSSZ (UTC time the backup started; sorts like time)
#   STATUS  ok (its checksums verified) or bad (failed, incomplete)
#   BASE    ID of the backup holding the full archive a differential one needs, or "-"
# Output, newest first: "keep ID REASON[,REASON]" or "drop ID". Reasons:
#   recent   taken within the last H hours (kept whatever its status: it ages out)
#   daily    the newest ok backup of its UTC day, for the last D days (today is day 1)
#   newest   the newest ok backup: never dropped, even when all later ones are bad
#   base     holds the full archive of a kept differential backup
#   unsure   no backup is ok: nothing is dropped until one verifies
# Lines that are not a valid backup are reported as "invalid LINE" and kept out of the count.

function civil_days(y, m, d,    era, yoe, doy) {
  # Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
  y -= (m <= 2)
  era = int((y >= 0 ? y : y - 399) / 400)
  yoe = y - era * 400
  doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
}

function epoch_of(id) {
  return civil_days(substr(id, 1, 4) + 0, substr(id, 5, 2) + 0, substr(id, 7, 2) + 0) * 86400 \
    + substr(id, 10, 2) * 3600 + substr(id, 12, 2) * 60 + substr(id, 14, 2)
}

function valid_id(id) {
  return length(id) == 16 && id ~ /^[0-9]+T[0-9]+Z$/ && substr(id, 9, 1) == "T" \
    && substr(id, 5, 2) + 0 >= 1 && substr(id, 5, 2) + 0 <= 12 && substr(id, 7, 2) + 0 >= 1 && substr(id, 7, 2) + 0 <= 31
}

function add_reason(id, why) {
  if (id in reason) reason[id] = reason[id] "," why
  else reason[id] = why
}

# Whether id already has that reason (`in` first: reading reason[id] would create it).
function has_reason(id, why) {
  return (id in reason) && ("," reason[id] ",") ~ ("," why ",")
}

BEGIN {
  if (now == "" || hours == "" || days == "" || days < 1 || hours < 0) {
    print "retention.awk: give now (epoch), hours (>= 0) and days (>= 1)" > "/dev/stderr"
    bad_args = 1
    exit 2
  }
  n = 0
}

NF >= 2 {
  if (!valid_id($1) || ($2 != "ok" && $2 != "bad") || ($1 in status)) { print "invalid " $0; next }
  ids[++n] = $1
  status[$1] = $2
  base[$1] = (NF >= 3 ? $3 : "-")
}

END {
  if (bad_args) exit 2
  if (n == 0) exit 0
  # Newest first (insertion sort: a host keeps at most a few hundred backups).
  for (i = 2; i <= n; i++) {
    v = ids[i]
    for (j = i - 1; j >= 1 && ids[j] < v; j--) ids[j + 1] = ids[j]
    ids[j + 1] = v
  }
  today = int(now / 86400)
  newest = ""
  for (i = 1; i <= n; i++) {
    id = ids[i]
    t = epoch_of(id)
    if (t >= now - hours * 3600) add_reason(id, "recent")
    if (status[id] != "ok") continue
    if (newest == "") { newest = id; add_reason(id, "newest") }
    day = int(t / 86400)
    if (day <= today && today - day < days && !(day in daily)) { daily[day] = id; add_reason(id, "daily") }
  }
  if (newest == "") for (i = 1; i <= n; i++) add_reason(ids[i], "unsure")
  # A kept differential backup needs its base (one level: bases are full backups).
  for (i = 1; i <= n; i++) {
    id = ids[i]
    b = base[id]
    if ((id in reason) && b != "-" && b != id && (b in status) && !has_reason(b, "base")) add_reason(b, "base")
  }
  for (i = 1; i <= n; i++) print ((ids[i] in reason) ? "keep " ids[i] " " reason[ids[i]] : "drop " ids[i])
}
