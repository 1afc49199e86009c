import argparse
import mlflow

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true")
parser.add_argument("--size", default="small")
args = parser.parse_args()

if args.quick:
    learning_rates = [1e-3, 1e-2]
else:
    learning_rates = [1e-3, 1e-2, 1e-1]

BATCHES = {"small": [16, 32], "large": [16, 128]}

for lr in learning_rates:
    for bs in BATCHES[args.size]:
        with mlflow.start_run():
            mlflow.log_params({"lr": lr, "bs": bs})
