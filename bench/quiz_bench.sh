#!/usr/bin/env bash
# Issue 5: `liveroom-bench quiz-burst` with N viewers (default 10,000) against
# a fresh server, then the quizzes table of the export (its totals must equal
# the answers the bench saw acked).
# Usage: bench/quiz_bench.sh [viewers] [tag]
cd "$(dirname "$0")/.."
source bench/server_lib.sh
start_server || exit 1
./build/bench/liveroom-bench quiz-burst --viewers "${1:-10000}" --url "ws://127.0.0.1:$PORT/ws" --host-token "$TOKEN" \
  --server-pid $SERVER_PID --json "/tmp/quiz-${2:-1}.json" 2>&1 | grep -v '^\['
curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/rooms/demo/export?format=csv&table=quizzes"
stop_server
