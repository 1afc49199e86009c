import mlflow
from sklearn.model_selection import ParameterGrid
from torch.optim import SGD

sgd_space = {
    "optimizer": [SGD],
    "lr": [0.1, 0.01],
    "momentum": [0.9],
    "weight_decay": [1e-5, 1e-4],
}

for cfg in ParameterGrid(sgd_space):
    with mlflow.start_run():
        mlflow.log_params({k: v for k, v in cfg.items() if k != "optimizer"})
        train(cfg["optimizer"], cfg)
