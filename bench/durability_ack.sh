#!/usr/bin/env bash
# Issue 4: ack latency with the event log on (process / power) vs off, at
# 5,000 writes/s with fan-out to 100 viewers; three rounds of the three.
cd "$(dirname "$0")/.."
source bench/server_lib.sh
for mode in process off power process off power process off power; do
  start_server --durability "$mode" || exit 1
  echo "== $mode"
  ./build/bench/liveroom-bench fanout --url "ws://127.0.0.1:$PORT/ws" --room demo --viewers 100 --rate 5000 \
    --seconds 10 --warmup 2 --size 100 --host-token "$TOKEN" --server-pid $SERVER_PID 2>&1 |
    grep -E 'ack latency|deliveries  |published'
  stop_server
done
