#!/usr/bin/env bash
# Issue 22, points 2 and 3: how long a start against a far Director takes until the wizard
# shows systems, measured through a real terminal (tmux) on the release binary.
#
#   benches/remote_start.sh [SYSTEMS] [LATENCY_MS]     (defaults: 10000 200)
#
# Pages of 200, the Director's maximum (MAX_PAGE=100 for the sandbox's default).
# Starts the sandbox with LATENCY_MS per request on a generated landscape, then runs the
# wizard three times: without the cache (first page → the Type step opens; last page → the
# loading mark goes), and twice with it (a first start that writes it, a second that shows
# it). Each figure is the time from starting the process to the text appearing on screen,
# polled every 20 ms. Prints one line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
systems="${1:-10000}"
latency="${2:-200}"
bin="${FW_BIN:-${CARGO_TARGET_DIR:-target}/release/formation-wizard}"
[ -x "$bin" ] || { echo "build first: cargo build --release ($bin)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 2; }

work=$(mktemp -d)
trap 'tmux kill-session -t fwbench 2>/dev/null || true; kill "$sandbox" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" generate --systems "$systems" --formations $((systems / 10)) > "$work/landscape.json"
(umask 077; echo bench-token > "$work/token")
"$bin" sandbox --landscape "$work/landscape.json" --listen 127.0.0.1:0 --token bench-token \
  --latency-ms "$latency" --max-page "${MAX_PAGE:-200}" > "$work/sandbox.out" 2>&1 &
sandbox=$!
for _ in $(seq 100); do
  port=$(grep -o 'port [0-9]*' "$work/sandbox.out" | head -1 | cut -d' ' -f2 || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] || { cat "$work/sandbox.out" >&2; exit 1; }
url="http://127.0.0.1:$port/graphql"

now_ms() { date +%s%3N; }

# run NAME EXTRA_FLAGS TEXT...: starts the wizard, presses Enter on the Name step, and
# prints the milliseconds until each TEXT is on screen ("!TEXT": until it is gone;
# "@systems": Enter on the Type step, then until the Systems step's table is drawn).
run() {
  local label="$1" flags="$2"; shift 2
  local start; start=$(now_ms)
  tmux new-session -d -s fwbench -x 120 -y 40 \
    "env XDG_CACHE_HOME=$work/cache FORMATION_WIZARD_DATA_DIR=$work/data $bin --director $url --tenant t --token-file $work/token --name Bench $flags; sleep 60"
  # Enter once the Name step is drawn (keys typed before the terminal is set up are lost).
  until tmux capture-pane -p -t fwbench 2>/dev/null | grep -q "Name the formation"; do
    sleep 0.01
  done
  echo "$label: the Name step after $(( $(now_ms) - start )) ms"
  tmux send-keys -t fwbench Enter
  for want in "$@"; do
    if [[ "$want" == "@systems" ]]; then
      # The Type step is open: Enter chooses the highlighted type, and the Systems step's
      # column titles show once it is drawn.
      tmux send-keys -t fwbench Enter
      want="Formations"
    fi
    while :; do
      screen=$(tmux capture-pane -p -t fwbench 2>/dev/null || true)
      if [[ "$want" == !* ]]; then
        [[ "$screen" != *"${want#!}"* ]] && break
      else
        [[ "$screen" == *"$want"* ]] && break
      fi
      if (( $(now_ms) - start > 60000 )); then
        echo "$label: timed out waiting for $want; the screen:" >&2
        echo "$screen" >&2
        break
      fi
      sleep 0.02
    done
    echo "$label: \"$want\" after $(( $(now_ms) - start )) ms"
  done
  tmux kill-session -t fwbench 2>/dev/null || true
  sleep 0.3
}

# 10000 → 10,000, as the header writes it.
grouped=$(echo "$systems" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
echo "sandbox: $systems systems, $latency ms per request; $(nproc) cores"
run "no cache" "--no-cache" "Choose the formation type" "@systems" "!of $grouped…"
run "cache, first start" "" "Choose the formation type" "@systems" "!of $grouped…"
sleep 1
run "cache, second start" "" "Choose the formation type" "refreshing…" "@systems" "!refreshing…"
