#!/usr/bin/env bash
# gpu-check.sh: the prepared GPU device check of issue 12 (docs/gpu.md). Run it in the project root of the device
# machine, in one call of at most 8 minutes (GPU_CHECK_BUDGET_S, default 480 s):
#   1. `gauntlet profile` on webgpu for mlp, encoder and cnn at batch 1/8/32/128 x fp32/fp16/int8/int4
#      (variants that do not load are recorded by the profile itself), and the report of the three profiles;
#   2. a short `gauntlet run` against the reference server with a webgpu instance group (KIND_GPU, one instance:
#      the server gives each GPU instance its own process, as several webgpu sessions in worker threads of one
#      process break);
#   3. the batching effect on GPU utilisation: nvidia-smi sampled every 100 ms during steady closed-loop load,
#      dynamic batching off, then on (the claim under test: single requests 20-40 %, batched 70-90 %).
# Everything lands in one results folder; with $OUT set (the device tool) it is packed into
# $OUT/gpu-check.tar.xz, with summary.txt beside it.
#
# Here, before the device call:  npm ci && npm run build && ../shared/gpu/pack.sh
# Device call:  carry [".gpu", "dist"], command "bash bench/gpu-check.sh", timeout_s 560.
# Dry run (prints the steps, checks nothing on a GPU):  bash bench/gpu-check.sh --dry-run
#
# Exit codes: 0 every step ran (a step's own failure is recorded in summary.txt and its log); 2 a prerequisite
# is missing (each one is listed) or an option is wrong.
set -uo pipefail

DRY=0
RESULTS=''
BUDGET_S=${GPU_CHECK_BUDGET_S:-480}
MODELS=${GPU_CHECK_MODELS:-mlp encoder cnn}
UTIL_MODEL=${GPU_CHECK_UTIL_MODEL:-mlp}
UTIL_CONCURRENCY=${GPU_CHECK_UTIL_CONCURRENCY:-32}
UTIL_SECONDS=${GPU_CHECK_UTIL_SECONDS:-20}
PORT=${GPU_CHECK_PORT:-18000}
# The flags of `gauntlet profile` (docs/profile.md), checked against its --help; --ops is left out so that a failure of ORT's profiler on webgpu cannot cost the cells.
# 16 cells of at most 3 s each (the default is 5) keep three profiles inside the budget.
PROFILE_FLAGS="--ep webgpu --batch-sizes 1,8,32,128 --precisions fp32,fp16,int8,int4 --max-seconds-per-cell ${GPU_CHECK_CELL_S:-3}"

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  echo
  echo "Options: --dry-run (print the steps), --out DIR (the results folder; default /tmp/gpu-check with \$OUT set,"
  echo "else reports/gpu-check/<UTC time>), --help. Environment: GPU_CHECK_BUDGET_S (60-540, default 480),"
  echo "GPU_CHECK_MODELS ('mlp encoder cnn'), GPU_CHECK_UTIL_MODEL (mlp), GPU_CHECK_UTIL_CONCURRENCY (32),"
  echo "GPU_CHECK_UTIL_SECONDS (20), GPU_CHECK_CELL_S (3: --max-seconds-per-cell), GPU_CHECK_PORT (18000; +1 gRPC, +2 metrics, +3 admin)."
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --out) [ $# -ge 2 ] || { echo "gpu-check: --out needs a folder" >&2; exit 2; }; RESULTS=$2; shift ;;
    --out=*) RESULTS=${1#--out=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpu-check: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

problems=()
case "$BUDGET_S" in ''|*[!0-9]*) problems+=("GPU_CHECK_BUDGET_S: must be whole seconds from 60 to 540, got '$BUDGET_S'") ;; *) [ "$BUDGET_S" -ge 60 ] && [ "$BUDGET_S" -le 540 ] || problems+=("GPU_CHECK_BUDGET_S: must be from 60 to 540, got $BUDGET_S") ;; esac
CELL_S=${GPU_CHECK_CELL_S:-3}
for v in UTIL_CONCURRENCY UTIL_SECONDS PORT CELL_S; do
  case "${!v}" in ''|*[!0-9]*) problems+=("GPU_CHECK_$v: must be a whole number, got '${!v}'") ;; esac
done
for m in $MODELS $UTIL_MODEL; do
  case "$m" in mlp|encoder|cnn) ;; *) problems+=("model '$m': must be one of mlp, encoder, cnn") ;; esac
