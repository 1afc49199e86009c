import mlflow
from sklearn.model_selection import ParameterGrid

GRID = {
    "max_depth": [3, 6],
    "learning_rate": [0.05, 0.1, 0.3],
}


def run_grid(grid, rounds=100):
    for params in ParameterGrid(grid):
        with mlflow.start_run():
            mlflow.log_params({**params, "rounds": rounds})
            fit_booster(params, rounds)


def fit_booster(params, rounds):
    ...


if __name__ == "__main__":
    mlflow.set_experiment("xgb-grid")
    run_grid(GRID, rounds=300)
