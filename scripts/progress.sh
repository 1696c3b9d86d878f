# Overall progress for the scripts that run many trainings (sourced): after each run, on stderr, one plain line
# "[k/N runs, m:ss elapsed, about m:ss left]" — no escape codes, so logs stay readable. The time left is estimated
# from the runs trained in this invocation; runs kept from an earlier one count as done.
# Use: progress_init N; then per run either progress_kept or (after training it) progress_ran.
progress_init() { progress_total=$1; progress_done=0; progress_trained=0; progress_since=$SECONDS; }
progress_kept() { progress_done=$((progress_done + 1)); }
progress_ran() {
  progress_done=$((progress_done + 1))
  progress_trained=$((progress_trained + 1))
  local elapsed=$((SECONDS - progress_since))
  local left=$((elapsed * (progress_total - progress_done) / progress_trained))
  printf '[%d/%d runs, %d:%02d elapsed, about %d:%02d left]\n' "$progress_done" "$progress_total" $((elapsed / 60)) \
    $((elapsed % 60)) $((left / 60)) $((left % 60)) >&2
}
