# Sourced by the bench/*.sh scripts: fresh liveroom-servers (Release build)
# on 127.0.0.1 and free ports, with the limits a load test needs lifted.
#   start_server [extra flags...]   one server; sets SERVER_PID, PORT, TOKEN (host of demo), DATA_DIR
#   stop_server
# The parts, for scripts that run several servers at once (bench/cluster_bench.sh):
#   spawn_server DIR [extra flags...]  starts one with its store and output (DIR/out) in DIR; sets SPAWNED_PID
#   await_server DIR PID               waits (10 s at most) for it to listen; sets AWAITED_PORT, or prints
#                                      its output and returns 1
#   host_token                         prints a host token for the demo room
#   pid_alive PID                      true while PID runs (a zombie does not count)
#   stop_pid PID                       SIGTERM, SIGKILL after 5 s, then reaps it
# Extra flags come after the defaults, and the server takes the last of a repeated flag.
SECRET=bench-secret-0123456789

spawn_server() {
  local dir=$1
  shift
  ./build/liveroom-server --bind 127.0.0.1 --port 0 --demo --secret "$SECRET" --data-dir "$dir" --threads 2 \
    --max-connections 30000 --max-connections-per-ip 0 --handshakes-per-ip-per-s 0 \
    --staff-requests-per-s 100000 --staff-request-burst 100000 --log-level warn "$@" > "$dir/out" 2>&1 &
  SPAWNED_PID=$!
}

await_server() {
  local dir=$1 pid=$2
  for _ in $(seq 100); do
    grep -qs listening "$dir/out" && break
    pid_alive "$pid" || break # it exited (a usage error, say): nothing to wait for
    sleep 0.1
  done
  # The listening line only: a cluster node may print other addresses first.
  AWAITED_PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/out" | head -1)
  if [ -z "$AWAITED_PORT" ]; then
    echo "liveroom-server did not start:" >&2
    cat "$dir/out" >&2
    return 1
  fi
}

host_token() {
  ./build/liveroom-server token --secret "$SECRET" --role host --room demo --name host --ttl 1h
}

pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

stop_pid() {
  local pid=$1
  kill "$pid" 2> /dev/null || return 0
  for _ in $(seq 50); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  pid_alive "$pid" && kill -KILL "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  return 0
}

start_server() {
  DATA_DIR=$(mktemp -d)
  spawn_server "$DATA_DIR" "$@"
  SERVER_PID=$SPAWNED_PID
  await_server "$DATA_DIR" "$SERVER_PID" || return 1
  PORT=$AWAITED_PORT
  TOKEN=$(host_token)
}

stop_server() {
  stop_pid "$SERVER_PID"
  rm -rf "$DATA_DIR"
}
