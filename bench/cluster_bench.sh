#!/usr/bin/env bash
# Cluster fan-out (issue 10): each run measures one room's fan-out on
#   (a) one node:    a fresh nats-server -js, one liveroom-server --threads 2;
#   (b) three nodes: a fresh nats-server -js, three liveroom-servers --threads 1,
#       the viewers spread over them (liveroom-bench fanout --url x3, host on n1);
# and prints the bench's report lines, with the CPU that nats-server and each
# node used while the bench ran, so the cost of NATS can be read beside them.
# Usage: bench/cluster_bench.sh VIEWERS RATE [runs]     (runs: default 3)
#   BENCH_THREADS=T   the bench's client threads in both setups (default 3,
#                     which is one per node in (b): the same bench both times)
#   CLUSTER_BENCH_NO_CLUSTER=1   testing this script only: the nodes start without
#                     --cluster/--node-id, so each is a server on its own and (b)
#                     shows two thirds of the deliveries lost
set -u
cd "$(dirname "$0")/.." || exit 1
source bench/server_lib.sh

usage() {
  echo "usage: bench/cluster_bench.sh VIEWERS RATE [runs]" >&2
  exit 2
}
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  usage
fi
viewers=$1
rate=$2
runs=${3:-3}
threads=${BENCH_THREADS:-3}
[[ $viewers =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ && $threads =~ ^[1-9][0-9]*$ ]] || usage
[[ $rate =~ ^[0-9]+([.][0-9]+)?$ ]] || usage
for f in build/liveroom-server build/bench/liveroom-bench; do
  if [ ! -x "$f" ]; then
    echo "$f is missing: build the Release tree first (bench/README.md)" >&2
    exit 1
  fi
done
if ! command -v nats-server > /dev/null; then
  echo "nats-server not found (Debian: apt-get install nats-server)" >&2
  exit 1
fi

TICKS=$(getconf CLK_TCK)
WORK=$(mktemp -d) # every store, log and report of this script
STARTED=()        # pids still to stop, in start order

stop_started() {
  local i
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    stop_pid "${STARTED[i]}"
  done
  STARTED=()
}

forget_pid() {
  local kept=() pid
  for pid in "${STARTED[@]}"; do
    [ "$pid" = "$1" ] || kept+=("$pid")
  done
  STARTED=("${kept[@]}")
}

trap 'stop_started; rm -rf "$WORK"' EXIT
trap 'echo "cluster_bench: interrupted; stopping everything" >&2; exit 130' INT
trap 'exit 143' TERM

# start_nats DIR: a fresh nats-server with JetStream, its store in DIR; sets NATS_PID, NATS_PORT.
start_nats() {
  local dir=$1
  mkdir -p "$dir"
  nats-server -js -a 127.0.0.1 -p -1 -sd "$dir/js" > "$dir/out" 2>&1 &
  NATS_PID=$!
  STARTED+=("$NATS_PID")
  for _ in $(seq 100); do
    grep -qs 'Server is ready' "$dir/out" && break
    pid_alive "$NATS_PID" || break
    sleep 0.1
  done
  NATS_PORT=$(sed -n 's/.*Listening for client connections on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/out" | head -1)
  if [ -z "$NATS_PORT" ] || ! grep -q 'Server is ready' "$dir/out"; then
    echo "cluster_bench: nats-server did not start within 10 s; its output:" >&2
    cat "$dir/out" >&2
    return 1
  fi
}

# start_nodes COUNT THREADS: nodes n1..nCOUNT on the current nats-server, each on its own free
# port; waits until each listens. Sets NODE_IDS, NODE_PIDS, NODE_PORTS.
start_nodes() {
  local count=$1 node_threads=$2 i id cluster dirs=()
  NODE_IDS=()
  NODE_PIDS=()
  NODE_PORTS=()
  for ((i = 1; i <= count; i++)); do
    id=n$i
    cluster=(--cluster "nats://127.0.0.1:$NATS_PORT" --node-id "$id")
    [ "${CLUSTER_BENCH_NO_CLUSTER:-0}" = 1 ] && cluster=()
    mkdir -p "$RUN_DIR/$id"
    spawn_server "$RUN_DIR/$id" --threads "$node_threads" "${cluster[@]}"
    STARTED+=("$SPAWNED_PID")
    NODE_IDS+=("$id")
    NODE_PIDS+=("$SPAWNED_PID")
    dirs+=("$RUN_DIR/$id")
  done
  for ((i = 0; i < count; i++)); do
    if ! await_server "${dirs[i]}" "${NODE_PIDS[i]}" 2> "$RUN_DIR/await.err"; then
      echo "cluster_bench: node ${NODE_IDS[i]} did not start (liveroom-server --threads $node_threads" \
        "--cluster nats://127.0.0.1:$NATS_PORT --node-id ${NODE_IDS[i]}); its output:" >&2
      sed 1d "$RUN_DIR/await.err" | sed 's/^/  | /' >&2
      if grep -q 'unknown option --cluster' "${dirs[i]}/out"; then
        echo "cluster_bench: this liveroom-server has no cluster mode; build a tree that has it" \
          "(or CLUSTER_BENCH_NO_CLUSTER=1 to test this script)" >&2
      fi
      return 1
    fi
    NODE_PORTS+=("$AWAITED_PORT")
  done
}

cpu_ticks() { # user + system time of PID in clock ticks; empty when it is gone
  local stat fields
  stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 0
  read -ra fields <<< "${stat##*) }"
  echo $((fields[11] + fields[12]))
}

# cpu_line NAME PID TICKS_BEFORE SECONDS: what PID used since TICKS_BEFORE, and its memory.
cpu_line() {
  local name=$1 pid=$2 before=$3 wall=$4 after rss peak
  after=$(cpu_ticks "$pid")
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2> /dev/null)
  peak=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status" 2> /dev/null)
  if [ -z "$before" ] || [ -z "$after" ]; then
    printf '  %-13s pid %s: gone before the end of the bench\n' "$name" "$pid"
    return
  fi
  awk -v n="$name" -v p="$pid" -v t="$((after - before))" -v hz="$TICKS" -v w="$wall" -v r="${rss:-0}" \
    -v k="${peak:-0}" 'BEGIN {
      printf "  %-13s pid %s: cpu %.2f s over %.1f s = %.1f %% of one core; rss %.1f MiB, peak %.1f MiB\n",
        n, p, t / hz, w, (w > 0 ? 100 * t / hz / w : 0), r / 1024, k / 1024 }'
}

