#!/usr/bin/env bash
# Issue 4: ack latency with the event log on (process / power) vs off, 5,000 writes/s with fan-out.
cd "$(dirname "$0")/.."
SECRET=bench-secret-0123456789
for mode in process off power process off power process off power; do
  dir=$(mktemp -d)
  ./build/liveroom-server --bind 127.0.0.1 --port 0 --demo --secret $SECRET --data-dir $dir --durability $mode --log-level warn > $dir/out 2>&1 &
  pid=$!
  for i in $(seq 50); do grep -q listening $dir/out && break; sleep 0.1; done
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' $dir/out | head -1)
  tok=$(./build/liveroom-server token --secret $SECRET --role host --room demo --name host --ttl 1h)
  echo "== $mode"
  ./build/bench/liveroom-bench fanout --url ws://127.0.0.1:$port/ws --room demo --viewers 100 --rate 5000 --seconds 10 --warmup 2 --size 100 --host-token "$tok" --server-pid $pid 2>&1 | grep -E 'ack latency|delivered|deliveries|loss|published'
  kill $pid; wait $pid 2>/dev/null; rm -rf $dir
done
