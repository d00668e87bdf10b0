#!/usr/bin/env bash
# End-to-end test of `liveroom-bench run` (ctest integration.bench_scenario, bounded to 60 s):
# starts the real server on 127.0.0.1, port 0, plays bench/scenarios/ci-tiny.json (50 viewers,
# 7 s, one cut-and-resume of everyone) and checks the JSON report: no gap, every viewer at the
# final seq, every comment acked, each host step answered, every cut viewer resumed.
# Usage: integration_test.sh <liveroom-server> <liveroom-bench> <scenario-dir> <work-dir>
set -euo pipefail

server_bin="$1"
bench_bin="$2"
scenario_dir="$3"
work="$4"
mkdir -p "$work"
secret="bench-integration-secret-0123"

# The server's stdout is a pipe: its first line tells the port (read with a timeout, no polling).
exec 3< <(exec "$server_bin" --bind 127.0.0.1 --port 0 --demo --secret "$secret" --log-level warn --threads 2 \
  --comment-rate-per-min 600 --comment-burst 50 2>&1)  # this tests the bench: no server-side comment limit in the way
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
port=""
while IFS= read -r -t 10 line <&3; do
    if [[ "$line" =~ listening\ on\ 127\.0\.0\.1:([0-9]+) ]]; then
        port="${BASH_REMATCH[1]}"
        break
    fi
done
if [ -z "$port" ]; then
    echo "the server did not report its port within 10 s" >&2
    exit 1
fi
cat <&3 >/dev/null &  # keep draining the pipe so the server never blocks on it

token="$("$server_bin" token --secret "$secret" --role host --room demo --name bench-host --ttl 10m)"
report="$work/ci-tiny.json"
rm -f "$report"
timeout 50 "$bench_bin" run ci-tiny --scenario-dir "$scenario_dir" --url "ws://127.0.0.1:$port/ws" \
    --host-token "$token" --server-pid "$server_pid" --threads 2 --drain 5 \
    --json "$report" --html "$work/ci-tiny.html"

"$bench_bin" check "$report" \
    'completed == 1' \
    'viewers.joins == 50' \
    'viewers.online_at_end == 50' \
    'viewers.connect_failures == 0' \
    'viewers.server_closes == 0' \
    'viewers.drops == 50' \
    'viewers.resumed == 50' \
    'viewers.snapshots == 0' \
    'deliveries.gaps == 0' \
    'deliveries.missing_seqs == 0' \
    'deliveries.duplicates == 0' \
    'deliveries.malformed == 0' \
    'deliveries.viewers_at_final == viewers.online_at_end' \
    'deliveries.final_seq > 0' \
    'requests.comment.sent >= 20' \
    'requests.comment.acked == requests.comment.sent' \
    'requests.comment.errors == 0' \
    'requests.ask.errors == 0' \
    'requests.like.acked == requests.like.sent' \
    'requests.card.show.acked == 1' \
    'requests.notice.set.acked == 1' \
    'requests.room.extend.acked == 1' \
    'requests.quiz.open.acked == 1' \
    'requests.quiz.answer.errors == 0' \
    'latency_ms.comment.deliveries > 0' \
    'latency_ms.card.deliveries == 50' \
    'latency_ms.notice.deliveries == 50' \
    'host.answered == host.sent'