# run_bench: the fan-out bench against the current nodes, then the report lines and the CPU lines.
run_bench() {
  local args=() port pid i status t0 t1 before=() out=$RUN_DIR/bench.out
  for port in "${NODE_PORTS[@]}"; do
    args+=(--url "ws://127.0.0.1:$port/ws")
  done
  # One node: the bench reads its memory per viewer. Several: it would divide one node's growth
  # by every viewer, so the node lines below give each node's memory instead.
  [ "${#NODE_PIDS[@]}" = 1 ] && args+=(--server-pid "${NODE_PIDS[0]}")
  for pid in "$NATS_PID" "${NODE_PIDS[@]}"; do
    before+=("$(cpu_ticks "$pid")")
  done
  t0=$(date +%s.%N)
  # The bench ends itself past its own hard deadline; timeout is the net under that net.
  timeout --kill-after=10 $((150 + viewers / 1000)) ./build/bench/liveroom-bench fanout "${args[@]}" --room demo \
    --viewers "$viewers" --rate "$rate" --seconds 10 --warmup 3 --size 200 --threads "$threads" \
    --host-token "$TOKEN" > "$out" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  wait "$pid"
  status=$?
  forget_pid "$pid"
  t1=$(date +%s.%N)
  grep -E '^  (urls|throughput|latency|deliveries|sequence|server rss|bench cpu|result)' "$out"
  if ! grep -q '^  result' "$out"; then
    echo "  (no report: the bench exited with status $status; its last lines:)"
    tail -5 "$out" | sed 's/^/  | /'
  fi
  local wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  cpu_line nats-server "$NATS_PID" "${before[0]}" "$wall"
  for ((i = 0; i < ${#NODE_PIDS[@]}; i++)); do
    cpu_line "node ${NODE_IDS[i]}" "${NODE_PIDS[i]}" "${before[i + 1]}" "$wall"
  done
}

for run in $(seq "$runs"); do
  for nodes in 1 3; do
    RUN_DIR=$WORK/run$run-$nodes
    mkdir -p "$RUN_DIR"
    start_nats "$RUN_DIR/nats" || exit 1
    if [ "$nodes" = 1 ]; then
      start_nodes 1 2 || exit 1
      echo "== one node (--threads 2), $viewers viewers x $rate/s, run $run"
    else
      start_nodes 3 1 || exit 1
      echo "== three nodes (--threads 1 each), $viewers viewers x $rate/s, run $run"
    fi
    TOKEN=$(host_token)
    run_bench
    stop_started
    rm -rf "$RUN_DIR"
  done
done
