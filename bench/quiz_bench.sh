#!/usr/bin/env bash
# Issue 5: `liveroom-bench quiz-burst` with N viewers (default 10,000) against a fresh server, then the
# quizzes table of the export (its totals must equal the answers the bench saw acked).
# Usage: bench/quiz_bench.sh [viewers] [tag]
cd "$(dirname "$0")/.."
SECRET=bench-secret-0123456789
dir=$(mktemp -d)
./build/liveroom-server --bind 127.0.0.1 --port 0 --demo --secret $SECRET --data-dir $dir --threads 2 --max-connections 30000 --log-level warn > $dir/out 2>&1 &
pid=$!
for i in $(seq 50); do grep -q listening $dir/out && break; sleep 0.1; done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' $dir/out | head -1)
tok=$(./build/liveroom-server token --secret $SECRET --role host --room demo --name host --ttl 1h)
./build/bench/liveroom-bench quiz-burst --viewers ${1:-10000} --url ws://127.0.0.1:$port/ws --host-token "$tok" --server-pid $pid --json /tmp/quiz-${2:-1}.json 2>&1 | grep -v '^\[' 
curl -s -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/api/rooms/demo/export?format=csv&table=quizzes"
kill $pid; wait $pid 2>/dev/null; rm -rf $dir
