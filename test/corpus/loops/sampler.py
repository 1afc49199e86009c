import mlflow
from sklearn.model_selection import ParameterSampler

space = {"lr": [1e-3, 1e-2], "batch_size": [32, 64]}

# every point of a small list-only space, in a random order
for params in ParameterSampler(space, n_iter=4, random_state=0):
    with mlflow.start_run():
        mlflow.log_params(params)
        train(**params)

# a few random points: which ones is only known when it runs
for params in ParameterSampler({"dropout": [0.1, 0.2, 0.3, 0.4], "wd": [0, 1e-4, 1e-3]}, n_iter=3):
    with mlflow.start_run():
        mlflow.log_params(params)
