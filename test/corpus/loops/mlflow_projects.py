"""Launch the MLflow project once per combination (each mlflow.run is a run with those parameters)."""
import mlflow

EXPERIMENT = "/tabular-mlp"

# batch size kept fixed for this round
for batch in [16]:
    for layers in [1, 2, 4]:
        for units in [64, 256]:
            params = {
                "batch": batch,
                "layers": layers,
                "units": units,
                "seed": 7,  # same split everywhere
            }
            mlflow.run(
                ".",
                entry_point="train",
                parameters=params,
                experiment_name=EXPERIMENT,
            )
