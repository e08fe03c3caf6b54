#!/bin/bash
# The fuzzing campaign (README, Fuzzing): every target of fuzz/ in turn, in
# slices (20 minutes by default), until it has had 10 million executions or
# 2 CPU-hours, with the limits CI uses. Run it again to go on: the corpus
# grown so far, the statistics (log.tsv) and any findings (artifacts/TARGET/)
# are kept in WORK (default fuzz/campaign/, ignored by git). `table` prints
# README's table from log.tsv.
#
#   cargo +nightly fuzz build          # or RUSTC_BOOTSTRAP=1 cargo fuzz build
#   scripts/fuzz-campaign.sh           # one process; run more with other WORKs
#   scripts/fuzz-campaign.sh table
#
# BIN (default fuzz/target/x86_64-unknown-linux-gnu/release) holds the target
# binaries; ONLY (e.g. ONLY="archive web_plan") limits a process to some
# targets, so that a second process with its own WORK works on what the
# first does not (each process judges "done" from its own log.tsv, joined
# with the other processes' logs that LOGS names, e.g.
# LOGS=/work/other/log.tsv); a file WORK/stop ends the campaign after the running slice (and
# SIGINT to the running target ends that slice at once).
# Never pause it with SIGSTOP: libFuzzer's per-input timeout counts wall
# time, so the input running when it resumes is reported as a timeout.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$root/fuzz/campaign}
bin=${BIN:-$root/fuzz/target/x86_64-unknown-linux-gnu/release}
slice=${SLICE:-1200}
targets=(movie codecs mac disk web_plan archive sound)
mkdir -p "$work"
cd "$work" || exit 1
touch log.tsv

if [[ ${1:-} == table ]]; then
  for t in "${targets[@]}"; do
    # Not findings: rc 72, a slice interrupted (Ctrl+C, SIGINT: libFuzzer
    # prints its statistics and exits), "paused", a slice ended by a
    # SIGSTOP from outside (libFuzzer's per-input timer counts wall time),
    # and "starved", a 1 s timeout while other work held every core; both
    # with their input checked by hand (it reran well within the limits).
    awk -v t="$t" -F'\t' '$1==t{e+=$4; s+=$3; if ($5>c) c=$5; if ($6!=0 && $6!=72 && $6!="paused" && $6!="starved") f++} END{
      if (s==0) {printf "| `%s` | not run yet | | | | |\n", t; exit}
      printf "| `%s` | %\047d | %.1f h | %d | %d | %d |\n", t, e, s/3600, e/s, c, f+0}' log.tsv
  done
  exit 0
fi

while true; do
  any=0
  for t in ${ONLY:-codecs mac disk movie web_plan archive sound}; do
    # shellcheck disable=SC2086
    execs=$(cat log.tsv ${LOGS:-} | awk -v t="$t" -F'\t' '$1==t{s+=$4} END{print s+0}')
    # shellcheck disable=SC2086
    secs=$(cat log.tsv ${LOGS:-} | awk -v t="$t" -F'\t' '$1==t{s+=$3} END{print s+0}')
    if (( execs >= 10000000 || secs >= 7200 )); then continue; fi
    [[ -e stop ]] && exit 0
    any=1
    dict=$t
    [[ $t == web_plan ]] && dict=movie
    mkdir -p "corpus/$t" "artifacts/$t"
    start=$(date +%s)
    nice -n 10 "$bin/$t" "corpus/$t" "$root/fuzz/corpus/$t" -dict="$root/fuzz/dict/$dict.dict" \
      -max_total_time="$slice" -timeout=1 -rss_limit_mb=2048 -malloc_limit_mb=1100 \
      -artifact_prefix="artifacts/$t/" -print_final_stats=1 > "logs.$t.$start.txt" 2>&1
    rc=$?
    end=$(date +%s)
    n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "logs.$t.$start.txt" | awk '{print $2}')
    if [[ -z $n ]]; then
      # A crash ends the run without final statistics: its last status line.
      n=$(grep -oE '^#[0-9]+' "logs.$t.$start.txt" | tail -1 | tr -d '#')
    fi
    cov=$(grep -oE 'cov: [0-9]+' "logs.$t.$start.txt" | tail -1 | awk '{print $2}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$start" $((end - start)) "${n:-0}" "${cov:-0}" "$rc" >> log.tsv
  done
  (( any )) || exit 0
done
