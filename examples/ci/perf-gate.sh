#!/usr/bin/env bash
# perf-gate.sh: gate a change's serving performance against its base, both measured in this job, on this runner.
#
# Starts two servers (the base's and the candidate's model repository, each on free ports), runs the scenario
# REPEAT times against each, interleaved (base, candidate, candidate, base, ...) so that whatever else the runner
# does falls on both sides alike, makes a baseline of the base's repetitions and gates the candidate's against it.
# The script's exit code is the gate's: 0 pass, 1 a regression or a failed SLO check, 3 cannot judge (the runner
# was too busy to measure what changed), 2 invalid input, 4 internal error. See docs/ci.md.
#
# Environment (paths relative to the working directory):
#   BASE_MODELS, CANDIDATE_MODELS  model repositories (Triton's layout) of the base and of the change (required)
#   SCENARIO         the scenario to run (default: scenario.yaml beside this script); its target is replaced
#   REPEAT           repetitions per side, 2 to 100 (default 6; the gate compares repetitions from 6 on)
#   DURATION_SCALE   multiplies the scenario's durations (default 1)
#   OUT              folder for everything it writes (default perf-gate): summary.md, junit.xml, base/rep-N,
#                    candidate/rep-N, baseline.json, the servers' logs
#   GAUNTLET         the gauntlet command (default node_modules/.bin/gauntlet, as installed by npm)
#   GATE_OPTIONS     more options for `gauntlet gate`, e.g. "--unknown fail --min-effect p99=0.2"
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gauntlet=${GAUNTLET:-node_modules/.bin/gauntlet}
scenario=${SCENARIO:-$here/scenario.yaml}
repeat=${REPEAT:-6}
scale=${DURATION_SCALE:-1}
out=${OUT:-perf-gate}

fail() { echo "perf-gate: $*" >&2; exit 2; }
[ -n "${BASE_MODELS:-}" ] || fail "BASE_MODELS is not set (the base's model repository)"
[ -n "${CANDIDATE_MODELS:-}" ] || fail "CANDIDATE_MODELS is not set (the change's model repository)"
[ -d "$BASE_MODELS" ] || fail "BASE_MODELS=$BASE_MODELS is not a folder"
[ -d "$CANDIDATE_MODELS" ] || fail "CANDIDATE_MODELS=$CANDIDATE_MODELS is not a folder"
[ -f "$scenario" ] || fail "SCENARIO=$scenario is not a file"
[[ "$repeat" =~ ^[0-9]+$ ]] && [ "$repeat" -ge 2 ] && [ "$repeat" -le 100 ] || fail "REPEAT=$repeat: a whole number from 2 to 100"
command -v "$gauntlet" > /dev/null || fail "GAUNTLET=$gauntlet: no such command (install gauntlet first, docs/ci.md)"
[ ! -e "$out/candidate" ] && [ ! -e "$out/base" ] || fail "OUT=$out already has results of an earlier gate: remove it or name another"
mkdir -p "$out"

# The two servers, stopped whenever this script ends (also on an error or a signal).
pids=()
stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME MODELS: serves MODELS on free loopback ports; writes $out/NAME-target.yaml once it is ready.
start_server() {
  local name=$1 models=$2 log="$out/$1-server.log"
  # The command itself in the background (not npx): $! is then the server, and `kill` reaches it. With
  # GAUNTLET_PARENT_PID it also exits when this script dies without a chance to stop it (kill -9, a cancelled job).
  GAUNTLET_PARENT_PID=$$ "$gauntlet" serve --model-repository "$models" --http-port 0 --grpc-port 0 --metrics-port 0 > "$log" 2>&1 &
  pids+=($!)
  local pid=$! deadline=$((SECONDS + 180))
  until grep -q '^Server is ready' "$log"; do
    if grep -q '^Server is live but NOT ready' "$log"; then cat "$log" >&2; echo "perf-gate: the $name server's models did not all load" >&2; exit 2; fi
    kill -0 "$pid" 2> /dev/null || { cat "$log" >&2; echo "perf-gate: the $name server exited before it was ready" >&2; exit 4; }
    [ "$SECONDS" -lt "$deadline" ] || { cat "$log" >&2; echo "perf-gate: the $name server was not ready within 180 s" >&2; exit 4; }
    sleep 0.2
  done
  local http metrics
  http=$(sed -n 's/^Started HTTPService at \(.*\)$/\1/p' "$log")
  metrics=$(sed -n 's/^Started Metrics Service at \(.*\)$/\1/p' "$log")
  cat > "$out/$name-target.yaml" <<TARGET
name: $name
protocol: kserve-http
url: http://$http
binary: true
metrics_url: http://$metrics/metrics
TARGET
}

start_server base "$BASE_MODELS"
start_server candidate "$CANDIDATE_MODELS"

# run_side SIDE I: one repetition against one side. A run that finished (0, or 1 and 3: an SLO failed, or the
# measurement was invalid) is kept for the gate to judge; bad input (2) or an internal error (4) ends the job.
run_side() {
  local side=$1 i=$2 code=0
  "$gauntlet" run "$scenario" --target "$out/$side-target.yaml" --out "$out/$side/rep-$i" --duration-scale "$scale" || code=$?
  case $code in
    0 | 1 | 3) ;;
    *) echo "perf-gate: the $side's repetition $i exited $code" >&2; exit "$code" ;;
  esac
}

for ((i = 1; i <= repeat; i++)); do
  echo "perf-gate: round $i of $repeat" >&2
  if ((i % 2)); then run_side base "$i"; run_side candidate "$i"; else run_side candidate "$i"; run_side base "$i"; fi
done
stop_servers
pids=()

# The base's repetitions make the baseline; a metric whose repetitions the runner made invalid is left out of it
# (with a note). When no baseline can be made at all, the job cannot judge: exit 3, not a regression.
code=0
"$gauntlet" baseline save "$out/base" --name base --out "$out/baseline.json" || code=$?
if [ "$code" = 2 ]; then
  printf '## Performance gate: cannot judge\n\nThe base'"'"'s runs could not make a baseline (see the job log).\n' > "$out/summary.md"
  exit 3
elif [ "$code" != 0 ]; then
  exit "$code"
fi

code=0
# shellcheck disable=SC2086 # GATE_OPTIONS is a list of options
"$gauntlet" gate "$out/candidate" --baseline "$out/baseline.json" \
  --junit "$out/junit.xml" --markdown "$out/summary.md" --markdown-mode replace ${GATE_OPTIONS:-} || code=$?
exit "$code"
