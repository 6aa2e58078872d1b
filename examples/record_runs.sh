#!/usr/bin/env bash
# Run the demo and every example once and keep what each printed in examples/logs/<name>.log, with
# the date, the commit and the machine's load: the README's example table quotes these logs.
# Usage: bash examples/record_runs.sh [path/to/mnist] [path/to/tinyshakespeare/input.txt]
set -uo pipefail
cd "$(dirname "$0")/.."
MNIST=${1:-../shared/data/mnist}
TEXT=${2:-../shared/data/tinyshakespeare/input.txt}
mkdir -p examples/logs
run() {
    local name=$1
    shift
    {
        echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "# \$ $*"
        /usr/bin/time -f "# wall %e s, max RSS %M KB" "$@" 2>&1
        echo "# exit $?"
    } > "examples/logs/$name.log" 2>&1
}
run demo python3 -m ndgrad --out runs/demo --no-progress
run moons python3 examples/moons.py --out runs/moons
run custom_op python3 examples/custom_op.py
run higher_order python3 examples/higher_order.py
run mnist_mlp python3 examples/mnist_mlp.py --data-dir "$MNIST"
run mnist_cnn python3 examples/mnist_cnn.py --data-dir "$MNIST"
run export_onnx python3 examples/export_onnx.py --out runs/mnist_cnn.onnx
run char_gpt python3 examples/char_gpt.py --text "$TEXT" --minutes 5
