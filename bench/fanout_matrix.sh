#!/usr/bin/env bash
# Fan-out figures for bench/RESULTS.md: each (viewers, rate) three times on a
# fresh server; prints the report lines the table takes.
# Usage: bench/fanout_matrix.sh "10000:10 10000:50 10000:200" [runs]
cd "$(dirname "$0")/.."
source bench/server_lib.sh
runs=${2:-3}
for cell in $1; do
  viewers=${cell%%:*}
  rate=${cell##*:}
  for run in $(seq "$runs"); do
    start_server || exit 1
    echo "== $viewers viewers x $rate/s, run $run"
    ./build/bench/liveroom-bench fanout --url "ws://127.0.0.1:$PORT/ws" --room demo --viewers "$viewers" \
      --rate "$rate" --seconds 10 --warmup 3 --size 200 --host-token "$TOKEN" --server-pid $SERVER_PID 2>&1 |
      grep -E '^  (throughput|latency|deliveries|sequence|server rss|bench cpu|result)'
    stop_server
  done
done
