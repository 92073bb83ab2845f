#!/usr/bin/env bash
# Runs a command against a throwaway S3 service: Ceph's own RADOS Gateway on a one-node Ceph
# cluster (one monitor, one in-memory OSD, no manager, no cephx), everything on loopback and
# every file (configuration, monitor store, OSD, logs, sockets) in a temporary directory. The
# daemons are stopped by PID and the directory removed when the command ends, however it ends.
#
#   scripts/with-rgw.sh COMMAND [ARGS...]
#   scripts/with-postgres.sh scripts/with-rgw.sh COMMAND [ARGS...]     (both services)
#
# The command sees AWS_ENDPOINT_URL (http://127.0.0.1:PORT, path-style addressing),
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a fresh user's random keys), AWS_REGION and
# AWS_DEFAULT_REGION (us-east-1), CEPH_CONF (for ceph and radosgw-admin), and, for tests that
# stop and start the gateway: TRAIL_RGW_DIR (the temporary directory), TRAIL_RGW_PIDS (the
# PIDs of the monitor, the OSD and the gateway), TRAIL_RGW_RADOSGW_PID, and TRAIL_RGW_RESTART,
# a script that stops the gateway if it still runs, starts it again as it was, waits until it
# answers and prints its new PID (which this script then stops at the end too).
# The daemons' logs are in $TRAIL_RGW_DIR/log; the cluster starts in about two seconds.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: scripts/with-rgw.sh COMMAND [ARGS...]" >&2
  exit 64
fi
missing=()
for tool in monmaptool ceph-mon ceph-osd radosgw radosgw-admin ceph python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "with-rgw: ${missing[*]} not found (scripts/bootstrap.sh installs Ceph; Debian:" \
    "apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common)" >&2
  exit 69
fi

dir=$(mktemp -d /tmp/goldmane-trail-rgw.XXXXXX)
chmod 755 "$dir"
mkdir "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/log" "$dir/run" "$dir/crash"
conf=$dir/ceph.conf
read -r mon_port rgw_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')

