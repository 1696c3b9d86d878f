#!/usr/bin/env bash
# A real standalone Spark cluster on 127.0.0.1 — a master and WORKERS workers with one core each — started from the Spark
# jars the build copies to perennial-spark/target/lib, then spark-submit's own entry point (SparkSubmit) submits the
# application jar (mvn -Pspark-app -DskipTests package) to it, and the cluster stops. docs/distributed.md.
# Usage: scripts/spark-cluster.sh CONFIG OUT_DIR [more spark-train flags, e.g. --local-steps 8]   (WORKERS=2: Spark workers
# and training workers)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
config="${1:?usage: scripts/spark-cluster.sh CONFIG OUT_DIR [spark-train flags]}"
out="${2:?usage: scripts/spark-cluster.sh CONFIG OUT_DIR [spark-train flags]}"
shift 2
app="$root/perennial-cli/target/perennial-spark-app.jar"
lib="$root/perennial-spark/target/lib"
[ -f "$app" ] && [ -d "$lib" ] || { echo "error: build first: mvn -Pspark-app -DskipTests package" >&2; exit 2; }

home="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${SPARK_CLUSTER_KEEP:-}" ] || rm -rf "$home"' EXIT
ln -s "$lib" "$home/jars" # a Spark home: workers start executors from its jars/
source "$root/bin/spark-java-options"
port="${SPARK_MASTER_PORT:-7077}"
export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 DJL_OFFLINE=true
java "${spark_java_options[@]}" -cp "$lib/*" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port 0 \
  >"$home/master.log" 2>&1 &
workers="${WORKERS:-2}"
for w in $(seq 1 "$workers"); do
  java "${spark_java_options[@]}" -cp "$lib/*" org.apache.spark.deploy.worker.Worker "spark://127.0.0.1:$port" --host 127.0.0.1 \
    --cores 1 --memory 2g --webui-port 0 --work-dir "$home/work$w" >"$home/worker$w.log" 2>&1 &
done
sleep 5
java "${spark_java_options[@]}" -cp "$lib/*" org.apache.spark.deploy.SparkSubmit --master "spark://127.0.0.1:$port" \
  --conf spark.driver.host=127.0.0.1 --conf spark.executor.memory=1g \
  --conf "spark.executor.extraJavaOptions=-Dai.djl.offline=true -Dai.djl.default_engine=PyTorch" \
  --conf spark.executorEnv.DJL_OFFLINE=true --conf spark.executorEnv.OMP_WAIT_POLICY=PASSIVE \
  --driver-java-options "-Dai.djl.offline=true -Dai.djl.default_engine=PyTorch" \
  --class ai.perennial.cli.Main "$app" spark-train "$config" --workers "$workers" --out "$out" "$@"
