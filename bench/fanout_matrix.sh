#!/usr/bin/env bash
# Fan-out figures for bench/RESULTS.md: each (viewers, rate) three times on a
# fresh server; prints the report lines the table takes.
# Usage: bench/fanout_matrix.sh "10000:10 10000:50 10000:200" [runs]
cd "$(dirname "$0")/.."
SECRET=bench-secret-0123456789
runs=${2:-3}
for cell in $1; do
  viewers=${cell%%:*}
  rate=${cell##*:}
  for run in $(seq "$runs"); do
    dir=$(mktemp -d)
    ./build/liveroom-server --bind 127.0.0.1 --port 0 --demo --secret $SECRET --data-dir "$dir" --threads 2 \
      --max-connections 30000 --log-level warn > "$dir/out" 2>&1 &
    pid=$!
    for i in $(seq 50); do grep -q listening "$dir/out" && break; sleep 0.1; done
    port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$dir/out" | head -1)
    tok=$(./build/liveroom-server token --secret $SECRET --role host --room demo --name host --ttl 1h)
    echo "== $viewers viewers x $rate/s, run $run"
    ./build/bench/liveroom-bench fanout --url "ws://127.0.0.1:$port/ws" --room demo --viewers "$viewers" \
      --rate "$rate" --seconds 10 --warmup 3 --size 200 --host-token "$tok" --server-pid $pid 2>&1 |
      grep -E '^  (throughput|latency|deliveries|sequence|server rss|bench cpu|result)'
    kill $pid; wait $pid 2>/dev/null; rm -rf "$dir"
  done
done