# Whether a PID is still a running (not zombie) process.
alive() {
  local state
  state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
# Stops processes by PID: TERM, up to $1 seconds for them to end, then KILL.
stop_pids() {
  local patience=$1 pid tries
  shift
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((tries = patience * 20; tries > 0; tries--)); do
    local left=0
    for pid in "$@"; do if alive "$pid"; then left=1; fi; done
    [ $left = 0 ] && return 0
    sleep 0.05
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
}
# Starts a daemon in a session of its own and prints its PID (setsid execs it in place). Its
# own session keeps it out of reach of the Ctrl-C or `timeout` that signals this script's
# process group (stopped all at once, the gateway and the OSD wait seconds on each other;
# cleanup stops them one at a time). Started from a subshell that ends at once, it is not
# this shell's child: a bash `wait` for the command could otherwise block on it for good.
daemon() {
  local log=$1
  shift
  (setsid "$@" </dev/null >>"$dir/log/$log" 2>&1 & echo $!)
}
# Starts the gateway, with its PID in $dir/run/radosgw.pid.
start_radosgw() {
  daemon radosgw.out radosgw -c "$dir/ceph.conf" -n client.rgw -f >"$dir/run/radosgw.pid"
}
# Waits up to 60 s for the gateway (PID, port) to answer HTTP. (The poller is a file, not a
# here-document: `declare -f` below misplaces here-documents.)
wait_radosgw() {
  python3 "$dir/wait-radosgw.py" "$1" "$2"
}
show_logs() {
  local log
  for log in "$dir"/log/*; do
    [ -s "$log" ] || continue
    echo "--- ${log#"$dir"/} (last lines)" >&2
    tail -n 15 "$log" >&2
  done
}

daemons=()
cleanup() {
  set +e
  trap '' INT TERM
  # One after the other, each while the daemons it talks to still run (0.2-0.3 s each); all
  # together, the gateway and the OSD each wait seconds for the other and need a KILL.
  local gateways=()
  [ -s "$dir/run/radosgw.pid" ] && gateways+=("$(cat "$dir/run/radosgw.pid")")
  [ ${#daemons[@]} -gt 2 ] && gateways+=("${daemons[@]:2}")
  [ ${#gateways[@]} -gt 0 ] && stop_pids 5 "${gateways[@]}"
  [ ${#daemons[@]} -gt 1 ] && stop_pids 5 "${daemons[1]}"
  [ ${#daemons[@]} -gt 0 ] && stop_pids 5 "${daemons[0]}"
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cat >"$dir/wait-radosgw.py" <<'EOF'
import http.client, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_DFL)
pid, port = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] in "ZX":
                sys.exit("with-rgw: radosgw has exited")
    except FileNotFoundError:
        sys.exit("with-rgw: radosgw has exited")
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/")
        connection.getresponse().read()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("with-rgw: radosgw did not answer on 127.0.0.1:%d within 60 s" % port)
EOF

fail() {
  echo "with-rgw: $*" >&2
  show_logs
  exit 69
}

# No cephx (auth none) and plain crc on every connection: without `ms mon client mode = crc`
# a client insists on a secure session with the monitor and radosgw waits 300 s for one.
# A short paxos propose interval makes the monitor commit each map change at once (it batches
# them for a second by default: 12 s of start-up). Both addresses on loopback: without
# `cluster addr` the OSD listens on 0.0.0.0 too. Pools of size 1 (Pacific allows that without
# `mon allow pool size one`, which only `osd pool set size` needs) with 8 placement groups:
# the gateway makes 7 pools (after a multipart upload) and one OSD takes at most 250 PGs, so
# 32 per pool would leave no room for an 8th. The disk checks are off: the monitor would warn
# below 30% free and shut down below 5%. The OSD keeps its data in memory (1 GiB by default).
fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
mon cluster log file = $dir/log/cluster.log
crash dir = $dir/crash
keyring = $dir/keyring
mon data = $dir/mon
paxos propose interval = 0.05
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 0
mon data avail crit = 0
osd pool default size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd data = $dir/osd
osd objectstore = memstore

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
EOF

monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" \
  >"$dir/log/setup.log" 2>&1 || fail "monmaptool --create failed"
ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" >>"$dir/log/setup.log" 2>&1 \
  || fail "ceph-mon --mkfs failed"
daemons+=("$(daemon mon.out ceph-mon -c "$conf" -i a -f)")

osd_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
osd_id=$(timeout 60 ceph -c "$conf" osd new "$osd_uuid" 2>>"$dir/log/setup.log") \
  || fail "the monitor did not answer 'ceph osd new' within 60 s"
ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$dir/log/setup.log" 2>&1 \
  || fail "ceph-osd --mkfs failed"
daemons+=("$(daemon osd.out ceph-osd -c "$conf" -i "$osd_id" -f)")

# The gateway creates its pools itself (size 1) once the OSD is up.
start_radosgw
daemons+=("$(cat "$dir/run/radosgw.pid")")
wait_radosgw "${daemons[2]}" "$rgw_port" || fail "the gateway did not start"

read -r access_key secret_key < <(python3 -c '
import secrets, string
upper, alnum = string.ascii_uppercase + string.digits, string.ascii_letters + string.digits
print("".join(secrets.choice(upper) for _ in range(20)), "".join(secrets.choice(alnum) for _ in range(40)))')
# Its output holds the secret key: not shown, not kept.
timeout 60 radosgw-admin -c "$conf" user create --uid=trail --display-name=trail \
  --access-key="$access_key" --secret-key="$secret_key" >/dev/null 2>>"$dir/log/setup.log" \
  || fail "radosgw-admin user create failed"

# The restart helper: this script's own functions and settings, then the restart itself.
{
  echo '#!/usr/bin/env bash'
  echo '# Stops the gateway of scripts/with-rgw.sh if it runs, starts it again, prints its PID.'
  echo 'set -euo pipefail'
  printf 'dir=%q\n' "$dir"
  declare -f alive stop_pids daemon start_radosgw wait_radosgw show_logs
  echo 'old=$(cat "$dir/run/radosgw.pid" 2>/dev/null || true)'
  echo 'if [ -n "$old" ]; then stop_pids 5 "$old"; fi'
  echo 'start_radosgw'
  echo 'pid=$(cat "$dir/run/radosgw.pid")'
  printf 'wait_radosgw "$pid" %q || { show_logs; exit 69; }\n' "$rgw_port"
  echo 'echo "$pid"'
} >"$dir/restart-radosgw.sh"
chmod 755 "$dir/restart-radosgw.sh"

export AWS_ENDPOINT_URL="http://127.0.0.1:$rgw_port" AWS_ACCESS_KEY_ID="$access_key" \
  AWS_SECRET_ACCESS_KEY="$secret_key" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export CEPH_CONF="$conf" TRAIL_RGW_DIR="$dir" TRAIL_RGW_PIDS="${daemons[*]}" \
  TRAIL_RGW_RADOSGW_PID="${daemons[2]}" TRAIL_RGW_RESTART="$dir/restart-radosgw.sh"
unset access_key secret_key

# The command runs in the background so that a TERM sent to this script alone reaches it
# (a foreground command would delay the trap until it ended), with SIGINT restored (bash
# ignores it in background commands) and this script's standard input. Ctrl-C and `timeout`
# signal the whole process group, the command included: an INT is never passed on, a TERM
# only if the command still runs a second later (a second TERM can cut its clean-up short).
(trap - INT QUIT; exec "$@") <&0 &
command_pid=$!
pass_term() {
  local tries
  interrupted=1
  for ((tries = 20; tries > 0; tries--)); do
    alive "$command_pid" || return 0
    sleep 0.05
  done
  kill -TERM "$command_pid" 2>/dev/null || true
}
trap pass_term TERM
trap 'interrupted=1' INT
# `wait` also returns when a trap has run: wait again while the command runs.
while :; do
  interrupted=0
  status=0
  wait "$command_pid" || status=$?
  kill -0 "$command_pid" 2>/dev/null || break
done
# If the command ended during a trap, that status is the trap's (128 + signal): bash keeps the
# command's own, ask again. (This shell has no other child for that `wait` to block on; bash
# 5.2 answers -1 for a command killed by SIGINT, which keeps 130.)
if [ "$interrupted" = 1 ]; then
  again=0
  wait "$command_pid" 2>/dev/null || again=$?
  if [ "$again" -ge 0 ] && [ "$again" -le 255 ] && [ "$again" != 127 ]; then status=$again; fi
fi
exit "$status"