done
if [ ${#problems[@]} -gt 0 ]; then
  printf 'gpu-check: %s\n' "${problems[@]}" >&2
  exit 2
fi

if [ -z "$RESULTS" ]; then
  if [ -n "${OUT:-}" ]; then RESULTS=/tmp/gpu-check; else RESULTS=reports/gpu-check/$(date -u +%Y%m%dT%H%M%SZ); fi
fi
CLI='node dist/src/cli/main.js'
START=$SECONDS
PIDS=()

# check_prerequisites lists every missing prerequisite at once (exit 2), before anything runs.
check_prerequisites() {
  local missing=()
  [ -f package.json ] && grep -q '"name": *"gauntlet' package.json || missing+=("run it in the gauntlet project root (no package.json of gauntlet here)")
  [ -f .gpu/setup.sh ] || missing+=(".gpu/setup.sh: run ../shared/gpu/pack.sh here before the device call, and carry .gpu")
  [ -f dist/src/cli/main.js ] || missing+=("dist/src/cli/main.js: run npm run build here before the device call, and carry dist")
  command -v timeout >/dev/null || missing+=("timeout (coreutils)")
  command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1 || missing+=("nvidia-smi: no NVIDIA GPU answers here (this check needs the GPU machine)")
  if [ ${#missing[@]} -eq 0 ]; then
    # shellcheck disable=SC1091
    source .gpu/setup.sh >/dev/null || missing+=("source .gpu/setup.sh failed")
    command -v node >/dev/null || missing+=("node: .gpu/setup.sh did not put Node on PATH")
    ldconfig -p 2>/dev/null | grep -q libvulkan || missing+=("libvulkan: the Vulkan loader is missing (pack.sh's .gpu/debs; the webgpu EP cannot load without it)")
    if command -v node >/dev/null; then
      $CLI profile --help >/dev/null 2>&1 || missing+=("gauntlet profile: this build has no profile command (merge issue 12 part 1, then npm run build)")
    fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "gpu-check: ${#missing[@]} prerequisite(s) missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 2
  fi
}

# left prints the seconds left of the budget.
left() { echo $((BUDGET_S - (SECONDS - START))); }

note() { echo "$*" | tee -a "$RESULTS/summary.txt"; }

# step NAME SECONDS CMD...: runs CMD with a timeout of SECONDS (or what is left of the budget, less a reserve for
# the steps after it), its output in logs/NAME.log; SIGINT first, so a gauntlet command writes its results as
# interrupted, then SIGKILL 10 s later. A step that fails is recorded and the check goes on.
step() {
  local name=$1 secs=$2
  shift 2
  if [ "$DRY" = 1 ]; then
    printf '[%4ss] %-22s %s\n' "$secs" "$name" "$*"
    return 0
  fi
  local avail=$(($(left) - 15))
  [ "$secs" -gt "$avail" ] && secs=$avail
  if [ "$secs" -lt 5 ]; then
    note "$name: SKIPPED (the ${BUDGET_S} s budget is spent)"
    return 1
  fi
  local t0=$SECONDS rc
  timeout -s INT -k 10 "$secs" "$@" >"$RESULTS/logs/$name.log" 2>&1
  rc=$?
  note "$name: exit $rc after $((SECONDS - t0)) s (limit $secs s)$([ $rc = 124 ] && echo ', TIMED OUT')"
  return $rc
}

# cleanup stops what this script started (by id), and packs the results for the device tool.
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "$DRY" = 0 ] && [ -n "${OUT:-}" ] && [ -d "$RESULTS" ]; then
    cp "$RESULTS/summary.txt" "$OUT/summary.txt" 2>/dev/null
    tar cJf "$OUT/gpu-check.tar.xz" -C "$(dirname "$RESULTS")" "$(basename "$RESULTS")" 2>/dev/null && echo "gpu-check: packed into \$OUT/gpu-check.tar.xz"
  fi
}

# repo_config FILE BATCHING: the model's config for one webgpu instance (KIND_GPU, no CPU fallback: an EP that
# does not load fails the load), with dynamic batching on (up to the model's max_batch_size, 2 ms queue delay)
# or off (every request runs alone).
repo_config() {
  node --input-type=module -e "
    import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
    import YAML from 'yaml';
    const [file, batching] = process.argv.slice(1);
    // Always from the config as built, so batching on gets back its queue policy after batching off.
    if (!existsSync(file + '.built')) copyFileSync(file, file + '.built');
    const c = YAML.parse(readFileSync(file + '.built', 'utf8'));
    c.execution_provider = 'webgpu';
    c.fallback_to_cpu = false;
    c.instance_group = [{ count: 1, kind: 'KIND_GPU' }];
    if (batching === 'on') c.dynamic_batching = { ...(c.dynamic_batching ?? {}), max_queue_delay_microseconds: 2000 };
    else delete c.dynamic_batching;
    writeFileSync(file, YAML.stringify(c));
  " "$1" "$2"
}

# scenario FILE NAME LOAD: a scenario of one phase against the utilisation model, its input shape from its config.
scenario() {
  node --input-type=module -e "
    import { readFileSync, writeFileSync } from 'node:fs';
    import YAML from 'yaml';
    const [file, name, model, load, seconds, repo] = process.argv.slice(1);
    const c = YAML.parse(readFileSync(repo + '/' + model + '/config.yaml', 'utf8'));
    const inputs = c.input.map((i) => ({ name: i.name, datatype: i.data_type.replace(/^TYPE_/, ''), shape: [1, ...i.dims.map((d) => (d < 0 ? 1 : d))] }));
    const phase = load.startsWith('c') ? { name, duration: seconds + 's', concurrency: Number(load.slice(1)) } : { name, duration: seconds + 's', rate: '1x' };
    const s = { name, peak_rps: load.startsWith('c') ? 100 : Number(load.slice(1)), seed: 1, request: { model, inputs }, slo: { p99_ms: 1000, error_rate: 0.01 }, phases: [phase] };
    writeFileSync(file, YAML.stringify(s));
  " "$@"
}

# serve BATCHING: starts the reference server on the webgpu repository and waits (30 s at most) until it is ready.
serve() {
  if [ "$(left)" -lt 60 ]; then
    note "serve (batching $1): SKIPPED (under 60 s of the budget left)"
    return 1
  fi
  repo_config "$RESULTS/repo/$UTIL_MODEL/config.yaml" "$1" || return 1
  $CLI serve --model-repository "$RESULTS/repo" --load-model "$UTIL_MODEL" --http-port "$PORT" --grpc-port $((PORT + 1)) \
    --metrics-port $((PORT + 2)) --admin-port $((PORT + 3)) >"$RESULTS/logs/serve-batching-$1.log" 2>&1 &
  SERVER=$!
  PIDS+=("$SERVER")
  node -e "
    const deadline = Date.now() + 30000;
    (async () => {
      for (;;) {
        try { if ((await fetch('http://127.0.0.1:$PORT/v2/health/ready')).ok) return; } catch {}
        // A model that failed to load (its EP unavailable) leaves the server live but never ready: stop waiting.
        if (require('node:fs').readFileSync('$RESULTS/logs/serve-batching-$1.log', 'utf8').includes('NOT ready')) { console.error('the model did not load'); process.exit(1); }
        if (Date.now() > deadline) { console.error('not ready after 30 s'); process.exit(1); }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  " || { note "serve (batching $1): not ready, see logs/serve-batching-$1.log"; return 1; }
}

stop_server() {
  kill -INT "$SERVER" 2>/dev/null
  wait "$SERVER" 2>/dev/null
}

# utilisation NAME: samples nvidia-smi every 100 ms while the closed-loop run NAME runs, then summarises the samples
# after the first 2 s (mean, median, max GPU utilisation and the most device memory).
utilisation() {
  local name=$1 csv="$RESULTS/util/$1.csv"
  nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 100 >"$csv" 2>/dev/null &
  local sampler=$!
  PIDS+=("$sampler")
  step "$name" $((UTIL_SECONDS + 20)) $CLI run "$RESULTS/util/$name.yaml" --target "$RESULTS/target.yaml" --out "$RESULTS/runs/$name" --exit-zero
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null
  # mawk has no asort: the median comes from sort.
  local samples
  samples=$(awk -F', *' 'NR > 20 && $2 ~ /^[0-9]+$/ { print $2 }' "$csv" | sort -n)
  if [ -z "$samples" ]; then
    note "$name: no nvidia-smi samples"
    return 0
  fi
  local mem
  mem=$(awk -F', *' 'NR > 20 && $3 + 0 > m { m = $3 + 0 } END { print m + 0 }' "$csv")
  echo "$samples" | awk -v name="$name" -v mem="$mem" '{ u[NR] = $1; s += $1 } END { printf "%s: GPU utilisation mean %.1f %%, median %s %%, max %s %% over %d samples (100 ms), device memory up to %s MiB\n", name, s / NR, u[int((NR + 1) / 2)], u[NR], NR, mem }' |
    tee -a "$RESULTS/summary.txt"
}

main() {
  if [ "$DRY" = 1 ]; then
    echo "gpu-check --dry-run: the steps, each with its time limit (the whole check stops at ${BUDGET_S} s); results in $RESULTS"
    echo "prerequisites checked first: package.json, .gpu/setup.sh (pack.sh), dist/ (npm run build), timeout, nvidia-smi -L, libvulkan after setup.sh, gauntlet profile --help"
  else
    check_prerequisites
    mkdir -p "$RESULTS/logs" "$RESULTS/util" "$RESULTS/runs" || exit 2
    : >"$RESULTS/summary.txt"
    note "gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname): $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1); node $(node --version); budget ${BUDGET_S} s"
    note "git $(git rev-parse --short HEAD 2>/dev/null || echo '(no git)')"
  fi
  trap cleanup EXIT

  # 1. Profiles on webgpu, then their report (a profile that did not finish is still reported, marked so).
  local profiles=()
  for m in $MODELS; do
    step "profile-$m" 85 $CLI profile "$m" $PROFILE_FLAGS --out "$RESULTS/profile-$m"
    profiles+=("$RESULTS/profile-$m")
  done
  step report 15 $CLI report "${profiles[@]}" --out "$RESULTS/profiles-report.html"
  for m in $MODELS; do
    step "report-$m" 8 $CLI report "$RESULTS/profile-$m" --format md --out "$RESULTS/profile-$m/report.md"
  done

  # 2. and 3. The reference server with one webgpu instance: batching off, then on (with the short run).
  step build-model 25 $CLI models build --out "$RESULTS/repo" --model "$UTIL_MODEL" --precision fp32
  if [ "$DRY" = 1 ]; then
    echo "        then: config.yaml of $UTIL_MODEL gets execution_provider webgpu, fallback_to_cpu false, instance_group [{count: 1, kind: KIND_GPU}]"
    echo "        serve --model-repository $RESULTS/repo --load-model $UTIL_MODEL --http-port $PORT (dynamic batching off), ready within 30 s"
    echo "        nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 100 during:"
    step util-batching-off $((UTIL_SECONDS + 20)) $CLI run util/util-batching-off.yaml "(concurrency $UTIL_CONCURRENCY, ${UTIL_SECONDS} s)" --target target.yaml
    echo "        restart the server with dynamic batching on (max_queue_delay_microseconds 2000)"
    step run-webgpu 30 $CLI run util/run-webgpu.yaml "(open loop, 100 rps, 10 s)" --target target.yaml
    step util-batching-on $((UTIL_SECONDS + 20)) $CLI run util/util-batching-on.yaml "(concurrency $UTIL_CONCURRENCY, ${UTIL_SECONDS} s)" --target target.yaml
    echo "        summary.txt: each step's exit and time, and mean/median/max GPU utilisation of each load (first 2 s dropped)"
    return 0
  fi
  printf 'name: webgpu-reference\nprotocol: kserve-http\nurl: http://127.0.0.1:%s\nmodel: %s\nbinary: true\ntimeout_ms: 10000\nmax_in_flight: 1024\nmetrics_url: http://127.0.0.1:%s/metrics\n' \
    "$PORT" "$UTIL_MODEL" $((PORT + 2)) >"$RESULTS/target.yaml"
  scenario "$RESULTS/util/util-batching-off.yaml" util-batching-off "$UTIL_MODEL" "c$UTIL_CONCURRENCY" "$UTIL_SECONDS" "$RESULTS/repo" &&
    scenario "$RESULTS/util/util-batching-on.yaml" util-batching-on "$UTIL_MODEL" "c$UTIL_CONCURRENCY" "$UTIL_SECONDS" "$RESULTS/repo" &&
    scenario "$RESULTS/util/run-webgpu.yaml" run-webgpu "$UTIL_MODEL" r100 10 "$RESULTS/repo" || { note "scenarios: could not be written"; return 0; }
  if serve off; then
    utilisation util-batching-off
    stop_server
  fi
  if serve on; then
    step run-webgpu 30 $CLI run "$RESULTS/util/run-webgpu.yaml" --target "$RESULTS/target.yaml" --out "$RESULTS/runs/run-webgpu" --exit-zero
    utilisation util-batching-on
    stop_server
  fi
  grep -h 'execution provider\|webgpu\|Error' "$RESULTS"/logs/serve-*.log 2>/dev/null | head -20 >"$RESULTS/serve-notes.txt"
  note "done in $((SECONDS - START)) s; results in $RESULTS"
}

main
