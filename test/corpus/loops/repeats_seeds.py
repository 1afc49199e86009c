import mlflow
import random

mlflow.set_experiment("stability")
for lr in [0.1, 0.01]:
    for seed in range(3):
        random.seed(seed)
        with mlflow.start_run():
            mlflow.log_param("lr", lr)
            mlflow.log_metric("acc", train(lr))
