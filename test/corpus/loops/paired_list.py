import mlflow

from .training import train
from .utils import ensure_experiment


def main():
    exp_id = ensure_experiment("decay-study")
    for lr, decay in [
        # first round: decay around 3e-4
        (1e-3, 3.0e-4),
        (1e-3, 3.5e-4),
        (1e-3, 4.0e-4),  # the previous best
        (5e-4, 3.0e-4),
    ]:
        with mlflow.start_run(
            run_name=f"lr-{lr:.1e}-decay-{decay:.1e}",
            experiment_id=exp_id,
            description="how decay interacts with the learning rate",
        ):
            mlflow.log_params({"lr": lr, "decay": decay, "steps": 10_000})
            train(step_count=10_000, lr=lr, decay=decay)


if __name__ == "__main__":
    main()
