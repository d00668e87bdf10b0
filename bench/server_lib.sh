# Sourced by the bench/*.sh scripts: a fresh liveroom-server (Release build)
# on 127.0.0.1 and a free port, with the limits a load test needs lifted.
#   start_server [extra flags...]   sets SERVER_PID, PORT, TOKEN (host of demo), DATA_DIR
#   stop_server
SECRET=bench-secret-0123456789

start_server() {
  DATA_DIR=$(mktemp -d)
  ./build/liveroom-server --bind 127.0.0.1 --port 0 --demo --secret "$SECRET" --data-dir "$DATA_DIR" --threads 2 \
    --max-connections 30000 --max-connections-per-ip 0 --handshakes-per-ip-per-s 0 \
    --staff-requests-per-s 100000 --staff-request-burst 100000 --log-level warn "$@" > "$DATA_DIR/out" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q listening "$DATA_DIR/out" && break; sleep 0.1; done
  PORT=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$DATA_DIR/out" | head -1)
  if [ -z "$PORT" ]; then
    echo "liveroom-server did not start:" >&2
    cat "$DATA_DIR/out" >&2
    return 1
  fi
  TOKEN=$(./build/liveroom-server token --secret "$SECRET" --role host --room demo --name host --ttl 1h)
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  rm -rf "$DATA_DIR"
}
